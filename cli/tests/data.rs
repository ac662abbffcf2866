//! The data people have: every numpy dtype (exact integers written with numpy's result dtype,
//! float16, complex), 2-D arrays in both layouts and memory orders, mono x N channel pairings,
//! and whitespace / tab / headed text tables.

mod common;

use std::fs;

use common::*;
use convolve::num_complex::Complex;
use convolve::{Method, Mode, convolve_with};
use tempfile::TempDir;

/// Encodes integers as `descr` (wrapping to its width, little- or big-endian).
fn encode_ints(x: &[i64], descr: &str) -> Vec<u8> {
    let big = descr.starts_with('>');
    let width: usize = descr[2..].parse().unwrap();
    x.iter()
        .flat_map(|&v| {
            let mut b = v.to_le_bytes()[..width].to_vec();
            if descr.ends_with("b1") {
                b = vec![u8::from(v != 0)];
            }
            if big {
                b.reverse();
            }
            b
        })
        .collect()
}

/// Integer and bool inputs: the result is exactly numpy's, wrapped to numpy's result dtype.
#[test]
fn integers_are_exact_in_numpys_result_dtype() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    // (signal dtype, kernel dtype, result dtype, value range of the signal, of the kernel)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        (i64, i64),
        (i64, i64),
    );
    let cases: [Case; 9] = [
        ("|i1", "|i1", "|i1", (-128, 127), (-128, 127)), // wraps modulo 2^8, as numpy
        ("|u1", "|i1", "<i2", (0, 255), (-128, 127)),
        ("<i2", "<u2", "<i4", (-32768, 32767), (0, 65535)),
        (
            "<i4",
            "<i4",
            "<i4",
            (-1 << 31, (1 << 31) - 1),
            (-1000, 1000),
        ),
        (
            "<i8",
            "<i8",
            "<i8",
            (-1 << 40, 1 << 40),
            (-1 << 30, 1 << 30),
        ),
        ("<u8", "<u8", "<u8", (0, i64::MAX), (0, i64::MAX)), // wraps modulo 2^64
        ("<u4", "<u1", "<u4", (0, u32::MAX as i64), (0, 255)),
        ("|b1", "|b1", "|b1", (0, 1), (0, 1)),
        (">i4", "|b1", "<i4", (-1000, 1000), (0, 1)), // big-endian input
    ];
    for (k, (sd, kd, rd, (slo, shi), (klo, khi))) in cases.into_iter().enumerate() {
        let a = ints(300, slo, shi, 10 + k as u64);
        let v = ints(17, klo, khi, 30 + k as u64);
        write_npy(&d.join("a.npy"), sd, false, &[300], &encode_ints(&a, sd));
        write_npy(&d.join("v.npy"), kd, false, &[17], &encode_ints(&v, kd));
        for method in ["auto", "direct", "fft"] {
            ok(
                d,
                &["apply", "a.npy", "v.npy", "-o", "o.npy", "--method", method],
            );
            let (descr, _, shape, data) = read_npy(&d.join("o.npy"));
            assert_eq!(descr, rd.replace('>', "<"), "{sd} x {kd}");
            assert_eq!(shape, [316]);
            let want = naive_wrapping(&a, &v);
            let want = if rd == "|b1" {
                want.iter().map(|&x| u8::from(x != 0)).collect::<Vec<u8>>()
            } else {
                encode_ints(&want, rd)
            };
            assert!(
                data == want,
                "{sd} x {kd} ({method}): not numpy's wrapped result"
            );
        }
        // Streamed in blocks, the same bytes.
        ok(
            d,
            &[
                "apply",
                "a.npy",
                "v.npy",
                "-o",
                "s.npy",
                "--block-len",
                "40",
            ],
        );
        assert_eq!(
            fs::read(d.join("s.npy")).unwrap(),
            fs::read(d.join("o.npy")).unwrap(),
            "{sd}"
        );
    }
}

