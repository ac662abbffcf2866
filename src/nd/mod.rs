//! N-dimensional convolution of [`ndarray`] arrays, with `scipy.signal`'s semantics
//! (feature `ndarray`).
//!
//! | function | scipy.signal |
//! |---|---|
//! | [`convolve`], [`convolve_with`] | `convolve(a, v, mode, method)` |
//! | [`correlate`], [`correlate_with`] | `correlate(a, v, mode, method)` |
//! | [`convolve_axes`] | `fftconvolve(a, v, mode, axes)` |
//! | [`convolve2d`], [`correlate2d`] | `convolve2d` / `correlate2d(a, v, mode, boundary, fillvalue)` |
//! | [`convolve_separable`] | `convolve(a, np.outer(column, row), mode)` |
//! | [`convolve_ndimage`], [`correlate_ndimage`] | `scipy.ndimage.convolve` / `correlate(input, weights, mode, cval, origin)` |
//! | [`convolve1d_ndimage`], [`correlate1d_ndimage`] | `scipy.ndimage.convolve1d` / `correlate1d(input, weights, axis, mode, cval, origin)` |
//! | [`correlate_separable_ndimage`] | `correlate1d` along several axes in turn: `gaussian_filter`, `uniform_filter` |
//!
//! Output shapes, per axis with `n` the length of `a` and `m` that of `v`:
//!
//! * `Full`: `n + m - 1`.
//! * `Same`: `n`, **the first input's shape**, centred on the full result (starting at
//!   `(m - 1) / 2`). This is scipy's rule; numpy's 1-D `same` (the crate's
//!   [`crate::convolve`]) is sized to the *longer* input, so the two differ when `a` is
//!   shorter than `v`: `nd::convolve` of shapes `[3]` and `[5]` gives 3 values where
//!   `convolve` gives 5.
//! * `Valid`: `|n - m| + 1`. One input must be at least as large as the other in every
//!   dimension ([`ConvError::ValidShape`] otherwise, as scipy raises).
//!
//! `correlate(a, v)` is `convolve(a, reverse(conj(v)))` with the same crop, as in scipy.
//! `correlate2d` differs from `correlate` by one sample in `same` mode on axes where the kernel
//! length is even (`correlate2d` starts at `m / 2` of the full correlation, `correlate` at
//! `(m - 1) / 2`): scipy behaves the same way, and both are reproduced.
//!
//! Empty inputs are an error ([`ConvError::EmptyInput`]) where scipy returns an empty array,
//! as in the crate's 1-D functions.
//!
//! Methods: [`Method::Direct`] sums over kernel rows of the vectorized 1-D kernel;
//! [`Method::Fft`] transforms both inputs (a real transform along the last axis for real types,
//! `rustfft` along the others); [`Method::OverlapAdd`] transforms tiles of the larger input
//! against the smaller one's spectrum, computed once. [`Method::Auto`] picks by a measured
//! cost model. The transform methods fall back to the direct sum when an input holds NaN or
//! an infinity (so that they stay local to the outputs they touch, as in scipy's direct
//! method), and for integers unless the `f64` transform is provably exact (the bound of the
//! 1-D methods, counted over the levels of all axes): integer results are always exact.
//!
//! `Method::Auto` on 2-D inputs also recognises a kernel that is an outer product
//! `column ⊗ row` (real and integer types) and, when the cost model predicts it cheaper, runs
//! two 1-D passes instead ([`convolve_separable`] runs them on given factors). With the
//! `rayon` feature the direct sum, overlap-add and the separable passes split their output
//! rows across rayon's current pool above about 100 µs of predicted work, with results
//! bit-identical to one thread's.
//!
//! ```
//! use convolve::{Mode, nd};
//! use ndarray::array;
//! let image = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let kernel = array![[0.0, 1.0], [1.0, 0.0]];
//! let full = nd::convolve(image.view(), kernel.view(), Mode::Full)?;
//! assert_eq!(full, array![[0.0, 1.0, 2.0, 3.0], [1.0, 6.0, 8.0, 6.0], [4.0, 5.0, 6.0, 0.0]]);
//! let same = nd::convolve(image.view(), kernel.view(), Mode::Same)?;
//! assert_eq!(same, array![[0.0, 1.0, 2.0], [1.0, 6.0, 8.0]]);
//! # Ok::<(), convolve::ConvError>(())
//! ```

pub(crate) mod blocked;
mod boundary;
mod combine;
mod contiguous;
mod conv2d;
mod direct;
pub(crate) mod dispatch;
mod fft;
#[cfg(target_arch = "x86_64")]
mod folded_x86;
mod fused;
mod fused_ndimage;
mod index;
pub(crate) mod model_inputs;
#[cfg(target_arch = "x86_64")]
mod narrow_x86;
mod ndimage;
mod ndimage1d;
mod parallel;
pub(crate) mod separable;
mod separable_ndimage;
pub(crate) mod strategy;
mod widen;
pub(crate) mod window;

