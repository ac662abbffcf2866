//! Real transforms of even length `N`: the `N` samples read as `N/2` complex ones, a complex
//! transform of `N/2` points (rustfft), and one *split pass* that turns its output into the
//! half spectrum of the real signal (forward), or a half spectrum into the input of that
//! complex transform (inverse).
//!
//! This is `realfft`'s algorithm, with the same arithmetic (the results are bit-identical),
//! except that inverses of half-length `N/2 >= 2^17` run their complex transform in two halves
//! (see [`EvenReal::inverse_with`]; as accurate, not the same bits).
//! It is written here for speed: realfft's split loop walks its two halves in opposite
//! directions, generic over the float type, and the baseline x86-64 build runs it one complex
//! number at a time, which at 1,024 points cost as much as the complex transform itself
//! (docs/PERFORMANCE.md, "Why the real transform's split pass is written here"). Here the
//! same loop is also compiled for AVX2 and FMA (chosen at run time, `simd::run_vectorized`), where
//! the compiler vectorizes it. Odd lengths still go through realfft.

use std::sync::Arc;

use num_complex::Complex;
use num_traits::Float;
use rustfft::{Fft, FftNum, FftPlanner};

/// The float types the transform runs on (`f32`, `f64`).
pub trait RealFloat: FftNum + Float + Default + bytemuck::Pod {}
impl<F: FftNum + Float + Default + bytemuck::Pod> RealFloat for F {}

/// Plans for one even length `N`.
pub struct EvenReal<F> {
    forward: Arc<dyn Fft<F>>,
    inverse: Inverse<F>,
    /// `exp(-2πik/N)` for the split pass's pairs `k = 1 ..= (N/2 - 1) / 2`.
    twiddles: Vec<Complex<F>>,
    scratch_len: usize,
}

/// The inverse's complex transform of `N/2` points: whole, or for long transforms in halves.
enum Inverse<F> {
    Whole(Arc<dyn Fft<F>>),
    Halves(Halves<F>),
}

/// Half-lengths `H = N/2` from which the inverse's complex transform is computed as two of
/// `H/2` points (one radix-2 step by hand), so that two threads can share it (see
/// [`EvenReal::inverse_with`]). One thread takes the same steps at these lengths, for the same
/// bits, and was as fast as with the one transform (docs/PERFORMANCE.md, "Why long inverses run
/// in halves").
const HALVES_MIN: usize = 1 << 17;

/// The inverse complex transform of `H` points as two of `H/2`: with `v = exp(2πi/H)`,
/// `z[2r] = IFFT(Z[k] + Z[k + H/2])[r]` and `z[2r + 1] = IFFT((Z[k] - Z[k + H/2])·v^k)[r]`.
struct Halves<F> {
    inverse: Arc<dyn Fft<F>>,
    /// `v^k` for `k < H/2`.
    twiddles: Vec<Complex<F>>,
    /// The half transform's out-of-place scratch, one for each half.
    scratch_len: usize,
}

impl<F: RealFloat> EvenReal<F> {
    /// # Panics
    /// If `len` is odd or 0 (the callers pass even transform lengths only).
    pub fn new(len: usize, planner: &mut FftPlanner<F>) -> Self {
        assert!(len >= 2 && len.is_multiple_of(2), "even length, got {len}");
        let half = len / 2;
        let forward = planner.plan_fft_forward(half);
        // Angles in f64, rounded once to the type (computed as realfft does, for identical
        // results; exactly reduced angles measured no more accurate).
        let step = -2.0 * std::f64::consts::PI / len as f64;
        let twiddles = (1..=(half - 1) / 2)
            .map(|k| unit(step * k as f64))
            .collect();
        let inverse = if half >= HALVES_MIN && half.is_multiple_of(2) {
            let inverse = planner.plan_fft_inverse(half / 2);
            let step = 2.0 * std::f64::consts::PI / half as f64;
            Inverse::Halves(Halves {
                scratch_len: inverse.get_outofplace_scratch_len(),
                inverse,
                twiddles: (0..half / 2).map(|k| unit(step * k as f64)).collect(),
            })
        } else {
            Inverse::Whole(planner.plan_fft_inverse(half))
        };
        let scratch_len = forward.get_outofplace_scratch_len().max(match &inverse {
            Inverse::Whole(p) => p.get_outofplace_scratch_len(),
            // Each half's scratch.
            Inverse::Halves(h) => 2 * h.scratch_len,
        });
        EvenReal {
            forward,
            inverse,
            twiddles,
            scratch_len,
        }
    }

