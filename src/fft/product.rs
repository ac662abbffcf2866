//! The spectral product: a kernel's spectrum kept with its plans and buffers
//! ([`SpectralKernel`]), and the load, multiply and restore passes around the transforms.

use num_complex::Complex;
use num_traits::{Float, FromPrimitive};

use crate::error::ConvError;
use crate::simd::{VectorLoop, run_vectorized};

use super::cache::{FftFloat, give, take};
use super::stats::OperandStats;
use super::transform::{FloatOf, Sample, TransformKind, Transformable};

/// Writes `src` (converted, times `scale`) followed by zeros into `dst`. Non-finite samples
/// are written as zeros: a transform would spread them over every output, so
/// [`crate::finite`] adds their products back where the direct sum puts them.
pub(crate) fn load<T: Transformable>(src: &[T], dst: &mut [Sample<T>], scale: FloatOf<T>) {
    run_vectorized(Load { src, dst, scale });
}

struct Load<'a, T: Transformable> {
    src: &'a [T],
    dst: &'a mut [Sample<T>],
    scale: FloatOf<T>,
}

impl<T: Transformable> VectorLoop for Load<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (head, tail) = self.dst.split_at_mut(self.src.len());
        for (d, &s) in head.iter_mut().zip(self.src) {
            *d = if s.is_finite() {
                T::Transform::scale(s.to_sample(), self.scale)
            } else {
                Default::default()
            };
        }
        tail.fill(Default::default());
    }
}

/// `2^p` for `|p| <= MAX_SCALE_EXP`.
fn pow2<F: FftFloat>(p: i32) -> F {
    F::from_f64(2f64.powi(p)).expect("a normal power of two")
}

/// `acc[k] *= other[k]`: the spectral product with a pre-scaled `other`.
pub(crate) fn multiply<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>]) {
    run_vectorized(Multiply { acc, other });
}

struct Multiply<'a, F> {
    acc: &'a mut [Complex<F>],
    other: &'a [Complex<F>],
}

impl<F: FftFloat> VectorLoop for Multiply<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (a, &b) in self.acc.iter_mut().zip(self.other) {
            *a = *a * b;
        }
    }
}

/// `acc[k] *= other[k] * scale`: the spectral product with the inverse transform's `1/len`
/// folded in (the N-D one-transform method).
#[cfg(feature = "ndarray")]
pub(crate) fn multiply_scaled<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>], scale: F) {
    run_vectorized(MultiplyScaled { acc, other, scale });
}

#[cfg(feature = "ndarray")]
struct MultiplyScaled<'a, F> {
    acc: &'a mut [Complex<F>],
    other: &'a [Complex<F>],
    scale: F,
}

#[cfg(feature = "ndarray")]
impl<F: FftFloat> VectorLoop for MultiplyScaled<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (a, &b) in self.acc.iter_mut().zip(self.other) {
            *a = *a * (b * self.scale);
        }
    }
}

/// One operand's spectrum at a fixed transform length, with the plans and buffers to multiply
/// other signals by it: the one-shot FFT method, each overlap-add block and the reusable
/// [`crate::Convolver`] all run through [`SpectralKernel::apply`], which allocates nothing.
pub(crate) struct SpectralKernel<T: Transformable> {
    pub(super) plans: <T::Transform as TransformKind>::Plans,
    /// The kernel's spectrum, of the kernel times `2^-kernel_scan.exp` (see [`OperandStats`]). The
    /// inverse transform's `1/len` is applied with the scaling back, per output (folding it
    /// into the spectrum measured a little less accurate at short lengths).
    pub(super) spectrum: Vec<Complex<FloatOf<T>>>,
    kernel_scan: OperandStats,
    pub(super) time: Vec<Sample<T>>,
    pub(super) spec: Vec<Complex<FloatOf<T>>>,
    pub(super) scratch: Vec<Complex<FloatOf<T>>>,
}

impl<T: Transformable> SpectralKernel<T> {
    /// Transforms `kernel` (zero-padded; non-finite samples as zeros) at length `len`;
    /// `kernel_scan` is [`scan`](super::scan)`(kernel)`.
    pub(crate) fn new(
        kernel: &[T],
        kernel_scan: OperandStats,
        len: usize,
    ) -> Result<Self, ConvError> {
        debug_assert!(kernel.len() <= len);
        // Buffers first (from this thread's pool when it has them): a length that cannot be
        // allocated is an error here, before the planner (which allocates infallibly) sees it.
        let spec_len = T::Transform::spec_len(len);
        let mut spectrum = take(spec_len)?;
        let mut time = take(len)?;
        let spec = take(spec_len)?;
        let plans = T::Transform::plans(len);
        let mut scratch = take(T::Transform::scratch_len(&plans))?;
        let exp = kernel_scan.exp;
        spectrum_of(&plans, kernel, exp, &mut time, &mut spectrum, &mut scratch);
        Ok(SpectralKernel {
            plans,
            spectrum,
            kernel_scan,
            time,
            spec,
            scratch,
        })
    }

