//! `-` as the signal (stdin) and as the output (stdout): the binary run with stdin piped from a
//! WAV and stdout captured gives the same samples, bit for bit, as the run on files.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;
use tempfile::TempDir;

/// Runs `convolve args…` in `dir` with `input` on stdin.
fn run_piped(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_convolve"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // A writer thread, so that a large stdout cannot block the child while we feed it.
    let feeder = std::thread::spawn(move || {
        // The child may stop reading early (an error): a broken pipe is its answer.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

/// A successful piped run's stdout.
fn piped_ok(dir: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    let out = run_piped(dir, args, input);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{args:?}: stderr not quiet");
    out.stdout
}

/// `(channels, rate, riff size, data size, interleaved f32 samples)` of a float WAV whose
/// header is the tool's streamed one: RIFF, fmt (16 bytes), data.
fn streamed_wav(b: &[u8]) -> (u16, u32, u32, u32, Vec<f32>) {
    let u32_at = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert_eq!(&b[..4], b"RIFF");
    assert_eq!(&b[8..16], b"WAVEfmt ");
    assert_eq!(u16::from_le_bytes([b[20], b[21]]), 3, "IEEE float");
    assert_eq!(&b[36..40], b"data");
    let samples = b[44..]
        .chunks_exact(4)
        .map(|s| f32::from_le_bytes(s.try_into().unwrap()))
        .collect();
    (
        u16::from_le_bytes([b[22], b[23]]),
        u32_at(24),
        u32_at(4),
        u32_at(40),
        samples,
    )
}

/// Interleaved samples of a WAV file written by the tool, read by hound.
fn file_samples(path: &Path) -> (u16, u32, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let s = r.samples::<f32>().map(Result::unwrap).collect();
    (spec.channels, spec.sample_rate, s)
}

/// A 16-bit stereo WAV of `frames` frames at 22,050 Hz, and a float stereo kernel.
fn setup(frames: usize) -> TempDir {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(d.join("s.wav"), spec).unwrap();
    for (a, b) in ints(frames, -30_000, 30_000, 11)
        .into_iter()
        .zip(ints(frames, -30_000, 30_000, 12))
    {
        w.write_sample(a as i16).unwrap();
        w.write_sample(b as i16).unwrap();
    }
    w.finalize().unwrap();
    let spec = hound::WavSpec {
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
        ..spec
    };
    let mut w = hound::WavWriter::create(d.join("k.wav"), spec).unwrap();
    for (a, b) in noise(37, 13).into_iter().zip(noise(37, 14)) {
        w.write_sample(a as f32).unwrap();
        w.write_sample(b as f32).unwrap();
    }
    w.finalize().unwrap();
    t
}

/// Stdin to stdout equals file to file, for every mode, in one call and streamed in blocks
/// (`--block-len 100`), and again with the streamed WAV the first run wrote as the input
/// (sizes unset, so its length is known only at its end).
#[test]
fn stdin_to_stdout_matches_files_bit_for_bit() {
    let t = setup(1000);
    let d = t.path();
    let wav = fs::read(d.join("s.wav")).unwrap();
    let first = piped_ok(d, &["apply", "-", "k.wav", "-o", "-"], &wav);
    let (channels, rate, riff, data, streamed) = streamed_wav(&first);
    assert_eq!(
        (channels, rate, riff, data),
        (2, 22_050, u32::MAX, u32::MAX)
    );
    assert_eq!(streamed.len(), 2 * (1000 + 37 - 1));
    // The streamed WAV as a file (read to its end) and as stdin (length unknown).
    fs::write(d.join("streamed.wav"), &first).unwrap();
    for input in ["s.wav", "streamed.wav"] {
        let bytes = fs::read(d.join(input)).unwrap();
        for mode in ["full", "same", "valid"] {
            for extra in [&[][..], &["--block-len", "100"][..], &["--correlate"][..]] {
                let mut file_args = vec!["apply", input, "k.wav", "-o", "o.wav", "--mode", mode];
                file_args.extend_from_slice(extra);
                ok(d, &file_args);
                let (fc, fr, want) = file_samples(&d.join("o.wav"));
                let mut pipe_args = vec!["apply", "-", "k.wav", "-o", "-", "--mode", mode];
                pipe_args.extend_from_slice(extra);
                let (pc, pr, _, _, got) = streamed_wav(&piped_ok(d, &pipe_args, &bytes));
                assert_eq!((pc, pr), (fc, fr));
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{input} {mode} {extra:?}");
            }
        }
    }
}

/// Stdin to a file, and a file to stdout in another format (`--output-format`).
#[test]
fn stdin_to_file_and_file_to_stdout_in_other_formats() {
    let t = setup(300);
    let d = t.path();
    let wav = fs::read(d.join("s.wav")).unwrap();
    ok(d, &["apply", "s.wav", "k.wav", "-o", "want.f32"]);
    let want = fs::read(d.join("want.f32")).unwrap();
    piped_ok(d, &["apply", "-", "k.wav", "-o", "o.f32"], &wav);
    assert_eq!(fs::read(d.join("o.f32")).unwrap(), want);
    let raw = piped_ok(
        d,
        &[
            "apply",
            "s.wav",
            "k.wav",
            "-o",
            "-",
            "--output-format",
            "f32",
        ],
        &[],
    );
    assert_eq!(raw, want);
    // A .npy to stdout when the signal's length is known (a file, or a WAV with its sizes).
    ok(d, &["apply", "s.wav", "k.wav", "-o", "want.npy"]);
    for input in ["s.wav", "-"] {
        let npy = piped_ok(
            d,
            &["apply", input, "k.wav", "-o", "-", "--output-format", "npy"],
            &wav,
        );
        assert_eq!(npy, fs::read(d.join("want.npy")).unwrap(), "{input}");
    }
}

/// A `.npy` on stdin (recognized by its magic) is read as the file is: integer dtypes exactly,
/// 2-D in either layout when stored frame by frame; a planar array needs a file.
#[test]
fn npy_on_stdin_matches_the_file() {
    let t = setup(10);
    let d = t.path();
    let counts = ints(700, -1000, 1000, 21);
    write_npy(
        &d.join("i.npy"),
        "<i8",
        false,
        &[700],
        &counts
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write_npy(
        &d.join("box.npy"),
        "<i8",
        false,
        &[3],
        &[1i64, 1, 1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    // Stereo float32, frames-first in C order and channels-first in Fortran order: both are
    // frame after frame.
    let x = noise(1400, 22);
    let bytes: Vec<u8> = x.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
    write_npy(&d.join("ff.npy"), "<f4", false, &[700, 2], &bytes);
    write_npy(&d.join("cf.npy"), "<f4", true, &[2, 700], &bytes);
    for (input, kernel, extra) in [
        ("i.npy", "box.npy", &[][..]),
        ("i.npy", "box.npy", &["--block-len", "64"][..]),
        ("ff.npy", "k.wav", &[][..]),
        ("cf.npy", "k.wav", &["--mode", "same"][..]),
    ] {
        let mut args = vec!["apply", input, kernel, "-o", "want.npy"];
        args.extend_from_slice(extra);
        ok(d, &args);
        let mut args = vec!["apply", "-", kernel, "-o", "-", "--output-format", "npy"];
        args.extend_from_slice(extra);
        let got = piped_ok(d, &args, &fs::read(d.join(input)).unwrap());
        assert_eq!(
            got,
            fs::read(d.join("want.npy")).unwrap(),
            "{input} {extra:?}"
        );
    }
    // Channels-first in C order is a channel after a channel: it needs seeking.
    write_npy(&d.join("planar.npy"), "<f4", false, &[2, 700], &bytes);
    let out = run_piped(
        d,
        &["apply", "-", "k.wav", "-o", "o.wav"],
        &fs::read(d.join("planar.npy")).unwrap(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("stdin cannot; save it to a file"), "{err}");
}

#[test]
fn pipe_errors() {
    let t = setup(300);
    let d = t.path();
    let wav = fs::read(d.join("s.wav")).unwrap();
    let error = |args: &[&str], input: &[u8], needle: &str| {
        let out = run_piped(d, args, input);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout");
    };
    // One stdin only: the kernel is a file.
    error(
        &["apply", "s.wav", "-", "-o", "o.wav"],
        &wav,
        "the kernel cannot be `-`",
    );
    error(
        &["apply", "-", "-", "-o", "o.wav"],
        &wav,
        "the kernel cannot be `-`",
    );
    error(
        &["apply", "-", "k.wav", "-o", "-"],
        b"1.0\n2.0\n",
        "for text or raw data name a file whose extension says the format",
    );
    error(&["apply", "-", "k.wav", "-o", "-"], b"", "stdin is empty");
    error(
        &[
            "apply",
            "s.wav",
            "k.wav",
            "-o",
            "-",
            "--output-format",
            "mp3",
        ],
        &[],
        "--output-format \"mp3\"",
    );
    // A streamed WAV's length is unknown until its end; a .npy header needs it first.
    let streamed = piped_ok(d, &["apply", "-", "k.wav", "-o", "-"], &wav);
    error(
        &["apply", "-", "k.wav", "-o", "-", "--output-format", "npy"],
        &streamed,
        "a .npy header holds the length",
    );
    // A WAV on stdin cut short of its data size.
    error(
        &["apply", "-", "k.wav", "-o", "o.wav"],
        &wav[..wav.len() - 100],
        "is truncated",
    );
    assert!(!d.join("o.wav").exists());
    assert!(
        fs::read_dir(d).unwrap().count() == 2,
        "no temporary left behind"
    );
}
