//! End-to-end: the built `convolve` binary on small generated files of every format, compared
//! with the library; streaming in small blocks against the one-shot result; every error case's
//! message, exit status and absence of output.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use convolve::{Method, Mode, convolve_with, correlate_with};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

fn convolve_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_convolve"))
}

/// Runs `convolve args…` in `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    convolve_bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs a command that must succeed quietly: stderr is not a terminal here, so no progress
/// bar and no summary; `apply` prints nothing on stdout either.
fn ok(dir: &Path, args: &[&str]) {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "convolve {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{args:?}: stderr not quiet");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not quiet");
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `len` values uniform in -0.5..0.5.
fn noise(len: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..len).map(|_| r.random_range(-0.5..0.5)).collect()
}

/// `len` small integers as floats: sums of their products are exact in any order.
fn small_ints(len: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..len)
        .map(|_| f64::from(r.random_range(-8i32..=8)))
        .collect()
}

// ------------------------------------------------------------------ writers and readers

#[derive(Clone, Copy, Debug)]
enum Wav {
    Int(u16),
    Float,
}

/// Writes `channels` (values representable in the encoding) and returns what the tool reads
/// back: integers scaled by 2^(bits-1).
fn write_wav(path: &Path, enc: Wav, rate: u32, channels: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (bits, format) = match enc {
        Wav::Int(b) => (b, hound::SampleFormat::Int),
        Wav::Float => (32, hound::SampleFormat::Float),
    };
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: format,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut seen = vec![Vec::new(); channels.len()];
    for i in 0..channels[0].len() {
        for (c, ch) in channels.iter().enumerate() {
            match enc {
                Wav::Int(b) => {
                    let full = f64::from(1u32 << (b - 1));
                    let q = (ch[i] * full).round().clamp(-full, full - 1.0) as i32;
                    w.write_sample(q).unwrap();
                    seen[c].push(f64::from(q) / full);
                }
                Wav::Float => {
                    w.write_sample(ch[i] as f32).unwrap();
                    seen[c].push(f64::from(ch[i] as f32));
                }
            }
        }
    }
    w.finalize().unwrap();
    seen
}

fn read_wav(path: &Path) -> (Vec<Vec<f64>>, hound::WavSpec) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    assert_eq!(spec.bits_per_sample, 32);
    let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    let c = usize::from(spec.channels);
    let chans = (0..c)
        .map(|k| s.iter().skip(k).step_by(c).map(|&x| f64::from(x)).collect())
        .collect();
    (chans, spec)
}

fn write_npy_f64(path: &Path, x: &[f64]) {
    npyz::to_file_1d(path, x.iter().copied()).unwrap();
}

fn write_npy_f32(path: &Path, x: &[f64]) -> Vec<f64> {
    npyz::to_file_1d(path, x.iter().map(|&v| v as f32)).unwrap();
    x.iter().map(|&v| f64::from(v as f32)).collect()
}

/// A 1-D (or `(frames, channels)`) `.npy` as f64 channels.
fn read_npy(path: &Path) -> Vec<Vec<f64>> {
    let bytes = fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    let c = if shape.len() == 2 {
        shape[1] as usize
    } else {
        1
    };
    let flat: Vec<f64> = match npy.dtype().descr().as_str() {
        "'<f4'" => npy
            .into_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect(),
        "'<f8'" => npy.into_vec::<f64>().unwrap(),
        other => panic!("unexpected dtype {other}"),
    };
    (0..c)
        .map(|k| flat.iter().skip(k).step_by(c).copied().collect())
        .collect()
}

fn npy_dtype(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    npyz::NpyFile::new(&bytes[..]).unwrap().dtype().descr()
}

fn write_text(path: &Path, x: &[f64]) {
    let s: String = x.iter().map(|v| format!("{v}\n")).collect();
    fs::write(path, s).unwrap();
}

fn read_text(path: &Path) -> Vec<Vec<f64>> {
    let text = fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c]).collect())
        .collect()
}