    pub fn scratch_len(&self) -> usize {
        self.scratch_len
    }

    /// The `N/2 + 1` bins of `time`'s spectrum into `spec`; `time` is left unspecified.
    pub fn forward(&self, time: &mut [F], spec: &mut [Complex<F>], scratch: &mut [Complex<F>]) {
        let half = time.len() / 2;
        debug_assert_eq!(spec.len(), half + 1);
        self.forward
            .process_outofplace_with_scratch(as_complex(time), &mut spec[..half], scratch);
        let z = spec[0];
        spec[0] = Complex::new(z.re + z.im, F::zero());
        spec[half] = Complex::new(z.re - z.im, F::zero());
        if half.is_multiple_of(2) {
            spec[half / 2].im = -spec[half / 2].im;
        }
        let (left, right) = pairs(spec, half);
        split(Pass::Forward, left, right, &self.twiddles);
    }

    /// `N` times the real signal whose half spectrum is `spec` into `time` (the imaginary
    /// parts of the DC and Nyquist bins, which a real signal's spectrum does not have, are
    /// ignored); `spec` is left unspecified.
    pub fn inverse(&self, spec: &mut [Complex<F>], time: &mut [F], scratch: &mut [Complex<F>]) {
        self.inverse_with(spec, time, scratch, false);
    }

    /// [`Self::inverse`], on two threads of rayon's pool when `parallel` and the transform is
    /// long enough to run in halves. The same operations on the same values either way: the
    /// result is the same, bit for bit.
    pub fn inverse_with(
        &self,
        spec: &mut [Complex<F>],
        time: &mut [F],
        scratch: &mut [Complex<F>],
        parallel: bool,
    ) {
        let half = time.len() / 2;
        debug_assert_eq!(spec.len(), half + 1);
        let (first, last) = (spec[0].re, spec[half].re);
        spec[0] = Complex::new(first + last, first - last);
        if half.is_multiple_of(2) {
            let c = spec[half / 2];
            spec[half / 2] = Complex::new(c.re + c.re, -(c.im + c.im));
        }
        let (left, right) = pairs(spec, half);
        split(Pass::Inverse, left, right, &self.twiddles);
        let h = match &self.inverse {
            Inverse::Whole(p) => {
                p.process_outofplace_with_scratch(&mut spec[..half], as_complex(time), scratch);
                return;
            }
            Inverse::Halves(h) => h,
        };
        // Z[k] ± Z[k + H/2], the difference turned by v^k; then the two half transforms into
        // the two halves of `time`; then their outputs interleaved. Each step works element by
        // element or on its own half, so both threads' parts are what one thread computes.
        let quarter = half / 4;
        let (even, odd) = spec[..half].split_at_mut(half / 2);
        {
            let (even_front, even_back) = even.split_at_mut(quarter);
            let (odd_front, odd_back) = odd.split_at_mut(quarter);
            let (w_front, w_back) = h.twiddles.split_at(quarter);
            join_if(
                parallel,
                || butterflies(even_front, odd_front, w_front),
                || butterflies(even_back, odd_back, w_back),
            );
        }
        let z = as_complex(time);
        {
            let (out_even, out_odd) = z.split_at_mut(half / 2);
            let (scratch_even, scratch_odd) = scratch.split_at_mut(h.scratch_len);
            let scratch_odd = &mut scratch_odd[..h.scratch_len];
            join_if(
                parallel,
                || {
                    h.inverse
                        .process_outofplace_with_scratch(even, out_even, scratch_even)
                },
                || {
                    h.inverse
                        .process_outofplace_with_scratch(odd, out_odd, scratch_odd)
                },
            );
        }
        // Interleaved into `spec`, free now, and copied back.
        let (out_even, out_odd) = z.split_at(half / 2);
        let (front, back) = spec[..half].split_at_mut(2 * quarter);
        join_if(
            parallel,
            || interleave(front, &out_even[..quarter], &out_odd[..quarter]),
            || interleave(back, &out_even[quarter..], &out_odd[quarter..]),
        );
        let (z_front, z_back) = z.split_at_mut(2 * quarter);
        join_if(
            parallel,
            || z_front.copy_from_slice(&front[..]),
            || z_back.copy_from_slice(&back[..]),
        );
    }
}

