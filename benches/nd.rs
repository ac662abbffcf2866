//! N-D methods on the grid: direct vs FFT vs overlap-add vs Auto, `same` mode, for
//! 2-D images of 512² and 2048² with square kernels of 3, 15, 63 and 255, in f64 and f32, and
//! a 128³ volume with a 9³ kernel. These runs tune `src/nd/strategy.rs`; `separable_ndimage`
//! compares the fused scipy.ndimage Gaussian with its passes one by one;
//! `scripts/nd_compare.py` reads their medians and times scipy.signal on the same points.
//!
//! `cargo bench --bench nd --features ndarray -- 'convolve_2d/f64/512'` (a filter is
//! advisable: the 2048² direct points take seconds each). Times are thread CPU time. Export
//! `MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296` first (as
//! `scripts/nd_compare.py` does for scipy): with glibc's adaptive threshold the same call ran
//! 2-5x slower or faster depending on which benchmark ran before it (page faults).

use std::time::Duration;

#[path = "support/cpu_time.rs"]
mod cpu_time;

use convolve::{Element, Method, Mode, nd};
use cpu_time::ThreadCpuTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array, Array2, IxDyn};

const IMAGES: [usize; 2] = [512, 2048];
const KERNELS: [usize; 4] = [3, 15, 63, 255];
/// Direct is skipped above this many multiply-adds (over ten seconds per run).
const DIRECT_MAX_MACS: f64 = 4e10;
const METHODS: [Method; 4] = [
    Method::Direct,
    Method::Fft,
    Method::OverlapAdd,
    Method::Auto,
];

/// Deterministic pseudo-random data in [-0.5, 0.5); the values do not affect the speed.
fn data<T: From<f32>>(shape: &[usize], seed: u32) -> Array<T, IxDyn> {
    let mut s = seed.wrapping_mul(2654435761).max(1);
    Array::from_shape_simple_fn(IxDyn(shape), || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        T::from((s as f32 / u32::MAX as f32) - 0.5)
    })
}

fn bench_point<T: Element + From<f32>>(
    c: &mut Criterion<ThreadCpuTime>,
    group: &str,
    image: &[usize],
    kernel: &[usize],
) {
    let a = data::<T>(image, 1);
    let v = data::<T>(kernel, 2);
    let macs = a.len() as f64 * v.len() as f64;
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(a.len() as u64));
    for method in METHODS {
        if method == Method::Direct && macs > DIRECT_MAX_MACS {
            continue;
        }
        g.bench_with_input(
            BenchmarkId::new(method.to_string(), kernel[0]),
            &kernel[0],
            |b, _| b.iter(|| nd::convolve_with(a.view(), v.view(), Mode::Same, method).unwrap()),
        );
    }
    g.finish();
}

fn grid_2d<T: Element + From<f32>>(c: &mut Criterion<ThreadCpuTime>, name: &str) {
    for n in IMAGES {
        for k in KERNELS {
            bench_point::<T>(c, &format!("convolve_2d/{name}/{n}"), &[n, n], &[k, k]);
        }
    }
}

/// Small non-separable kernels on the image grid of issue 23, where the register-blocked 2-D
/// kernel (`src/nd/blocked.rs`) runs `direct`: its crossover with overlap-add is what sets
/// `blocked::MAX_TAPS` and the cost model's blocked rates. FFT is slower than overlap-add at
/// every point here and is left out.
fn small_kernels<T: Element + From<f32>>(c: &mut Criterion<ThreadCpuTime>, name: &str) {
    for (n, kernels) in [
        (512, &[3, 5, 7, 9, 11, 13, 15][..]),
        (2048, &[3, 5, 7, 9, 11, 13, 15]),
        (4096, &[3, 5, 9, 11]),
    ] {
        let a = data::<T>(&[n, n], 1);
        let mut g = c.benchmark_group(format!("small_2d/{name}/{n}"));
        g.throughput(Throughput::Elements(a.len() as u64));
        for &k in kernels {
            let v = data::<T>(&[k, k], 2);
            for method in [Method::Direct, Method::OverlapAdd, Method::Auto] {
                g.bench_with_input(BenchmarkId::new(method.to_string(), k), &k, |b, _| {
                    b.iter(|| nd::convolve_with(a.view(), v.view(), Mode::Same, method).unwrap())
                });
            }
        }
        g.finish();
    }
}

