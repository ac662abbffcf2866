//! scipy.ndimage's separable filters in one call: a 1-D correlation along each of several
//! axes (`gaussian_filter`, `uniform_filter` and their kin are this with given weights).
//!
//! The passes run in the order given, each result stored in the input's type as scipy
//! stores it. When the last two passes are along the last two axes (axis `-2`, then `-1`,
//! scipy's order for an image), they run fused ([`super::fused_ndimage`]): one pass over the
//! image, the intermediate held a few rows at a time. Any earlier pass runs on its own
//! ([`super::ndimage1d`]), as do passes with kernels longer than the line sums take.

use ndarray::{Array, ArrayView, Dimension};

use crate::alloc::try_uninit;
use crate::element::Element;
use crate::error::ConvError;
use crate::method::Method;

use super::boundary::Border;
use super::contiguous::{row_major, shaped, slice, standard};
use super::fused_ndimage::{Axis, Plan, run};
use super::ndimage::centres;
use super::ndimage1d::{LINE_SUM_MAX_TAPS, Widen, filter1d};
use super::{parallel, strategy};

/// One pass of [`correlate_separable_ndimage`]: `scipy.ndimage.correlate1d`'s arguments
/// (`weights` along `axis`, the input extended by `border`, the centre at
/// `weights.len() / 2 + origin`).
///
/// ```
/// use convolve::nd::{AxisFilter, Border};
/// let smooth = AxisFilter { axis: 0, weights: &[0.25, 0.5, 0.25], border: Border::Reflect, origin: 0 };
/// assert_eq!(smooth.weights.len(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisFilter<'a, T> {
    /// The axis the weights run along.
    pub axis: usize,
    /// The 1-D weights (conjugated when complex, as scipy does).
    pub weights: &'a [T],
    /// How the input extends beyond the ends of the axis.
    pub border: Border<T>,
    /// The shift of the kernel's centre, `-(m / 2) ..= (m - 1) / 2`.
    pub origin: isize,
}

/// The passes of a separable `scipy.ndimage` filter in one call: [`correlate1d_ndimage`] with
/// each pass's weights along its axis, in order, each result stored in `S` as scipy stores
/// it (`gaussian_filter(input, sigma)` is the passes along axes `0, 1, …` with the Gaussian's
/// weights; `uniform_filter` with `1 / size`). Sums run in `T`; `f32` data with `f64` weights
/// is summed in `f64` and rounded once per pass, as scipy computes `float32` arrays.
///
/// The last two passes run fused when they are along the last two axes in that order (see
/// the module docs of `nd`): the values are those of the separate passes up to the order of
/// the sums, without the intermediate array. With no passes, the result is a copy of `input`.
///
/// [`correlate1d_ndimage`]: super::correlate1d_ndimage
///
/// ```
/// use convolve::nd::{self, AxisFilter, Border};
/// use ndarray::array;
/// let image = array![[0.0, 0.0, 0.0], [0.0, 16.0, 0.0], [0.0, 0.0, 0.0]];
/// let w = [0.25, 0.5, 0.25];
/// let pass = |axis| AxisFilter { axis, weights: &w[..], border: Border::Constant(0.0), origin: 0 };
/// let blurred = nd::correlate_separable_ndimage(image.view(), &[pass(0), pass(1)])?;
/// assert_eq!(blurred, array![[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] for an empty `input` or pass weights, [`ConvError::Axes`] for a
/// pass's axis out of range, [`ConvError::Origin`] for an origin outside its kernel,
/// [`ConvError::Allocation`] when the output or a scratch buffer cannot be allocated.
pub fn correlate_separable_ndimage<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    passes: &[AxisFilter<'_, T>],
) -> Result<Array<S, D>, ConvError> {
    let ndim = input.ndim();
    for p in passes {
        if p.axis >= ndim {
            return Err(ConvError::Axes {
                axes: vec![p.axis],
                ndim,
            });
        }
        if p.weights.is_empty() {
            return Err(ConvError::EmptyInput {
                argument: "weights",
            });
        }
        centres(&[p.origin], &[p.weights.len()], false)?;
    }
    if input.is_empty() {
        return Err(ConvError::EmptyInput { argument: "input" });
    }
    let fused = match passes {
        [.., a, b] => {
            ndim >= 2
                && (a.axis, b.axis) == (ndim - 2, ndim - 1)
                && a.weights.len().max(b.weights.len()) <= LINE_SUM_MAX_TAPS
        }
        _ => false,
    };
    let alone = &passes[..passes.len() - if fused { 2 } else { 0 }];
    let mut current: Option<Array<S, D>> = None;
    for p in alone {
        let view = current.as_ref().map_or_else(|| input.view(), |a| a.view());
        let next = filter1d(
            view,
            p.weights,
            p.axis,
            p.border,
            p.origin,
            Method::Auto,
            false,
        )?;
        current = Some(next);
    }
    let view = current.as_ref().map_or_else(|| input.view(), |a| a.view());
    if let [.., column, row] = passes
        && fused
    {
        return last_two(view, column, row, None);
    }
    match current {
        Some(a) => Ok(a),
        None => Ok(shaped(input.raw_dim(), input.shape(), row_major(&input)?)),
    }
}

