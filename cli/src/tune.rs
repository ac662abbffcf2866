//! `convolve tune`: measures the cost models' rates on this CPU and saves the profile that
//! Auto, `choose_method` and the N-D and streaming layouts then use (`convolve::tune`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use convolve::{Effort, Profile};

/// What `convolve tune` does.
pub struct Options<'a> {
    /// About 10 s of measurement instead of under a minute.
    pub quick: bool,
    /// Where to write the profile (default: [`Profile::default_path`], or `CONVOLVE_PROFILE`).
    pub output: Option<&'a Path>,
    /// Only say which profile is in use, and print it.
    pub show: bool,
}

/// Where the profile goes: `--output`, else `CONVOLVE_PROFILE` (a path, not `none`), else the
/// cache directory.
fn destination(output: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = output {
        return Ok(path.to_path_buf());
    }
    if let Some(v) = std::env::var_os("CONVOLVE_PROFILE").filter(|v| !v.is_empty() && v != "none") {
        return Ok(PathBuf::from(v));
    }
    Profile::default_path()
        .context("this system has no cache directory for the profile; give --output PATH")
}

/// Runs `convolve tune`.
pub fn run(options: &Options<'_>) -> Result<()> {
    if options.show {
        println!("in use: {}", Profile::status());
        print!("{}", Profile::active());
        return Ok(());
    }
    let path = destination(options.output)?;
    // A folder that cannot be made fails now, not after the measurement.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot write the profile into {}", dir.display()))?;
    }
    let effort = if options.quick {
        Effort::Quick
    } else {
        Effort::Full
    };
    eprintln!(
        "measuring the cost models' rates on {} ({}, one thread; {})",
        convolve::cpu_name(),
        if options.quick { "--quick" } else { "full" },
        if options.quick {
            "about 10 s"
        } else {
            "under a minute"
        }
    );
    let start = Instant::now();
    let profile = convolve::tune_with(effort, &mut |line| eprintln!("  {line}"))
        .context("measuring the rates")?;
    profile
        .save(&path)
        .with_context(|| format!("saving the profile to {}", path.display()))?;
    eprintln!(
        "measured in {:.1} s; factors on the shipped rates (1 = as shipped, 2 = twice as slow here)",
        start.elapsed().as_secs_f64()
    );
    println!("wrote {}", path.display());
    if options.output.is_some()
        && std::env::var_os("CONVOLVE_PROFILE").is_none_or(|v| Path::new(&v) != path)
        && Profile::default_path().is_none_or(|d| d != path)
    {
        println!(
            "to use it: CONVOLVE_PROFILE={} (the default place is {})",
            path.display(),
            Profile::default_path().map_or("none".into(), |d| d.display().to_string())
        );
    }
    Ok(())
}
