//! The one-shot FFT method on two threads, with the bits of one.

use num_complex::Complex;

use crate::error::ConvError;
use crate::simd::run_vectorized;

use super::cache::{give, take};
use super::product::{Restore, SpectralKernel, multiply, spectrum_of};
use super::stats::OperandStats;
use super::transform::{FloatOf, TransformKind, Transformable};

/// `out[k] = (x * y)[lo + k]` at a cyclic length `len` that keeps `lo .. lo + out.len()` free of
/// wrap-around, the two forward transforms run at the same time on two threads (`x_scan`,
/// `y_scan` their [`scan`](super::scan)s). Each side runs the operations
/// [`SpectralKernel::new`] and [`run`](super::run) would on the same values, and the spectral
/// product runs in halves on two threads, element by element as one pass does: the result is
/// the same, bit for bit.
///
/// All of it runs on a pool thread while the caller waits, as the split methods do: computing
/// on the calling thread beside a pool as large as the machine (its idle threads spinning)
/// was slower than one thread (docs/PERFORMANCE.md, "Why the two-thread FFT runs on the
/// pool"). Each side's pooled buffers go back to the thread that took them (the signal's
/// spectrum is taken before the join).
#[cfg(feature = "rayon")]
pub(crate) fn run_joined<T: Transformable>(
    x: &[T],
    x_scan: OperandStats,
    y: &[T],
    y_scan: OperandStats,
    len: usize,
    lo: usize,
    out: &mut [T],
) -> Result<(), ConvError> {
    rayon::scope(|_| {
        let mut spectrum = take(T::Transform::spec_len(len))?;
        let (kernel, signal) = rayon::join(
            || SpectralKernel::new(y, y_scan, len),
            || forward_into(x, x_scan.exp, len, &mut spectrum),
        );
        let mut kernel = kernel?;
        signal?;
        // The product goes element by element, so halves on two threads give the bits of one
        // pass; a long inverse transform runs in halves too (`real.rs`). The restore stays on
        // this thread: in halves it showed no consistent gain (docs/PERFORMANCE.md, "Why the
        // restore pass is not split").
        let k = &mut kernel;
        halves_on_two_threads(&mut spectrum, &k.spectrum, multiply);
        T::Transform::inverse_with(&k.plans, &mut spectrum, &mut k.time, &mut k.scratch, true);
        give(spectrum);
        let factors = kernel.restore_factors(x_scan.exp);
        let time = &kernel.time[lo..];
        run_vectorized(Restore::<T> { time, out, factors });
        Ok(())
    })
}

/// `f(a, b)` on the first halves of `a` and `b` and, at the same time, on the rest (`b` at
/// least as long as `a`).
#[cfg(feature = "rayon")]
fn halves_on_two_threads<A: Send, B: Sync>(
    a: &mut [A],
    b: &[B],
    f: impl Fn(&mut [A], &[B]) + Sync,
) {
    let half = a.len() / 2;
    let (a0, a1) = a.split_at_mut(half);
    let (b0, b1) = b.split_at(half);
    rayon::join(|| f(a0, b0), || f(a1, b1));
}

/// The spectrum of `x · 2^-exp` zero-padded to `len`, as [`SpectralKernel::apply`] computes
/// it, with this thread's plans and pooled buffers.
#[cfg(feature = "rayon")]
fn forward_into<T: Transformable>(
    x: &[T],
    exp: i32,
    len: usize,
    spectrum: &mut [Complex<FloatOf<T>>],
) -> Result<(), ConvError> {
    let mut time = take(len)?;
    let plans = T::Transform::plans(len);
    let mut scratch = take(T::Transform::scratch_len(&plans))?;
    spectrum_of(&plans, x, exp, &mut time, spectrum, &mut scratch);
    give(time);
    give(scratch);
    Ok(())
}
