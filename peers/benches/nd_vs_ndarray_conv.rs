//! 2-D convolution, `convolve::nd` next to `ndarray-conv` (`conv` direct and `conv_fft`):
//! 512² images, square kernels, `same` mode with zero padding. Each peer's output is checked
//! against ours once per point before timing, so all time the same work.
//!
//! `cargo bench -p convolve-peers --bench nd_vs_ndarray_conv` (thread CPU time; export the
//! `MALLOC_*` variables of `benches/nd.rs` first).

use std::hint::black_box;
use std::time::Duration;

#[path = "../../benches/support/cpu_time.rs"]
mod cpu_time;

use convolve::{Mode, nd};
use cpu_time::ThreadCpuTime;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use ndarray_conv::{ConvExt, ConvFFTExt, ConvMode, PaddingMode};

fn data(n: usize, seed: u64) -> Array2<f64> {
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    Array2::from_shape_simple_fn((n, n), || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    })
}

fn peers(c: &mut Criterion<ThreadCpuTime>) {
    let n = 512;
    let a = data(n, 1);
    for k in [3usize, 15, 63] {
        let v = data(k, 2);
        let ours = nd::convolve(a.view(), v.view(), Mode::Same).unwrap();
        let tol = 1e-9 * (k * k) as f64;
        let check = |name: &str, got: &Array2<f64>| {
            assert_eq!(got.shape(), ours.shape(), "{name} k={k}");
            let worst = got
                .iter()
                .zip(&ours)
                .map(|(g, o)| (g - o).abs())
                .fold(0.0, f64::max);
            assert!(worst < tol, "{name} k={k}: differs from ours by {worst}");
        };
        if k <= 15 {
            check(
                "ndarray-conv",
                &a.conv(&v, ConvMode::Same, PaddingMode::Zeros).unwrap(),
            );
        }
        check(
            "ndarray-conv-fft",
            &a.conv_fft(&v, ConvMode::Same, PaddingMode::Zeros).unwrap(),
        );
        let mut g = c.benchmark_group(format!("nd_2d/f64/{n}"));
        g.bench_with_input(BenchmarkId::new("convolve", k), &k, |b, _| {
            b.iter(|| nd::convolve(black_box(a.view()), v.view(), Mode::Same).unwrap())
        });
        if k <= 15 {
            g.bench_with_input(BenchmarkId::new("ndarray-conv", k), &k, |b, _| {
                b.iter(|| black_box(&a).conv(&v, ConvMode::Same, PaddingMode::Zeros))
            });
        }
        g.bench_with_input(BenchmarkId::new("ndarray-conv-fft", k), &k, |b, _| {
            b.iter(|| black_box(&a).conv_fft(&v, ConvMode::Same, PaddingMode::Zeros))
        });
        g.finish();
    }
}

fn config() -> Criterion<ThreadCpuTime> {
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = config(); targets = peers }
criterion_main!(benches);
