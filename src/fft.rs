//! Zero-padded FFT multiplication: fast lengths, cached plans, and the one-shot FFT method.
//!
//! Real types go through `realfft` (a length-`L` real transform costs about half a complex
//! one), complex types through `rustfft`, and integers through the `f64` real transform with
//! the exactness guard of [`crate::exact`].
//!
//! Only the kept outputs `lo .. hi` must be free of wrap-around, so the cyclic length is
//! `max(hi, full - lo)` rather than `full`: `Valid` needs just `max(n, m)`.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use num_complex::Complex;
use num_traits::{Float, FromPrimitive};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};

use crate::ConvError;
use crate::element::private::Scalar;
use crate::error::try_zeroed;

/// A floating-point type with a per-thread plan cache.
pub trait FftFloat: FftNum + Float + FromPrimitive + Default {
    fn real_plans(len: usize) -> RealPlans<Self>;
    fn complex_plans(len: usize) -> ComplexPlans<Self>;
}

/// Forward and inverse real transforms of one length.
pub struct RealPlans<F: FftNum> {
    forward: Arc<dyn RealToComplex<F>>,
    inverse: Arc<dyn ComplexToReal<F>>,
}

impl<F: FftNum> Clone for RealPlans<F> {
    fn clone(&self) -> Self {
        RealPlans {
            forward: Arc::clone(&self.forward),
            inverse: Arc::clone(&self.inverse),
        }
    }
}

/// Forward and inverse complex transforms of one length.
pub struct ComplexPlans<F: FftNum> {
    forward: Arc<dyn Fft<F>>,
    inverse: Arc<dyn Fft<F>>,
}

impl<F: FftNum> ComplexPlans<F> {
    /// The forward transform (for the N-D transform's axes other than the last).
    pub(crate) fn forward_fft(&self) -> &dyn Fft<F> {
        &*self.forward
    }
    /// The unnormalized inverse transform.
    pub(crate) fn inverse_fft(&self) -> &dyn Fft<F> {
        &*self.inverse
    }
}

impl<F: FftNum> Clone for ComplexPlans<F> {
    fn clone(&self) -> Self {
        ComplexPlans {
            forward: Arc::clone(&self.forward),
            inverse: Arc::clone(&self.inverse),
        }
    }
}

macro_rules! fft_float {
    ($t:ty) => {
        impl FftFloat for $t {
            fn real_plans(len: usize) -> RealPlans<$t> {
                thread_local! {
                    static PLANNER: std::cell::RefCell<RealFftPlanner<$t>> =
                        std::cell::RefCell::new(RealFftPlanner::new());
                }
                // The planner keeps every plan it made, so repeated calls cost a lookup.
                PLANNER.with(|p| {
                    let mut p = p.borrow_mut();
                    RealPlans {
                        forward: p.plan_fft_forward(len),
                        inverse: p.plan_fft_inverse(len),
                    }
                })
            }
            fn complex_plans(len: usize) -> ComplexPlans<$t> {
                thread_local! {
                    static PLANNER: std::cell::RefCell<FftPlanner<$t>> =
                        std::cell::RefCell::new(FftPlanner::new());
                }
                PLANNER.with(|p| {
                    let mut p = p.borrow_mut();
                    ComplexPlans {
                        forward: p.plan_fft_forward(len),
                        inverse: p.plan_fft_inverse(len),
                    }
                })
            }
        }
    };
}
fft_float!(f32);
fft_float!(f64);

/// Where a type is transformed: a real signal with a half spectrum, or a complex one.
pub trait Domain: 'static {
    type F: FftFloat;
    type Time: Copy + Default + Send + Sync + 'static;
    type Plans: Clone;

    fn plans(len: usize) -> Self::Plans;
    /// Number of spectrum bins for a transform of `len` points.
    fn spec_len(len: usize) -> usize;
    fn scratch_len(plans: &Self::Plans) -> usize;
    /// `time` is used as scratch and left unspecified.
    fn forward(
        plans: &Self::Plans,
        time: &mut [Self::Time],
        spec: &mut [Complex<Self::F>],
        scratch: &mut [Complex<Self::F>],
    );
    /// `spec` is used as scratch and left unspecified.
    fn inverse(
        plans: &Self::Plans,
        spec: &mut [Complex<Self::F>],
        time: &mut [Self::Time],
        scratch: &mut [Complex<Self::F>],
    );
}