/// The fused passes along the last two axes of `input`, the output rows cut into `bands`
/// bands (by default as many as the predicted time calls for).
fn last_two<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    column: &AxisFilter<'_, T>,
    row: &AxisFilter<'_, T>,
    bands: Option<usize>,
) -> Result<Array<S, D>, ConvError> {
    let shape = input.shape().to_vec();
    let ndim = shape.len();
    let axis = |p: &AxisFilter<'_, T>, coef: &[T]| -> Result<(usize, usize), ConvError> {
        let before = centres(&[p.origin], &[coef.len()], false)?[0];
        Ok((shape[p.axis], before))
    };
    let (c0, c1): (Vec<T>, Vec<T>) = (
        column.weights.iter().map(|w| w.conj()).collect(),
        row.weights.iter().map(|w| w.conj()).collect(),
    );
    let ((n0, b0), (n1, b1)) = (axis(column, &c0)?, axis(row, &c1)?);
    let plan = Plan::new::<S>(
        &Axis {
            n: n0,
            coef: &c0,
            before: b0,
            border: column.border,
        },
        &Axis {
            n: n1,
            coef: &c1,
            before: b1,
            border: row.border,
        },
    );
    let bands = bands.unwrap_or_else(|| {
        parallel::bands(
            predicted_ns::<T>(&shape, ndim - 2, c0.len())
                + predicted_ns::<T>(&shape, ndim - 1, c1.len()),
        )
    });
    let ad = standard(&input)?;
    let a = slice(&ad);
    let mut out = try_uninit::<S>(a.len())?;
    run(&plan, a, &mut out.spare_capacity_mut()[..a.len()], bands)?;
    // SAFETY: `run` wrote each of the `a.len()` elements (every output row of every band).
    unsafe { out.set_len(a.len()) };
    Ok(shaped(input.raw_dim(), &shape, out))
}