use ndarray::{Array, Array2, ArrayView, ArrayView2, Dimension, IxDyn};

use crate::alloc::try_zeroed;
use crate::element::Element;
use crate::engine::reversed_conj;
use crate::error::ConvError;
use crate::method::Method;
use crate::mode::Mode;

pub use boundary::{Border, Boundary};
use contiguous::{row_major, shaped, slice, standard};
use conv2d::conv2d;
use dispatch::{compute, pass_order};
pub use ndimage::{
    convolve_ndimage, convolve_ndimage_with, correlate_ndimage, correlate_ndimage_with,
};
pub use ndimage1d::{
    Widen, convolve1d_ndimage, convolve1d_ndimage_with, correlate1d_ndimage,
    correlate1d_ndimage_with,
};
pub use separable_ndimage::{AxisFilter, correlate_separable_ndimage};

/// N-D convolution, as `scipy.signal.convolve(a, v, mode)`.
///
/// ```
/// use convolve::{Mode, nd};
/// use ndarray::array;
/// let a = array![[1, 2], [3, 4]];
/// let v = array![[1, -1]];
/// assert_eq!(
///     nd::convolve(a.view(), v.view(), Mode::Full)?,
///     array![[1, 1, -2], [3, 1, -4]]
/// );
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] for an empty input, [`ConvError::ValidShape`] in `Valid` mode
/// when neither input contains the other, [`ConvError::Dimensionality`] for dynamic-dimension
/// inputs of different dimensionality, [`ConvError::LengthOverflow`] or
/// [`ConvError::Allocation`] when the result cannot exist in memory.
pub fn convolve<T: Element, D: Dimension>(
    a: ArrayView<T, D>,
    v: ArrayView<T, D>,
    mode: Mode,
) -> Result<Array<T, D>, ConvError> {
    convolve_with(a, v, mode, Method::Auto)
}

/// N-D cross-correlation, as `scipy.signal.correlate(a, v, mode)`:
/// `convolve(a, reverse(conj(v)), mode)`.
///
/// ```
/// use convolve::{Mode, nd};
/// use ndarray::array;
/// let a = array![[1.0, 2.0, 3.0]];
/// let v = array![[0.0, 1.0, 0.5]];
/// assert_eq!(nd::correlate(a.view(), v.view(), Mode::Valid)?, array![[3.5]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn correlate<T: Element, D: Dimension>(
    a: ArrayView<T, D>,
    v: ArrayView<T, D>,
    mode: Mode,
) -> Result<Array<T, D>, ConvError> {
    correlate_with(a, v, mode, Method::Auto)
}

/// [`convolve`] with a chosen [`Method`].
///
/// ```
/// use convolve::{Method, Mode, nd};
/// use ndarray::Array3;
/// let a = Array3::from_shape_fn((6, 5, 4), |(i, j, k)| (i + 2 * j + 3 * k) as f64);
/// let v = Array3::from_shape_fn((3, 2, 2), |(i, j, k)| (i * j + k) as f64 - 1.0);
/// let direct = nd::convolve_with(a.view(), v.view(), Mode::Same, Method::Direct)?;
/// let fft = nd::convolve_with(a.view(), v.view(), Mode::Same, Method::Fft)?;
/// assert!(direct.iter().zip(&fft).all(|(d, f)| (d - f).abs() < 1e-9));
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn convolve_with<T: Element, D: Dimension>(
    a: ArrayView<T, D>,
    v: ArrayView<T, D>,
    mode: Mode,
    method: Method,
) -> Result<Array<T, D>, ConvError> {
    let w = window::window(a.shape(), v.shape(), mode)?;
    let (ad, vd) = (standard(&a)?, standard(&v)?);
    let out = compute(slice(&ad), a.shape(), slice(&vd), v.shape(), &w, method)?;
    Ok(shaped(a.raw_dim(), &w.len, out))
}

/// [`correlate`] with a chosen [`Method`].
///
/// # Errors
/// As [`convolve`].
pub fn correlate_with<T: Element, D: Dimension>(
    a: ArrayView<T, D>,
    v: ArrayView<T, D>,
    mode: Mode,
    method: Method,
) -> Result<Array<T, D>, ConvError> {
    let w = window::window(a.shape(), v.shape(), mode)?;
    let ad = standard(&a)?;
    let reversed = reversed_conj(slice(&standard(&v)?))?;
    let out = compute(slice(&ad), a.shape(), &reversed, v.shape(), &w, method)?;
    Ok(shaped(a.raw_dim(), &w.len, out))
}

