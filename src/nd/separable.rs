//! Separable (rank-1) 2-D kernels as two 1-D passes.
//!
//! A kernel `v = column ⊗ row` (`v[i][j] = column[i] · row[j]`, `m0 × m1`) convolves an
//! `n0 × n1` image in `m0 + m1` multiply-adds per output instead of `m0 · m1`: first every
//! image row with `row` along axis 1, then every column of that with `column` along axis 0
//! (or the other way round, whichever the cost model in `super::strategy` predicts cheaper).
//! The intermediate keeps only the outputs of the first axis that the mode keeps.
//!
//! * The row pass runs the crate's 1-D engine on each row: the direct kernel, or for floats
//!   the transform or overlap-add of [`crate::fft`] / [`crate::overlap_add`] with the kernel's
//!   spectrum computed once per thread, chosen by the 1-D cost model ([`crate::strategy`]).
//! * The column pass is the N-D direct kernel ([`super::direct`]) with an `m0 × 1` kernel:
//!   each output row accumulates `m0` whole rows of the intermediate in registers, so the
//!   strided columns are never gathered.
//!
//! Both passes split their rows across rayon's pool like the other N-D methods.

use crate::element::private::Scalar;
use crate::error::try_zeroed;
use crate::fft::{FftFloat, SpectralKernel, cyclic_len, error_stays_finite, scan};
use crate::{ConvError, Method, strategy};

use super::{direct, parallel};

/// `v` (`rows × cols`, row-major, finite) as `(column, row)` when it is an outer product to
/// within rounding, for `f32` and `f64`.
///
/// The pivot `(p, q)` is the entry of largest magnitude, `column = v[:, q]` and
/// `row = v[p, :] / v[p, q]`. For a kernel built as the rounded outer product of two vectors
/// `g ⊗ h`, `column[i] · row[j]` differs from `v[i][j] = fl(g[i] · h[j])` by six roundings of
/// relative size `ε/2` (the three products, the division, the product formed here), so by at
/// most `3ε · |v[i][j]| ≤ 3ε · |v[p][q]|`. Every entry must be within `4ε · |v[p][q]|`, and the
/// whole difference `Δ = v - column ⊗ row` within `‖Δ‖₂ ≤ 4ε · ‖v‖₂` (which the rounded
/// outer product meets with the same margin). The second condition bounds what the
/// substitution adds to any output: `|(a * Δ)[t]| ≤ ‖a‖₂ · ‖Δ‖₂ ≤ 4ε · ‖a‖₂ · ‖v‖₂`, within
/// the crate's `2ε · log2(N) · ‖a‖₂ · ‖v‖₂` for every output size `N ≥ 4`; the two passes'
/// own rounding is that of two 1-D convolutions with the factors, whose norms multiply to
/// `‖column‖₂ · ‖row‖₂ ≈ ‖v‖₂`.
pub(crate) fn float_rank_one<F: FftFloat>(
    v: &[F],
    rows: usize,
    cols: usize,
) -> Option<(Vec<F>, Vec<F>)> {
    if rows < 2 || cols < 2 || v.len() != rows * cols {
        return None;
    }
    let f = |x: F| x.to_f64().unwrap_or(f64::NAN);
    let (at, &pivot) = v
        .iter()
        .enumerate()
        .max_by(|a, b| f(a.1.abs()).total_cmp(&f(b.1.abs())))?;
    if pivot == F::zero() || !pivot.is_finite() {
        return None;
    }
    let (p, q) = (at / cols, at % cols);
    let column: Vec<F> = (0..rows).map(|i| v[i * cols + q]).collect();
    let row: Vec<F> = (0..cols).map(|j| v[p * cols + j] / pivot).collect();
    let eps = f(F::epsilon());
    let tol = 4.0 * eps * f(pivot).abs();
    let (mut diff2, mut norm2) = (0.0, 0.0);
    for (i, &c) in column.iter().enumerate() {
        for (j, &r) in row.iter().enumerate() {
            let e = f(v[i * cols + j]);
            let d = e - f(c) * f(r);
            if d.is_nan() || d.abs() > tol {
                return None;
            }
            diff2 += d * d;
            norm2 += e * e;
        }
    }
    (diff2 <= 16.0 * eps * eps * norm2).then_some((column, row))
}

