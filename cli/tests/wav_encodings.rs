//! `--bits` and `--dither`: integer WAV output at the reader's full scale (2^(bits-1)), TPDF
//! dither, the clipping warning, 64-bit float WAV both ways, and integer `.npy` read as PCM
//! when the output is a WAV.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use convolve::{Method, Mode, convolve_with};
use tempfile::TempDir;

/// A float32 WAV of `x` (mono) at 48 kHz; returns the values as stored.
fn write_f32_wav(path: &Path, x: &[f64]) -> Vec<f64> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in x {
        w.write_sample(v as f32).unwrap();
    }
    w.finalize().unwrap();
    x.iter().map(|&v| f64::from(v as f32)).collect()
}

/// The integer samples of a PCM WAV with its bits per sample.
fn read_ints(path: &Path) -> (Vec<i32>, u16) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let s = r.samples::<i32>().map(Result::unwrap).collect();
    (s, spec.bits_per_sample)
}

/// Equal lengths and values, naming the first difference (not printing both vectors).
fn same<T: PartialEq + std::fmt::Debug>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = got.iter().zip(want).position(|(g, w)| g != w) {
        panic!("{what}: [{i}] {:?} vs {:?}", got[i], want[i]);
    }
}

fn write_f64_npy(path: &Path, x: &[f64]) {
    write_npy(path, "<f8", false, &[x.len() as u64], &f64_bytes(x));
}

/// A directory with `x.wav` (noise, float32) and `one.npy` (the unit impulse), whose
/// convolution is `x` itself; returns `x` as stored.
fn identity_setup(len: usize) -> (TempDir, Vec<f64>) {
    let t = TempDir::new().unwrap();
    let x = write_f32_wav(&t.path().join("x.wav"), &noise(len, 7));
    write_f64_npy(&t.path().join("one.npy"), &[1.0]);
    (t, x)
}

/// Without dither, 16/24/32-bit output is `round(y * 2^(bits-1))` of the f64 result, clamped;
/// integer WAV read back by the tool gives `q / 2^(bits-1)` exactly.
#[test]
fn integer_output_rounds_at_the_readers_full_scale() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let x = write_f32_wav(&d.join("x.wav"), &noise(3000, 1));
    let k: Vec<f64> = noise(37, 2).iter().map(|v| v * 0.2).collect();
    write_f64_npy(&d.join("k.npy"), &k);
    write_f64_npy(&d.join("one.npy"), &[1.0]);
    let y = convolve_with(&x, &k, Mode::Full, Method::Direct).unwrap();
    for bits in [16u16, 24, 32] {
        let name = format!("o{bits}.wav");
        let b = bits.to_string();
        let args = [
            "apply", "x.wav", "k.npy", "-o", &name, "--bits", &b, "--dither", "none", "--method",
            "direct",
        ];
        ok(d, &args);
        let (q, got_bits) = read_ints(&d.join(&name));
        assert_eq!(got_bits, bits);
        let full = f64::from(1u32 << (bits - 1));
        let want: Vec<i32> = y.iter().map(|v| (v * full).round() as i32).collect();
        same(&q, &want, &format!("{bits}-bit"));
        // Read back by the tool: the integers over 2^(bits-1), exactly.
        let back = format!("back{bits}.f64");
        ok(d, &["apply", &name, "one.npy", "-o", &back]);
        let got = bytes_f64(&fs::read(d.join(&back)).unwrap());
        let want: Vec<f64> = q.iter().map(|&v| f64::from(v) / full).collect();
        same(&got, &want, &format!("{bits}-bit read back"));
    }
}