fn write_raw(path: &Path, x: &[f64], width: usize) -> Vec<f64> {
    let mut bytes = Vec::new();
    for &v in x {
        if width == 4 {
            bytes.extend_from_slice(&(v as f32).to_le_bytes());
        } else {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    fs::write(path, bytes).unwrap();
    if width == 4 {
        x.iter().map(|&v| f64::from(v as f32)).collect()
    } else {
        x.to_vec()
    }
}

fn read_raw(path: &Path, width: usize) -> Vec<f64> {
    let bytes = fs::read(path).unwrap();
    if width == 4 {
        bytes
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes(b.try_into().unwrap())))
            .collect()
    } else {
        bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }
}

/// Files in `dir` (to check that a failure leaves nothing behind).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn library(x: &[f64], k: &[f64], mode: Mode, method: Method, correlate: bool) -> Vec<f64> {
    if correlate {
        correlate_with(x, k, mode, method).unwrap()
    } else {
        convolve_with(x, k, mode, method).unwrap()
    }
}

/// `|got - want| <= 8·ε·log2(len)·‖x‖·‖k‖` element-wise, and equal lengths.
fn assert_close(got: &[f64], want: &[f64], x: &[f64], k: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let tol = 8.0 * f64::EPSILON * ((x.len() + k.len()) as f64).log2() * norm(x) * norm(k);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: [{i}] {g} vs {w} (tol {tol:e})"
        );
    }
}

// ------------------------------------------------------------------ results

/// Every input format, read into f64 and convolved in one call, gives exactly the library's
/// result on the values the file holds.
#[test]
fn every_input_format_equals_library() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let x = noise(300, 1);
    let k = noise(17, 2);
    write_text(&d.join("k.txt"), &k);
    let mut cases: Vec<(String, Vec<f64>, Vec<&str>)> = Vec::new();
    for (name, enc) in [
        ("s16.wav", Wav::Int(16)),
        ("s24.wav", Wav::Int(24)),
        ("s32.wav", Wav::Int(32)),
        ("f32.wav", Wav::Float),
    ] {
        let seen = write_wav(&d.join(name), enc, 44_100, std::slice::from_ref(&x));
        cases.push((name.into(), seen.into_iter().next().unwrap(), vec![]));
    }
    write_npy_f64(&d.join("s64.npy"), &x);
    cases.push(("s64.npy".into(), x.clone(), vec![]));
    let x32 = write_npy_f32(&d.join("s32.npy"), &x);
    cases.push(("s32.npy".into(), x32, vec![]));
    write_text(&d.join("s.txt"), &x);
    cases.push(("s.txt".into(), x.clone(), vec![]));
    let csv: String = std::iter::once("time,level\n".to_string())
        .chain(x.iter().enumerate().map(|(i, v)| format!("{i},{v}\n")))
        .collect();
    fs::write(d.join("s.csv"), csv).unwrap();
    cases.push(("s.csv".into(), x.clone(), vec!["--column", "level"]));
    let raw32 = write_raw(&d.join("s.f32"), &x, 4);
    cases.push(("s.f32".into(), raw32, vec![]));
    let raw64 = write_raw(&d.join("s.f64"), &x, 8);
    cases.push(("s.f64".into(), raw64, vec![]));

    for (name, seen, extra) in &cases {
        let mut args = vec!["apply", name, "k.txt", "-o", "out.npy", "--mode", "same"];
        args.extend(extra);
        ok(d, &args);
        let got = read_npy(&d.join("out.npy"));
        assert_eq!(got.len(), 1);
        let want = library(seen, &k, Mode::Same, Method::Auto, false);
        assert_eq!(got[0], want, "{name}");
    }
}

