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
//! * The column pass either runs the direct kernel on strips of the intermediate (each output
//!   row accumulates the `m0` rows that reach it, a strip at a time, so the strided columns
//!   are never gathered), or transposes the intermediate, runs the row pass on it and
//!   transposes back (the `transpose` crate's cache-blocked transposes); the cost model
//!   picks (strips for short kernels on images that stay in cache).
//! * When the rows take the direct kernel, the two passes usually run fused instead
//!   ([`super::fused`]): no intermediate image at all.
//!
//! Both passes split their rows across rayon's pool like the other N-D methods.

use bytemuck::Pod;

use crate::alloc::try_zeroed;
use crate::arith::ElementKind;
use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::fft::{FftFloat, SpectralKernel, cyclic_len, error_stays_finite, scan};
use crate::method::Method;
use crate::strategy::{self, Problem};

use super::parallel;

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

/// A 2-D kernel `v` (`rows × cols`, row-major) as `(column, row)` with
/// `v[i][j] = column[i] · row[j]`: within rounding for floats ([`float_rank_one`]), exactly for
/// integers ([`int_rank_one`]); `None` for kernels of higher rank and for complex types.
pub(crate) fn rank_one<T: Scalar>(v: &[T], rows: usize, cols: usize) -> Option<(Vec<T>, Vec<T>)> {
    // `T::KIND` names the type, so each cast below is to `T` itself (sizes and alignment
    // equal); the checked casts fail rather than reinterpret anything else.
    fn as_type<A: Pod, B: Pod>(v: &[A]) -> Option<&[B]> {
        bytemuck::try_cast_slice(v).ok()
    }
    fn back<A: Pod, B: Pod>(pair: Option<(Vec<A>, Vec<A>)>) -> Option<(Vec<B>, Vec<B>)> {
        let (column, row) = pair?;
        Some((as_type(&column)?.to_vec(), as_type(&row)?.to_vec()))
    }
    match T::KIND {
        ElementKind::F32 => back(float_rank_one::<f32>(as_type(v)?, rows, cols)),
        ElementKind::F64 => back(float_rank_one::<f64>(as_type(v)?, rows, cols)),
        ElementKind::I32 => back(int_rank_one::<i32>(as_type(v)?, rows, cols)),
        ElementKind::I64 => back(int_rank_one::<i64>(as_type(v)?, rows, cols)),
        ElementKind::ComplexF32 | ElementKind::ComplexF64 => None,
    }
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
    use crate::arith::ElementKind;
    if n < m || matches!(T::KIND, ElementKind::I32 | ElementKind::I64) {
        return Method::Direct;
    }
    strategy::select_for_lengths(Problem::new(T::KIND, n, m, lo, len)).into()
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

/// Bytes of one row of a column-pass strip: the `m0` rows of a strip that one output row
/// reads stay in the L2 cache (63 rows of 4 KiB: 252 KiB) while the next output row reuses
/// all but one of them, instead of streaming from memory (docs/PERFORMANCE.md, "Why the
/// column pass runs in strips"); see [`super::strategy::column_strips_ns`].
const STRIP_BYTES: usize = 4096;

/// `out` (`len0 × width`) = the columns of `x` (`n0 × width`) convolved with `column`,
/// outputs `lo0 .. lo0 + len0` of each: per output row, the direct kernel accumulates the
/// `column.len()` input rows that reach it, strip by strip; output rows cut into `bands`.
#[allow(clippy::too_many_arguments)]
fn column_pass<T: Scalar>(
    x: &[T],
    n0: usize,
    width: usize,
    column: &[T],
    lo0: usize,
    out: &mut [T],
    bands: usize,
) {
    let len0 = out.len() / width;
    let m0 = column.len();
    let strip = (STRIP_BYTES / size_of::<T>()).max(64);
    let run = |first: usize, part: &mut [T]| -> Result<(), ConvError> {
        let rows = part.len() / width;
        let mut pairs: Vec<(&[T], &[T])> = Vec::with_capacity(m0);
        for c0 in (0..width).step_by(strip) {
            let s = strip.min(width - c0);
            for r in 0..rows {
                let t = lo0 + first + r;
                let i_lo = (t + 1).saturating_sub(n0);
                let i_hi = (m0 - 1).min(t);
                pairs.clear();
                for i in i_lo..=i_hi {
                    pairs.push((&x[(t - i) * width + c0..][..s], &column[i..=i]));
                }
                T::direct_rows(&pairs, 0, &mut part[r * width + c0..][..s]);
            }
        }
        Ok(())
    };
    if bands < 2 || len0 < 2 {
        run(0, out).expect("the direct kernel does not fail");
        return;
    }
    parallel::for_each_band(out, width, &parallel::even_cuts(len0, bands), run)
        .expect("the direct kernel does not fail");
}

/// The column pass by transposes: `x` (`n0 × width`) transposed, each of its `width` rows
/// convolved with `column` by the row pass, and the result transposed back into `out`
/// (`len0 × width`).
#[allow(clippy::too_many_arguments)]
fn column_pass_transposed<T: Scalar>(
    x: &[T],
    n0: usize,
    width: usize,
    column: &[T],
    lo0: usize,
    len0: usize,
    out: &mut [T],
    bands: usize,
) -> Result<(), ConvError> {
    let mut xt = try_zeroed(n0 * width)?;
    transpose::transpose(x, &mut xt, width, n0);
    let mut ot = try_zeroed(width * len0)?;
    let method = row_method::<T>(n0, column.len(), lo0, len0);
    row_pass(&xt, n0, column, lo0, len0, method, &mut ot, bands)?;
    transpose::transpose(&ot, out, len0, width);
    Ok(())
}

/// The column pass of [`run`]: `out` (`len0 × width`) from `x` (`n0 × width`), by strips or
/// by transposes as `order` says.
#[allow(clippy::too_many_arguments)]
fn columns<T: Scalar>(
    x: &[T],
    n0: usize,
    width: usize,
    column: &[T],
    lo0: usize,
    len0: usize,
    out: &mut [T],
    transposed: bool,
) -> Result<(), ConvError> {
    let m0 = column.len();
    if transposed {
        let method = row_method::<T>(n0, m0, lo0, len0);
        let ns = super::strategy::row_pass_ns(T::KIND, width, n0, m0, lo0, len0, method);
        column_pass_transposed(x, n0, width, column, lo0, len0, out, parallel::bands(ns))
    } else {
        let ns = super::strategy::column_strips_ns(T::KIND, n0, m0, lo0, len0, width);
        column_pass(x, n0, width, column, lo0, out, parallel::bands(ns));
        Ok(())
    }
}

/// `out = (x * (column ⊗ row))[lo .. lo + len]` for a 2-D `x` of shape `xs`, in the order
/// and with the column pass that `order` chose.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<T: Scalar>(
    x: &[T],
    xs: [usize; 2],
    column: &[T],
    row: &[T],
    lo: [usize; 2],
    len: [usize; 2],
    order: &super::strategy::PassOrder,
    out: &mut [T],
) -> Result<(), ConvError> {
    let [n0, n1] = xs;
    let m1 = row.len();
    let method = row_method::<T>(n1, m1, lo[1], len[1]);
    if order.fused && method == Method::Direct {
        return super::fused::run(x, xs, column, row, lo, len, out, parallel::bands(order.ns));
    }
    let row_rows = if order.rows_first { n0 } else { len[0] };
    let row_ns = super::strategy::row_pass_ns(T::KIND, row_rows, n1, m1, lo[1], len[1], method);
    let row_bands = parallel::bands(row_ns);
    if order.rows_first {
        let mut mid = try_zeroed(n0 * len[1])?;
        row_pass(x, n1, row, lo[1], len[1], method, &mut mid, row_bands)?;
        columns(
            &mid,
            n0,
            len[1],
            column,
            lo[0],
            len[0],
            out,
            order.transposed,
        )?;
    } else {
        let mut mid = try_zeroed(len[0] * n1)?;
        columns(x, n0, n1, column, lo[0], len[0], &mut mid, order.transposed)?;
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

    /// Every order and both column passes give the 2-D direct result (rank-1 integer data:
    /// exactly; floats on a coarse grid: exactly too, every sum being representable).
    #[test]
    fn every_plan_matches_the_direct_sum() {
        use crate::mode::Mode;
        use crate::nd::{direct, window::per_axis};
        let (xs, column, row) = ([13, 11], [2i64, -1, 3, 5], [1i64, 4, -2]);
        let x: Vec<i64> = (0..143).map(|k| (k * 37 % 19) - 9).collect();
        let v: Vec<i64> = column
            .iter()
            .flat_map(|c| row.iter().map(move |r| c * r))
            .collect();
        let xf: Vec<f64> = x.iter().map(|&e| e as f64).collect();
        let (cf, rf) = (column.map(|e| e as f64), row.map(|e| e as f64));
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let w = per_axis(&xs, &[4, 3], mode);
            let mut want = vec![0; w.len.iter().product()];
            direct::window(&x, &xs, &v, &[4, 3], &w.lo, &w.len, &mut want, 1);
            let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
            for (rows_first, transposed, fused) in [
                (false, false, false),
                (false, true, false),
                (true, false, false),
                (true, true, false),
                (true, false, true),
            ] {
                {
                    let order = super::super::strategy::PassOrder {
                        ns: 0.0,
                        rows_first,
                        transposed,
                        fused,
                    };
                    let mut got = vec![0; want.len()];
                    run(&x, xs, &column, &row, lo, len, &order, &mut got).unwrap();
                    assert_eq!(got, want, "{mode} {rows_first} {transposed} {fused}");
                    let mut gotf = vec![0.0; want.len()];
                    run(&xf, xs, &cf, &rf, lo, len, &order, &mut gotf).unwrap();
                    let wantf: Vec<f64> = want.iter().map(|&e| e as f64).collect();
                    assert_eq!(gotf, wantf, "f64 {mode} {rows_first} {transposed} {fused}");
                }
            }
        }
    }
}
