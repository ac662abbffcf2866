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

mod boundary;
mod direct;
mod fft;
mod index;
mod parallel;
pub(crate) mod separable;
mod strategy;
mod window;

use ndarray::{Array, Array2, ArrayView, ArrayView2, CowArray, Dimension, IxDyn};

use crate::alloc::try_zeroed;
use crate::element::Element;
use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::method::Method;
use crate::mode::Mode;

use window::Window;

/// How `convolve2d` / `correlate2d` extend the image beyond its edges (scipy's `boundary` and
/// `fillvalue`).
///
/// ```
/// use convolve::{Mode, nd::{self, Boundary}};
/// use ndarray::array;
/// let a = array![[1, 2, 3]];
/// let v = array![[1, 1, 1]];
/// let fill = nd::convolve2d(a.view(), v.view(), Mode::Same, Boundary::Fill(0))?;
/// let wrap = nd::convolve2d(a.view(), v.view(), Mode::Same, Boundary::Wrap)?;
/// let symm = nd::convolve2d(a.view(), v.view(), Mode::Same, Boundary::Symm)?;
/// assert_eq!(fill, array![[3, 6, 5]]);
/// assert_eq!(wrap, array![[6, 6, 6]]);
/// assert_eq!(symm, array![[4, 6, 8]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary<T> {
    /// Samples outside the image have this value (scipy's `"fill"` with `fillvalue`).
    Fill(T),
    /// The image repeats periodically (`"wrap"`).
    Wrap,
    /// The image is mirrored with its edge sample repeated: `… b a | a b c | c b …` (`"symm"`).
    Symm,
}

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
    let (ad, vd) = (standard(&a), standard(&v));
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
    let ad = standard(&a);
    let reversed = reversed_conj(slice(&standard(&v)))?;
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
    let (ad, vd) = (standard(&ap), standard(&vp));
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
    let data = permuted.as_standard_layout().into_owned();
    let data = data.into_raw_vec_and_offset().0;
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
    let ad = standard(&a);
    let x = slice(&ad);
    let to_array = |data: Vec<T>| {
        Array2::from_shape_vec((w.len[0], w.len[1]), data).expect("the data has the shape's size")
    };
    let finite = x.iter().chain(column).chain(row).all(|e| e.is_finite());
    if !finite {
        let mut kernel = try_zeroed(column.len() * row.len())?;
        for (k, o) in kernel.iter_mut().enumerate() {
            *o = T::mac(T::default(), column[k / row.len()], row[k % row.len()]);
        }
        let out = compute(x, &xs, &kernel, &ys, &w, Method::Direct)?;
        return Ok(to_array(out));
    }
    let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
    let plan = separable_plan::<T>(xs, ys, lo, len);
    let mut out = try_zeroed(len[0] * len[1])?;
    separable::run(x, xs, column, row, lo, len, &plan, &mut out)?;
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