/// float16, float32 with integers, complex64 and complex128: numpy's result dtype, and the
/// values of the library's f64 / complex computation on the file's values.
#[test]
fn floats_and_complex_keep_numpys_dtype() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let a = noise(200, 1);
    let v = noise(9, 2);
    // float16 signal with an int8 kernel: float16 out (np.result_type(float16, int8)).
    let a16: Vec<half::f16> = a.iter().map(|&x| half::f16::from_f64(x)).collect();
    let vi = ints(9, -5, 5, 3);
    write_npy(
        &d.join("h.npy"),
        "<f2",
        false,
        &[200],
        &a16.iter()
            .flat_map(|x| x.to_bits().to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write_npy(
        &d.join("i.npy"),
        "|i1",
        false,
        &[9],
        &vi.iter().map(|&x| x as i8 as u8).collect::<Vec<u8>>(),
    );
    ok(d, &["apply", "h.npy", "i.npy", "-o", "o.npy"]);
    let (descr, _, _, data) = read_npy(&d.join("o.npy"));
    assert_eq!(descr, "<f2");
    let af: Vec<f64> = a16.iter().map(|x| x.to_f64()).collect();
    let vf: Vec<f64> = vi.iter().map(|&x| x as f64).collect();
    let want = convolve_with(&af, &vf, Mode::Full, Method::Auto).unwrap();
    let got: Vec<f64> = data
        .chunks_exact(2)
        .map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f64())
        .collect();
    let want16: Vec<f64> = want
        .iter()
        .map(|&x| half::f16::from_f64(x).to_f64())
        .collect();
    assert_eq!(got, want16);

    // float32 with int16: float32 out; --dtype f64 forces float64.
    let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
    write_npy(
        &d.join("f.npy"),
        "<f4",
        false,
        &[200],
        &a32.iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write_npy(
        &d.join("s.npy"),
        "<i2",
        false,
        &[9],
        &vi.iter()
            .flat_map(|&x| (x as i16).to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    ok(d, &["apply", "f.npy", "s.npy", "-o", "o.npy"]);
    assert_eq!(read_npy(&d.join("o.npy")).0, "<f4");
    ok(
        d,
        &["apply", "f.npy", "s.npy", "-o", "o.npy", "--dtype", "f64"],
    );
    let (descr, _, _, data) = read_npy(&d.join("o.npy"));
    assert_eq!(descr, "<f8");
    let af: Vec<f64> = a32.iter().map(|&x| f64::from(x)).collect();
    assert_eq!(
        bytes_f64(&data),
        convolve_with(&af, &vf, Mode::Full, Method::Auto).unwrap()
    );

    // complex128 signal with a float64 kernel: complex128, equal to the library's complex call.
    let ac: Vec<Complex<f64>> = a
        .iter()
        .zip(noise(200, 4))
        .map(|(&re, im)| Complex::new(re, im))
        .collect();
    write_npy(
        &d.join("c.npy"),
        "<c16",
        false,
        &[200],
        &ac.iter()
            .flat_map(|z| [z.re.to_le_bytes(), z.im.to_le_bytes()].concat())
            .collect::<Vec<u8>>(),
    );
    write_npy(&d.join("v.npy"), "<f8", false, &[9], &f64_bytes(&v));
    for mode in ["full", "same", "valid"] {
        ok(
            d,
            &["apply", "c.npy", "v.npy", "-o", "o.npy", "--mode", mode],
        );
        let (descr, _, _, data) = read_npy(&d.join("o.npy"));
        assert_eq!(descr, "<c16");
        let vc: Vec<Complex<f64>> = v.iter().map(|&x| Complex::new(x, 0.0)).collect();
        let m = match mode {
            "full" => Mode::Full,
            "same" => Mode::Same,
            _ => Mode::Valid,
        };
        let want = convolve_with(&ac, &vc, m, Method::Auto).unwrap();
        let got: Vec<Complex<f64>> = bytes_f64(&data)
            .chunks_exact(2)
            .map(|p| Complex::new(p[0], p[1]))
            .collect();
        assert_eq!(got, want, "{mode}");
    }
    // complex64 x complex64 stays complex64; complex text output in numpy's spelling.
    write_npy(
        &d.join("c8.npy"),
        "<c8",
        false,
        &[3],
        &[1f32, 2., 0., -1., 3., 0.]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    ok(d, &["apply", "c8.npy", "c8.npy", "-o", "o.npy"]);
    assert_eq!(read_npy(&d.join("o.npy")).0, "<c8");
    ok(d, &["apply", "c8.npy", "c8.npy", "-o", "o.txt"]);
    // (1+2j, -1j, 3)^2 = (-3+4j, 4-2j, 5+12j, -6j, 9)
    assert_eq!(
        fs::read_to_string(d.join("o.txt")).unwrap(),
        "(-3+4j)\n(4-2j)\n(5+12j)\n(0-6j)\n(9+0j)\n"
    );
}

/// A stereo signal stored four ways — (frames, channels) or (channels, frames), C or Fortran
/// order — gives the same channels, one-shot and streamed, and the output keeps the layout.
#[test]
fn layouts_and_memory_orders() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let chans = vec![noise(300, 5), noise(300, 6)];
    let k = noise(7, 7);
    write_npy(&d.join("k.npy"), "<f8", false, &[7], &f64_bytes(&k));
    let want: Vec<Vec<f64>> = chans
        .iter()
        .map(|c| convolve_with(c, &k, Mode::Full, Method::Auto).unwrap())
        .collect();
    for channels_first in [false, true] {
        for fortran in [false, true] {
            let (shape, flat) = layout_2d(&chans, channels_first, fortran);
            write_npy(&d.join("x.npy"), "<f8", fortran, &shape, &f64_bytes(&flat));
            for block in [None, Some("64")] {
                let mut args = vec!["apply", "x.npy", "k.npy", "-o", "o.npy"];
                if let Some(b) = block {
                    args.extend(["--block-len", b]);
                }
                ok(d, &args);
                let (_, f, shape, data) = read_npy(&d.join("o.npy"));
                let values = bytes_f64(&data);
                let what =
                    format!("channels_first={channels_first} fortran={fortran} block={block:?}");
                // channels-first is written in Fortran order (streamable), frames-first in C.
                assert_eq!(f, channels_first, "{what}");
                if channels_first {
                    assert_eq!(shape, [2, 306], "{what}");
                } else {
                    assert_eq!(shape, [306, 2], "{what}");
                }
                for (c, want) in want.iter().enumerate() {
                    let got: Vec<f64> = values.iter().skip(c).step_by(2).copied().collect();
                    if block.is_none() {
                        assert_eq!(&got, want, "{what} channel {c}");
                    } else {
                        let tol = 1e-13;
                        assert!(
                            got.iter().zip(want).all(|(g, w)| (g - w).abs() <= tol),
                            "{what} channel {c}"
                        );
                    }
                }
            }
        }
    }
    // Ambiguous shapes need the flag, and the message names it; with it they run.
    let square = vec![noise(40, 8); 30];
    let (shape, flat) = layout_2d(&square, true, false);
    write_npy(&d.join("sq.npy"), "<f8", false, &shape, &f64_bytes(&flat));
    fails(
        d,
        &["apply", "sq.npy", "k.npy", "-o", "o2.npy"],
        "--layout channels-first",
    );
    ok(
        d,
        &[
            "apply",
            "sq.npy",
            "k.npy",
            "-o",
            "o2.npy",
            "--layout",
            "channels-first",
        ],
    );
    assert_eq!(read_npy(&d.join("o2.npy")).2, [30, 46]);
    // (2, 480000) is two channels, never 480000 channels of 2 frames.
    let long = vec![noise(480_000, 9), noise(480_000, 10)];
    let (shape, flat) = layout_2d(&long, true, false);
    write_npy(&d.join("long.npy"), "<f8", false, &shape, &f64_bytes(&flat));
    ok(d, &["apply", "long.npy", "k.npy", "-o", "o3.npy"]);
    assert_eq!(read_npy(&d.join("o3.npy")).2, [2, 480_006]);
    // Forcing the wrong axis on it is refused cleanly, not an allocation abort.
    fails(
        d,
        &[
            "apply",
            "long.npy",
            "k.npy",
            "-o",
            "o4.npy",
            "--layout",
            "frames-first",
        ],
        "--layout channels-first",
    );
}

fn write_wav(path: &std::path::Path, channels: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i] as f32).unwrap();
        }
    }
    w.finalize().unwrap();
    channels
        .iter()
        .map(|c| c.iter().map(|&x| f64::from(x as f32)).collect())
        .collect()
}

