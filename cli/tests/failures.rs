//! Nothing lost when things go wrong: every bad input is one line and exit status 1 with the
//! inputs untouched and no file left behind; an output naming an input is refused; Ctrl-C and
//! SIGTERM remove the partial output; `--normalize peak` survives infinities.

mod common;

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use tempfile::TempDir;

fn setup() -> TempDir {
    let t = TempDir::new().unwrap();
    let d = t.path();
    write_npy(
        &d.join("x.npy"),
        "<f8",
        false,
        &[100],
        &f64_bytes(&noise(100, 1)),
    );
    write_npy(
        &d.join("k.npy"),
        "<f8",
        false,
        &[5],
        &f64_bytes(&noise(5, 2)),
    );
    t
}

#[test]
fn output_naming_an_input_is_refused() {
    let t = setup();
    let d = t.path();
    fails(
        d,
        &["apply", "x.npy", "k.npy", "-o", "x.npy"],
        "is the input `x.npy`",
    );
    fails(
        d,
        &["apply", "x.npy", "k.npy", "-o", "./k.npy"],
        "is the input `k.npy`",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("k.npy"), d.join("link.npy")).unwrap();
        fails(
            d,
            &["apply", "x.npy", "k.npy", "-o", "link.npy"],
            "is the input `k.npy`",
        );
        fs::hard_link(d.join("x.npy"), d.join("hard.npy")).unwrap();
        fails(
            d,
            &["apply", "x.npy", "k.npy", "-o", "hard.npy"],
            "is the input `x.npy`",
        );
    }
}

#[test]
fn bad_rates_sizes_and_paths_are_one_line_errors() {
    let t = setup();
    let d = t.path();
    fails(
        d,
        &["apply", "x.npy", "k.npy", "-o", "o.wav", "--rate", "0"],
        "--rate 0",
    );
    fails(
        d,
        &[
            "apply",
            "x.npy",
            "k.npy",
            "-o",
            "o.wav",
            "--rate",
            "4000000000",
        ],
        "4000000000 Hz cannot be written",
    );
    fails(
        d,
        &["apply", "x.npy", "k.npy", "-o", "no/such/dir/o.wav"],
        "cannot write `no/such/dir/o.wav`: the directory `no/such/dir` does not exist",
    );
    // A header claiming 4·10^12 elements: refused before any allocation.
    write_npy(
        &d.join("huge.npy"),
        "<f8",
        false,
        &[4_000_000_000_000],
        &f64_bytes(&[1.0; 10]),
    );
    fails(
        d,
        &["apply", "huge.npy", "k.npy", "-o", "o.npy"],
        "`huge.npy` is truncated or corrupt",
    );
    fails(
        d,
        &["apply", "x.npy", "huge.npy", "-o", "o.npy"],
        "`huge.npy` is truncated or corrupt",
    );
    write_npy(&d.join("over.npy"), "<f8", false, &[u64::MAX / 2, 4], &[]);
    fails(
        d,
        &[
            "apply",
            "over.npy",
            "k.npy",
            "-o",
            "o.npy",
            "--layout",
            "frames-first",
        ],
        "more than 2^64",
    );
    // A truncated .npy, and unreadable headers.
    let mut cut = fs::read(d.join("x.npy")).unwrap();
    cut.truncate(cut.len() - 3);
    fs::write(d.join("cut.npy"), &cut).unwrap();
    fails(
        d,
        &["apply", "cut.npy", "k.npy", "-o", "o.npy"],
        "`cut.npy` is truncated",
    );
    fs::write(d.join("junk.npy"), b"\x93NUMPY\x01\x00\x08\x00{'a': 1}").unwrap();
    fails(
        d,
        &["apply", "junk.npy", "k.npy", "-o", "o.npy"],
        "`junk.npy`: unreadable .npy header",
    );
    let header = "{'descr': é, 'fortran_order': False, 'shape': (1,), }\n";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy.extend_from_slice(header.as_bytes());
    npy.extend_from_slice(&[0; 8]);
    fs::write(d.join("utf8.npy"), npy).unwrap();
    fails(
        d,
        &["apply", "utf8.npy", "k.npy", "-o", "o.npy"],
        "unreadable .npy header",
    );
    write_npy(&d.join("str.npy"), "<U3", false, &[2], &[0; 24]);
    fails(
        d,
        &["apply", "str.npy", "k.npy", "-o", "o.npy"],
        "unsupported dtype \"<U3\"",
    );
    write_npy(&d.join("obj.npy"), "|O", false, &[1], &[0; 8]);
    fails(
        d,
        &["apply", "obj.npy", "k.npy", "-o", "o.npy"],
        "unsupported dtype",
    );
    write_npy(
        &d.join("cube.npy"),
        "<f8",
        false,
        &[2, 2, 2],
        &f64_bytes(&[0.0; 8]),
    );
    fails(
        d,
        &["apply", "cube.npy", "k.npy", "-o", "o.npy"],
        "a 3-D array",
    );
    // A truncated WAV: the header announces more samples than the file holds.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(d.join("full.wav"), spec).unwrap();
    for i in 0..2000 {
        w.write_sample((i % 100) as i16).unwrap();
    }
    w.finalize().unwrap();
    let mut wav = fs::read(d.join("full.wav")).unwrap();
    wav.truncate(wav.len() - 1000);
    fs::write(d.join("cut.wav"), &wav).unwrap();
    fs::remove_file(d.join("full.wav")).unwrap();
    fails(
        d,
        &["apply", "cut.wav", "k.npy", "-o", "o.wav"],
        "`cut.wav` is truncated",
    );
    fails(
        d,
        &["apply", "x.npy", "cut.wav", "-o", "o.wav"],
        "`cut.wav` is truncated",
    );
    // Complex data where real numbers are needed.
    write_npy(
        &d.join("c.npy"),
        "<c16",
        false,
        &[2],
        &f64_bytes(&[1.0, 2.0, 3.0, 4.0]),
    );
    fails(
        d,
        &["apply", "c.npy", "k.npy", "-o", "o.wav"],
        "the result is complex (complex128)",
    );
    fails(
        d,
        &[
            "apply",
            "c.npy",
            "k.npy",
            "-o",
            "o.npy",
            "--normalize",
            "peak",
        ],
        "--normalize peak needs real data",
    );
}