/// The 3-D point where issue 23 found scipy.signal.fftconvolve faster (128³ × 5³, f32).
fn small_3d(c: &mut Criterion<ThreadCpuTime>) {
    let (a, v) = (data::<f32>(&[128; 3], 1), data::<f32>(&[5; 3], 2));
    let mut g = c.benchmark_group("small_3d/f32/128");
    g.throughput(Throughput::Elements(a.len() as u64));
    for method in METHODS {
        g.bench_with_input(BenchmarkId::new(method.to_string(), 5), &5, |b, _| {
            b.iter(|| nd::convolve_with(a.view(), v.view(), Mode::Same, method).unwrap())
        });
    }
    g.finish();
}

/// The 2-D direct kernels alone on one thread, `same`: the N-D row-pair kernel the blocked
/// one replaced (`rows`), and the blocked kernel built for AVX2 and for AVX-512 (each where
/// this CPU runs it), so one run gives both the speed-up and the two widths' rates.
fn direct_2d<T: convolve::bench::IsaElement + From<f32>>(
    c: &mut Criterion<ThreadCpuTime>,
    name: &str,
) {
    use convolve::bench::{Direct2d, Isa, direct_2d};
    for (n, kernels) in [(512, &[3, 5, 9, 11, 15][..]), (2048, &[3, 9])] {
        let a = data::<T>(&[n, n], 1);
        let a = a.as_slice().unwrap();
        let mut g = c.benchmark_group(format!("direct_2d/{name}/{n}"));
        g.throughput(Throughput::Elements(a.len() as u64));
        for &k in kernels {
            let v = data::<T>(&[k, k], 2);
            let v = v.as_slice().unwrap();
            for (id, how) in [
                ("rows", Direct2d::RowPairs),
                ("blocked_portable", Direct2d::Blocked(Isa::Portable)),
                ("blocked_avx2", Direct2d::Blocked(Isa::Avx2)),
                ("blocked_avx512", Direct2d::Blocked(Isa::Avx512)),
            ] {
                let mut out = vec![T::default(); a.len()];
                if (n > 512 && how == Direct2d::Blocked(Isa::Portable))
                    || !direct_2d(how, a, [n, n], v, [k, k], &mut out).unwrap()
                {
                    continue;
                }
                g.bench_with_input(BenchmarkId::new(id, k), &k, |b, _| {
                    b.iter(|| direct_2d(how, a, [n, n], v, [k, k], &mut out).unwrap())
                });
            }
        }
        g.finish();
    }
}

/// Issue 23's grid for Auto: every N-D method and Auto, `same`, random (non-separable)
/// kernels, on 512², 2048² and 4096² images with k = 3 to 63 and on 64³ and 128³ volumes with
/// 3³, 5³ and 9³. `scripts/bench_table.py --nd` prints each point's medians and Auto's ratio
/// to the fastest method, `scripts/fit_nd_costs.py` fits the transform rates to them. Direct
/// is skipped above 3·10^9 multiply-adds (k ≥ 31 at 2048², k ≥ 15 at 4096²), where it takes
/// seconds and overlap-add is faster (1.3x at 4096² × 15², more beyond).
fn auto_grid<T: Element + From<f32>>(c: &mut Criterion<ThreadCpuTime>, name: &str) {
    for n in [512, 2048, 4096] {
        for k in [3, 5, 7, 9, 11, 13, 15, 31, 63] {
            bench_methods::<T>(c, &format!("auto_nd/{name}/{n}"), &[n, n], k, 3e9);
        }
    }
    for n in [64, 128] {
        for k in [3, 5, 9] {
            bench_methods::<T>(c, &format!("auto_3d/{name}/{n}"), &[n; 3], k, 3e9);
        }
    }
}