fn read_wav(path: &std::path::Path) -> Vec<Vec<f64>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let c = r.spec().channels as usize;
    let s: Vec<f64> = r.samples::<f32>().map(|x| f64::from(x.unwrap())).collect();
    (0..c)
        .map(|k| s.iter().skip(k).step_by(c).copied().collect())
        .collect()
}

/// Mono through a stereo IR gives stereo; stereo through mono, and N x N, pair as documented;
/// 2 x 3 is refused naming the pairings that work.
#[test]
fn channel_pairings() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let dry = write_wav(&d.join("dry.wav"), &[noise(5000, 11)]);
    let ir = write_wav(&d.join("ir.wav"), &[noise(300, 12), noise(300, 13)]);
    for block in [None, Some("1000")] {
        let mut args = vec!["apply", "dry.wav", "ir.wav", "-o", "wet.wav"];
        if let Some(b) = block {
            args.extend(["--block-len", b]);
        }
        ok(d, &args);
        let wet = read_wav(&d.join("wet.wav"));
        assert_eq!(wet.len(), 2);
        for c in 0..2 {
            let want = convolve_with(&dry[0], &ir[c], Mode::Full, Method::Auto).unwrap();
            assert!(
                wet[c]
                    .iter()
                    .zip(&want)
                    .all(|(g, w)| (g - w).abs() <= 1e-5 * (1.0 + w.abs())),
                "channel {c} {block:?}"
            );
            assert_eq!(wet[c].len(), want.len());
        }
    }
    // Stereo signal through the stereo IR: paired.
    let st = write_wav(&d.join("st.wav"), &[noise(2000, 14), noise(2000, 15)]);
    ok(d, &["apply", "st.wav", "ir.wav", "-o", "o.wav"]);
    let o = read_wav(&d.join("o.wav"));
    for c in 0..2 {
        let want = convolve_with(&st[c], &ir[c], Mode::Full, Method::Auto).unwrap();
        assert!(
            o[c].iter()
                .zip(&want)
                .all(|(g, w)| (g - w).abs() <= 1e-5 * (1.0 + w.abs()))
        );
    }
    write_wav(
        &d.join("k3.wav"),
        &[noise(9, 16), noise(9, 17), noise(9, 18)],
    );
    fails(
        d,
        &["apply", "st.wav", "k3.wav", "-o", "bad.wav"],
        "pairings that work",
    );
}

