//! Keeping NaN and infinities local on the transform paths.
//!
//! An FFT mixes every sample into every output, so a single NaN would turn the whole result
//! into NaN, where numpy's direct sum makes only the outputs that touch it non-finite. The
//! policy: replace the non-finite samples by zero, run the fast path on the finite data, then
//! add back every product that involves a non-finite sample, exactly as the direct sum forms it.
//! Outputs that touch no non-finite sample are the fast path's accurate values; outputs that do
//! get the same NaN or infinity numpy gives (including `0 · inf = NaN`). The extra work is
//! `m` products per non-finite sample of the long input and `n` per one of the short input.

use std::borrow::Cow;

use crate::ConvError;
use crate::element::private::Scalar;

/// Runs `fast` on the inputs with non-finite samples zeroed and adds their products back.
pub(crate) fn with_local_nonfinite<T: Scalar>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [T],
    fast: impl FnOnce(&[T], &[T], usize, &mut [T]) -> Result<(), ConvError>,
) -> Result<(), ConvError> {
    let bad_x = nonfinite_positions(x);
    let bad_y = nonfinite_positions(y);
    if bad_x.is_empty() && bad_y.is_empty() {
        return fast(x, y, lo, out);
    }
    fast(&zeroed(x, &bad_x), &zeroed(y, &bad_y), lo, out)?;

    let (n, m, hi) = (x.len(), y.len(), lo + out.len());
    // Output t = i + j receives x[i]·y[j]; keep the t in lo .. hi.
    for &i in &bad_x {
        for j in lo.saturating_sub(i)..m.min(hi.saturating_sub(i)) {
            let o = &mut out[i + j - lo];
            *o = T::mac(*o, x[i], y[j]);
        }
    }
    for &j in &bad_y {
        for i in lo.saturating_sub(j)..n.min(hi.saturating_sub(j)) {
            // Pairs with a non-finite x[i] were added above.
            if x[i].is_finite() {
                let o = &mut out[i + j - lo];
                *o = T::mac(*o, x[i], y[j]);
            }
        }
    }
    Ok(())
}

fn nonfinite_positions<T: Scalar>(v: &[T]) -> Vec<usize> {
    v.iter()
        .enumerate()
        .filter(|(_, e)| !e.is_finite())
        .map(|(i, _)| i)
        .collect()
}

fn zeroed<'a, T: Scalar>(v: &'a [T], bad: &[usize]) -> Cow<'a, [T]> {
    if bad.is_empty() {
        return Cow::Borrowed(v);
    }
    let mut owned = v.to_vec();
    for &i in bad {
        owned[i] = T::default();
    }
    Cow::Owned(owned)
}