/// Each N-D method and Auto on `image` with a `k`-per-axis random kernel, direct only below
/// `max_macs` multiply-adds.
fn bench_methods<T: Element + From<f32>>(
    c: &mut Criterion<ThreadCpuTime>,
    group: &str,
    image: &[usize],
    k: usize,
    max_macs: f64,
) {
    let a = data::<T>(image, 1);
    let v = data::<T>(&vec![k; image.len()], 2);
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(a.len() as u64));
    for method in METHODS {
        if method == Method::Direct && a.len() as f64 * v.len() as f64 > max_macs {
            continue;
        }
        g.bench_with_input(BenchmarkId::new(method.to_string(), k), &k, |b, _| {
            b.iter(|| nd::convolve_with(a.view(), v.view(), Mode::Same, method).unwrap())
        });
    }
    g.finish();
}

fn auto_benches(c: &mut Criterion<ThreadCpuTime>) {
    auto_grid::<f32>(c, "f32");
    auto_grid::<f64>(c, "f64");
}

fn small_benches(c: &mut Criterion<ThreadCpuTime>) {
    direct_2d::<f32>(c, "f32");
    direct_2d::<f64>(c, "f64");
    small_kernels::<f32>(c, "f32");
    small_kernels::<f64>(c, "f64");
    small_3d(c);
}

fn nd_benches(c: &mut Criterion<ThreadCpuTime>) {
    grid_2d::<f64>(c, "f64");
    grid_2d::<f32>(c, "f32");
    bench_point::<f64>(c, "convolve_3d/f64/128", &[128, 128, 128], &[9, 9, 9]);
    bench_point::<f32>(c, "convolve_3d/f32/128", &[128, 128, 128], &[9, 9, 9]);
    // Boundary extension (symm) on the common blur size.
    let a = data::<f64>(&[512, 512], 1).into_dimensionality().unwrap();
    let v = data::<f64>(&[15, 15], 2).into_dimensionality().unwrap();
    let mut g = c.benchmark_group("convolve2d_symm/f64/512");
    g.bench_function(BenchmarkId::new("auto", 15), |b| {
        b.iter(|| nd::convolve2d(a.view(), v.view(), Mode::Same, nd::Boundary::Symm).unwrap())
    });
    g.finish();
}

/// Gaussian taps (`2·radius + 1`, standard deviation `radius / 3`, summing to 1) as `T`.
fn gaussian<T: From<f32>>(radius: usize) -> Vec<T> {
    let sigma = radius as f64 / 3.0;
    let g: Vec<f64> = (0..=2 * radius)
        .map(|i| (-((i as f64 - radius as f64) / sigma).powi(2) / 2.0).exp())
        .collect();
    let sum: f64 = g.iter().sum();
    g.iter().map(|x| T::from((x / sum) as f32)).collect()
}

/// Separable Gaussian kernels (`same`): `auto` (which finds the rank-1 kernel and runs two 1-D
/// passes), `separable` (`nd::convolve_separable` with the factors), and `auto_2d`: Auto on
/// the same kernel with one corner tap changed by a thousandth of the peak, which is no longer
/// rank 1, so Auto runs the 2-D method it ran before separable kernels were detected.
fn separable_point<
    T: Element + From<f32> + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