/// `--normalize peak` divides by the largest finite magnitude and says how many outputs are
/// not finite, instead of turning every output into 0.
#[test]
fn normalize_peak_skips_non_finite() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let mut x = vec![0.0; 40];
    x[0] = 2.0;
    x[30] = f64::INFINITY;
    write_npy(&d.join("x.npy"), "<f8", false, &[40], &f64_bytes(&x));
    write_npy(
        &d.join("k.npy"),
        "<f8",
        false,
        &[3],
        &f64_bytes(&[1.0, -1.0, 0.5]),
    );
    let out = run(
        d,
        &[
            "apply",
            "x.npy",
            "k.npy",
            "-o",
            "o.npy",
            "--normalize",
            "peak",
            "--method",
            "direct",
        ],
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The infinity reaches outputs 30, 31, 32: +inf, -inf, +inf.
    assert!(
        err.starts_with("warning: 3 of the outputs are not finite"),
        "{err}"
    );
    let y = bytes_f64(&read_npy(&d.join("o.npy")).3);
    assert_eq!(&y[..3], &[1.0, -1.0, 0.5]);
    assert!(y[30].is_infinite() && y[31].is_infinite() && y[32].is_infinite());
    assert_eq!(y.iter().filter(|v| v.is_finite() && **v != 0.0).count(), 3);
}

/// A long run killed by SIGTERM or SIGINT exits with 128 + the signal and leaves no partial
/// output; a previous output of the same name is untouched.
#[cfg(unix)]
#[test]
fn signals_remove_the_partial_output() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    // Long enough to be interrupted: a direct sum of 4·10^6 x 20,000 multiply-adds.
    let signal: Vec<u8> = noise(4_000_000, 3)
        .iter()
        .flat_map(|&v| (v as f32).to_le_bytes())
        .collect();
    fs::write(d.join("x.f32"), signal).unwrap();
    write_npy(
        &d.join("k.npy"),
        "<f8",
        false,
        &[20_000],
        &f64_bytes(&noise(20_000, 4)),
    );
    fs::write(d.join("o.f32"), b"previous").unwrap();
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let before = snapshot(d);
        let mut child = Command::new(env!("CARGO_BIN_EXE_convolve"))
            .current_dir(d)
            .args([
                "apply", "x.f32", "k.npy", "-o", "o.f32", "--method", "direct",
            ])
            .spawn()
            .unwrap();
        let start = Instant::now();
        let partial = || {
            fs::read_dir(d).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".convolve-partial-")
            })
        };
        while !partial() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no partial output appeared"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child, which has not been waited for, so the pid is live.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{signal}: {status:?}");
        assert!(snapshot(d) == before, "{signal}: the directory changed");
    }
}

#[test]
fn help_demo_and_bench_say_what_they_do() {
    let t = setup();
    let d = t.path();
    let help = String::from_utf8(run(d, &["apply", "--help"]).stdout).unwrap();
    for needle in [
        ".dat",
        ".raw",
        ".wave",
        "in the signal and in the kernel",
        "--layout",
        "U = max(2m, 65536)",
        "int8-int64",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}");
    }
    let out = run(d, &["demo", "-o", "x.npy"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("float32 .npy") && !text.contains("WAV,"),
        "{text}"
    );
    assert_eq!(read_npy(&d.join("x.npy")).0, "<f4");
    let out = run(
        d,
        &[
            "bench",
            "--quick",
            "--sizes",
            "2e3:64,3000:3000",
            "--dtype",
            "f32",
            "--mode",
            "same",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("f32, mode same")
            && text.contains("n (signal)")
            && text.contains("m (kernel)"),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with("2000 ") || l.trim_start().starts_with("3000 "))
            .count(),
        2,
        "{text}"
    );
    let out = run(d, &["bench", "--sizes", "1e6"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not n:m"));
}