/// `convolve2d` and `correlate2d`: correlation is convolution with `reverse(conj(v))` and
/// its own crop offsets.
fn conv2d<T: Element>(
    a: ArrayView2<T>,
    v: ArrayView2<T>,
    mode: Mode,
    boundary: Boundary<T>,
    correlate: bool,
) -> Result<Array2<T>, ConvError> {
    let (s1, s2) = ([a.nrows(), a.ncols()], [v.nrows(), v.ncols()]);
    window::check_sizes(&s1, &s2)?;
    let (ad, vd) = (standard(&a), standard(&v));
    let (ad, vd) = (slice(&ad), slice(&vd));
    let to_array = |shape: &[usize], data: Vec<T>| {
        Array2::from_shape_vec((shape[0], shape[1]), data).expect("the data has the shape's size")
    };
    if mode == Mode::Valid {
        let swap = window::valid_swap(&s1, &s2, 0..2)?;
        let (x, xs, y, ys) = if swap {
            (vd, s2, ad, s1)
        } else {
            (ad, s1, vd, s2)
        };
        let w = window::per_axis(&xs, &ys, Mode::Valid);
        let out = if correlate {
            let mut out = compute(x, &xs, &reversed_conj(y)?, &ys, &w, Method::Auto)?;
            if swap {
                // scipy correlates the swapped pair and reverses the result.
                out.reverse();
            }
            out
        } else {
            compute(x, &xs, y, &ys, &w, Method::Auto)?
        };
        return Ok(to_array(&w.len, out));
    }
    let kernel = if correlate {
        std::borrow::Cow::Owned(reversed_conj(vd)?)
    } else {
        std::borrow::Cow::Borrowed(vd)
    };
    // Extension before the image on each axis: convolution reaches m - 1 - (m-1)/2 = m/2
    // back in `Same`, correlation (m-1)/2 (scipy's one-sample difference for even m).
    let before = s2.map(|m| match (mode, correlate) {
        (Mode::Same, false) => m / 2,
        (Mode::Same, true) => (m - 1) / 2,
        _ => m - 1,
    });
    let after = [0, 1].map(|ax| match mode {
        Mode::Same => s2[ax] - 1 - before[ax],
        _ => s2[ax] - 1,
    });
    let zero_fill = matches!(boundary, Boundary::Fill(f) if f == T::default());
    if zero_fill {
        // No extension needed: the box of the full convolution that the extension would give.
        let w = Window {
            lo: [0, 1].map(|ax| s2[ax] - 1 - before[ax]).to_vec(),
            len: [0, 1]
                .map(|ax| s1[ax] + before[ax] + after[ax] - s2[ax] + 1)
                .to_vec(),
        };
        let out = compute(ad, &s1, &kernel, &s2, &w, Method::Auto)?;
        return Ok(to_array(&w.len, out));
    }
    let (ext, es) = boundary::extend(ad, s1, before, after, &boundary)?;
    let w = window::per_axis(&es, &s2, Mode::Valid);
    let out = compute(&ext, &es, &kernel, &s2, &w, Method::Auto)?;
    Ok(to_array(&w.len, out))
}