>(
    c: &mut Criterion<ThreadCpuTime>,
    name: &str,
    n: usize,
    k: usize,
) {
    let a: Array2<T> = data::<T>(&[n, n], 1).into_dimensionality().unwrap();
    let g = gaussian::<T>(k / 2);
    let v = Array2::from_shape_fn((k, k), |(i, j)| g[i] * g[j]);
    let mut bent = v.clone();
    bent[[0, 0]] = bent[[0, 0]] + v[[k / 2, k / 2]] * T::from(1e-3);
    let mut group = c.benchmark_group(format!("separable_2d/{name}/{n}"));
    group.throughput(Throughput::Elements(a.len() as u64));
    group.bench_function(BenchmarkId::new("auto", k), |b| {
        b.iter(|| nd::convolve(a.view(), v.view(), Mode::Same).unwrap())
    });
    group.bench_function(BenchmarkId::new("separable", k), |b| {
        b.iter(|| nd::convolve_separable(a.view(), &g, &g, Mode::Same).unwrap())
    });
    group.bench_function(BenchmarkId::new("auto_2d", k), |b| {
        b.iter(|| nd::convolve(a.view(), bent.view(), Mode::Same).unwrap())
    });
    group.finish();
}

fn separable_benches(c: &mut Criterion<ThreadCpuTime>) {
    for (n, k) in [(2048, 15), (2048, 63), (512, 63), (512, 15)] {
        separable_point::<f64>(c, "f64", n, k);
        separable_point::<f32>(c, "f32", n, k);
    }
    // The separable rows (issue 23): 4096² f32 × 5², 2048² f64 × 31².
    separable_point::<f32>(c, "f32", 4096, 5);
    separable_point::<f64>(c, "f64", 2048, 31);
}

/// The passes of scipy.ndimage's `gaussian_filter` over an image with weights `g`, mode
/// `reflect`.
fn reflect_passes(g: &[f64]) -> [nd::AxisFilter<'_, f64>; 2] {
    [0, 1].map(|axis| nd::AxisFilter {
        axis,
        weights: g,
        border: nd::Border::Reflect,
        origin: 0,
    })
}

/// scipy.ndimage's Gaussian filter (mode `reflect`, `f64` weights; `f32` data summed in `f64`
/// as scipy does): `fused`, `nd::correlate_separable_ndimage` with the last two axes in one
/// pass, against `per_axis`, one `nd::correlate1d_ndimage` pass per axis.
fn ndimage_point<S: nd::Widen<f64> + From<f32>>(
    c: &mut Criterion<ThreadCpuTime>,
    name: &str,
    n: usize,
    k: usize,
) {
    let a: Array2<S> = data::<S>(&[n, n], 1).into_dimensionality().unwrap();
    let g = gaussian::<f64>(k / 2);
    let passes = reflect_passes(&g);
    let mut group = c.benchmark_group(format!("separable_ndimage/{name}/{n}"));
    group.throughput(Throughput::Elements(a.len() as u64));
    group.bench_function(BenchmarkId::new("fused", k), |b| {
        b.iter(|| nd::correlate_separable_ndimage(a.view(), &passes).unwrap())
    });
    group.bench_function(BenchmarkId::new("per_axis", k), |b| {
        b.iter(|| {
            let rows = nd::correlate1d_ndimage(a.view(), &g, 0, nd::Border::Reflect, 0).unwrap();
            nd::correlate1d_ndimage(rows.view(), &g, 1, nd::Border::Reflect, 0).unwrap()
        })
    });
    group.finish();
}

fn ndimage_benches(c: &mut Criterion<ThreadCpuTime>) {
    for k in [3, 5, 9, 15] {
        ndimage_point::<f32>(c, "f32", 512, k);
        ndimage_point::<f64>(c, "f64", 512, k);
    }
    for k in [3, 5, 15, 63] {
        ndimage_point::<f32>(c, "f32", 2048, k);
        ndimage_point::<f64>(c, "f64", 2048, k);
    }
    ndimage_point::<f32>(c, "f32", 4096, 5);
}