/// `exp(i·angle)`, computed in `f64` and rounded once to the type.
fn unit<F: RealFloat>(angle: f64) -> Complex<F> {
    let f = |x: f64| F::from_f64(x).expect("a cosine fits any float");
    Complex::new(f(angle.cos()), f(angle.sin()))
}

/// `a()` and `b()`, at the same time on two threads of rayon's pool when `parallel`.
fn join_if(parallel: bool, a: impl FnOnce() + Send, b: impl FnOnce() + Send) {
    #[cfg(feature = "rayon")]
    if parallel {
        rayon::join(a, b);
        return;
    }
    let _ = parallel;
    a();
    b();
}

/// `(x, y) ← (x + y, (x - y)·w)` over the pairs, vectorized where the CPU allows.
fn butterflies<F: Float>(x: &mut [Complex<F>], y: &mut [Complex<F>], twiddles: &[Complex<F>]) {
    struct Butterflies<'a, F> {
        x: &'a mut [Complex<F>],
        y: &'a mut [Complex<F>],
        twiddles: &'a [Complex<F>],
    }
    impl<F: Float> crate::simd::VectorLoop for Butterflies<'_, F> {
        type Out = ();
        #[inline(always)]
        fn run(self) {
            for ((x, y), &w) in self.x.iter_mut().zip(self.y.iter_mut()).zip(self.twiddles) {
                let (s, d) = (*x + *y, *x - *y);
                *x = s;
                *y = d * w;
            }
        }
    }
    crate::simd::run_vectorized(Butterflies { x, y, twiddles });
}

/// `z[2r] = even[r]`, `z[2r + 1] = odd[r]`, vectorized where the CPU allows.
fn interleave<F: Float>(z: &mut [Complex<F>], even: &[Complex<F>], odd: &[Complex<F>]) {
    struct Interleave<'a, F> {
        z: &'a mut [Complex<F>],
        even: &'a [Complex<F>],
        odd: &'a [Complex<F>],
    }
    impl<F: Float> crate::simd::VectorLoop for Interleave<'_, F> {
        type Out = ();
        #[inline(always)]
        fn run(self) {
            for ((pair, &e), &o) in self.z.chunks_exact_mut(2).zip(self.even).zip(self.odd) {
                pair[0] = e;
                pair[1] = o;
            }
        }
    }
    crate::simd::run_vectorized(Interleave { z, even, odd });
}

#[derive(Clone, Copy)]
enum Pass {
    Forward,
    Inverse,
}

/// The split pass, vectorized where the CPU allows.
fn split<F: Float>(
    pass: Pass,
    left: &mut [Complex<F>],
    right: &mut [Complex<F>],
    twiddles: &[Complex<F>],
) {
    crate::simd::run_vectorized(Split {
        pass,
        left,
        right,
        twiddles,
    });
}

struct Split<'a, F> {
    pass: Pass,
    left: &'a mut [Complex<F>],
    right: &'a mut [Complex<F>],
    twiddles: &'a [Complex<F>],
}

