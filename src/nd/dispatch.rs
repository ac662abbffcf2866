//! The one computation every N-D function reduces to: a box of the full convolution, by the
//! method asked for or chosen by the cost model (with the separable passes for rank-one
//! kernels), falling back to the direct sum where a transform would not be exact or local.

use std::cell::OnceCell;

use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::method::Method;

use super::window::Window;
use super::{blocked, direct, fft, parallel, separable, strategy};

/// The box `w` of the full convolution of `x` (shape `xs`) and `y` (shape `ys`).
pub(super) fn compute<T: Scalar>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    w: &Window,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let size: usize = w.len.iter().product();
    let mut out = crate::alloc::try_zeroed_output(size)?;
    if xs.is_empty() {
        // Zero-dimensional arrays: one product.
        out[0] = T::mac(T::default(), x[0], y[0]);
        return Ok(out);
    }
    // The vectorized operand scan (not a plain `is_finite` loop: docs/PERFORMANCE.md, "Why the
    // operand scan is vectorized"), run only when the answer matters: a transform or the
    // separable passes would run. The direct sums keep non-finite values local, so where the
    // model ranks them first the scan (a tenth of a 3² kernel's time at 2048²) is skipped.
    let scanned = OnceCell::new();
    let finite = || *scanned.get_or_init(|| finite(x) && finite(y));
    let fft_exact = |lens: &[usize]| T::fft_is_exact(x, y, fft::equivalent_len(lens));
    let transform_ok = |m: Method| -> Result<bool, ConvError> {
        Ok(finite()
            && match m {
                Method::OverlapAdd => fft_exact(&strategy::tiles(T::KIND, xs, ys)?.1),
                _ => fft_exact(&fft::lens(xs, ys, &w.lo, &w.len)?),
            })
    };
    let est = strategy::estimate(T::KIND, xs, ys, &w.lo, &w.len);
    let method = match method {
        Method::Auto => {
            let chosen = est.cheapest(true);
            let chosen = if chosen != Method::Direct && !transform_ok(chosen)? {
                Method::Direct
            } else {
                chosen
            };
            if xs.len() == 2 {
                let best = est.of(chosen).unwrap_or(est.direct);
                if separable_if_cheaper(x, xs, y, ys, w, best, &finite, &mut out)? {
                    return Ok(out);
                }
            }
            chosen
        }
        m if m != Method::Direct && !transform_ok(m)? => Method::Direct,
        m => m,
    };
    let bands = |predicted: Option<f64>| parallel::bands(predicted.unwrap_or(0.0));
    match method {
        Method::Direct | Method::Auto => {
            let bands = bands(Some(est.direct));
            direct_window(x, xs, y, ys, w, &mut out, bands)
        }
        Method::Fft => fft::window(x, xs, y, ys, &w.lo, &w.len, &mut out)?,
        Method::OverlapAdd => {
            // Tiles of the larger input against the smaller one's spectrum.
            let (x, xs, y, ys) = if x.len() >= y.len() {
                (x, xs, y, ys)
            } else {
                (y, ys, x, xs)
            };
            let tiles = strategy::tiles(T::KIND, xs, ys)?;
            let bands = bands(est.overlap_add);
            fft::overlap_add(x, xs, y, ys, &w.lo, &w.len, &tiles, &mut out, bands)?
        }
    }
    Ok(out)
}

/// The direct sum of the box `w` into `out`: the register-blocked 2-D kernel where it applies
/// (`f32`/`f64`, a small kernel with finite taps), the N-D row-pair kernel otherwise.
fn direct_window<T: Scalar>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    w: &Window,
    out: &mut [T],
    bands: usize,
) {
    if let Some(x_is_kernel) = blocked::kernel_side(T::KIND, xs, ys) {
        let (x, xs, y, ys) = if x_is_kernel {
            (y, ys, x, xs)
        } else {
            (x, xs, y, ys)
        };
        if blocked::kernel_is_finite(y) {
            blocked::window(x, xs, y, ys, &w.lo, &w.len, out, bands);
            return;
        }
    }
    direct::window(x, xs, y, ys, &w.lo, &w.len, out, bands)
}

/// Whether every value of `v` is finite, by the vectorized operand scan, over rayon's pool for
/// large inputs: on one thread it was a sixth of the separable passes at 2048², and serial.
pub(super) fn finite<T: Scalar>(v: &[T]) -> bool {
    // Split only on a pool of several threads: one part would still be handed to the pool,
    // which in a forked child has no threads (see `parallel::map_bands`).
    let split = v.len() >= SPLIT_SCAN_LEN && parallel::bands(f64::INFINITY) > 1;
    crate::fft::scan_split(v, split).finite
}

/// Values from which [`finite`] splits its scan (a 512² image, about 100 µs of reading).
const SPLIT_SCAN_LEN: usize = 1 << 18;

