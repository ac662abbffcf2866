//! Overlap-add for one long input and one short one.
//!
//! The long input `x` is cut into blocks of `step = L - m + 1` samples; each block is
//! transformed at length `L`, multiplied by the short input's spectrum (computed once) and
//! transformed back, and its `step + m - 1` outputs are added into the result. Memory beyond the
//! output is three buffers of about `L` elements, whatever the length of `x`. Only blocks that
//! reach the kept range `lo .. lo + out.len()` are computed, so `Same` and `Valid` skip the work
//! that `Full` would crop away.

use crate::ConvError;
use crate::element::private::Scalar;
use crate::fft::{SpectralKernel, magnitude_exp};

/// `out[k] = (x * y)[lo + k]` with transforms of length `block_len`, for `x.len() >= y.len()`.
pub(crate) fn full_slice<T: Scalar>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [T],
    block_len: usize,
) -> Result<(), ConvError> {
    debug_assert!(x.len() >= y.len() && block_len >= y.len());
    let mut kernel = SpectralKernel::new(y, block_len)?;
    run(&mut kernel, y.len(), x, lo, out);
    Ok(())
}

/// `out[k] = (x * y)[lo + k]` for the `m`-tap `y` whose spectrum `kernel` holds; allocates
/// nothing.
pub(crate) fn run<T: Scalar>(
    kernel: &mut SpectralKernel<T>,
    m: usize,
    x: &[T],
    lo: usize,
    out: &mut [T],
) {
    let n = x.len();
    let step = kernel.len() - m + 1;
    let hi = lo + out.len();
    let exp = magnitude_exp(x);
    let factors = kernel.restore_factors(exp);
    out.fill(T::default());
    // Block b covers x[b*step ..] and writes outputs b*step .. b*step + step + m - 1.
    let mut start = (lo.saturating_sub(m - 1) / step) * step;
    while start < n && start < hi {
        let end = (start + step).min(n);
        let time = kernel.apply(&x[start..end], exp);
        // Outputs of this block: start .. start + (end - start) + m - 1, clipped to lo .. hi.
        let first = start.max(lo);
        let last = (end + m - 1).min(hi);
        for t in first..last {
            let o = &mut out[t - lo];
            *o = T::add(*o, SpectralKernel::restore(time[t - start], factors));
        }
        start += step;
    }
}