/// The N-D cost model's direct-sum time of one line-sum pass along `axis` with `m` taps: the
/// extended input convolved in `valid` mode, as [`filter1d`] predicts it.
fn predicted_ns<T: Element>(shape: &[usize], axis: usize, m: usize) -> f64 {
    let mut ext = shape.to_vec();
    ext[axis] += m - 1;
    let mut kernel = vec![1; shape.len()];
    kernel[axis] = m;
    let lo: Vec<usize> = kernel.iter().map(|k| k - 1).collect();
    strategy::estimate_direct(T::KIND, &ext, &kernel, &lo, shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nd::correlate1d_ndimage;
    use crate::nd::fused::tests::values;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::Complex;

    const BORDERS: [Border<f64>; 5] = [
        Border::Reflect,
        Border::Mirror,
        Border::Nearest,
        Border::Wrap,
        Border::Constant(1.5),
    ];

    /// `passes` applied one at a time by the 1-D line sums: the oracle.
    fn one_by_one<S: Widen<T>, T: Element>(
        a: &ArrayD<S>,
        passes: &[AxisFilter<'_, T>],
    ) -> ArrayD<S> {
        let mut cur = a.clone();
        for p in passes {
            cur = correlate1d_ndimage(cur.view(), p.weights, p.axis, p.border, p.origin).unwrap();
        }
        cur
    }

    /// Random shapes (1-pixel axes, kernels longer than the axis, images wide enough to be
    /// tiled), every border and origin: fused passes against the passes one by one, exactly
    /// for data and weights on a coarse binary grid (every sum exact in any order), within a
    /// few roundings of the data's scale otherwise; in 1, 2 and 3 bands with the same bits.
    fn agrees<S: Widen<f64> + Into<f64>>(from: impl Fn(f64) -> S, eps: f64) {
        let mut seed = 0x0ddb_1a5e_5eed_u64;
        for round in 0..160 {
            let exact = round % 2 == 0;
            let mut dims = values(6, &mut seed, true)
                .into_iter()
                .map(|v| v.abs() as usize);
            let mut dim = |max: usize| dims.next().unwrap() % max + 1;
            let (n0, n1) = match round % 10 {
                0 => (40, 1500),
                1 => (1, dim(9)),
                2 => (dim(9), 1),
                _ => (dim(8) * 3, dim(8) * 7),
            };
            let m0 = if round % 10 == 0 {
                60
            } else {
                dim(8) + round % 3
            };
            let m1 = dim(8) + 2 * (round % 5);
            let grid = |v: f64| if exact { (v * 8.0).round() / 64.0 } else { v };
            let a = values(n0 * n1, &mut seed, false);
            let a: Vec<S> = a.into_iter().map(|v| from(grid(v))).collect();
            let a = ArrayD::from_shape_vec(IxDyn(&[n0, n1]), a).unwrap();
            let w = |m: usize, s: &mut u64| -> Vec<f64> {
                values(m, s, false)
                    .into_iter()
                    .map(|v| if exact { (v).round() / 8.0 } else { v / 8.0 })
                    .collect()
            };
            let (mut w0, mut w1) = (w(m0, &mut seed), w(m1, &mut seed));
            if round % 3 == 0 {
                // Symmetric weights, which `f32` data sums in pairs (`folded_x86`) when odd.
                for w in [&mut w0, &mut w1] {
                    let m = w.len();
                    for i in 0..m / 2 {
                        w[m - 1 - i] = w[i];
                    }
                }
            }
            let border = |k: usize| BORDERS[(round + k) % BORDERS.len()];
            let origin = |m: usize, k: usize| -((m / 2) as isize) + ((round + k) % m) as isize;
            let passes = [
                AxisFilter {
                    axis: 0,
                    weights: &w0[..],
                    border: border(0),
                    origin: origin(m0, 0),
                },
                AxisFilter {
                    axis: 1,
                    weights: &w1[..],
                    border: border(round / 5),
                    origin: origin(m1, 3),
                },
            ];
            let want = one_by_one(&a, &passes);
            let got = last_two(a.view(), &passes[0], &passes[1], Some(1)).unwrap();
            let norm = |w: &[f64]| w.iter().map(|v| v.abs()).sum::<f64>();
            let max = a.iter().map(|&v| v.into().abs()).fold(1.5f64, f64::max);
            let tol = if exact {
                0.0
            } else {
                4.0 * eps * max * norm(&w0) * norm(&w1)
            };
            let what = format!(
                "{n0}x{n1} * {m0}x{m1} {:?} {:?}",
                passes[0], passes[1].border
            );
            for (k, (&g, &e)) in got.iter().zip(&want).enumerate() {
                let (g, e): (f64, f64) = (g.into(), e.into());
                assert!(
                    (g - e).abs() <= tol,
                    "{what} at {k}: {g} vs {e}, tolerance {tol}"
                );
            }
            let bits = |a: &ArrayD<S>| a.iter().map(|&v| v.into().to_bits()).collect::<Vec<_>>();
            for bands in [2, 3] {
                let split = last_two(a.view(), &passes[0], &passes[1], Some(bands)).unwrap();
                assert_eq!(bits(&split), bits(&got), "{what} in {bands} bands");
            }
        }
    }

    /// 3-D inputs: the passes on every subset of axes in scipy's order (fused over the slabs
    /// when the last two axes are filtered), against the passes one by one; integer and
    /// complex sums too, exactly on integer-valued data.
    #[test]
    fn any_axes_and_element_types_agree() {
        let mut seed = 0x5eed_u64;
        let shape = [3, 5, 7];
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values(105, &mut seed, true)).unwrap();
        let (w0, w1, w2) = ([1.0, -2.0, 3.0], [0.5, 4.0], [2.0, 1.0, -1.0, 0.25, 3.0]);
        let ws: [&[f64]; 3] = [&w0, &w1, &w2];
        for subset in 0..8u32 {
            let passes: Vec<AxisFilter<'_, f64>> = (0..3)
                .filter(|k| subset & (1 << k) != 0)
                .map(|axis| AxisFilter {
                    axis,
                    weights: ws[axis],
                    border: BORDERS[(axis + subset as usize) % 5],
                    origin: -((ws[axis].len() / 2) as isize) + (subset as isize % 2),
                })
                .collect();
            let got = correlate_separable_ndimage(a.view(), &passes).unwrap();
            assert_eq!(got, one_by_one(&a, &passes), "axes {subset:b}");
            let ai = a.mapv(|v| v as i64);
            let wi: Vec<Vec<i64>> = ws
                .iter()
                .map(|w| w.iter().map(|&v| (v * 4.0) as i64).collect())
                .collect();
            let pi: Vec<AxisFilter<'_, i64>> = passes
                .iter()
                .map(|p| AxisFilter {
                    axis: p.axis,
                    weights: &wi[p.axis],
                    border: match p.border {
                        Border::Constant(_) => Border::Constant(-3),
                        Border::Reflect => Border::Reflect,
                        Border::Mirror => Border::Mirror,
                        Border::Nearest => Border::Nearest,
                        Border::Wrap => Border::Wrap,
                    },
                    origin: p.origin,
                })
                .collect();
            let got = correlate_separable_ndimage(ai.view(), &pi).unwrap();
            assert_eq!(got, one_by_one(&ai, &pi), "i64 axes {subset:b}");
            let ac = a.mapv(|v| Complex::new(v, 1.0 - v));
            let wc: Vec<Vec<Complex<f64>>> = ws
                .iter()
                .map(|w| w.iter().map(|&v| Complex::new(v, 0.5)).collect())
                .collect();
            let pc: Vec<AxisFilter<'_, Complex<f64>>> = passes
                .iter()
                .map(|p| AxisFilter {
                    axis: p.axis,
                    weights: &wc[p.axis],
                    border: Border::Wrap,
                    origin: p.origin,
                })
                .collect();
            let got = correlate_separable_ndimage(ac.view(), &pc).unwrap();
            assert_eq!(got, one_by_one(&ac, &pc), "complex axes {subset:b}");
        }
        // The slabs of a 3-D input in bands cut inside and across slabs: the same bits.
        let big =
            ArrayD::from_shape_vec(IxDyn(&[4, 9, 11]), values(396, &mut seed, false)).unwrap();
        let p = |axis| AxisFilter {
            axis,
            weights: &w2[..],
            border: Border::Mirror,
            origin: 1,
        };
        let one = last_two(big.view(), &p(1), &p(2), Some(1)).unwrap();
        for bands in [2, 3, 5, 36] {
            let split = last_two(big.view(), &p(1), &p(2), Some(bands)).unwrap();
            let bits = |a: &ArrayD<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&split), bits(&one), "{bands} bands");
        }
    }

    /// A NaN reaches exactly the outputs whose window holds it (constant border: no image
    /// sample is read twice), and an infinity likewise.
    #[test]
    fn non_finite_values_stay_local() {
        let (n0, n1) = (30, 40);
        let w0 = [0.25, 0.5, 0.25, 0.125];
        let w1 = [1.0, 2.0, 1.0];
        for (bad, (r, c)) in [
            (f64::NAN, (0, 0)),
            (f64::INFINITY, (17, 23)),
            (f64::NAN, (29, 5)),
        ] {
            let mut a = ArrayD::<f64>::from_elem(IxDyn(&[n0, n1]), 1.0);
            a[[r, c]] = bad;
            let (o0, o1) = (1, -1);
            let passes = [
                AxisFilter {
                    axis: 0,
                    weights: &w0[..],
                    border: Border::Constant(0.0),
                    origin: o0,
                },
                AxisFilter {
                    axis: 1,
                    weights: &w1[..],
                    border: Border::Constant(0.0),
                    origin: o1,
                },
            ];
            let got = correlate_separable_ndimage(a.view(), &passes).unwrap();
            // Output i reads input i + j - before for j < m.
            let (b0, b1) = (w0.len() / 2 + 1, 0);
            let reach = |i: usize, at: usize, m: usize, before: usize| {
                at + before >= i && at + before < i + m
            };
            for i in 0..n0 {
                for j in 0..n1 {
                    let touched = reach(i, r, w0.len(), b0) && reach(j, c, w1.len(), b1);
                    assert_eq!(
                        !got[[i, j]].is_finite(),
                        touched,
                        "{bad} at ({r}, {c}): ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_passes_are_errors() {
        let a = ArrayD::<f64>::zeros(IxDyn(&[4, 5]));
        let p = |axis, weights: &'static [f64], origin| AxisFilter {
            axis,
            weights,
            border: Border::Reflect,
            origin,
        };
        let err = |passes: &[AxisFilter<'_, f64>]| {
            correlate_separable_ndimage(a.view(), passes).unwrap_err()
        };
        assert!(matches!(err(&[p(2, &[1.0], 0)]), ConvError::Axes { .. }));
        assert!(matches!(
            err(&[p(0, &[1.0], 0), p(1, &[], 0)]),
            ConvError::EmptyInput { .. }
        ));
        assert!(matches!(
            err(&[p(0, &[1.0, 1.0, 1.0], 0), p(1, &[1.0, 1.0], 1)]),
            ConvError::Origin { .. }
        ));
        let empty = ArrayD::<f64>::zeros(IxDyn(&[0, 5]));
        assert!(correlate_separable_ndimage(empty.view(), &[p(0, &[1.0], 0)]).is_err());
        // No passes: a copy.
        let b = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(correlate_separable_ndimage(b.t(), &[]).unwrap(), b.t());
    }

    #[test]
    fn fused_passes_agree_with_the_passes_one_by_one() {
        agrees::<f64>(|v| v, f64::EPSILON);
        agrees::<f32>(|v| v as f32, f32::EPSILON.into());
    }
}
