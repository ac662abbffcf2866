//! `convolve tune`: writes a profile that later runs read on this CPU only, and `--show` says
//! which one is in use and why.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

/// Runs `convolve args…` with `CONVOLVE_PROFILE` set to `profile`.
fn with_profile(dir: &Path, profile: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_convolve"))
        .current_dir(dir)
        .env("CONVOLVE_PROFILE", profile)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tune_writes_a_profile_that_show_reports() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("p.txt");
    let out = with_profile(
        dir.path(),
        "none",
        &["tune", "--quick", "-o", path.to_str().unwrap()],
    );
    assert!(stdout(&out).contains("wrote"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for family in ["1-D", "N-D", "separable", "streaming"] {
        assert!(stderr.contains(family), "{stderr}");
    }
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("version = 1") && text.contains("f64.direct = "));

    let shown = stdout(&with_profile(
        dir.path(),
        path.to_str().unwrap(),
        &["tune", "--show"],
    ));
    assert!(shown.contains("measured on this CPU"), "{shown}");
    let factor = |t: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix("f64.direct = "))
            .unwrap()
            .to_string()
    };
    assert_eq!(factor(&shown), factor(&text));

    // Another CPU's profile is ignored, and the reason names it.
    let other = dir.path().join("other.txt");
    let cpu = text.lines().find(|l| l.starts_with("cpu = ")).unwrap();
    fs::write(&other, text.replace(cpu, "cpu = Some Other CPU")).unwrap();
    let shown = stdout(&with_profile(
        dir.path(),
        other.to_str().unwrap(),
        &["tune", "--show"],
    ));
    assert!(
        shown.contains("not this CPU") && shown.contains("Some Other CPU"),
        "{shown}"
    );
    let shipped = stdout(&with_profile(dir.path(), "none", &["tune", "--show"]));
    assert!(shipped.contains("CONVOLVE_PROFILE=none"), "{shipped}");
    assert_eq!(factor(&shown), factor(&shipped));
}

#[test]
fn tune_into_an_unwritable_place_is_an_error() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let target = file.join("p.txt");
    let out = with_profile(
        dir.path(),
        "none",
        &["tune", "--quick", "-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write"), "{stderr}");
}
