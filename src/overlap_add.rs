//! Overlap-add for one long input and one short one.
//!
//! The long input `x` is cut into blocks of `step = L - m + 1` samples; each block is
//! transformed at length `L`, multiplied by the short input's spectrum (computed once) and
//! transformed back, and its `step + m - 1` outputs are added into the result. Memory beyond the
//! output is three buffers of about `L` elements, whatever the length of `x`. Only blocks that
//! reach the kept range `lo .. lo + out.len()` are computed, so `Same` and `Valid` skip the work
//! that `Full` would crop away.

use crate::element::private::Scalar;
use crate::fft::{OperandStats, SpectralKernel};

/// `out[k] = (x * y)[lo + k]` for the `m`-tap `y` whose spectrum `kernel` holds, at the
/// kernel's transform length (at least `2m`), for `x.len() >= m`; `x_scan` is
/// [`crate::fft::scan`]`(x)`. Allocates nothing.
pub(crate) fn run<T: Scalar>(
    kernel: &mut SpectralKernel<T>,
    m: usize,
    x: &[T],
    x_scan: OperandStats,
    lo: usize,
    out: &mut [T],
) {
    let n = x.len();
    let step = kernel.len() - m + 1;
    let hi = lo + out.len();
    let exp = x_scan.exp;
    let factors = kernel.restore_factors(exp);
    // Block b covers x[b*step ..] and writes outputs b*step .. b*step + step + m - 1, so only
    // its first m - 1 outputs overlap the previous block's (step > m - 1, as L >= 2m). Blocks
    // before the first one computed end before `lo`.
    let mut start = (lo.saturating_sub(m - 1) / step) * step;
    let first_block = start;
    while start < n && start < hi {
        let end = (start + step).min(n);
        let time = kernel.apply(&x[start..end], exp);
        // Outputs of this block: start .. start + (end - start) + m - 1, clipped to lo .. hi.
        let first = start.max(lo);
        let last = (end + m - 1).min(hi);
        // The previous block wrote first .. overlap; the rest is written here for the first
        // time, as `0 + value` so that the bits (a -0.0 sum becoming +0.0) are those of adding
        // into a zeroed output, without a pass to zero it.
        let overlap = if start == first_block {
            first
        } else {
            (start + m - 1).min(last).max(first)
        };
        for t in first..overlap {
            let o = &mut out[t - lo];
            *o = T::add(*o, SpectralKernel::restore(time[t - start], factors));
        }
        for t in overlap..last {
            out[t - lo] = T::add(
                T::default(),
                SpectralKernel::restore(time[t - start], factors),
            );
        }
        start += step;
    }
}
