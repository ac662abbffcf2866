//! Overlap-add for one long input and one short one.
//!
//! The long input `x` is cut into blocks of `step = L - m + 1` samples; each block is
//! transformed at length `L`, multiplied by the short input's spectrum (computed once) and
//! transformed back, and its `step + m - 1` outputs are added into the result. Memory beyond the
//! output is three buffers of about `L` elements, whatever the length of `x`. Only blocks that
//! reach the kept range `lo .. lo + out.len()` are computed, so `Same` and `Valid` skip the work
//! that `Full` would crop away.

use num_complex::Complex;
use num_traits::{Float, FromPrimitive};

use crate::ConvError;
use crate::element::private::Scalar;
use crate::error::try_zeroed;
use crate::fft::{Domain, load, multiply};

/// `out[k] = (x * y)[lo + k]` with transforms of length `block_len`, for `x.len() >= y.len()`.
pub(crate) fn full_slice<T: Scalar>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [T],
    block_len: usize,
) -> Result<(), ConvError> {
    let (n, m) = (x.len(), y.len());
    debug_assert!(n >= m && block_len >= m);
    let step = block_len - m + 1;
    let hi = lo + out.len();

    let plans = T::Domain::plans(block_len);
    let spec_len = T::Domain::spec_len(block_len);
    let mut time = try_zeroed::<<T::Domain as Domain>::Time>(block_len)?;
    let mut spec = try_zeroed::<Complex<<T::Domain as Domain>::F>>(spec_len)?;
    let mut kernel = try_zeroed::<Complex<<T::Domain as Domain>::F>>(spec_len)?;
    let mut scratch = try_zeroed(T::Domain::scratch_len(&plans))?;

    // The kernel's spectrum, with the inverse transform's 1/L folded in once.
    load(y, &mut time);
    T::Domain::forward(&plans, &mut time, &mut kernel, &mut scratch);
    let scale = <T::Domain as Domain>::F::from_usize(block_len)
        .expect("length fits a float")
        .recip();
    for k in kernel.iter_mut() {
        *k = *k * scale;
    }

    out.fill(T::default());
    // Block b covers x[b*step ..] and writes outputs b*step .. b*step + step + m - 1.
    let mut start = (lo.saturating_sub(m - 1) / step) * step;
    while start < n && start < hi {
        let end = (start + step).min(n);
        load(&x[start..end], &mut time);
        T::Domain::forward(&plans, &mut time, &mut spec, &mut scratch);
        multiply(&mut spec, &kernel);
        T::Domain::inverse(&plans, &mut spec, &mut time, &mut scratch);
        // Outputs of this block: start .. start + (end - start) + m - 1, clipped to lo .. hi.
        let first = start.max(lo);
        let last = (end + m - 1).min(hi);
        for t in first..last {
            let o = &mut out[t - lo];
            *o = T::add(*o, T::from_time(time[t - start]));
        }
        start += step;
    }
    Ok(())
}
