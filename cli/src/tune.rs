//! `convolve tune`: measures the cost models' rates on this CPU and saves the profile that
//! Auto, `choose_method` and the N-D and streaming layouts then use (`convolve::tune`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use convolve::{Effort, Profile};

/// `convolve tune --help`'s closing text.
pub const HELP: &str = "\
Auto chooses direct, FFT or overlap-add (and the N-D and streaming layouts) from a cost model
whose rates were measured on the project's machines. This measures them on this CPU, on one
thread, and writes a profile (a small text file) that every later call reads: this tool,
the Rust crate and the Python package. A profile is ignored on another CPU model, and
CONVOLVE_PROFILE=none ignores it everywhere; CONVOLVE_PROFILE=PATH reads another file.
Re-run after changing machine or upgrading convolve (a new format version ignores old files).

  convolve tune            under a minute (15 s on a quiet 2-core Xeon)
  convolve tune --quick    a few seconds, for a first look
  convolve tune --show     which profile is in use, and its factors";

/// `convolve tune`'s arguments.
#[derive(clap::Args, Debug)]
pub struct TuneArgs {
    /// Measure fewer, smaller problems: a few seconds instead of under a minute
    #[arg(long)]
    pub quick: bool,
    /// Write the profile here instead of the cache directory (or CONVOLVE_PROFILE's path)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Measure nothing: say which profile is in use and print it
    #[arg(long, conflicts_with_all = ["quick", "output"])]
    pub show: bool,
}

/// What `convolve tune` does.
pub struct Options<'a> {
    /// A few seconds of measurement instead of under a minute.
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
            "a few seconds"
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
        "measured in {:.1} s; factors on the models' base rates, fitted on an AMD Zen 3 (2 = twice as slow here)",
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
