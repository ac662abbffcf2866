//! `--gain`, `--mix`, `--tail`, `--mode aligned` and `--normalize LEVEL` against expectations
//! computed here from the library's full result, to rounding: in one call, streamed in blocks
//! and streamed from stdin with an unknown length (bit for bit as from the file).

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use convolve::{Method, Mode, convolve_with};
use tempfile::TempDir;

const N: usize = 3000;
const M: usize = 200;

/// `x.f64` (N frames), `short.f64` (50 frames), `k.npy` (M taps) and the stereo `k2.npy`.
fn setup() -> (TempDir, Vec<f64>, Vec<f64>, Vec<f64>) {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let x = noise(N, 21);
    let short = noise(50, 22);
    let k = noise(M, 23);
    fs::write(d.join("x.f64"), f64_bytes(&x)).unwrap();
    fs::write(d.join("short.f64"), f64_bytes(&short)).unwrap();
    write_npy(&d.join("k.npy"), "<f8", false, &[M as u64], &f64_bytes(&k));
    let k2: Vec<f64> = k
        .iter()
        .zip(noise(M, 24))
        .flat_map(|(&a, b)| [a, b])
        .collect();
    write_npy(
        &d.join("k2.npy"),
        "<f8",
        false,
        &[M as u64, 2],
        &f64_bytes(&k2),
    );
    (t, x, short, k)
}

/// Runs `args` and reads `out.f64`, removing it.
fn out_of(d: &Path, args: &[&str]) -> Vec<f64> {
    ok(
        d,
        &[args, &["-o", "out.f64", "--method", "direct"][..]].concat(),
    );
    let y = bytes_f64(&fs::read(d.join("out.f64")).unwrap());
    fs::remove_file(d.join("out.f64")).unwrap();
    y
}

fn full(x: &[f64], k: &[f64]) -> Vec<f64> {
    convolve_with(x, k, Mode::Full, Method::Direct).unwrap()
}

fn db(g: f64) -> f64 {
    10f64.powf(g / 20.0)
}

/// `(1 - wet) * dry + wet * gain * full` over full-result positions `lo .. end`, the dry
/// signal at its own positions (0 past its end), in the tool's order of operations.
fn mixed(x: &[f64], y: &[f64], lo: usize, end: usize, gain: f64, wet: f64) -> Vec<f64> {
    (lo..end)
        .map(|i| {
            let w = y[i] * (wet * gain);
            if wet == 1.0 {
                w
            } else {
                w + x.get(i).copied().unwrap_or(0.0) * (1.0 - wet)
            }
        })
        .collect()
}

fn assert_near(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-12, "{what}: [{i}] {g} vs {w}");
    }
}

/// In one call and in blocks of 256 frames (the signal streamed) the results agree with the
/// full result's window, mixed, to rounding.
#[test]
fn gain_mix_tail_and_aligned_equal_the_full_result() {
    let (t, x, short, k) = setup();
    let d = t.path();
    let y = full(&x, &k);
    let (same_lo, valid_lo) = ((M - 1) / 2, M - 1);
    let g6 = db(-6.0);
    let cases: Vec<(Vec<&str>, Vec<f64>)> = vec![
        (vec!["--gain", "-6"], mixed(&x, &y, 0, N + M - 1, g6, 1.0)),
        (
            vec!["--gain=-6dB", "--mix", "0.3"],
            mixed(&x, &y, 0, N + M - 1, g6, 0.3),
        ),
        (vec!["--mode", "aligned"], y[..N].to_vec()),
        (vec!["--tail", "cut"], y[..N].to_vec()),
        (
            vec!["--mode", "aligned", "--mix", "0.5"],
            mixed(&x, &y, 0, N, 1.0, 0.5),
        ),
        (
            vec!["--mode", "same", "--mix", "0.25"],
            mixed(&x, &y, same_lo, same_lo + N, 1.0, 0.25),
        ),
        (
            vec!["--mode", "same", "--tail", "cut"],
            y[same_lo..N].to_vec(),
        ),
        (
            vec!["--mode", "valid", "--mix", "0.5"],
            mixed(&x, &y, valid_lo, N, 1.0, 0.5),
        ),
        (vec!["--mix", "0"], mixed(&x, &y, 0, N + M - 1, 1.0, 0.0)),
    ];
    for (opts, want) in &cases {
        let args = [&["apply", "x.f64", "k.npy"][..], opts].concat();
        assert_near(&out_of(d, &args), want, &format!("{opts:?} in one call"));
        let streamed = [&args[..], &["--block-len", "256"]].concat();
        assert_near(&out_of(d, &streamed), want, &format!("{opts:?} streamed"));
    }
    // A signal shorter than the kernel: numpy's `same` window starts (n - 1) / 2 in.
    let ys = full(&short, &k);
    let lo = (short.len() - 1) / 2;
    let args = [
        "apply",
        "short.f64",
        "k.npy",
        "--mode",
        "same",
        "--mix",
        "0.4",
    ];
    let want = mixed(&short, &ys, lo, lo + M, 1.0, 0.4);
    assert_near(&out_of(d, &args), &want, "short, same");
    let args = ["apply", "short.f64", "k.npy", "--mode", "aligned"];
    assert_near(&out_of(d, &args), &ys[..short.len()], "short, aligned");
}

