//! `tune`: measures the cost models' rates on this CPU and fits a [`Profile`] to them.
//!
//! Each model predicts a method's time as a sum of families of terms (`parts` in
//! `strategy.rs` and `nd/strategy.rs`, `cost_parts` in `stream/layout.rs`), every one of them
//! proportional to a measured rate. Another CPU moves the families by different amounts: on an
//! AVX-512 Xeon the direct sums gain more than the transforms over an AVX2 Zen 3. So `tune`
//! times each method on problems where it is the one Auto would weigh (single-threaded, the
//! median of several batches), and fits one factor per family by least squares on relative
//! error: the direct family alone from direct calls, the transform and product families
//! together from FFT and overlap-add calls of different shapes. The separable passes' column
//! rate is fitted by bisection, since the passes' order and column method change with it.

use std::time::Instant;

use crate::element::Element;
use crate::error::ConvError;
use crate::method::Algorithm;
use crate::mode::Mode;
use crate::profile::{Profile, Scales, cpu_name};
use crate::strategy::{Problem, parts};

/// How long [`tune_with`] measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Effort {
    /// Fewer, smaller problems and shorter batches: a few seconds (1 s on the project's Xeon).
    Quick,
    /// The full set: under a minute.
    #[default]
    Full,
}

impl Effort {
    /// Batches per problem, and the least time of one batch in seconds.
    fn batches(self) -> (usize, f64) {
        match self {
            Effort::Quick => (5, 0.008),
            Effort::Full => (7, 0.05),
        }
    }
}

/// Measures this CPU and makes the fitted profile active in this process ([`Profile::activate`]);
/// [`Profile::save`] to [`Profile::default_path`] keeps it for later processes (what
/// `convolve tune` and Python's `convolve.tune()` do). The full set of problems: under a minute.
///
/// # Errors
/// A [`ConvError`] of one of the timed calls (an allocation failure).
pub fn tune() -> Result<Profile, ConvError> {
    tune_with(Effort::Full, &mut |_| {})
}

/// [`tune`] with a choice of effort, calling `progress` with a line after each family.
///
/// # Errors
/// As [`tune`].
pub fn tune_with(
    effort: Effort,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Profile, ConvError> {
    let before = Profile::active();
    let result = on_one_thread(|| measure(effort, progress));
    match result {
        Ok(profile) => {
            profile.activate();
            Ok(profile)
        }
        Err(e) => {
            before.activate();
            Err(e)
        }
    }
}

/// Runs `f` in a pool of one thread: the models predict one thread's time.
fn on_one_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "rayon")]
    if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        return pool.install(f);
    }
    f()
}

fn measure(effort: Effort, progress: &mut (dyn FnMut(&str) + Send)) -> Result<Profile, ConvError> {
    let mut profile = Profile {
        cpu: cpu_name(),
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        ..Profile::shipped()
    };
    // Each stage runs with the stages before it active: the separable row pass is the 1-D
    // model's, and overlap-add's block lengths are chosen by the rates being fitted.
    profile.activate();
    profile.f64 = one_d::<f64>(effort)?;
    profile.f32 = one_d::<f32>(effort)?;
    progress(&format!(
        "1-D       f64 {}   f32 {}",
        show(profile.f64),
        show(profile.f32)
    ));
    profile.activate();
    #[cfg(feature = "ndarray")]
    {
        profile.nd_f64 = nd::scales::<f64>(effort)?;
        profile.nd_f32 = nd::scales::<f32>(effort)?;
        progress(&format!(
            "N-D       f64 {}   f32 {}",
            show(profile.nd_f64),
            show(profile.nd_f32)
        ));
        profile.activate();
        profile.separable = [
            nd::separable::<f64>(effort, &profile)?,
            nd::separable::<f32>(effort, &profile)?,
        ];
        progress(&format!(
            "separable f64 {:.3}   f32 {:.3}",
            profile.separable[0], profile.separable[1]
        ));
    }
    (profile.stream_transform, profile.stream_mac) = stream(effort)?;
    progress(&format!(
        "streaming transform {:.3}   mac {:.3}",
        profile.stream_transform, profile.stream_mac
    ));
    Ok(profile)
}

