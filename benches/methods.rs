//! Direct vs FFT vs overlap-add vs Auto over the (n, m) grid, for f64 and f32, full mode plus a
//! same/valid sample; and the FFT method against its floor (`fft_floor`). These runs tune `src/strategy.rs`.
//!
//! `cargo bench --bench methods` (all), or a filter: `cargo bench --bench methods -- f64/full/m=64`.
//! Times are the benchmark thread's CPU time (`benches/support/cpu_time.rs`).
//!
//! The grid that tunes the cost model runs with glibc's allocation thresholds fixed, so that
//! whether a large transform's freed buffers were returned to the system (and are page-faulted
//! back in) does not depend on which benchmark ran before:
//! `MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 cargo bench --bench
//! methods -- 'convolve_1d/f64/full|convolve_1d/f32/full'`, then `python3
//! scripts/fit_costs.py` fits `src/strategy.rs`'s constants and `python3
//! scripts/bench_table.py` prints Auto against the fastest fixed method.

use std::time::Duration;

#[path = "support/cpu_time.rs"]
mod cpu_time;

use convolve::bench::{FftFloor, Isa, copy_floor};
use convolve::{Convolver, Method, Mode, convolve_with};
use cpu_time::ThreadCpuTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const NS: [usize; 5] = [100, 1_000, 10_000, 100_000, 1_000_000];
const MS: [usize; 6] = [3, 16, 64, 256, 1_024, 16_384];
/// Direct is skipped above this many multiply-accumulates (seconds per iteration).
const DIRECT_MAX_MACS: usize = 2_000_000_000;

fn signal<T: From<f32>>(len: usize, seed: u32) -> Vec<T> {
    // A cheap deterministic pseudo-random sequence; the values do not affect the speed.
    let mut s = seed.wrapping_mul(2654435761).max(1);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            T::from((s as f32 / u32::MAX as f32) - 0.5)
        })
        .collect()
}

fn grid<T>(c: &mut Criterion<ThreadCpuTime>, type_name: &str, modes: &[Mode])
where
    T: convolve::Element + From<f32>,
{
    for mode in modes {
        for &m in MS.iter().chain(std::iter::once(&0)) {
            let group_name = if m == 0 {
                format!("convolve_1d/{type_name}/{mode}/m=n")
            } else {
                format!("convolve_1d/{type_name}/{mode}/m={m}")
            };
            let mut group = c.benchmark_group(group_name);
            for &n in &NS {
                let m = if m == 0 { n } else { m };
                if m > n || (m == n && n > 100_000 && *mode != Mode::Full) {
                    continue;
                }
                let a: Vec<T> = signal(n, 1);
                let v: Vec<T> = signal(m, 2);
                group.throughput(Throughput::Elements(n as u64));
                for method in [
                    Method::Direct,
                    Method::Fft,
                    Method::OverlapAdd,
                    Method::Auto,
                ] {
                    if method == Method::Direct && n * m > DIRECT_MAX_MACS {
                        continue;
                    }
                    group.bench_with_input(BenchmarkId::new(method.to_string(), n), &n, |b, _| {
                        b.iter(|| convolve_with(&a, &v, *mode, method).unwrap())
                    });
                }
            }
            group.finish();
        }
    }
}

fn methods(c: &mut Criterion<ThreadCpuTime>) {
    grid::<f64>(c, "f64", &[Mode::Full, Mode::Same, Mode::Valid]);
    grid::<f32>(c, "f32", &[Mode::Full]);
}

/// Exact integers where one `f64` transform cannot be proven exact: scipy's failing case
/// (int64 values around 4·10^5, n = m = 16384) and full-range i32, limb-split transforms
/// (`fft`) against the direct sum.
fn exact_integers(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("exact_integers");
    let ints = |len: usize, seed: u32, scale: f32| -> Vec<i64> {
        signal::<f32>(len, seed)
            .iter()
            .map(|&v| (v * 2.0 * scale) as i64)
            .collect()
    };
    let a = ints(16_384, 1, 400_000.0);
    let v = ints(16_384, 2, 400_000.0);
    for method in [Method::Direct, Method::Fft, Method::Auto] {
        group.bench_function(
            BenchmarkId::new(method.to_string(), "i64 4e5 16384x16384"),
            |b| b.iter(|| convolve_with(&a, &v, Mode::Full, method).unwrap()),
        );
    }
    let a: Vec<i32> = ints(100_000, 3, 2.0e9).iter().map(|&x| x as i32).collect();
    let v: Vec<i32> = ints(1_000, 4, 2.0e9).iter().map(|&x| x as i32).collect();
    for method in [Method::Direct, Method::Fft, Method::Auto] {
        group.bench_function(
            BenchmarkId::new(method.to_string(), "i32 full-range 100000x1000"),
            |b| b.iter(|| convolve_with(&a, &v, Mode::Full, method).unwrap()),
        );
    }
    group.finish();
}