/// numpy.savetxt's default (space-separated, scientific), tab tables with a header, `--column`
/// by index and by name for both inputs, and `.tsv` written with tabs.
#[test]
fn text_tables() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let a = noise(50, 20);
    let b = noise(50, 21);
    let k = noise(4, 22);
    let savetxt: String = a
        .iter()
        .zip(&b)
        .map(|(x, y)| format!("{x:.18e} {y:.18e}\n"))
        .collect();
    fs::write(d.join("ab.dat"), savetxt).unwrap();
    let kt: String = k.iter().map(|x| format!("0\t{x}\n")).collect();
    fs::write(d.join("k.tsv"), format!("zero\ttaps\n{kt}")).unwrap();
    // Column 1 of the signal; the kernel file has a header, so its column is found by name
    // only if it matches — index 1 works for both.
    ok(
        d,
        &["apply", "ab.dat", "k.tsv", "-o", "o.npy", "--column", "1"],
    );
    let (_, _, shape, data) = read_npy(&d.join("o.npy"));
    assert_eq!(shape, [53], "the first numeric line is data, not a header");
    let bp: Vec<f64> = b
        .iter()
        .map(|y| format!("{y:.18e}").parse().unwrap())
        .collect();
    assert_eq!(
        bytes_f64(&data),
        convolve_with(&bp, &k, Mode::Full, Method::Auto).unwrap()
    );
    // By name: both files headed with the same column name.
    let at: String = a.iter().map(|x| format!("1\t{x}\n")).collect();
    fs::write(d.join("a.tsv"), format!("one\ttaps\n{at}")).unwrap();
    ok(
        d,
        &["apply", "a.tsv", "k.tsv", "-o", "o.tsv", "--column", "taps"],
    );
    let out = fs::read_to_string(d.join("o.tsv")).unwrap();
    let got: Vec<f64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(
        got,
        convolve_with(&a, &k, Mode::Full, Method::Auto).unwrap()
    );
    // Stereo .tsv output separates channels with tabs.
    let (shape, flat) = layout_2d(&[a.clone(), b.clone()], false, false);
    let mut sh = shape.clone();
    sh[0] = 50;
    write_npy(&d.join("st.npy"), "<f8", false, &[50, 2], &f64_bytes(&flat));
    let _ = sh;
    ok(
        d,
        &[
            "apply",
            "st.npy",
            "k.tsv",
            "-o",
            "st.tsv",
            "--column",
            "1",
            "--layout",
            "frames-first",
        ],
    );
    let out = fs::read_to_string(d.join("st.tsv")).unwrap();
    assert!(out.lines().all(|l| l.split('\t').count() == 2), "{out}");
    // A name no file has is an error listing the header.
    fails(
        d,
        &[
            "apply", "a.tsv", "k.tsv", "-o", "x.npy", "--column", "price",
        ],
        "no column \"price\" (its columns: one, taps)",
    );
}