/// `v` (`rows × cols`, row-major) as `(column, row)` with `v[i][j] = column[i] · row[j]`
/// exactly, for integers.
///
/// With `g` the greatest common divisor of the pivot row `p`, `row = v[p, :] / g` has
/// coprime entries, so if `v` has rank 1 every row is an integer multiple of it and
/// `column[i] = v[i][q] / row[q]` divides exactly. Checked with `i128` products, which cannot
/// overflow for 64-bit entries. The passes then give the 2-D result exactly, wrapping
/// included: modular arithmetic is a ring, and `v = column ⊗ row` holds in the integers.
pub(crate) fn int_rank_one<I>(v: &[I], rows: usize, cols: usize) -> Option<(Vec<I>, Vec<I>)>
where
    I: Copy + Into<i128> + TryFrom<i128>,
{
    if rows < 2 || cols < 2 || v.len() != rows * cols {
        return None;
    }
    let w = |i: usize, j: usize| -> i128 { v[i * cols + j].into() };
    let at = (0..v.len()).max_by_key(|&k| v[k].into().unsigned_abs())?;
    let (p, q) = (at / cols, at % cols);
    if w(p, q) == 0 {
        return None;
    }
    let g = (0..cols).fold(0u128, |g, j| gcd(g, w(p, j).unsigned_abs())) as i128;
    let row: Vec<i128> = (0..cols).map(|j| w(p, j) / g).collect();
    let mut column = Vec::with_capacity(rows);
    for i in 0..rows {
        let e = w(i, q);
        if e % row[q] != 0 {
            return None;
        }
        column.push(e / row[q]);
    }
    for (i, &c) in column.iter().enumerate() {
        for (j, &r) in row.iter().enumerate() {
            if c * r != w(i, j) {
                return None;
            }
        }
    }
    let narrow =
        |x: Vec<i128>| -> Option<Vec<I>> { x.into_iter().map(|e| I::try_from(e).ok()).collect() };
    Some((narrow(column)?, narrow(row)?))
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The 1-D method for each row of a pass: `n`-long rows, an `m`-tap kernel, outputs
/// `lo .. lo + len`. Transforms only for floats with rows at least as long as the kernel.
pub(crate) fn row_method<T: Scalar>(n: usize, m: usize, lo: usize, len: usize) -> Method {
    use crate::element::Kind;
    if n < m || matches!(T::KIND, Kind::I32 | Kind::I64) {
        return Method::Direct;
    }
    strategy::select_for_lengths(T::KIND, n, m, lo, len)
}

/// `out` (`rows × len`) = each `n`-long row of `x` convolved with `k`, outputs
/// `lo .. lo + len` of each, by `method` (of [`row_method`]), the rows cut into `bands`.
#[allow(clippy::too_many_arguments)]
fn row_pass<T: Scalar>(
    x: &[T],
    n: usize,
    k: &[T],
    lo: usize,
    len: usize,
    method: Method,
    out: &mut [T],
    bands: usize,
) -> Result<(), ConvError> {
    let rows = x.len() / n;
    let m = k.len();
    let run = |first: usize, part: &mut [T]| -> Result<(), ConvError> {
        let x_rows = x[first * n..].chunks_exact(n);
        if method == Method::Direct {
            for (xr, o) in x_rows.zip(part.chunks_exact_mut(len)) {
                if n >= m {
                    T::direct(xr, k, lo, o);
                } else {
                    T::direct(k, xr, lo, o);
                }
            }
            return Ok(());
        }
        let t_len = if method == Method::Fft {
            cyclic_len(n, m, lo, lo + len)?
        } else {
            strategy::block_len(T::KIND, n, m)
        };
        let k_scan = scan(k);
        let mut sk = SpectralKernel::new(k, k_scan, t_len)?;
        for (xr, o) in x_rows.zip(part.chunks_exact_mut(len)) {
            let x_scan = scan(xr);
            if !error_stays_finite::<T>(x_scan, k_scan, t_len) {
                T::direct(xr, k, lo, o);
            } else if method == Method::OverlapAdd {
                crate::overlap_add::run(&mut sk, m, xr, x_scan, lo, o);
            } else {
                crate::fft::run(&mut sk, xr, x_scan, lo, o);
            }
        }
        Ok(())
    };
    if bands < 2 || rows < 2 {
        return run(0, out);
    }
    parallel::for_each_band(out, len, &parallel::even_cuts(rows, bands), run)
}

/// `out = (x * (column ⊗ row))[lo .. lo + len]` for a 2-D `x` of shape `xs`, rows first or
/// columns first.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<T: Scalar>(
    x: &[T],
    xs: [usize; 2],
    column: &[T],
    row: &[T],
    lo: [usize; 2],
    len: [usize; 2],
    rows_first: bool,
    out: &mut [T],
) -> Result<(), ConvError> {
    let [n0, n1] = xs;
    let (m0, m1) = (column.len(), row.len());
    let col_shape = [m0, 1];
    // Rows of the row pass, and the columns (row width) of the column pass.
    let (row_rows, width) = if rows_first {
        (n0, len[1])
    } else {
        (len[0], n1)
    };
    let method = row_method::<T>(n1, m1, lo[1], len[1]);
    let row_ns = super::strategy::row_pass_ns(T::KIND, row_rows, n1, m1, lo[1], len[1], method);
    let col_ns = super::strategy::column_pass_ns(T::KIND, n0, m0, lo[0], len[0], width);
    let (row_bands, col_bands) = (parallel::bands(row_ns), parallel::bands(col_ns));
    if rows_first {
        let mut mid = try_zeroed(n0 * len[1])?;
        row_pass(x, n1, row, lo[1], len[1], method, &mut mid, row_bands)?;
        let mid_shape = [n0, len[1]];
        direct::window(
            &mid,
            &mid_shape,
            column,
            &col_shape,
            &[lo[0], 0],
            &len,
            out,
            col_bands,
        );
    } else {
        let mut mid = try_zeroed(len[0] * n1)?;
        direct::window(
            x,
            &xs,
            column,
            &col_shape,
            &[lo[0], 0],
            &[len[0], n1],
            &mut mid,
            col_bands,
        );
        row_pass(&mid, n1, row, lo[1], len[1], method, out, row_bands)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_products_are_found_and_others_not() {
        let g = [0.25f64, 1.0, 3.0, -0.5];
        let h = [2.0f64, -1.0, 0.125];
        let v: Vec<f64> = g
            .iter()
            .flat_map(|a| h.iter().map(move |b| a * b))
            .collect();
        let (c, r) = float_rank_one(&v, 4, 3).unwrap();
        for i in 0..4 {
            for j in 0..3 {
                assert!((c[i] * r[j] - v[i * 3 + j]).abs() <= 1e-15 * 6.0);
            }
        }
        let mut bent = v.clone();
        bent[5] += 1e-9;
        assert_eq!(float_rank_one(&bent, 4, 3), None);
        assert_eq!(float_rank_one(&[1.0f32, 2.0, 3.0], 1, 3), None);
        assert_eq!(float_rank_one(&[0.0f32; 4], 2, 2), None);

        let vi: Vec<i64> = [2i64, -3, 6]
            .iter()
            .flat_map(|a| [4i64, 6, -10].map(|b| a * b))
            .collect();
        let (c, r) = int_rank_one(&vi, 3, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(c[i] * r[j], vi[i * 3 + j]);
            }
        }
        assert_eq!(int_rank_one(&[1i32, 2, 3, 5], 2, 2), None);
        // Rank 1 over the rationals but with a non-integer factor: [[2, 3], [4, 6]] = [1, 2]ᵀ[2, 3].
        assert!(int_rank_one(&[2i32, 3, 4, 6], 2, 2).is_some());
        assert_eq!(
            int_rank_one(&[i64::MIN, i64::MIN, i64::MIN, i64::MIN + 1], 2, 2),
            None
        );
    }
}