impl<F: Float> crate::simd::VectorLoop for Split<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        match self.pass {
            Pass::Forward => split_forward(self.left, self.right, self.twiddles),
            Pass::Inverse => split_inverse(self.left, self.right, self.twiddles),
        }
    }
}

/// The split pass's two sides: bins `1 ..= P` and `N/2 - P .. N/2` (`P = (N/2 - 1) / 2`); bin
/// `k` pairs with `N/2 - k`, so `left[i]` with `right` read backwards.
fn pairs<F>(spec: &mut [Complex<F>], half: usize) -> (&mut [Complex<F>], &mut [Complex<F>]) {
    let p = (half - 1) / 2;
    let (front, back) = spec.split_at_mut(half - p);
    (&mut front[1..=p], &mut back[..p])
}

/// `time` read as `time.len() / 2` complex numbers (re, im interleaved).
fn as_complex<F: RealFloat>(time: &mut [F]) -> &mut [Complex<F>] {
    let even = time.len() / 2 * 2;
    bytemuck::cast_slice_mut(&mut time[..even])
}

/// With `Z` the half-length transform, `w = exp(-2πik/N)`:
/// `X[k] = (Z[k] + conj Z[N/2-k])/2 - i·w·(Z[k] - conj Z[N/2-k])/2`, and `X[N/2-k]` from the
/// same two values.
#[inline(always)]
fn split_forward<F: Float>(
    left: &mut [Complex<F>],
    right: &mut [Complex<F>],
    twiddles: &[Complex<F>],
) {
    let half = F::one() / (F::one() + F::one());
    for ((x, y), w) in left.iter_mut().zip(right.iter_mut().rev()).zip(twiddles) {
        let (sr, si) = (x.re + y.re, x.im + y.im);
        let (dr, di) = (x.re - y.re, x.im - y.im);
        let tr = si * w.re + dr * w.im;
        let ti = si * w.im - dr * w.re;
        *x = Complex::new(half * (sr + tr), half * (di + ti));
        *y = Complex::new(half * (sr - tr), half * (ti - di));
    }
}