/// Every output format holds the library's result (rounded to f32 where the format is f32).
#[test]
fn every_output_format_equals_library() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let x = noise(500, 3);
    let k = noise(40, 4);
    write_npy_f64(&d.join("x.npy"), &x);
    write_npy_f64(&d.join("k.npy"), &k);
    let want = library(&x, &k, Mode::Full, Method::Auto, false);
    let want32: Vec<f64> = want.iter().map(|&v| f64::from(v as f32)).collect();
    for out in ["o.npy", "o.txt", "o.csv", "o.f64", "o.f32", "o.wav"] {
        ok(d, &["apply", "x.npy", "k.npy", "-o", out]);
        let p = d.join(out);
        let got = match out {
            "o.npy" => read_npy(&p).remove(0),
            "o.txt" | "o.csv" => read_text(&p).remove(0),
            "o.f64" => read_raw(&p, 8),
            "o.f32" => read_raw(&p, 4),
            _ => {
                let (c, spec) = read_wav(&p);
                assert_eq!(spec.sample_rate, 48_000, "default --rate");
                c.into_iter().next().unwrap()
            }
        };
        let expected = if out.ends_with("32") || out.ends_with("wav") {
            &want32
        } else {
            &want
        };
        assert_eq!(&got, expected, "{out}");
    }
    // --dtype f32 computes in f32 and writes a float32 .npy equal to the library's f32 result.
    ok(
        d,
        &["apply", "x.npy", "k.npy", "-o", "o32.npy", "--dtype", "f32"],
    );
    assert_eq!(npy_dtype(&d.join("o32.npy")), "'<f4'");
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let k32: Vec<f32> = k.iter().map(|&v| v as f32).collect();
    let want: Vec<f64> = convolve_with(&x32, &k32, Mode::Full, Method::Auto)
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect();
    assert_eq!(read_npy(&d.join("o32.npy"))[0], want);
}

/// Every mode, method and operation, with the kernel shorter and longer than the signal.
#[test]
fn modes_methods_and_correlate_equal_library() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    for (n, m) in [(64, 9), (6, 11), (10, 10)] {
        let x = noise(n, 5 + n as u64);
        let k = noise(m, 6 + m as u64);
        write_raw(&d.join("x.f64"), &x, 8);
        write_raw(&d.join("k.f64"), &k, 8);
        for mode in ["full", "same", "valid"] {
            for method in ["auto", "direct", "fft", "overlap-add"] {
                for correlate in [false, true] {
                    let mut args = vec![
                        "apply", "x.f64", "k.f64", "-o", "o.f64", "--mode", mode, "--method",
                        method,
                    ];
                    if correlate {
                        args.push("--correlate");
                    }
                    ok(d, &args);
                    let want = library(
                        &x,
                        &k,
                        mode.parse().unwrap(),
                        method.parse().unwrap(),
                        correlate,
                    );
                    assert_eq!(read_raw(&d.join("o.f64"), 8), want, "{args:?}");
                }
            }
        }
    }
}

/// A mono kernel applies to every channel; a stereo kernel pairs channels; the output WAV
/// keeps the sample rate.
#[test]
fn multichannel_wav() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let sig = write_wav(
        &d.join("s.wav"),
        Wav::Int(16),
        22_050,
        &[noise(400, 7), noise(400, 8)],
    );
    let mono = write_wav(&d.join("k1.wav"), Wav::Float, 22_050, &[noise(33, 9)]);
    let stereo = write_wav(
        &d.join("k2.wav"),
        Wav::Int(24),
        22_050,
        &[noise(33, 10), noise(33, 11)],
    );
    for (kname, kern) in [("k1.wav", &mono), ("k2.wav", &stereo)] {
        ok(
            d,
            &["apply", "s.wav", kname, "-o", "o.npy", "--mode", "valid"],
        );
        let got = read_npy(&d.join("o.npy"));
        assert_eq!(got.len(), 2);
        for c in 0..2 {
            let want = library(
                &sig[c],
                &kern[c % kern.len()],
                Mode::Valid,
                Method::Auto,
                false,
            );
            assert_eq!(got[c], want, "{kname} channel {c}");
        }
        ok(d, &["apply", "s.wav", kname, "-o", "o.wav"]);
        let (w, spec) = read_wav(&d.join("o.wav"));
        assert_eq!((spec.channels, spec.sample_rate), (2, 22_050));
        assert_eq!(w[1].len(), 400 + 33 - 1);
    }
}