/// One forward real transform at the even 7-smooth lengths the FFT path uses.
/// The one-shot FFT method against its floor (`convolve::bench::FftFloor`: two forward real
/// transforms at the length the method picks, the spectral product, one inverse, and loading
/// the zero-padded inputs), full mode; the target is at most 1.25x.
fn fft_floor(c: &mut Criterion<ThreadCpuTime>) {
    // A macro, not a generic function: `FftFloor`'s float bound is the crate's private trait.
    macro_rules! points {
        ($t:ty) => {{
            let mut group = c.benchmark_group(concat!("fft_floor/", stringify!($t)));
            for (n, m) in [
                (1_000usize, 1_000usize),
                (10_000, 10_000),
                (100_000, 100_000),
                (1_000_000, 16_384),
                (1_000_000, 1_000_000),
            ] {
                let a: Vec<$t> = signal(n, 1);
                let v: Vec<$t> = signal(m, 2);
                let id = format!("{n}x{m}");
                group.throughput(Throughput::Elements((n + m - 1) as u64));
                group.bench_function(BenchmarkId::new("fft", &id), |b| {
                    b.iter(|| convolve_with(&a, &v, Mode::Full, Method::Fft).unwrap())
                });
                let mut floor = FftFloor::new(&a, &v).unwrap();
                group.bench_function(BenchmarkId::new("floor", &id), |b| {
                    b.iter(|| floor.run()[0])
                });
            }
            group.finish();
        }};
    }
    points!(f64);
    points!(f32);
}

/// A memory-bound convolution (3 taps) against its memory floor: a copy of the input into a new
/// vector of the result's length (`convolve::bench::copy_floor`), one read and one write of fresh
/// pages, which no implementation returning a new vector can beat (with glibc, which maps
/// fresh pages for a vector this large).
fn memory_floor(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("memory_floor/f64");
    for n in [1_000_000usize, 10_000_000] {
        let a: Vec<f64> = signal(n, 1);
        let v: Vec<f64> = signal(3, 2);
        let id = format!("{n}x3");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("auto", &id), |b| {
            b.iter(|| convolve_with(&a, &v, Mode::Full, Method::Auto).unwrap())
        });
        group.bench_function(BenchmarkId::new("copy", &id), |b| {
            b.iter(|| copy_floor(&a, n + 2).unwrap())
        });
    }
    group.finish();
}

/// The same kernel applied again and again: the one-shot function (which transforms the kernel
/// and allocates its buffers each call) against a [`Convolver`] plan's `process_into`.
fn plan(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("plan/f64");
    for (n, m) in [
        (1_000_000usize, 16usize),
        (1_000_000, 1_024),
        (100_000, 100_000),
        (4_096, 4_096),
    ] {
        let a: Vec<f64> = signal(n, 1);
        let v: Vec<f64> = signal(m, 2);
        let id = format!("{n}x{m}");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("one_shot", &id), |b| {
            b.iter(|| convolve_with(&a, &v, Mode::Full, Method::Auto).unwrap())
        });
        let mut plan = Convolver::new(&v, n, Mode::Full, Method::Auto).unwrap();
        let mut out = vec![0.0; plan.output_len()];
        group.bench_function(BenchmarkId::new("plan", &id), |b| {
            b.iter(|| plan.process_into(&a, &mut out).unwrap())
        });
    }
    group.finish();
}

