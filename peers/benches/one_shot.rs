//! One-shot convolution, `convolve` next to the Rust peers, in one criterion run:
//! `ndarray-conv` (`conv` direct and `conv_fft`), `sci-rs` (`signal::convolve::convolve`, FFT)
//! and `fft-convolver` (uniformly partitioned FFT, built for a long signal and a short kernel;
//! timed including `init`, as a one-shot call needs it). Full mode only: the one mode all peers
//! share. Every peer's output is checked against ours once per point before timing, so all
//! time the same work.
//!
//! `cargo bench -p convolve-peers --bench one_shot -- --warm-up-time 1 --measurement-time 3`
//! then `python3 scripts/peers_table.py`.

use std::hint::black_box;

use convolve::{Method, Mode, convolve_with};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fft_convolver::FFTConvolver;
use ndarray::Array1;
use ndarray_conv::{ConvExt, ConvFFTExt, ConvMode, PaddingMode};
use sci_rs::signal::convolve::{ConvolveMode, convolve as sci_convolve};

/// (n, m): short, medium and long kernels; the direct peer is left out where it would take
/// seconds per call.
const GRID: [(usize, usize); 7] = [
    (1_000, 16),
    (10_000, 16),
    (10_000, 256),
    (100_000, 64),
    (100_000, 1024),
    (100_000, 100_000),
    (1_000_000, 16_384),
];

/// The same splitmix64 samples as `examples/compare_driver.rs`, in [-1, 1).
fn sample(seed: u64, i: u64) -> f64 {
    let mut z = (seed << 32)
        .wrapping_add(i)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

macro_rules! peers {
    ($name:ident, $t:ty, $eps:expr) => {
        fn $name(c: &mut Criterion) {
            for (n, m) in GRID {
                let a: Vec<$t> = (0..n as u64).map(|i| sample(1, i) as $t).collect();
                let v: Vec<$t> = (0..m as u64).map(|i| sample(2, i) as $t).collect();
                let (aa, va) = (Array1::from(a.clone()), Array1::from(v.clone()));
                // fft-convolver streams: the signal padded with m-1 zeros yields the full result.
                let mut padded = a.clone();
                padded.resize(n + m - 1, 0.0);
                let block = m.next_power_of_two().max(64);
                let fftc = |out: &mut Vec<$t>| {
                    let mut conv = FFTConvolver::<$t>::default();
                    conv.init(block, &v).expect("valid block and kernel");
                    conv.process(&padded, out).expect("equal lengths");
                };

                // Equal work: every peer's result equals ours within a data-scaled tolerance.
                let ours = convolve_with(&a, &v, Mode::Full, Method::Auto).unwrap();
                let norm = |x: &[$t]| x.iter().map(|e| (*e as f64).powi(2)).sum::<f64>().sqrt();
                let tol = 8.0 * $eps * ((n + m) as f64).log2() * norm(&a) * norm(&v);
                let check = |who: &str, got: &[$t]| {
                    assert_eq!(got.len(), ours.len(), "{who} n={n} m={m}: length");
                    let err = got
                        .iter()
                        .zip(&ours)
                        .map(|(g, o)| (*g as f64 - *o as f64).abs())
                        .fold(0.0, f64::max);
                    assert!(err <= tol, "{who} n={n} m={m}: max error {err:e} > {tol:e}");
                };
                let direct_peer = n * m <= 100_000_000;
                if direct_peer {
                    let got = aa.conv(&va, ConvMode::Full, PaddingMode::Zeros).unwrap();
                    check("ndarray-conv conv", got.as_slice().unwrap());
                }
                let got = aa
                    .conv_fft(&va, ConvMode::Full, PaddingMode::Zeros)
                    .unwrap();
                check("ndarray-conv conv_fft", got.as_slice().unwrap());
                check("sci-rs", &sci_convolve(&a, &v, ConvolveMode::Full));
                let mut out = vec![0.0; n + m - 1];
                fftc(&mut out);
                check("fft-convolver", &out);

                let mut g = c.benchmark_group(format!("one_shot/{}/m={m}", stringify!($t)));
                g.sample_size(10);
                g.bench_with_input(BenchmarkId::new("convolve", n), &n, |b, _| {
                    b.iter(|| convolve_with(black_box(&a), black_box(&v), Mode::Full, Method::Auto))
                });
                if direct_peer {
                    g.bench_with_input(BenchmarkId::new("ndarray-conv", n), &n, |b, _| {
                        b.iter(|| black_box(&aa).conv(&va, ConvMode::Full, PaddingMode::Zeros))
                    });
                }
                g.bench_with_input(BenchmarkId::new("ndarray-conv-fft", n), &n, |b, _| {
                    b.iter(|| black_box(&aa).conv_fft(&va, ConvMode::Full, PaddingMode::Zeros))
                });
                g.bench_with_input(BenchmarkId::new("sci-rs", n), &n, |b, _| {
                    b.iter(|| sci_convolve(black_box(&a), black_box(&v), ConvolveMode::Full))
                });
                g.bench_with_input(BenchmarkId::new("fft-convolver", n), &n, |b, _| {
                    b.iter(|| fftc(black_box(&mut out)))
                });
                g.finish();
            }
        }
    };
}

peers!(f64_peers, f64, f64::EPSILON);
peers!(f32_peers, f32, f32::EPSILON as f64);

criterion_group!(benches, f64_peers, f32_peers);
criterion_main!(benches);