/// A long input streamed in small blocks equals the one-shot result: exactly with the direct
/// sum on small integers (every partial sum is exact), within rounding with the transforms.
/// Blocks shorter than the kernel are included.
#[test]
fn streaming_in_small_blocks_equals_one_shot() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let x = small_ints(5_000, 12);
    let k = small_ints(37, 13);
    write_raw(&d.join("x.f64"), &x, 8);
    write_npy_f64(&d.join("k.npy"), &k);
    for block in ["10", "64", "1000"] {
        for mode in ["full", "same", "valid"] {
            for correlate in [false, true] {
                for method in ["direct", "auto"] {
                    let mut args = vec![
                        "apply",
                        "x.f64",
                        "k.npy",
                        "-o",
                        "o.npy",
                        "--mode",
                        mode,
                        "--method",
                        method,
                        "--block-len",
                        block,
                    ];
                    if correlate {
                        args.push("--correlate");
                    }
                    ok(d, &args);
                    let got = read_npy(&d.join("o.npy")).remove(0);
                    let want = library(&x, &k, mode.parse().unwrap(), Method::Direct, correlate);
                    if method == "direct" {
                        assert_eq!(got, want, "{args:?}");
                    } else {
                        assert_close(&got, &want, &x, &k, &format!("{args:?}"));
                    }
                }
            }
        }
    }
    // A multi-channel WAV streams the same way.
    let sig = write_wav(
        &d.join("s.wav"),
        Wav::Float,
        8_000,
        &[noise(3_000, 14), noise(3_000, 15)],
    );
    ok(
        d,
        &[
            "apply",
            "s.wav",
            "k.npy",
            "-o",
            "o.npy",
            "--block-len",
            "100",
            "--mode",
            "same",
        ],
    );
    let got = read_npy(&d.join("o.npy"));
    for c in 0..2 {
        let want = library(&sig[c], &k, Mode::Same, Method::Auto, false);
        assert_close(&got[c], &want, &sig[c], &k, "stereo stream");
    }
}

/// Every streamable input format gives the one-shot result when read in blocks of 50 frames.
#[test]
fn every_input_format_streams() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let x = noise(1_000, 30);
    let k = noise(21, 31);
    write_npy_f64(&d.join("k.npy"), &k);
    let mut cases: Vec<(&str, Vec<f64>, Vec<&str>)> = Vec::new();
    let seen = write_wav(
        &d.join("s.wav"),
        Wav::Int(24),
        16_000,
        std::slice::from_ref(&x),
    );
    cases.push(("s.wav", seen.into_iter().next().unwrap(), vec![]));
    cases.push(("s.npy", write_npy_f32(&d.join("s.npy"), &x), vec![]));
    let csv: String = std::iter::once("# exported\nt;v\n".to_string())
        .chain(x.iter().enumerate().map(|(i, v)| format!("{i};{v}\n")))
        .collect();
    fs::write(d.join("s.csv"), csv).unwrap();
    cases.push(("s.csv", x.clone(), vec!["--column", "1"]));
    cases.push(("s.f32", write_raw(&d.join("s.f32"), &x, 4), vec![]));
    for (name, seen, extra) in &cases {
        let mut args = vec![
            "apply",
            name,
            "k.npy",
            "-o",
            "o.npy",
            "--block-len",
            "50",
            "--mode",
            "valid",
        ];
        args.extend(extra);
        ok(d, &args);
        let got = read_npy(&d.join("o.npy")).remove(0);
        let want = library(seen, &k, Mode::Valid, Method::Auto, false);
        assert_close(&got, &want, seen, &k, name);
    }
}