/// Real signals: `realfft`, `len / 2 + 1` bins.
pub struct RealDomain<F>(PhantomData<F>);

/// Complex signals: `rustfft`, `len` bins.
pub struct ComplexDomain<F>(PhantomData<F>);

impl<F: FftFloat> Domain for RealDomain<F> {
    type F = F;
    type Time = F;
    type Plans = RealPlans<F>;

    fn plans(len: usize) -> RealPlans<F> {
        F::real_plans(len)
    }
    fn spec_len(len: usize) -> usize {
        len / 2 + 1
    }
    fn scratch_len(p: &RealPlans<F>) -> usize {
        p.forward.get_scratch_len().max(p.inverse.get_scratch_len())
    }
    fn forward(
        p: &RealPlans<F>,
        time: &mut [F],
        spec: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
    ) {
        p.forward
            .process_with_scratch(time, spec, scratch)
            .expect("buffer lengths come from the plan");
    }
    fn inverse(
        p: &RealPlans<F>,
        spec: &mut [Complex<F>],
        time: &mut [F],
        scratch: &mut [Complex<F>],
    ) {
        // A real signal's DC (and, for even lengths, Nyquist) bins are real; products of
        // rounded spectra can leave a tiny imaginary part there, which realfft rejects.
        spec[0].im = F::zero();
        if time.len().is_multiple_of(2) {
            let last = spec.len() - 1;
            spec[last].im = F::zero();
        }
        p.inverse
            .process_with_scratch(spec, time, scratch)
            .expect("buffer lengths come from the plan");
    }
}

impl<F: FftFloat> Domain for ComplexDomain<F> {
    type F = F;
    type Time = Complex<F>;
    type Plans = ComplexPlans<F>;

    fn plans(len: usize) -> ComplexPlans<F> {
        F::complex_plans(len)
    }
    fn spec_len(len: usize) -> usize {
        len
    }
    fn scratch_len(p: &ComplexPlans<F>) -> usize {
        p.forward
            .get_inplace_scratch_len()
            .max(p.inverse.get_inplace_scratch_len())
    }
    fn forward(
        p: &ComplexPlans<F>,
        time: &mut [Complex<F>],
        spec: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
    ) {
        spec.copy_from_slice(time);
        p.forward.process_with_scratch(spec, scratch);
    }
    fn inverse(
        p: &ComplexPlans<F>,
        spec: &mut [Complex<F>],
        time: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
    ) {
        p.inverse.process_with_scratch(spec, scratch);
        time.copy_from_slice(spec);
    }
}

/// Every even 7-smooth number (2^a·3^b·5^c·7^d) up to 2^52, ascending: about 25,000 entries,
/// built once. rustfft has dedicated butterflies for all four primes.
fn fast_lens() -> &'static [usize] {
    static TABLE: OnceLock<Vec<usize>> = OnceLock::new();
    TABLE.get_or_init(|| {
        const LIMIT: u64 = 1 << 52;
        let mut v = Vec::new();
        let mut p7 = 2u64;
        while p7 <= LIMIT {
            let mut p5 = p7;
            while p5 <= LIMIT {
                let mut p3 = p5;
                while p3 <= LIMIT {
                    let mut p2 = p3;
                    while p2 <= LIMIT {
                        v.push(p2 as usize);
                        p2 *= 2;
                    }
                    p3 *= 3;
                }
                p5 *= 5;
            }
            p7 *= 7;
        }
        v.sort_unstable();
        v
    })
}