/// TPDF dither: the error against the exact value is below 1.5 LSB (±0.5 rounding, ±1 dither),
/// averages 0, has the variance of uniform rounding plus triangular noise (1/12 + 1/6), and is
/// the same in every run.
#[test]
fn tpdf_dither_statistics_and_reproducibility() {
    let (t, x) = identity_setup(60_000);
    let d = t.path();
    ok(
        d,
        &["apply", "x.wav", "one.npy", "-o", "a.wav", "--bits", "16"],
    );
    ok(
        d,
        &["apply", "x.wav", "one.npy", "-o", "b.wav", "--bits", "16"],
    );
    ok(
        d,
        &[
            "apply", "x.wav", "one.npy", "-o", "c.wav", "--bits", "16", "--dither", "tpdf",
        ],
    );
    let a = fs::read(d.join("a.wav")).unwrap();
    assert_eq!(a, fs::read(d.join("b.wav")).unwrap(), "seeded: same file");
    assert_eq!(a, fs::read(d.join("c.wav")).unwrap(), "tpdf is the default");
    let (q, _) = read_ints(&d.join("a.wav"));
    let e: Vec<f64> = q
        .iter()
        .zip(&x)
        .map(|(&q, &v)| f64::from(q) - v * 32768.0)
        .collect();
    let n = e.len() as f64;
    let mean = e.iter().sum::<f64>() / n;
    let var = e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert!(e.iter().all(|v| v.abs() < 1.5), "beyond 1.5 LSB");
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 0.25).abs() < 0.01, "variance {var}");
    // Not plain rounding: a third of the samples move by a whole LSB or more.
    let moved = e.iter().filter(|v| v.abs() > 0.5).count() as f64 / n;
    assert!((moved - 1.0 / 3.0).abs() < 0.02, "moved {moved}");
    // 24-bit is dithered too; 32-bit is not unless asked.
    ok(
        d,
        &["apply", "x.wav", "one.npy", "-o", "i32.wav", "--bits", "32"],
    );
    let (q, _) = read_ints(&d.join("i32.wav"));
    let want: Vec<i32> = x
        .iter()
        .map(|v| (v * 2f64.powi(31)).round() as i32)
        .collect();
    same(&q, &want, "32-bit is rounded without dither by default");
}

/// Samples beyond full scale are clamped, counted and named on stderr with the peak; the run
/// succeeds. A float output holds them and says nothing.
#[test]
fn clipping_warns_with_the_peak() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    write_f32_wav(&d.join("hot.wav"), &[0.1, 1.83, -1.5, 1.0, -1.0, 0.5]);
    write_f64_npy(&d.join("one.npy"), &[1.0]);
    let args = [
        "apply", "hot.wav", "one.npy", "-o", "o.wav", "--bits", "16", "--dither", "none",
    ];
    let out = run(d, &args);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let f32_peak = f64::from(1.83f32);
    assert_eq!(
        err.trim_end(),
        format!(
            "warning: 3 samples clipped; peak {f32_peak:.2} ({:+.1} dBFS); use --normalize -1dBFS or --gain -7",
            20.0 * f32_peak.log10()
        )
    );
    assert!(err.contains("peak 1.83 (+5.2 dBFS)"), "{err}");
    let (q, _) = read_ints(&d.join("o.wav"));
    assert_eq!(q, [3277, 32767, -32768, 32767, -32768, 16384]);
    // Normalized below full scale: nothing clips.
    let quiet = [
        "apply",
        "hot.wav",
        "one.npy",
        "-o",
        "n.wav",
        "--bits",
        "24",
        "--normalize=-1dBFS",
    ];
    ok(d, &quiet);
    ok(d, &["apply", "hot.wav", "one.npy", "-o", "f.wav"]);
}

/// `--bits 64f` writes the f64 result unrounded, and the reader takes 64-bit float WAV.
#[test]
fn float64_wav_round_trips() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let x: Vec<f64> = noise(5000, 3).iter().map(|v| v * 1e-3 + 0.1).collect();
    fs::write(d.join("x.f64"), f64_bytes(&x)).unwrap();
    write_f64_npy(&d.join("one.npy"), &[1.0]);
    ok(
        d,
        &["apply", "x.f64", "one.npy", "-o", "x.wav", "--bits", "64f"],
    );
    let b = fs::read(d.join("x.wav")).unwrap();
    let fmt = b.windows(4).position(|w| w == b"fmt ").unwrap() + 8;
    assert_eq!(u16::from_le_bytes([b[fmt], b[fmt + 1]]), 3, "IEEE float");
    assert_eq!(u16::from_le_bytes([b[fmt + 14], b[fmt + 15]]), 64, "bits");
    ok(d, &["apply", "x.wav", "one.npy", "-o", "back.f64"]);
    assert_eq!(bytes_f64(&fs::read(d.join("back.f64")).unwrap()), x);
    // 32f is the default and rounds to f32.
    ok(
        d,
        &[
            "apply", "x.f64", "one.npy", "-o", "x32.wav", "--bits", "32f",
        ],
    );
    ok(d, &["apply", "x.f64", "one.npy", "-o", "xd.wav"]);
    assert_eq!(
        fs::read(d.join("x32.wav")).unwrap(),
        fs::read(d.join("xd.wav")).unwrap()
    );
}