/// `--normalize peak` scales the result so that its largest magnitude is 1.
#[test]
fn normalize_peak() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let x = noise(2_000, 16);
    let k = noise(50, 17);
    write_raw(&d.join("x.f64"), &x, 8);
    write_raw(&d.join("k.f64"), &k, 8);
    for block in ["64", "100000"] {
        ok(
            d,
            &[
                "apply",
                "x.f64",
                "k.f64",
                "-o",
                "o.f64",
                "--normalize",
                "peak",
                "--block-len",
                block,
            ],
        );
        let got = read_raw(&d.join("o.f64"), 8);
        let want = library(&x, &k, Mode::Full, Method::Auto, false);
        let peak = want.iter().fold(0.0f64, |p, v| p.max(v.abs()));
        let scaled: Vec<f64> = want.iter().map(|v| v * (1.0 / peak)).collect();
        assert_close(&got, &scaled, &x, &k, "normalized");
        let got_peak = got.iter().fold(0.0f64, |p, v| p.max(v.abs()));
        assert!((got_peak - 1.0).abs() < 1e-12, "peak {got_peak}");
    }
}

/// `demo` writes demo-out.wav in the current directory: the synthesized song through the room.
#[test]
fn demo_writes_wav() {
    let dir = TempDir::new().unwrap();
    let out = run(dir.path(), &["demo"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("method"), "{text}");
    let (w, spec) = read_wav(&dir.path().join("demo-out.wav"));
    assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
    assert_eq!(w[0].len(), 192_000 + 72_000 - 1);
    let peak = w.iter().flatten().fold(0.0f64, |p, v| p.max(v.abs()));
    assert!((peak - 1.0).abs() < 1e-6, "peak-normalized, got {peak}");
}

#[test]
fn help_teaches_formats_and_modes() {
    let out = convolve_bin().args(["apply", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        ".wav",
        ".npy",
        ".csv",
        ".f32",
        "--column",
        "max(n, m)",
        "overlap-add",
    ] {
        assert!(help.contains(needle), "help lacks {needle}");
    }
    assert!(
        !help.contains("block-len"),
        "the testing option stays hidden"
    );
}

// ------------------------------------------------------------------ errors

/// Runs a failing command: the exit status, one line on stderr containing `needle` and no
/// panic text, nothing on stdout, no new file in the directory (no output, no temporary) and
/// every file byte-identical.
fn fails(dir: &Path, args: &[&str], code: i32, needle: &str) {
    let before = listing(dir);
    let contents: Vec<Vec<u8>> = before
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect();
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{args:?}: {err:?}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout");
    assert_eq!(listing(dir), before, "{args:?} left files behind");
    for (f, c) in before.iter().zip(&contents) {
        assert!(fs::read(dir.join(f)).unwrap() == *c, "{args:?} changed {f}");
    }
}

fn error_dir() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let d = dir.path().to_path_buf();
    write_npy_f64(&d.join("x.npy"), &noise(100, 20));
    write_npy_f64(&d.join("k.npy"), &noise(5, 21));
    (dir, d)
}

#[test]
fn error_missing_file() {
    let (_t, d) = error_dir();
    fails(
        &d,
        &["apply", "nope.wav", "k.npy", "-o", "o.wav"],
        1,
        "cannot open `nope.wav`",
    );
    fails(
        &d,
        &["apply", "x.npy", "nope.npy", "-o", "o.wav"],
        1,
        "cannot open `nope.npy`",
    );
}

#[test]
fn error_unsupported_format_and_bit_depth() {
    let (_t, d) = error_dir();
    fs::write(d.join("x.mp3"), b"ID3").unwrap();
    fails(
        &d,
        &["apply", "x.mp3", "k.npy", "-o", "o.wav"],
        1,
        "unsupported format \"mp3\"",
    );
    fails(
        &d,
        &["apply", "x.npy", "k.npy", "-o", "o.flac"],
        1,
        "unsupported format \"flac\"",
    );
    // A 16-bit float WAV: a valid header no common tool writes.
    let mut wav = Vec::new();
    let data = [0u8; 16];
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    wav.extend_from_slice(&1u16.to_le_bytes()); // channels
    wav.extend_from_slice(&48_000u32.to_le_bytes());
    wav.extend_from_slice(&(48_000u32 * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    fs::write(d.join("f16.wav"), wav).unwrap();
    fails(
        &d,
        &["apply", "f16.wav", "k.npy", "-o", "o.wav"],
        1,
        "unsupported WAV encoding",
    );
    // A string .npy (numeric dtypes of every kind are read: tests/data.rs).
    let mut header = "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }".to_string();
    while !(header.len() + 11).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy.extend_from_slice(header.as_bytes());
    npy.extend_from_slice(&[0u8; 16]);
    fs::write(d.join("s.npy"), npy).unwrap();
    fails(
        &d,
        &["apply", "s.npy", "k.npy", "-o", "o.npy"],
        1,
        "unsupported dtype",
    );
}

#[test]
fn error_mismatched_sample_rates_and_channels() {
    let (_t, d) = error_dir();
    write_wav(&d.join("a.wav"), Wav::Int(16), 44_100, &[noise(50, 22)]);
    write_wav(&d.join("b.wav"), Wav::Int(16), 48_000, &[noise(5, 23)]);
    fails(
        &d,
        &["apply", "a.wav", "b.wav", "-o", "o.wav"],
        1,
        "sample rates differ: signal `a.wav` is 44100 Hz, kernel `b.wav` is 48000 Hz",
    );
    write_wav(
        &d.join("s2.wav"),
        Wav::Int(16),
        44_100,
        &[noise(50, 24), noise(50, 25)],
    );
    write_wav(
        &d.join("k3.wav"),
        Wav::Int(16),
        44_100,
        &[noise(5, 26), noise(5, 27), noise(5, 28)],
    );
    fails(
        &d,
        &["apply", "s2.wav", "k3.wav", "-o", "o.wav"],
        1,
        "the kernel `k3.wav` 3; pairings that work",
    );
}

#[test]
fn error_empty_input() {
    let (_t, d) = error_dir();
    fs::write(d.join("e.txt"), "# nothing here\n\n").unwrap();
    fails(
        &d,
        &["apply", "e.txt", "k.npy", "-o", "o.txt"],
        1,
        "`e.txt` is empty",
    );
    write_wav(&d.join("e.wav"), Wav::Int(16), 44_100, &[vec![]]);
    fails(
        &d,
        &["apply", "x.npy", "e.wav", "-o", "o.txt"],
        1,
        "`e.wav` is empty",
    );
    fs::write(d.join("e.f32"), b"").unwrap();
    fails(
        &d,
        &["apply", "e.f32", "k.npy", "-o", "o.txt"],
        1,
        "`e.f32` is empty",
    );
}

#[test]
fn error_bad_mode_method_and_arguments() {
    let (_t, d) = error_dir();
    fails(
        &d,
        &["apply", "x.npy", "k.npy", "-o", "o.npy", "--mode", "middle"],
        2,
        "invalid value 'middle' for '--mode <MODE>' [possible values: full, same, valid, aligned]",
    );
    fails(
        &d,
        &[
            "apply", "x.npy", "k.npy", "-o", "o.npy", "--method", "magic",
        ],
        2,
        "invalid value 'magic'",
    );
    fails(&d, &["apply", "x.npy"], 2, "required arguments");
}

#[test]
fn error_bad_text() {
    let (_t, d) = error_dir();
    fs::write(d.join("t.txt"), "1\n2\nthree\n").unwrap();
    fails(
        &d,
        &["apply", "t.txt", "k.npy", "-o", "o.txt"],
        1,
        "`t.txt` line 3: \"three\" is not a number",
    );
    fs::write(d.join("t.csv"), "# header follows\na,b\n1,2\n").unwrap();
    fails(
        &d,
        &["apply", "t.csv", "k.npy", "-o", "o.txt"],
        1,
        "`t.csv` line 2 has 2 columns; pick one with --column",
    );
    fails(
        &d,
        &["apply", "t.csv", "k.npy", "-o", "o.txt", "--column", "c"],
        1,
        "has no column \"c\" (its columns: a, b)",
    );
    fs::write(d.join("odd.f64"), [0u8; 12]).unwrap();
    fails(
        &d,
        &["apply", "odd.f64", "k.npy", "-o", "o.txt"],
        1,
        "12 bytes is not a whole number of 8-byte samples",
    );
}

/// A failure after the output was started leaves an existing file of that name untouched.
#[test]
fn failure_keeps_previous_output() {
    let (_t, d) = error_dir();
    fs::write(d.join("o.txt"), "previous\n").unwrap();
    fs::write(d.join("t.txt"), "1\n2\nthree\n").unwrap();
    fails(
        &d,
        &["apply", "t.txt", "k.npy", "-o", "o.txt"],
        1,
        "is not a number",
    );
    assert_eq!(fs::read_to_string(d.join("o.txt")).unwrap(), "previous\n");
}

// ------------------------------------------------------------------ images (--image)

/// A 2-D C-order `.npy` of `rows x cols` f64 values.
fn write_npy_2d(path: &Path, rows: usize, cols: usize, x: &[f64]) {
    use npyz::WriterBuilder;
    let file = fs::File::create(path).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(std::io::BufWriter::new(file))
        .begin_nd()
        .unwrap();
    w.extend(x.iter().copied()).unwrap();
    w.finish().unwrap();
}

/// A 2-D `.npy` as (shape, values in C order).
fn read_npy_2d(path: &Path) -> ((usize, usize), Vec<f64>) {
    let bytes = fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    assert_eq!(shape.len(), 2, "{path:?}: shape {shape:?}");
    let values = npy.into_vec::<f64>().unwrap();
    ((shape[0] as usize, shape[1] as usize), values)
}

#[test]
fn images_equal_the_nd_library() {
    use convolve::nd;
    use ndarray::Array2;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let (img, ker) = (small_ints(9 * 12, 30), small_ints(3 * 4, 31));
    write_npy_2d(&d.join("img.npy"), 9, 12, &img);
    write_npy_2d(&d.join("ker.npy"), 3, 4, &ker);
    let a = Array2::from_shape_vec((9, 12), img).unwrap();
    let v = Array2::from_shape_vec((3, 4), ker).unwrap();
    for (mode, name) in [
        (Mode::Full, "full"),
        (Mode::Same, "same"),
        (Mode::Valid, "valid"),
    ] {
        for correlate in [false, true] {
            let mut args = vec![
                "apply", "img.npy", "ker.npy", "-o", "out.npy", "--image", "--mode", name,
                "--method", "direct",
            ];
            if correlate {
                args.push("--correlate");
            }
            ok(d, &args);
            let want = if correlate {
                nd::correlate_with(a.view(), v.view(), mode, Method::Direct).unwrap()
            } else {
                nd::convolve_with(a.view(), v.view(), mode, Method::Direct).unwrap()
            };
            let (shape, got) = read_npy_2d(&d.join("out.npy"));
            assert_eq!(shape, want.dim(), "{name} corr={correlate}");
            // Integer-valued data: the direct sum is exact.
            assert_eq!(
                got,
                want.iter().copied().collect::<Vec<_>>(),
                "{name} corr={correlate}"
            );
        }
    }
    // scipy's `same` is sized to the first input even when it is the smaller one.
    ok(
        d,
        &[
            "apply",
            "ker.npy",
            "img.npy",
            "-o",
            "small.npy",
            "--image",
            "--mode",
            "same",
        ],
    );
    assert_eq!(read_npy_2d(&d.join("small.npy")).0, (3, 4));
}

#[test]
fn image_errors() {
    let (_dir, d) = error_dir();
    write_npy_2d(&d.join("img.npy"), 4, 5, &noise(20, 32));
    write_npy_2d(&d.join("wide.npy"), 2, 9, &noise(18, 33));
    fails(
        &d,
        &["apply", "x.npy", "img.npy", "-o", "o.npy", "--image"],
        1,
        "2-D",
    );
    fails(
        &d,
        &["apply", "img.npy", "img.npy", "-o", "o.wav", "--image"],
        1,
        ".npy",
    );
    // Neither contains the other: scipy's valid-mode error.
    fails(
        &d,
        &[
            "apply", "img.npy", "wide.npy", "-o", "o.npy", "--image", "--mode", "valid",
        ],
        1,
        "valid",
    );
}