/// Kernels of at least 16,384 taps stream through kept spectra on threads (one sub-block per
/// core); the result is the one-shot result, exactly for integers, to rounding for floats,
/// convolving and correlating, mono and mono x stereo.
#[test]
fn long_kernels_stream_through_kept_spectra() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    let (n, m) = (70_000, 16_500);
    let a = ints(n, -1000, 1000, 40);
    let k0 = ints(m, -1000, 1000, 41);
    let k1 = ints(m, -1000, 1000, 42);
    let ib = |x: &[i64]| x.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    write_npy(&d.join("a.npy"), "<i8", false, &[n as u64], &ib(&a));
    write_npy(&d.join("k.npy"), "<i8", false, &[m as u64], &ib(&k0));
    let (shape, flat) = layout_2d(&[k0.clone(), k1.clone()], false, false);
    write_npy(&d.join("k2.npy"), "<i8", false, &shape, &ib(&flat));
    for kernel in ["k.npy", "k2.npy"] {
        for extra in [
            &[][..],
            &["--correlate"][..],
            &["--correlate", "--mode", "same"][..],
        ] {
            let mut one = vec!["apply", "a.npy", kernel, "-o", "one.npy"];
            one.extend(extra);
            ok(d, &one);
            let mut streamed = vec![
                "apply",
                "a.npy",
                kernel,
                "-o",
                "s.npy",
                "--block-len",
                "20000",
            ];
            streamed.extend(extra);
            ok(d, &streamed);
            assert!(
                read_npy(&d.join("s.npy")) == read_npy(&d.join("one.npy")),
                "{kernel} {extra:?}: streamed integers differ from one-shot"
            );
        }
    }
    // The same data as float64: equal to the library within rounding.
    let af: Vec<f64> = a.iter().map(|&x| x as f64 / 1000.0).collect();
    let kf: Vec<f64> = k0.iter().map(|&x| x as f64 / 1000.0).collect();
    write_npy(
        &d.join("af.npy"),
        "<f8",
        false,
        &[n as u64],
        &f64_bytes(&af),
    );
    write_npy(
        &d.join("kf.npy"),
        "<f8",
        false,
        &[m as u64],
        &f64_bytes(&kf),
    );
    ok(
        d,
        &[
            "apply",
            "af.npy",
            "kf.npy",
            "-o",
            "s.npy",
            "--block-len",
            "20000",
        ],
    );
    let got = bytes_f64(&read_npy(&d.join("s.npy")).3);
    let want = convolve_with(&af, &kf, Mode::Full, Method::Direct).unwrap();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let tol = 8.0 * f64::EPSILON * ((n + m) as f64).log2() * norm(&af) * norm(&kf);
    assert_eq!(got.len(), want.len());
    assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= tol));
}