/// A mono signal through a stereo kernel: the dry signal goes to both channels.
#[test]
fn mono_dry_mixes_into_every_channel() {
    let (t, x, _, _) = setup();
    let d = t.path();
    let (_, _, shape, data) = {
        ok(
            d,
            &[
                "apply", "x.f64", "k2.npy", "-o", "st.npy", "--mix", "0.3", "--gain", "-3",
                "--method", "direct",
            ],
        );
        read_npy(&d.join("st.npy"))
    };
    assert_eq!(shape, [(N + M - 1) as u64, 2]);
    let got = bytes_f64(&data);
    let (_, _, _, kb) = read_npy(&d.join("k2.npy"));
    let kk = bytes_f64(&kb);
    for c in 0..2 {
        let kc: Vec<f64> = kk.iter().skip(c).step_by(2).copied().collect();
        let want = mixed(&x, &full(&x, &kc), 0, N + M - 1, db(-3.0), 0.3);
        let ch: Vec<f64> = got.iter().skip(c).step_by(2).copied().collect();
        assert_near(&ch, &want, &format!("channel {c}"));
    }
    // A .npy header announces the cut length before the first frame is written.
    for (mode, frames) in [
        ("aligned", N),
        ("same", N - (M - 1) / 2),
        ("valid", N - M + 1),
    ] {
        let args = [
            "apply", "x.f64", "k2.npy", "-o", "cut.npy", "--mode", mode, "--tail", "cut",
        ];
        let args = if mode == "aligned" {
            &args[..7]
        } else {
            &args[..]
        };
        ok(d, args);
        let (_, _, shape, data) = read_npy(&d.join("cut.npy"));
        assert_eq!(shape, [frames as u64, 2], "{mode}");
        assert_eq!(data.len(), frames * 2 * 8);
        fs::remove_file(d.join("cut.npy")).unwrap();
    }
}

/// A float WAV whose sizes are unset (as on a pipe): its length is known only at its end.
fn streamed_wav(x: &[f64]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&3u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&48_000u32.to_le_bytes());
    b.extend_from_slice(&(48_000u32 * 4).to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&32u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    for &v in x {
        b.extend_from_slice(&(v as f32).to_le_bytes());
    }
    b
}

/// From stdin, of unknown length, shorter than the kernel (read whole) or streamed: the same
/// bytes as from the file.
#[test]
fn stdin_of_unknown_length_mixes_as_a_file() {
    let (t, x, short, k) = setup();
    let d = t.path();
    for (sig, block) in [(&short, "256"), (&x, "256"), (&x, "100000")] {
        let wav = streamed_wav(sig);
        fs::write(d.join("s.wav"), &wav).unwrap();
        let opts = [
            "k.npy",
            "--mode",
            "aligned",
            "--mix",
            "0.3",
            "--gain",
            "-2",
            "--block-len",
            block,
        ];
        let from_file = out_of(d, &[&["apply", "s.wav"][..], &opts[..]].concat());
        let stored: Vec<f64> = sig.iter().map(|&v| f64::from(v as f32)).collect();
        let want = mixed(&stored, &full(&stored, &k), 0, sig.len(), db(-2.0), 0.3);
        assert_near(&from_file, &want, "file");
        let tail = ["--method", "direct", "-o", "pipe.f64"];
        let args = [&["apply", "-"][..], &opts[..], &tail[..]].concat();
        let mut child = Command::new(env!("CARGO_BIN_EXE_convolve"))
            .current_dir(d)
            .args(&args)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&wav).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let piped = bytes_f64(&fs::read(d.join("pipe.f64")).unwrap());
        assert!(piped == from_file, "{} frames, block {block}", sig.len());
        fs::remove_file(d.join("pipe.f64")).unwrap();
    }
}

/// `--normalize LEVEL` scales what is written (the mix) to that peak; `peak` is 0 dBFS and a
/// level may be written without its unit.
#[test]
fn normalize_to_a_level_acts_on_the_mix() {
    let (t, x, _, k) = setup();
    let d = t.path();
    let m = mixed(&x, &full(&x, &k), 0, N + M - 1, 1.0, 0.5);
    let peak = m.iter().fold(0.0f64, |p, v| p.max(v.abs()));
    let target = db(-1.0);
    let want: Vec<f64> = m.iter().map(|v| v * (target / peak)).collect();
    // The unit may be left out.
    for level in ["-1dBFS", "-1"] {
        let got = out_of(
            d,
            &[
                "apply",
                "x.f64",
                "k.npy",
                "--mix",
                "0.5",
                "--normalize",
                level,
            ],
        );
        assert_near(&got, &want, level);
        let top = got.iter().fold(0.0f64, |p, v| p.max(v.abs()));
        assert!((top - target).abs() < 1e-15, "peak {top}");
    }
    let got = out_of(d, &["apply", "x.f64", "k.npy", "--normalize", "peak"]);
    let top = got.iter().fold(0.0f64, |p, v| p.max(v.abs()));
    assert!((top - 1.0).abs() < 1e-15, "peak {top}");
}

#[test]
fn mixing_options_are_checked() {
    let (t, _, _, _) = setup();
    let d = t.path();
    let base = ["apply", "x.f64", "k.npy", "-o", "o.f64"];
    let bad: [(&[&str], &str); 4] = [
        (&["--mix", "1.5"], "--mix 1.5: the wet share goes from 0"),
        (
            &["--mix", "0.5", "--correlate"],
            "a correlation has no dry signal",
        ),
        (
            &["--mode", "aligned", "--tail", "keep"],
            "--mode aligned cuts the tail",
        ),
        (&["--mix", "NaN"], "--mix NaN"),
    ];
    for (opts, needle) in bad {
        fails(d, &[&base[..], opts].concat(), needle);
    }
    for opts in [["--gain", "loud"], ["--normalize", "max"]] {
        let out = run(d, &[&base[..], &opts[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{opts:?}");
    }
}
