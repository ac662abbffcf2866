//! Keeping NaN and infinities local on the transform paths.
//!
//! An FFT mixes every sample into every output, so a single NaN would turn the whole result
//! into NaN, where numpy's direct sum makes only the outputs that touch it non-finite. The
//! policy: replace the non-finite samples by zero, run the fast path on the finite data, then
//! add back every product that involves a non-finite sample, exactly as the direct sum forms it.
//! Outputs that touch no non-finite sample are the fast path's accurate values; outputs that do
//! get the same NaN or infinity numpy gives (including `0 · inf = NaN`). The extra work is
//! `m` products per non-finite sample of the long input and `n` per one of the short input.

use crate::element::private::Scalar;

/// `out[t - lo] += x[i]·y[j]` for every `t = i + j` in `lo .. lo + out.len()` where `x[i]` or
/// `y[j]` is not finite: what a transform that took them as zeros left out. Either input may
/// be the longer one. Allocates nothing; costs a scan of both inputs when all is finite.
pub(crate) fn add_nonfinite_products<T: Scalar>(x: &[T], y: &[T], lo: usize, out: &mut [T]) {
    let (n, m, hi) = (x.len(), y.len(), lo + out.len());
    // Output t = i + j receives x[i]·y[j]; keep the t in lo .. hi.
    for i in nonfinite_positions(x) {
        for j in lo.saturating_sub(i)..m.min(hi.saturating_sub(i)) {
            let o = &mut out[i + j - lo];
            *o = T::mac(*o, x[i], y[j]);
        }
    }
    for j in nonfinite_positions(y) {
        for i in lo.saturating_sub(j)..n.min(hi.saturating_sub(j)) {
            // Pairs with a non-finite x[i] were added above.
            if x[i].is_finite() {
                let o = &mut out[i + j - lo];
                *o = T::mac(*o, x[i], y[j]);
            }
        }
    }
}

fn nonfinite_positions<T: Scalar>(v: &[T]) -> impl Iterator<Item = usize> + '_ {
    v.iter()
        .enumerate()
        .filter(|(_, e)| !e.is_finite())
        .map(|(i, _)| i)
}