fn show(s: Scales) -> String {
    format!(
        "direct {:.3} transform {:.3} product {:.3}",
        s.direct, s.transform, s.product
    )
}

/// The median CPU time of one call of `f`, in nanoseconds: batches of calls each at least
/// the effort's batch time, after one call to warm plans and caches.
fn median_ns(
    effort: Effort,
    mut f: impl FnMut() -> Result<(), ConvError>,
) -> Result<f64, ConvError> {
    let (batches, least) = effort.batches();
    let start = cpu_seconds();
    f()?;
    let once = cpu_seconds() - start;
    let calls = ((least / once.max(1e-7)).ceil() as usize).clamp(1, 1_000_000);
    let mut times = Vec::with_capacity(batches);
    for _ in 0..batches {
        let start = cpu_seconds();
        for _ in 0..calls {
            f()?;
        }
        times.push((cpu_seconds() - start) * 1e9 / calls as f64);
    }
    Ok(median(&mut times))
}

/// This thread's CPU time in seconds (the models predict CPU time, and a shared machine's
/// other processes then do not count), or the wall clock where the OS has no thread clock.
fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid timespec to write; the clock id is a constant of the OS.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

fn median(x: &mut [f64]) -> f64 {
    x.sort_by(f64::total_cmp);
    x[x.len() / 2]
}

/// The element types the models have rates of their own for.
trait Probe: Element {
    fn from_unit(x: f64) -> Self;
}

impl Probe for f64 {
    fn from_unit(x: f64) -> Self {
        x
    }
}

impl Probe for f32 {
    fn from_unit(x: f64) -> Self {
        x as f32
    }
}

/// Deterministic data in -1 .. 1 (the rates do not depend on the values).
fn data<T: Probe>(len: usize, seed: u64) -> Vec<T> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            T::from_unit((state >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
        })
        .collect()
}