/// `Method::Auto` on a 2-D problem: when the smaller input is a rank-1 outer product (see
/// [`separable`]), its two 1-D passes are predicted cheaper than `best_ns` (the 2-D method's
/// prediction) and `finite()` says both inputs are finite, computes the box `w` into `out` by
/// the passes and returns true.
#[allow(clippy::too_many_arguments)]
pub(super) fn separable_if_cheaper<T: Scalar>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    w: &Window,
    best_ns: f64,
    finite: &dyn Fn() -> bool,
    out: &mut [T],
) -> Result<bool, ConvError> {
    // Convolution commutes: the smaller input is the kernel (only it is searched for rank 1).
    let (x, xs, y, ys) = if y.len() <= x.len() {
        (x, xs, y, ys)
    } else {
        (y, ys, x, xs)
    };
    let (xs, ys) = ([xs[0], xs[1]], [ys[0], ys[1]]);
    if ys[0] < 2 || ys[1] < 2 {
        return Ok(false);
    }
    let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
    let order = pass_order::<T>(xs, ys, lo, len);
    // The kernel's own scan first (it is small): the image is scanned only for a rank-1 one.
    if order.ns >= best_ns || !self::finite(y) {
        return Ok(false);
    }
    let Some((column, row)) = separable::rank_one(y, ys[0], ys[1]) else {
        return Ok(false);
    };
    if !finite() {
        return Ok(false);
    }
    separable::run(x, xs, &column, &row, lo, len, &order, out)?;
    Ok(true)
}

/// The cheapest order and column pass for the separable passes of this problem.
pub(crate) fn pass_order<T: Scalar>(
    xs: [usize; 2],
    ys: [usize; 2],
    lo: [usize; 2],
    len: [usize; 2],
) -> strategy::PassOrder {
    let methods = [
        separable::row_method::<T>(xs[1], ys[1], lo[1], len[1]),
        separable::row_method::<T>(xs[0], ys[0], lo[0], len[0]),
    ];
    strategy::separable(T::KIND, xs, ys, lo, len, methods)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Mode;
    use crate::nd::window;

    fn outer(column: &[f64], row: &[f64]) -> Vec<f64> {
        column
            .iter()
            .flat_map(|c| row.iter().map(move |r| c * r))
            .collect()
    }

    /// Whether `Method::Auto` on this problem runs the separable passes.
    fn takes_passes(xs: [usize; 2], v: &[f64], ys: [usize; 2], mode: Mode) -> bool {
        let x: Vec<f64> = (0..xs[0] * xs[1]).map(|k| (k % 7) as f64 - 3.0).collect();
        let w = window::window(&xs, &ys, mode).unwrap();
        let mut out = vec![0.0; w.len.iter().product()];
        separable_if_cheaper(&x, &xs, v, &ys, &w, f64::INFINITY, &|| true, &mut out).unwrap() && {
            let est = strategy::estimate(ElementKind::F64, &xs, &ys, &w.lo, &w.len);
            let best = est.of(est.cheapest(true)).unwrap();
            separable_if_cheaper(&x, &xs, v, &ys, &w, best, &|| true, &mut out).unwrap()
        }
    }

    use crate::arith::ElementKind;

    #[test]
    fn auto_takes_the_passes_where_predicted_cheaper() {
        let column: Vec<f64> = (0..9).map(|i| 1.0 + i as f64 * 0.25).collect();
        let row: Vec<f64> = (0..11).map(|j| 0.5 - j as f64 * 0.125).collect();
        // The large problems of `tests/nd_separable.rs`.
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            assert!(takes_passes(
                [150, 150],
                &outer(&column, &row),
                [9, 11],
                mode
            ));
        }
        // The benchmark's Gaussian points (`separable_2d` in `benches/nd.rs`): the fused
        // passes at 15² and at 512² × 63² too (1.88 ms against the 2-D overlap-add's 2.48 ms,
        // f64, Xeon with AVX-512; docs/PERFORMANCE.md, "Where Auto takes the separable passes").
        let g: Vec<f64> = (0..63)
            .map(|i| (-((i as f64 - 31.0) / 9.0).powi(2)).exp())
            .collect();
        let g15 = &g[24..39];
        assert!(takes_passes(
            [512, 512],
            &outer(&g, &g),
            [63, 63],
            Mode::Same
        ));
        assert!(takes_passes(
            [512, 512],
            &outer(g15, g15),
            [15, 15],
            Mode::Same
        ));
        assert!(takes_passes(
            [2048, 2048],
            &outer(g15, g15),
            [15, 15],
            Mode::Same
        ));
        // A kernel of rank 2 is not taken for rank 1.
        let mut v = outer(&column, &row);
        v[0] += 1.0;
        assert!(!takes_passes([150, 150], &v, [9, 11], Mode::Same));
        // Tiny problems stay on the 2-D direct sum.
        let small = outer(&column[..2], &row[..2]);
        let w = window::window(&[4, 4], &[2, 2], Mode::Full).unwrap();
        let est = strategy::estimate(ElementKind::F64, &[4, 4], &[2, 2], &w.lo, &w.len);
        let mut out = vec![0.0; 25];
        let x = [1.0; 16];
        assert!(
            !separable_if_cheaper(
                &x,
                &[4, 4],
                &small,
                &[2, 2],
                &w,
                est.direct,
                &|| true,
                &mut out
            )
            .unwrap()
        );
    }

    /// The separable problems of `tests/nd_threads.rs` split their passes (so that the test
    /// compares something): both run fused, in bands of output rows.
    #[cfg(feature = "rayon")]
    #[test]
    fn the_separable_threads_test_problems_are_split() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            for (xs, ys) in [([703, 601], [9, 11]), ([657, 589], [81, 5])] {
                for kind_is_f32 in [false, true] {
                    let w = window::per_axis(&xs, &ys, Mode::Same);
                    let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
                    let order = if kind_is_f32 {
                        pass_order::<f32>(xs, ys, lo, len)
                    } else {
                        pass_order::<f64>(xs, ys, lo, len)
                    };
                    assert!(order.fused, "{xs:?} {ys:?}");
                    assert_eq!(parallel::bands(order.ns), 2, "{xs:?} {ys:?}");
                }
            }
        });
    }
}