/// Wall time of Auto on one thread and on two (rayon pools of each size) for non-separable
/// kernels: the speed-up of the split in `src/nd/parallel.rs`.
fn threads_point<T: Element + From<f32>>(
    c: &mut Criterion,
    group: &str,
    image: &[usize],
    k: usize,
) {
    let a = data::<T>(image, 1);
    let kernel = vec![k; image.len()];
    let v = data::<T>(&kernel, 2);
    on_one_and_two(c, group, a.len(), k, || {
        nd::convolve(a.view(), v.view(), Mode::Same).unwrap()
    });
}

/// Wall time of the separable passes (`nd::convolve_separable`, Gaussian factors) on one
/// thread and on two.
fn threads_separable<T: Element + From<f32>>(c: &mut Criterion, name: &str, n: usize, k: usize) {
    let a: Array2<T> = data::<T>(&[n, n], 1).into_dimensionality().unwrap();
    let g = gaussian::<T>(k / 2);
    let group = format!("threads_separable/{name}/{n}");
    on_one_and_two(c, &group, a.len(), k, || {
        nd::convolve_separable(a.view(), &g, &g, Mode::Same).unwrap()
    });
}

/// Wall time of the fused scipy.ndimage Gaussian (`nd::correlate_separable_ndimage`, mode
/// `reflect`) on one thread and on two: the caller shares the bands with the pool
/// (`src/nd/helped.rs`), so two threads should never be much slower than one.
fn threads_ndimage<S: nd::Widen<f64> + From<f32>>(
    c: &mut Criterion,
    name: &str,
    n: usize,
    k: usize,
) {
    let a: Array2<S> = data::<S>(&[n, n], 1).into_dimensionality().unwrap();
    let g = gaussian::<f64>(k / 2);
    let passes = reflect_passes(&g);
    let group = format!("threads_ndimage/{name}/{n}");
    on_one_and_two(c, &group, a.len(), k, || {
        nd::correlate_separable_ndimage(a.view(), &passes).unwrap()
    });
}

/// `run` in wall time on rayon pools of one and of two threads (`1_thread/k`, `2_threads/k`),
/// `elements` outputs per call.
fn on_one_and_two<R: Send>(
    c: &mut Criterion,
    group: &str,
    elements: usize,
    k: usize,
    run: impl Fn() -> R + Sync,
) {
    let pools = [1, 2].map(|t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
    });
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(elements as u64));
    for (pool, id) in pools.iter().zip(["1_thread", "2_threads"]) {
        g.bench_function(BenchmarkId::new(id, k), |b| b.iter(|| pool.install(&run)));
    }
    g.finish();
}

fn threads(c: &mut Criterion) {
    for (n, k) in [(512, 3), (512, 15), (2048, 3)] {
        threads_ndimage::<f32>(c, "f32", n, k);
        threads_ndimage::<f64>(c, "f64", n, k);
    }
    threads_separable::<f32>(c, "f32", 4096, 5);
    threads_separable::<f64>(c, "f64", 2048, 15);
    for k in [15, 63] {
        threads_point::<f64>(c, "threads_nd/f64/2048", &[2048, 2048], k);
        threads_point::<f32>(c, "threads_nd/f32/2048", &[2048, 2048], k);
    }
    threads_point::<f64>(c, "threads_nd/f64/128^3", &[128, 128, 128], 9);
    threads_point::<f32>(c, "threads_nd/f32/128^3", &[128, 128, 128], 9);
}

/// Thread CPU time (see `cpu_time.rs`): this machine is shared, and wall time is not stable.
/// The global rayon pool gets one thread, so no problem is split onto workers whose time the
/// calling thread's clock would not see; the `threads` group makes its own pools.
fn config() -> Criterion<ThreadCpuTime> {
    // Fails only if the global pool already exists, which would then be the default one.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is configured before any benchmark runs");
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = nd_benches, separable_benches, small_benches, ndimage_benches, auto_benches
}
criterion_group! {
    name = wall;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = threads
}
criterion_main!(benches, wall);