/// The inverse of [`split_forward`] up to a factor 2: `Z[k] = X[k] + conj X[N/2-k] +
/// i·conj(w)·(X[k] - conj X[N/2-k])`.
#[inline(always)]
fn split_inverse<F: Float>(
    left: &mut [Complex<F>],
    right: &mut [Complex<F>],
    twiddles: &[Complex<F>],
) {
    for ((x, y), w) in left.iter_mut().zip(right.iter_mut().rev()).zip(twiddles) {
        let (sr, si) = (x.re + y.re, x.im + y.im);
        let (dr, di) = (x.re - y.re, x.im - y.im);
        let tr = si * w.re - dr * w.im;
        let ti = -(si * w.im) - dr * w.re;
        *x = Complex::new(sr - tr, di - ti);
        *y = Complex::new(sr + tr, -ti - di);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    /// Bit-identical to realfft, forward and inverse, at even lengths of both residues mod 4,
    /// through both builds of the split pass; and an inverse that undoes the forward.
    fn matches_realfft<F: RealFloat>(tolerance: f64) {
        let mut planner = FftPlanner::<F>::new();
        let mut reference = RealFftPlanner::<F>::new();
        for len in [2, 4, 6, 8, 10, 12, 30, 64, 96, 210, 1000, 1024, 4096 + 2] {
            let plan = EvenReal::new(len, &mut planner);
            let (r2c, c2r) = (
                reference.plan_fft_forward(len),
                reference.plan_fft_inverse(len),
            );
            let signal: Vec<F> = (0..len)
                .map(|i| F::from_usize((i * 7919) % 1013).unwrap() - F::from_f64(500.0).unwrap())
                .collect();
            let mut scratch = vec![
                Complex::default();
                plan.scratch_len()
                    .max(r2c.get_scratch_len())
                    .max(c2r.get_scratch_len())
            ];
            let (mut ours, mut theirs) = (
                vec![Complex::default(); len / 2 + 1],
                vec![Complex::default(); len / 2 + 1],
            );
            plan.forward(&mut signal.clone(), &mut ours, &mut scratch);
            r2c.process_with_scratch(&mut signal.clone(), &mut theirs, &mut scratch)
                .unwrap();
            assert_eq!(ours, theirs, "forward {len}");
            let (mut back, mut back_ref) = (vec![F::zero(); len], vec![F::zero(); len]);
            plan.inverse(&mut ours.clone(), &mut back, &mut scratch);
            c2r.process_with_scratch(&mut theirs, &mut back_ref, &mut scratch)
                .unwrap();
            assert_eq!(back, back_ref, "inverse {len}");
            let scale = F::from_usize(len).unwrap();
            for (&b, &s) in back.iter().zip(&signal) {
                let err = (b / scale - s).abs().to_f64().unwrap();
                assert!(err < tolerance * 500.0 * (len as f64).log2(), "{len}");
            }
            for pass in [Pass::Forward, Pass::Inverse] {
                let (mut plain, mut fast) = (ours.clone(), ours.clone());
                let (l, r) = pairs(&mut plain, len / 2);
                // The baseline build, called directly.
                crate::simd::VectorLoop::run(Split {
                    pass,
                    left: l,
                    right: r,
                    twiddles: &plan.twiddles,
                });
                let (l, r) = pairs(&mut fast, len / 2);
                split(pass, l, r, &plan.twiddles);
                assert_eq!(plain, fast, "split pass builds {len}");
            }
        }
    }

    /// Long inverses run in halves: the same bits on one thread and two, and as accurate as
    /// realfft's one transform (same error bound as above). Half-lengths `H` with `H/2` even
    /// and odd.
    #[cfg(feature = "rayon")]
    #[test]
    fn inverse_in_halves() {
        let mut planner = FftPlanner::<f64>::new();
        let mut reference = RealFftPlanner::<f64>::new();
        for len in [2 * HALVES_MIN, 4 * 3usize.pow(11)] {
            let plan = EvenReal::new(len, &mut planner);
            assert!(matches!(plan.inverse, Inverse::Halves(_)), "{len}");
            let c2r = reference.plan_fft_inverse(len);
            let signal: Vec<f64> = (0..len)
                .map(|i| ((i * 7919) % 1013) as f64 - 500.0)
                .collect();
            let mut scratch =
                vec![Complex::default(); plan.scratch_len().max(c2r.get_scratch_len())];
            let mut spec = vec![Complex::default(); len / 2 + 1];
            plan.forward(&mut signal.clone(), &mut spec, &mut scratch);
            let mut one = vec![0.0; len];
            plan.inverse(&mut spec.clone(), &mut one, &mut scratch);
            let mut two = vec![0.0; len];
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            pool.install(|| plan.inverse_with(&mut spec.clone(), &mut two, &mut scratch, true));
            assert!(
                one.iter()
                    .zip(&two)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{len}: two threads"
            );
            let mut theirs = vec![0.0; len];
            c2r.process_with_scratch(&mut spec, &mut theirs, &mut scratch)
                .unwrap();
            let bound = f64::EPSILON * 8.0 * 500.0 * (len as f64).log2();
            let scale = len as f64;
            for ((&o, &t), &s) in one.iter().zip(&theirs).zip(&signal) {
                assert!((o / scale - s).abs() < bound, "{len}: round trip");
                assert!(
                    (o - t).abs() / scale < 2.0 * bound,
                    "{len}: against realfft"
                );
            }
        }
    }

    #[test]
    fn matches_realfft_f64() {
        matches_realfft::<f64>(f64::EPSILON * 8.0);
    }

    #[test]
    fn matches_realfft_f32() {
        matches_realfft::<f32>(f32::EPSILON as f64 * 8.0);
    }
}