/// Factors of two families measured together: `rows` are (the model's parts at scale 1, the
/// measured time). Least squares on relative error, `x · a + y · b ≈ t`, pulled towards the
/// one factor that fits both (ridge, weight [`RIDGE`]): calls where one family dominates tell
/// the two apart only roughly, and a noisy batch must not send one to an extreme.
fn fit2(rows: &[([f64; 2], f64)]) -> (f64, f64) {
    let (mut uu, mut uv, mut vv, mut u1, mut v1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &([a, b], t) in rows {
        let (u, v) = (a / t, b / t);
        uu += u * u;
        uv += u * v;
        vv += v * v;
        u1 += u;
        v1 += v;
    }
    let s = (u1 + v1) / (uu + 2.0 * uv + vv);
    let (a, d) = (uu * (1.0 + RIDGE), vv * (1.0 + RIDGE));
    let (p, q) = (u1 + RIDGE * uu * s, v1 + RIDGE * vv * s);
    let det = a * d - uv * uv;
    if det > 0.0 {
        let x = (p * d - q * uv) / det;
        let y = (q * a - p * uv) / det;
        if x > 0.0 && y > 0.0 {
            return (clamp(x), clamp(y));
        }
    }
    (clamp(s), clamp(s))
}

/// How strongly [`fit2`] pulls two factors towards their common one.
const RIDGE: f64 = 0.03;

/// Factors stay within 10x of the measured rates: a value outside says the timing went wrong
/// (a busy machine), not that the CPU is that different.
fn clamp(x: f64) -> f64 {
    x.clamp(0.1, 10.0)
}

/// The 1-D model's scales for `T`: the direct sum on short and long kernels, then FFT and
/// overlap-add on shapes where each is Auto's candidate.
fn one_d<T: Probe>(effort: Effort) -> Result<Scales, ConvError> {
    let quick = effort == Effort::Quick;
    let direct: &[(usize, usize)] = if quick {
        &[(50_000, 16), (20_000, 128), (5_000, 1_024)]
    } else {
        &[(100_000, 16), (100_000, 64), (30_000, 256), (10_000, 1_024)]
    };
    let transforms: &[(usize, usize, Algorithm)] = if quick {
        &[
            (16_384, 16_384, Algorithm::Fft),
            (60_000, 30_000, Algorithm::Fft),
            (200_000, 256, Algorithm::OverlapAdd),
            (200_000, 2_048, Algorithm::OverlapAdd),
        ]
    } else {
        &[
            (16_384, 16_384, Algorithm::Fft),
            (100_000, 50_000, Algorithm::Fft),
            (300_000, 300_000, Algorithm::Fft),
            (1_000_000, 256, Algorithm::OverlapAdd),
            (1_000_000, 2_048, Algorithm::OverlapAdd),
            (300_000, 8_192, Algorithm::OverlapAdd),
        ]
    };
    let time = |n: usize, m: usize, method: Algorithm| -> Result<([f64; 3], f64), ConvError> {
        let (a, v) = (data::<T>(n, 1), data::<T>(m, 2));
        let ns = median_ns(effort, || {
            crate::convolve_with(&a, &v, Mode::Full, method.into()).map(drop)
        })?;
        Ok((parts(Problem::new(T::KIND, n, m, 0, n + m - 1), method), ns))
    };
    fit_scales(direct, transforms, Algorithm::Direct, time)
}

/// One model's scales: the direct factor the median of measured over predicted on the
/// `direct` problems, the transform and product factors fitted together ([`fit2`]) on the
/// `transforms`; `time` gives a problem's predicted parts at scale 1 and its measured time.
fn fit_scales<M: Copy>(
    direct: &[(usize, usize)],
    transforms: &[(usize, usize, M)],
    direct_method: M,
    time: impl Fn(usize, usize, M) -> Result<([f64; 3], f64), ConvError>,
) -> Result<Scales, ConvError> {
    let mut ratios = Vec::new();
    for &(n, m) in direct {
        let ([d, _, _], ns) = time(n, m, direct_method)?;
        ratios.push(ns / d);
    }
    let mut rows = Vec::new();
    for &(n, m, method) in transforms {
        let ([_, t, p], ns) = time(n, m, method)?;
        rows.push(([t, p], ns));
    }
    let (transform, product) = fit2(&rows);
    Ok(Scales {
        direct: clamp(median(&mut ratios)),
        transform,
        product,
    })
}

/// The streaming layout's factors: uniform partitions in the block-latency mode, one and
/// many per block size, so that the transforms and the multiply-adds are told apart (`f32`,
/// mono: the layout's rates were measured so).
fn stream(effort: Effort) -> Result<(f64, f64), ConvError> {
    use crate::stream::{Latency, Partitioning, StreamBuilder};
    let (sizes, samples): (&[usize], usize) = match effort {
        Effort::Quick => (&[256, 2_048], 1 << 16),
        Effort::Full => (&[128, 512, 2_048, 8_192], 1 << 18),
    };
    let mut rows = Vec::new();
    for &size in sizes {
        for count in [1, 16] {
            let kernel = data::<f32>(size * count, 3);
            let mut s = StreamBuilder::new(size)
                .latency(Latency::Block)
                .partitioning(Partitioning::Uniform)
                .build(&kernel)?;
            let input = data::<f32>(samples, 4);
            let mut output = vec![0.0f32; size];
            let ns = median_ns(effort, || {
                for block in input.chunks_exact(size) {
                    s.process(block, &mut output)?;
                }
                Ok(())
            })?;
            let [t, m] = crate::stream::layout::cost_parts(size, count);
            rows.push(([t, m], ns / (samples - samples % size) as f64));
        }
    }
    Ok(fit2(&rows))
}

/// The N-D model's factors, on 2-D images.
#[cfg(feature = "ndarray")]
mod nd {
    use ndarray::Array2;

    use super::*;
    use crate::method::Method;
    use crate::nd::window::per_axis;

    fn image<T: Probe>(shape: [usize; 2], seed: u64) -> Array2<T> {
        Array2::from_shape_vec(shape, data::<T>(shape[0] * shape[1], seed))
            .expect("the data has the shape's size")
    }

    /// Direct, FFT and overlap-add on images and kernels where each is Auto's candidate.
    pub(super) fn scales<T: Probe>(effort: Effort) -> Result<Scales, ConvError> {
        let quick = effort == Effort::Quick;
        let direct: &[(usize, usize)] = if quick {
            &[(256, 3), (256, 9)]
        } else {
            &[(512, 3), (512, 7), (256, 15)]
        };
        let transforms: &[(usize, usize, Method)] = if quick {
            &[(256, 63, Method::Fft), (512, 15, Method::OverlapAdd)]
        } else {
            &[
                (512, 127, Method::Fft),
                (1_024, 255, Method::Fft),
                (2_048, 15, Method::OverlapAdd),
                (1_024, 31, Method::OverlapAdd),
            ]
        };
        let time = |n: usize, m: usize, method: Method| -> Result<([f64; 3], f64), ConvError> {
            let (a, v) = (image::<T>([n, n], 5), image::<T>([m, m], 6));
            let ns = median_ns(effort, || {
                crate::nd::convolve_with(a.view(), v.view(), Mode::Same, method).map(drop)
            })?;
            let w = per_axis(&[n, n], &[m, m], Mode::Same);
            let parts =
                crate::nd::strategy::parts(T::KIND, &[n, n], &[m, m], &w.lo, &w.len, method);
            Ok((parts, ns))
        };
        fit_scales(direct, transforms, Method::Direct, time)
    }

    /// The separable column pass' factor for `T`: for each image, the factor at which the
    /// passes' predicted time (the order and column method it implies included) equals the
    /// measured one, found by bisection; the median over the images.
    pub(super) fn separable<T: Probe>(effort: Effort, base: &Profile) -> Result<f64, ConvError> {
        let problems: &[(usize, usize)] = if effort == Effort::Quick {
            &[(512, 9), (1_024, 15)]
        } else {
            &[(1_024, 5), (2_048, 15), (2_048, 31)]
        };
        let mut factors = Vec::new();
        for &(n, m) in problems {
            let a = image::<T>([n, n], 7);
            let (column, row) = (data::<T>(m, 8), data::<T>(m, 9));
            let ns = median_ns(effort, || {
                crate::nd::convolve_separable(a.view(), &column, &row, Mode::Same).map(drop)
            })?;
            let w = per_axis(&[n, n], &[m, m], Mode::Same);
            let predicted = |s: f64| {
                let mut p = base.clone();
                p.separable = [s, s];
                p.activate();
                crate::nd::dispatch::pass_order::<T>(
                    [n, n],
                    [m, m],
                    [w.lo[0], w.lo[1]],
                    [w.len[0], w.len[1]],
                )
                .ns
            };
            // The prediction grows with the factor: bisect on its logarithm.
            let (mut lo, mut hi) = (0.1f64.ln(), 10f64.ln());
            for _ in 0..40 {
                let mid = 0.5 * (lo + hi);
                if predicted(mid.exp()) < ns {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            factors.push((0.5 * (lo + hi)).exp());
        }
        base.activate();
        Ok(clamp(median(&mut factors)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit2_recovers_the_factors_of_exact_times() {
        let rows: Vec<([f64; 2], f64)> = [(100.0, 10.0), (50.0, 80.0), (10.0, 300.0)]
            .iter()
            .map(|&(a, b)| ([a, b], 1.5 * a + 0.25 * b))
            .collect();
        let (x, y) = fit2(&rows);
        // Pulled a little towards one common factor, no further than the ridge allows.
        assert!(
            (x - 1.5).abs() < 0.075 && (y - 0.25).abs() < 0.025,
            "{x} {y}"
        );
        assert!(x > 1.3 && y < 0.5, "{x} {y}");
        // Proportional parts cannot be told apart: one factor for both.
        let same: Vec<([f64; 2], f64)> = [1.0, 2.0, 4.0]
            .iter()
            .map(|&k| ([k, 2.0 * k], 3.0 * k * 2.0))
            .collect();
        let (x, y) = fit2(&same);
        assert!((x - 2.0).abs() < 1e-9 && (y - 2.0).abs() < 1e-9, "{x} {y}");
    }

    #[test]
    fn factors_stay_within_ten_times() {
        assert_eq!(clamp(0.001), 0.1);
        assert_eq!(clamp(1e6), 10.0);
        assert_eq!(fit2(&[([1.0, 0.0], 1e9)]), (10.0, 10.0));
    }
}