/// The box `w` of the full convolution of `x` (shape `xs`) and `y` (shape `ys`).
fn compute<T: Scalar>(
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
    // The vectorized operand scan: a plain `is_finite` loop was 5 % of a 512² × 63² call.
    let finite = crate::fft::scan(x).finite && crate::fft::scan(y).finite;
    let fft_exact = |lens: &[usize]| T::fft_is_exact(x, y, fft::equivalent_len(lens));
    let transform_ok = |m: Method| -> Result<bool, ConvError> {
        Ok(finite
            && match m {
                Method::OverlapAdd => fft_exact(&strategy::tiles(T::KIND, xs, ys)?.1),
                _ => fft_exact(&fft::lens(xs, ys, &w.lo, &w.len)?),
            })
    };
    let est = strategy::estimate(T::KIND, xs, ys, &w.lo, &w.len);
    let method = match method {
        Method::Auto => {
            let chosen = est.cheapest(finite);
            let chosen = if chosen != Method::Direct && !transform_ok(chosen)? {
                Method::Direct
            } else {
                chosen
            };
            if finite && xs.len() == 2 {
                let best = est.of(chosen).unwrap_or(est.direct);
                if separable_if_cheaper(x, xs, y, ys, w, best, &mut out)? {
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
            direct::window(x, xs, y, ys, &w.lo, &w.len, &mut out, bands)
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

/// `Method::Auto` on a 2-D problem with finite data: when the smaller input is a rank-1
/// outer product (see [`separable`]) and its two 1-D passes are predicted cheaper than
/// `best_ns` (the 2-D method's prediction), computes the box `w` into `out` by the passes
/// and returns true.
fn separable_if_cheaper<T: Scalar>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    w: &Window,
    best_ns: f64,
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
    let plan = separable_plan::<T>(xs, ys, lo, len);
    if plan.ns >= best_ns {
        return Ok(false);
    }
    let Some((column, row)) = separable::rank_one(y, ys[0], ys[1]) else {
        return Ok(false);
    };
    separable::run(x, xs, &column, &row, lo, len, &plan, out)?;
    Ok(true)
}

/// The cheapest order and column pass for the separable passes of this problem.
fn separable_plan<T: Scalar>(
    xs: [usize; 2],
    ys: [usize; 2],
    lo: [usize; 2],
    len: [usize; 2],
) -> strategy::SeparablePlan {
    let methods = [
        separable::row_method::<T>(xs[1], ys[1], lo[1], len[1]),
        separable::row_method::<T>(xs[0], ys[0], lo[0], len[0]),
    ];
    strategy::separable(T::KIND, xs, ys, lo, len, methods)
}

/// `conj(v)` reversed on every axis: for row-major data, the flat reversal.
fn reversed_conj<T: Scalar>(v: &[T]) -> Result<Vec<T>, ConvError> {
    let mut r = try_zeroed(v.len())?;
    for (o, &e) in r.iter_mut().zip(v.iter().rev()) {
        *o = e.conj();
    }
    Ok(r)
}

/// The array in row-major order, borrowed when it already is.
fn standard<'a, T: Clone, D: Dimension>(a: &'a ArrayView<'_, T, D>) -> CowArray<'a, T, D> {
    a.as_standard_layout()
}

fn slice<'a, T, D: Dimension>(a: &'a CowArray<'_, T, D>) -> &'a [T] {
    a.as_slice().expect("standard layout is contiguous")
}

/// `data` as an array of dimension type `D` and this shape.
fn shaped<T, D: Dimension>(mut dim: D, shape: &[usize], data: Vec<T>) -> Array<T, D> {
    dim.slice_mut().copy_from_slice(shape);
    Array::from_shape_vec(dim, data).expect("the data has the shape's size")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        separable_if_cheaper(&x, &xs, v, &ys, &w, f64::INFINITY, &mut out).unwrap() && {
            let est = strategy::estimate(ElementKind::F64, &xs, &ys, &w.lo, &w.len);
            let best = est.of(est.cheapest(true)).unwrap();
            separable_if_cheaper(&x, &xs, v, &ys, &w, best, &mut out).unwrap()
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
        // The benchmark's Gaussian points (`separable_2d` in `benches/nd.rs`): at 15² the
        // passes (f64 2048²: 20 ms against 24 ms in 2-D; 512²: 0.77 against 1.37 ms); at
        // 512² × 63² the 2-D overlap-add (1.7 ms against 2.2 ms for the passes).
        let g: Vec<f64> = (0..63)
            .map(|i| (-((i as f64 - 31.0) / 9.0).powi(2)).exp())
            .collect();
        let g15 = &g[24..39];
        assert!(!takes_passes(
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
            !separable_if_cheaper(&x, &[4, 4], &small, &[2, 2], &w, est.direct, &mut out).unwrap()
        );
    }

    /// The separable problems of `tests/nd_threads.rs` split their passes (so that the test
    /// compares something), and the long column of the second is transposed.
    #[cfg(feature = "rayon")]
    #[test]
    fn the_separable_threads_test_problems_are_split() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            for (xs, ys, transposed) in [([703, 601], [9, 11], false), ([657, 589], [81, 5], true)]
            {
                for kind_is_f32 in [false, true] {
                    let w = window::per_axis(&xs, &ys, Mode::Same);
                    let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
                    let plan = if kind_is_f32 {
                        separable_plan::<f32>(xs, ys, lo, len)
                    } else {
                        separable_plan::<f64>(xs, ys, lo, len)
                    };
                    assert_eq!(plan.transposed, transposed, "{xs:?} {ys:?}");
                    let kind = if kind_is_f32 {
                        ElementKind::F32
                    } else {
                        ElementKind::F64
                    };
                    let rows = if plan.rows_first { xs[0] } else { len[0] };
                    let row_ns = strategy::row_pass_ns(
                        kind,
                        rows,
                        xs[1],
                        ys[1],
                        lo[1],
                        len[1],
                        Method::Direct,
                    );
                    assert_eq!(parallel::bands(row_ns), 2, "{xs:?} {ys:?}");
                    assert_eq!(parallel::bands(plan.ns - row_ns), 2, "{xs:?} {ys:?}");
                }
            }
        });
    }
}
