//! The direct N-D kernel: a sum over kernel rows of 1-D convolutions of image rows.
//!
//! Arrays are row-major; a "row" is a line along the last axis. Output row `t` (an index over
//! the leading axes) receives `x_row(t - j) * y_row(j)` for every leading kernel index `j`
//! with `t - j` inside `x`. Those row pairs go to the crate's vectorized 1-D kernel
//! ([`crate::direct`]) in one call, which accumulates all of them in the same registers, so a
//! `k × k` kernel costs one pass over each output row.

use crate::element::private::Scalar;

use super::index::{Odometer, strides};
use super::parallel;

/// `out = (x * y)[lo .. lo + len]` per axis, for arrays of at least one dimension, with the
/// output rows cut into `bands` bands computed in parallel (see [`super::parallel`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn window<T: Scalar>(
    x: &[T],
    x_shape: &[usize],
    y: &[T],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    out: &mut [T],
    bands: usize,
) {
    let d = x_shape.len();
    debug_assert!(d >= 1 && y_shape.len() == d && lo.len() == d && len.len() == d);
    let row_len = len[d - 1];
    let rows: usize = len[..d - 1].iter().product();
    if bands < 2 || rows < 2 {
        band(x, x_shape, y, y_shape, lo, len, 0, out);
        return;
    }
    let cuts = parallel::even_cuts(rows, bands);
    parallel::for_each_band(out, row_len, &cuts, |first, part| {
        band(x, x_shape, y, y_shape, lo, len, first, part);
        Ok(())
    })
    .expect("the direct kernel does not fail");
}

/// The output rows `first .. first + out.len() / row_len` (counted in row-major order over
/// the leading axes of the kept box) of [`window`].
#[allow(clippy::too_many_arguments)]
fn band<T: Scalar>(
    x: &[T],
    x_shape: &[usize],
    y: &[T],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    first: usize,
    out: &mut [T],
) {
    let d = x_shape.len();
    let last = d - 1;
    let (n, m) = (x_shape[last], y_shape[last]);
    let (xs, ys) = (strides(x_shape), strides(y_shape));
    let row_len = len[last];
    let mut rows: Vec<(&[T], &[T])> = Vec::new();
    let mut out_rows = out.chunks_exact_mut(row_len);
    let mut t = Odometer::starting_at(&lo[..last], &len[..last], first);
    while let Some(t_idx) = t.current() {
        let Some(out_row) = out_rows.next() else {
            break;
        };
        // Kernel rows j with 0 <= t - j < x_shape: j in (t - x_shape, t] ∩ [0, y_shape).
        let j_lo: Vec<usize> = (0..last)
            .map(|a| (t_idx[a] + 1).saturating_sub(x_shape[a]))
            .collect();
        let j_hi: Vec<usize> = (0..last)
            .map(|a| (y_shape[a] - 1).min(t_idx[a]) + 1)
            .collect();
        rows.clear();
        if j_lo.iter().zip(&j_hi).all(|(l, h)| l < h) {
            let j_len: Vec<usize> = j_lo.iter().zip(&j_hi).map(|(l, h)| h - l).collect();
            let mut j = Odometer::new(&j_lo, &j_len);
            while let Some(j_idx) = j.current() {
                let (mut xo, mut yo) = (0, 0);
                for a in 0..last {
                    xo += (t_idx[a] - j_idx[a]) * xs[a];
                    yo += j_idx[a] * ys[a];
                }
                let (xr, yr) = (&x[xo..xo + n], &y[yo..yo + m]);
                // Each pair commutes; all pairs share the two lengths, so all swap alike.
                rows.push(if n >= m { (xr, yr) } else { (yr, xr) });
                j.advance();
            }
        }
        T::direct_rows(&rows, lo[last], out_row);
        t.advance();
    }
}

/// Multiply-accumulates of [`window`]: the product over axes of the 1-D counts.
pub(crate) fn macs(x_shape: &[usize], y_shape: &[usize], lo: &[usize], len: &[usize]) -> f64 {
    (0..x_shape.len())
        .map(|a| {
            crate::strategy::macs(
                x_shape[a].max(y_shape[a]),
                x_shape[a].min(y_shape[a]),
                lo[a],
                lo[a] + len[a],
            )
        })
        .product()
}