/// Integer `.npy` to a WAV is PCM: int16 over 32768, int32 over 2^31, int8 over 128, uint8
/// offset by 128 first, as the same WAV would be read; other integer dtypes are refused.
/// To a `.npy`, integers stay exact integers.
#[test]
fn integer_npy_is_scaled_as_pcm_for_wav_output() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    write_f64_npy(&d.join("one.npy"), &[1.0]);
    let i16s: Vec<i16> = vec![0, 1, -1, 16384, -32768, 32767, 1000];
    let bytes: Vec<u8> = i16s.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(&d.join("s16.npy"), "<i2", false, &[7], &bytes);
    ok(
        d,
        &[
            "apply", "s16.npy", "one.npy", "-o", "o.wav", "--bits", "64f",
        ],
    );
    ok(d, &["apply", "o.wav", "one.npy", "-o", "o.f64"]);
    let got = bytes_f64(&fs::read(d.join("o.f64")).unwrap());
    let want: Vec<f64> = i16s.iter().map(|&v| f64::from(v) / 32768.0).collect();
    assert_eq!(got, want, "int16");
    // 16-bit output of int16 input without dither gives the same integers back.
    let args = [
        "apply", "s16.npy", "one.npy", "-o", "o16.wav", "--bits", "16", "--dither", "none",
    ];
    ok(d, &args);
    let (q, _) = read_ints(&d.join("o16.wav"));
    assert_eq!(q, i16s.iter().map(|&v| i32::from(v)).collect::<Vec<_>>());
    // An int16 kernel too: both scaled, as two int16 WAVs.
    write_npy(&d.join("k16.npy"), "<i2", false, &[2], &[0, 64, 0, 192]); // 0.5, -0.5
    ok(
        d,
        &[
            "apply", "s16.npy", "k16.npy", "-o", "k.wav", "--bits", "64f",
        ],
    );
    ok(d, &["apply", "k.wav", "one.npy", "-o", "k.f64"]);
    let x: Vec<f64> = i16s.iter().map(|&v| f64::from(v) / 32768.0).collect();
    let want = convolve_with(&x, &[0.5, -0.5], Mode::Full, Method::Direct).unwrap();
    assert_eq!(bytes_f64(&fs::read(d.join("k.f64")).unwrap()), want);
    // int32, int8, uint8.
    let i32s: [i32; 3] = [1 << 30, i32::MIN, 12345 << 8];
    let b32: Vec<u8> = i32s.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(&d.join("s32.npy"), "<i4", false, &[3], &b32);
    write_npy(&d.join("s8.npy"), "|i1", false, &[3], &[64, 0x80, 1]);
    write_npy(&d.join("u8.npy"), "|u1", false, &[3], &[128, 0, 192]);
    for (name, want) in [
        (
            "s32.npy",
            i32s.iter().map(|&v| f64::from(v) / 2f64.powi(31)).collect(),
        ),
        ("s8.npy", vec![0.5, -1.0, 1.0 / 128.0]),
        ("u8.npy", vec![0.0, -1.0, 0.5]),
    ] {
        ok(
            d,
            &["apply", name, "one.npy", "-o", "p.wav", "--bits", "64f"],
        );
        ok(d, &["apply", "p.wav", "one.npy", "-o", "p.f64"]);
        let got: Vec<f64> = bytes_f64(&fs::read(d.join("p.f64")).unwrap());
        assert_eq!(got, want, "{name}");
        fs::remove_file(d.join("p.wav")).unwrap();
        fs::remove_file(d.join("p.f64")).unwrap();
    }
    // A .npy output keeps numpy's integers.
    ok(d, &["apply", "s16.npy", "s16.npy", "-o", "i.npy"]);
    assert_eq!(read_npy(&d.join("i.npy")).0, "<i2");
    // No full scale: refused, naming the dtype.
    write_npy(
        &d.join("s64.npy"),
        "<i8",
        false,
        &[1],
        &[1, 0, 0, 0, 0, 0, 0, 0],
    );
    for (signal, kernel) in [("s64.npy", "one.npy"), ("one.npy", "s64.npy")] {
        let args = ["apply", signal, kernel, "-o", "bad.wav"];
        fails(d, &args, "is int64, which has no PCM full scale");
    }
}

/// What does not fit together is refused before anything is written.
#[test]
fn encoding_options_are_checked() {
    let (t, _) = identity_setup(100);
    let d = t.path();
    fails(
        d,
        &["apply", "x.wav", "one.npy", "-o", "o.npy", "--bits", "16"],
        "--bits applies to WAV output",
    );
    fails(
        d,
        &[
            "apply", "x.wav", "one.npy", "-o", "o.wav", "--dither", "tpdf",
        ],
        "dither is for --bits 16, 24 or 32",
    );
    fails(
        d,
        &[
            "apply", "x.wav", "one.npy", "-o", "o.wav", "--bits", "64f", "--dither", "none",
        ],
        "64-bit float WAV",
    );
    let out = run(
        d,
        &["apply", "x.wav", "one.npy", "-o", "o.wav", "--bits", "64"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("64f"), "{err}");
}