/// The direct kernel on normal against subnormal data (values times 2^-1060 for `f64`,
/// 2^-140 for `f32`): floating-point units that trap subnormals to microcode run such data
/// orders of magnitude slower.
fn subnormal(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("subnormal");
    let (n, m) = (100_000, 64);
    let a: Vec<f64> = signal(n, 1);
    let v: Vec<f64> = signal(m, 2);
    let tiny = 2f64.powi(-1060);
    let a_sub: Vec<f64> = a.iter().map(|x| x * tiny).collect();
    group.bench_function("f64/normal", |b| {
        b.iter(|| convolve_with(&a, &v, Mode::Full, Method::Direct).unwrap())
    });
    group.bench_function("f64/subnormal", |b| {
        b.iter(|| convolve_with(&a_sub, &v, Mode::Full, Method::Direct).unwrap())
    });
    let a32: Vec<f32> = signal(n, 1);
    let v32: Vec<f32> = signal(m, 2);
    let a32_sub: Vec<f32> = a32.iter().map(|x| x * 2f32.powi(-140)).collect();
    group.bench_function("f32/normal", |b| {
        b.iter(|| convolve_with(&a32, &v32, Mode::Full, Method::Direct).unwrap())
    });
    group.bench_function("f32/subnormal", |b| {
        b.iter(|| convolve_with(&a32_sub, &v32, Mode::Full, Method::Direct).unwrap())
    });
    group.finish();
}

/// One thread against rayon's default pool (all cores), wall time: the speed-up of the split in
/// `src/parallel.rs` and where it starts to pay (`PARALLEL_MIN_NS`).
fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads/f64");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let all = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    for (n, m) in [
        (1_000_000usize, 3usize),
        (4_000, 64),
        (20_000, 64),
        (100_000, 64),
        (1_000_000, 64),
        (1_000_000, 1_024),
        (1_000_000, 16_384),
        // The one-transform method: its two forward transforms on two threads.
        (1_000_000, 1_000_000),
        (10_000_000, 256),
    ] {
        let a: Vec<f64> = signal(n, 1);
        let v: Vec<f64> = signal(m, 2);
        let id = format!("{n}x{m}");
        group.throughput(Throughput::Elements(n as u64));
        // On the calling thread, whose global pool has one thread (see `config`).
        group.bench_function(BenchmarkId::new("one_thread", &id), |b| {
            b.iter(|| convolve_with(&a, &v, Mode::Full, Method::Auto).unwrap())
        });
        group.bench_function(BenchmarkId::new("all_threads", &id), |b| {
            b.iter(|| all.install(|| convolve_with(&a, &v, Mode::Full, Method::Auto).unwrap()))
        });
    }
    group.finish();
}

/// Thread CPU time (see `cpu_time.rs`): this machine is shared, and wall time is not stable.
/// The global rayon pool gets one thread, so no problem is split onto workers whose time the
/// calling thread's clock would not see; the `threads` group makes its own pool.
fn config() -> Criterion<ThreadCpuTime> {
    // Fails only if the global pool already exists, which would then be the default one.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is configured before any benchmark runs");
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

/// The direct kernel built for each instruction set this CPU has (portable, AVX2, AVX-512), on
/// one long signal and kernels from 3 to 256 taps, full mode; the same bits from the two vector
/// builds, so only their speed differs. `cargo bench --bench methods -- direct_isa`.
fn direct_isa(c: &mut Criterion<ThreadCpuTime>) {
    fn typed<T: convolve::bench::IsaElement + From<f32>>(
        c: &mut Criterion<ThreadCpuTime>,
        name: &str,
    ) {
        let n = 100_000;
        let a: Vec<T> = signal(n, 1);
        for m in [3, 16, 64, 256] {
            let v: Vec<T> = signal(m, 2);
            let mut out = vec![T::default(); n + m - 1];
            let mut group = c.benchmark_group(format!("direct_isa/{name}/m={m}"));
            group.throughput(Throughput::Elements((n * m) as u64));
            for isa in [Isa::Portable, Isa::Avx2, Isa::Avx512] {
                if !convolve::bench::direct_isa(isa, &a, &v, &mut out).unwrap() {
                    continue;
                }
                group.bench_function(format!("{isa:?}"), |b| {
                    b.iter(|| convolve::bench::direct_isa(isa, &a, &v, &mut out).unwrap())
                });
            }
            group.finish();
        }
    }
    typed::<f32>(c, "f32");
    typed::<f64>(c, "f64");
}

criterion_group! { name = benches; config = config(); targets = methods, fft_floor, memory_floor, exact_integers, plan, subnormal, direct_isa }
criterion_group! {
    name = wall;
    // More samples than the CPU-time groups: two threads' wall time on this shared machine
    // varies with what else runs, and the medians are what the README quotes.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = threads
}
criterion_main!(benches, wall);