/// The smallest even 7-smooth length that is at least `min_len`, or `None` when it would not
/// fit in `usize` (beyond the table: the next power of two).
pub(crate) fn fast_len(min_len: usize) -> Option<usize> {
    fast_lens_from(min_len)
        .next()
        .or_else(|| min_len.max(2).checked_next_power_of_two())
}

/// The even 7-smooth lengths from `min_len` upwards, ascending.
pub(crate) fn fast_lens_from(min_len: usize) -> impl Iterator<Item = usize> {
    let table = fast_lens();
    let start = table.partition_point(|&l| l < min_len);
    table[start..].iter().copied()
}

/// The cyclic length for keeping `lo .. hi` of an `n`-by-`m` product free of wrap-around.
pub(crate) fn cyclic_len(n: usize, m: usize, lo: usize, hi: usize) -> Result<usize, ConvError> {
    let full = n + m - 1;
    fast_len(hi.max(full - lo)).ok_or(ConvError::LengthOverflow { a_len: n, v_len: m })
}

/// Writes `src` (converted) followed by zeros into `dst`.
pub(crate) fn load<T: Scalar>(src: &[T], dst: &mut [<T::Domain as Domain>::Time]) {
    let (head, tail) = dst.split_at_mut(src.len());
    for (d, &s) in head.iter_mut().zip(src) {
        *d = s.to_time();
    }
    tail.fill(Default::default());
}

/// `acc[k] *= other[k] * scale`: the spectral product, with the `1/len` of the inverse folded in.
pub(crate) fn multiply_scaled<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>], scale: F) {
    for (a, &b) in acc.iter_mut().zip(other) {
        *a = *a * (b * scale);
    }
}

/// `acc[k] *= other[k]`: the spectral product with a pre-scaled `other`.
pub(crate) fn multiply<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>]) {
    for (a, &b) in acc.iter_mut().zip(other) {
        *a = *a * b;
    }
}

/// `out[k] = (x * y)[lo + k]` by one zero-padded transform of each input.
pub(crate) fn full_slice<T: Scalar>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [T],
) -> Result<(), ConvError> {
    let len = cyclic_len(x.len(), y.len(), lo, lo + out.len())?;
    let plans = T::Domain::plans(len);
    let spec_len = T::Domain::spec_len(len);
    let mut time = try_zeroed::<<T::Domain as Domain>::Time>(len)?;
    let mut xs = try_zeroed::<Complex<<T::Domain as Domain>::F>>(spec_len)?;
    let mut ys = try_zeroed::<Complex<<T::Domain as Domain>::F>>(spec_len)?;
    let mut scratch = try_zeroed(T::Domain::scratch_len(&plans))?;

    load(x, &mut time);
    T::Domain::forward(&plans, &mut time, &mut xs, &mut scratch);
    load(y, &mut time);
    T::Domain::forward(&plans, &mut time, &mut ys, &mut scratch);
    let scale = <T::Domain as Domain>::F::from_usize(len)
        .expect("length fits a float")
        .recip();
    multiply_scaled(&mut xs, &ys, scale);
    T::Domain::inverse(&plans, &mut xs, &mut time, &mut scratch);
    for (o, &t) in out.iter_mut().zip(&time[lo..]) {
        *o = T::from_time(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_7_smooth(mut n: usize) -> bool {
        for p in [2, 3, 5, 7] {
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        n == 1
    }

    #[test]
    fn fast_len_is_the_next_even_7_smooth() {
        for k in 0..5000 {
            let l = fast_len(k).unwrap();
            assert!(
                l >= k && l.is_multiple_of(2) && is_7_smooth(l),
                "{k} -> {l}"
            );
            assert!(
                (k.max(2)..l).all(|j| !j.is_multiple_of(2) || !is_7_smooth(j)),
                "{k} -> {l}"
            );
        }
        assert_eq!(fast_len(1001), Some(1008));
        assert_eq!(fast_len(usize::MAX), None);
    }
}