/// Convolution along the given axes only, as `scipy.signal.fftconvolve(a, v, mode, axes)`.
///
/// The other axes are not convolved: their lengths must be equal (each slice is convolved
/// with the matching slice) or one of them 1 (that input is broadcast). As in scipy, the
/// `Valid` containment check covers only the listed axes whose lengths are both above 1.
///
/// ```
/// use convolve::{Mode, nd};
/// use ndarray::array;
/// // Two rows, each convolved with its own kernel row along axis 1.
/// let a = array![[1, 2, 3], [4, 5, 6]];
/// let v = array![[1, 1], [1, -1]];
/// assert_eq!(
///     nd::convolve_axes(a.view(), v.view(), Mode::Full, &[1])?,
///     array![[1, 3, 5, 3], [4, 1, 1, -6]]
/// );
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`], and [`ConvError::Axes`] for an empty list, an axis out of range or a
/// repeated one, [`ConvError::Broadcast`] for a non-convolved axis whose lengths are neither
/// equal nor 1.
pub fn convolve_axes<T: Element, D: Dimension>(
    a: ArrayView<T, D>,
    v: ArrayView<T, D>,
    mode: Mode,
    axes: &[usize],
) -> Result<Array<T, D>, ConvError> {
    let (s1, s2) = (a.shape(), v.shape());
    window::check_sizes(s1, s2)?;
    let ndim = s1.len();
    let mut listed = vec![false; ndim];
    for &ax in axes {
        if ax >= ndim || listed[ax] {
            return Err(ConvError::Axes {
                axes: axes.to_vec(),
                ndim,
            });
        }
        listed[ax] = true;
    }
    if axes.is_empty() {
        return Err(ConvError::Axes {
            axes: Vec::new(),
            ndim,
        });
    }
    for ax in (0..ndim).filter(|&ax| !listed[ax]) {
        if s1[ax] != s2[ax] && s1[ax] != 1 && s2[ax] != 1 {
            return Err(ConvError::Broadcast {
                axis: ax,
                a_len: s1[ax],
                v_len: s2[ax],
            });
        }
    }
    if mode == Mode::Valid {
        let checked = (0..ndim).filter(|&ax| listed[ax] && s1[ax] != 1 && s2[ax] != 1);
        window::valid_swap(s1, s2, checked)?;
    }
    // Non-listed axes of equal lengths are a batch (slice k with slice k); every other axis is
    // a convolution, which for a length-1 side is exactly scipy's broadcast product (its crop
    // in each mode included).
    let batch: Vec<usize> = (0..ndim)
        .filter(|&ax| !listed[ax] && s1[ax] == s2[ax] && s1[ax] > 1)
        .collect();
    let conv: Vec<usize> = (0..ndim).filter(|ax| !batch.contains(ax)).collect();
    let sub_a: Vec<usize> = conv.iter().map(|&ax| s1[ax]).collect();
    let sub_v: Vec<usize> = conv.iter().map(|&ax| s2[ax]).collect();
    let w = window::per_axis(&sub_a, &sub_v, mode);

    let perm: Vec<usize> = batch.iter().chain(&conv).copied().collect();
    let ap = a.view().into_dyn().permuted_axes(IxDyn(&perm));
    let vp = v.view().into_dyn().permuted_axes(IxDyn(&perm));
    let (ad, vd) = (standard(&ap)?, standard(&vp)?);
    let (ad, vd) = (slice(&ad), slice(&vd));
    let count: usize = batch.iter().map(|&ax| s1[ax]).product();
    let (a_size, v_size) = (ad.len() / count, vd.len() / count);
    let out_size: usize = w.len.iter().product();
    let mut out = try_zeroed(count * out_size)?;
    for b in 0..count {
        let part = compute(
            &ad[b * a_size..(b + 1) * a_size],
            &sub_a,
            &vd[b * v_size..(b + 1) * v_size],
            &sub_v,
            &w,
            Method::Auto,
        )?;
        out[b * out_size..(b + 1) * out_size].copy_from_slice(&part);
    }
    let out_shape: Vec<usize> = batch
        .iter()
        .map(|&ax| s1[ax])
        .chain(w.len.iter().copied())
        .collect();
    let mut inverse = vec![0; ndim];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    let permuted = Array::from_shape_vec(IxDyn(&out_shape), out)
        .expect("the data has the shape's size")
        .permuted_axes(IxDyn(&inverse));
    let final_shape = permuted.shape().to_vec();
    let data = row_major(&permuted.view())?;
    Ok(shaped(a.raw_dim(), &final_shape, data))
}

/// 2-D convolution with a separable kernel given by its factors: the result of
/// [`convolve`]`(a, column ⊗ row, mode)` (`(column ⊗ row)[i][j] = column[i] · row[j]`, the
/// `m0 × m1` kernel numpy writes `np.outer(column, row)`), computed as two 1-D passes in
/// `m0 + m1` multiply-adds per output instead of `m0 · m1`.
///
/// [`convolve`] finds rank-1 kernels of real types by itself (`Method::Auto`, when the passes
/// are predicted faster); this function skips the search and runs the passes whatever the
/// sizes. When an input holds NaN or an infinity it builds the outer product and takes the
/// 2-D direct sum, so that non-finite values stay local as in scipy's direct method (and a
/// `0 · ∞` in the outer product is a NaN there too). Integer results are exact, wrapping
/// included.
///
/// ```
/// use convolve::{Mode, nd};
/// use ndarray::array;
/// let image = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
/// let (column, row) = ([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]); // Sobel
/// let sep = nd::convolve_separable(image.view(), &column, &row, Mode::Same)?;
/// let kernel = array![[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]];
/// assert_eq!(sep, nd::convolve(image.view(), kernel.view(), Mode::Same)?);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`] (an empty `column` or `row` is [`ConvError::EmptyInput`]).
pub fn convolve_separable<T: Element>(
    a: ArrayView2<T>,
    column: &[T],
    row: &[T],
    mode: Mode,
) -> Result<Array2<T>, ConvError> {
    if column.is_empty() {
        return Err(ConvError::EmptyInput { argument: "column" });
    }
    if row.is_empty() {
        return Err(ConvError::EmptyInput { argument: "row" });
    }
    let (xs, ys) = ([a.nrows(), a.ncols()], [column.len(), row.len()]);
    let w = window::window(&xs, &ys, mode)?;
    let ad = standard(&a)?;
    let x = slice(&ad);
    let to_array = |data: Vec<T>| {
        Array2::from_shape_vec((w.len[0], w.len[1]), data).expect("the data has the shape's size")
    };
    // The vectorized operand scan (as `dispatch::compute`'s), not a plain `is_finite` loop.
    let scan = crate::fft::scan;
    let finite = dispatch::finite(x) && scan(column).finite && scan(row).finite;
    if !finite {
        let mut kernel = try_zeroed(column.len() * row.len())?;
        for (k, o) in kernel.iter_mut().enumerate() {
            *o = T::mac(T::default(), column[k / row.len()], row[k % row.len()]);
        }
        let out = compute(x, &xs, &kernel, &ys, &w, Method::Direct)?;
        return Ok(to_array(out));
    }
    let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
    let order = pass_order::<T>(xs, ys, lo, len);
    let mut out = try_zeroed(len[0] * len[1])?;
    separable::run(x, xs, column, row, lo, len, &order, &mut out)?;
    Ok(to_array(out))
}

