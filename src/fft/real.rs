//! Real transforms of even length `N`: the `N` samples read as `N/2` complex ones, a complex
//! transform of `N/2` points (rustfft), and one *split pass* that turns its output into the
//! half spectrum of the real signal (forward), or a half spectrum into the input of that
//! complex transform (inverse).
//!
//! This is `realfft`'s algorithm, with the same arithmetic (the results are bit-identical).
//! It is written here for speed: realfft's split loop walks its two halves in opposite
//! directions, generic over the float type, and the baseline x86-64 build runs it one complex
//! number at a time. At 1,024 points that loop was 45 % of a streaming block's CPU time
//! (`perf`, f32, 1,024 taps × block 512), as much as the complex transform itself. Here the
//! same loop is also compiled for AVX2 and FMA (chosen at run time, `fft::vectorized`), where
//! the compiler vectorizes it. Odd lengths still go through realfft.

use std::sync::Arc;

use num_complex::Complex;
use num_traits::Float;
use rustfft::{Fft, FftPlanner};

use super::FftFloat;

/// Plans for one even length `N`.
pub struct EvenReal<F> {
    forward: Arc<dyn Fft<F>>,
    inverse: Arc<dyn Fft<F>>,
    /// `exp(-2πik/N)` for the split pass's pairs `k = 1 ..= (N/2 - 1) / 2`.
    twiddles: Vec<Complex<F>>,
    scratch_len: usize,
}

impl<F: FftFloat> EvenReal<F> {
    /// # Panics
    /// If `len` is odd or 0 (the callers pass even transform lengths only).
    pub fn new(len: usize, planner: &mut FftPlanner<F>) -> Self {
        assert!(len >= 2 && len.is_multiple_of(2), "even length, got {len}");
        let half = len / 2;
        let forward = planner.plan_fft_forward(half);
        let inverse = planner.plan_fft_inverse(half);
        let scratch_len = forward
            .get_outofplace_scratch_len()
            .max(inverse.get_outofplace_scratch_len());
        // Angles in f64, rounded once to the type (computed as realfft does, for identical
        // results; exactly reduced angles measured no more accurate).
        let step = -2.0 * std::f64::consts::PI / len as f64;
        let twiddles = (1..=(half - 1) / 2)
            .map(|k| {
                let angle = step * k as f64;
                let f = |x: f64| F::from_f64(x).expect("a cosine fits any float");
                Complex::new(f(angle.cos()), f(angle.sin()))
            })
            .collect();
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
        self.inverse
            .process_outofplace_with_scratch(&mut spec[..half], as_complex(time), scratch);
    }
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
    super::vectorized(Split {
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

impl<F: Float> super::Loop for Split<'_, F> {
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
fn as_complex<F>(time: &mut [F]) -> &mut [Complex<F>] {
    // SAFETY: `Complex<F>` is `#[repr(C)]` with fields `re, im` of type `F`: two `F`s in a
    // row, with `F`'s alignment. The new slice covers the first `2·(len/2)` elements of
    // `time`, and borrows it mutably for its lifetime.
    unsafe { std::slice::from_raw_parts_mut(time.as_mut_ptr().cast(), time.len() / 2) }
}

/// With `Z` the half-length transform, `w = exp(-2πik/N)`: `X[k] = (Z[k] + conj Z[N/2-k])/2
/// - i·w·(Z[k] - conj Z[N/2-k])/2`, and `X[N/2-k]` from the same two values.
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
    fn matches_realfft<F: FftFloat>(tolerance: f64) {
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
                super::super::Loop::run(Split {
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

    #[test]
    fn matches_realfft_f64() {
        matches_realfft::<f64>(f64::EPSILON * 8.0);
    }

    #[test]
    fn matches_realfft_f32() {
        matches_realfft::<f32>(f32::EPSILON as f64 * 8.0);
    }
}
