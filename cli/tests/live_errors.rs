//! `convolve live`'s refusals that come before any audio: its help, IR sets that cannot be
//! routed, and a server that is not running. No JACK server is needed.
#![cfg(feature = "jack")]

mod common;

use std::process::Command;

fn live(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_convolve"))
        .arg("live")
        .args(args)
        .current_dir(dir)
        .env(
            "JACK_DEFAULT_SERVER",
            format!("convolve-absent-{}", std::process::id()),
        )
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_wav(path: &std::path::Path, channels: usize, rate: u32) {
    let spec = hound::WavSpec {
        channels: channels as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for v in common::noise(100 * channels, 1) {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn help_explains_routing_reload_and_the_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_convolve"))
        .args(["live", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "K = N x M",
        "--config",
        "SIGHUP",
        "--connect-in",
        "--ignore-rate",
        "xruns",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn refuses_bad_ir_sets_and_a_missing_server() {
    let dir = tempfile::tempdir().unwrap();
    write_wav(&dir.path().join("four.wav"), 4, 48000);
    std::fs::write(dir.path().join("routes.txt"), "1 1 four.wav 5\n").unwrap();
    for (args, needle) in [
        (
            &["live", "--inputs", "3", "four.wav"][..],
            "4 IR channels for 3 inputs",
        ),
        (
            &["live", "--config", "routes.txt"][..],
            "has 4 channel(s), not 5",
        ),
        (&["live", "missing.wav"][..], "missing.wav"),
    ] {
        common::fails(dir.path(), args, needle);
    }
    // libjack adds its own lines about the socket; ours is the last
    let (ok, err) = live(dir.path(), &["--inputs", "2", "four.wav"]);
    assert!(!ok && !err.contains("panicked"), "{err}");
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: cannot connect to the JACK server"),
        "{err}"
    );
}