/// 2-D convolution with a boundary rule, as
/// `scipy.signal.convolve2d(a, v, mode, boundary, fillvalue)`.
///
/// `Full` and `Same` extend `a` by the boundary rule; `Valid` reads no sample outside either
/// input, so the boundary does not matter there, and the inputs are swapped when `v` is the
/// larger (scipy does the same).
///
/// ```
/// use convolve::{Mode, nd::{self, Boundary}};
/// use ndarray::array;
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// let v = array![[1.0, 1.0], [1.0, 1.0]];
/// let out = nd::convolve2d(a.view(), v.view(), Mode::Same, Boundary::Fill(1.0))?;
/// assert_eq!(out, array![[4.0, 5.0], [6.0, 10.0]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn convolve2d<T: Element>(
    a: ArrayView2<T>,
    v: ArrayView2<T>,
    mode: Mode,
    boundary: Boundary<T>,
) -> Result<Array2<T>, ConvError> {
    conv2d(a, v, mode, boundary, false)
}

/// 2-D cross-correlation with a boundary rule, as
/// `scipy.signal.correlate2d(a, v, mode, boundary, fillvalue)`.
///
/// In `Same` mode the window starts `m / 2` samples into the full correlation on an axis of
/// kernel length `m`, where [`correlate`] starts at `(m - 1) / 2`: the two differ by one
/// sample for even kernels, exactly as scipy's functions do. In `Valid` mode with `v` the
/// larger input the result is scipy's: the correlation of `v` with `a`, reversed.
///
/// ```
/// use convolve::{Mode, nd::{self, Boundary}};
/// use ndarray::array;
/// let a = array![[1, 2, 3, 4]];
/// let v = array![[1, 10]];
/// let c2 = nd::correlate2d(a.view(), v.view(), Mode::Same, Boundary::Fill(0))?;
/// let c = nd::correlate(a.view(), v.view(), Mode::Same)?;
/// assert_eq!(c2, array![[21, 32, 43, 4]]);
/// assert_eq!(c, array![[10, 21, 32, 43]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn correlate2d<T: Element>(
    a: ArrayView2<T>,
    v: ArrayView2<T>,
    mode: Mode,
    boundary: Boundary<T>,
) -> Result<Array2<T>, ConvError> {
    conv2d(a, v, mode, boundary, true)
}