    /// The [`OperandStats`] of the kernel it was built from.
    pub(crate) fn kernel_scan(&self) -> OperandStats {
        self.kernel_scan
    }

    /// The transform length.
    pub(crate) fn len(&self) -> usize {
        self.time.len()
    }

    /// The cyclic convolution of `block · 2^-signal_exp` (at most [`Self::len`] samples,
    /// zero-padded) with the scaled kernel, as `len` time-domain samples; [`Self::restore`]
    /// turns one into an output.
    pub(crate) fn apply(&mut self, block: &[T], signal_exp: i32) -> &[Sample<T>] {
        let SpectralKernel {
            plans,
            spectrum,
            time,
            spec,
            scratch,
            ..
        } = self;
        spectrum_of(plans, block, signal_exp, time, spec, scratch);
        multiply(spec, spectrum);
        T::Transform::inverse(plans, spec, time, scratch);
        time
    }

    /// The factors that undo the scaling of a signal with exponent `signal_exp` and apply the
    /// inverse transform's `1/len`: two, each a normal number, so that their product
    /// `2^(signal_exp + kernel_exp) / len` need not be one.
    pub(crate) fn restore_factors(&self, signal_exp: i32) -> [FloatOf<T>; 2] {
        let p = signal_exp + self.kernel_scan.exp;
        let inv_len = FloatOf::<T>::from_usize(self.len())
            .expect("length fits a float")
            .recip();
        [pow2::<FloatOf<T>>(p / 2) * inv_len, pow2(p - p / 2)]
    }

    /// An output from a sample of [`Self::apply`]'s result.
    #[inline(always)]
    pub(crate) fn restore(t: Sample<T>, factors: [FloatOf<T>; 2]) -> T {
        T::from_sample(T::Transform::scale(
            T::Transform::scale(t, factors[0]),
            factors[1],
        ))
    }
}

impl<T: Transformable> Drop for SpectralKernel<T> {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.time));
        give(std::mem::take(&mut self.spectrum));
        give(std::mem::take(&mut self.spec));
        give(std::mem::take(&mut self.scratch));
    }
}

/// `spectrum` ← the transform of `x · 2^-exp`, zero-padded to `time.len()` (`time` and
/// `scratch` used as scratch): the one forward step of every kernel and signal, shared with
/// the two-thread path so that it does what one thread does.
pub(super) fn spectrum_of<T: Transformable>(
    plans: &<T::Transform as TransformKind>::Plans,
    x: &[T],
    exp: i32,
    time: &mut [Sample<T>],
    spectrum: &mut [Complex<FloatOf<T>>],
    scratch: &mut [Complex<FloatOf<T>>],
) {
    load(x, time, pow2(-exp));
    T::Transform::forward(plans, time, spectrum, scratch);
}

/// `out[k] = (x * y)[lo + k]` for the `y` whose spectrum `kernel` holds at a cyclic length that
/// keeps `lo .. lo + out.len()` free of wrap-around; allocates nothing.
/// `x_scan` is [`scan`](super::scan)`(x)`.
pub(crate) fn run<T: Transformable>(
    kernel: &mut SpectralKernel<T>,
    x: &[T],
    x_scan: OperandStats,
    lo: usize,
    out: &mut [T],
) {
    let exp = x_scan.exp;
    let factors = kernel.restore_factors(exp);
    let time = &kernel.apply(x, exp)[lo..];
    run_vectorized(Restore::<T> { time, out, factors });
}

/// `out[k] = restore(time[k])`.
pub(super) struct Restore<'a, T: Transformable> {
    pub(super) time: &'a [Sample<T>],
    pub(super) out: &'a mut [T],
    pub(super) factors: [FloatOf<T>; 2],
}

impl<T: Transformable> VectorLoop for Restore<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (o, &t) in self.out.iter_mut().zip(self.time) {
            *o = SpectralKernel::restore(t, self.factors);
        }
    }
}
