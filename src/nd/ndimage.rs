//! `scipy.ndimage.correlate` / `convolve`: output shaped like the input, the input extended
//! beyond its edges by a [`Border`] rule, the kernel's centre moved by `origin`.
//!
//! The input is extended by the kernel's reach on each side ([`boundary::extend_nd`]) and the
//! extended array is convolved in `valid` mode by [`compute`], so the cost model's choice of
//! direct sum, FFT, overlap-add or separable passes applies unchanged: a 31 × 31 kernel takes
//! the FFT path as it would in `nd::convolve`.
//!
//! scipy's rules, per axis with `m` the kernel length and `o` the origin:
//!
//! * `correlate`: `out[i] = Σ_j conj(w[j]) · ext[i + j - (m / 2 + o)]`, so the kernel's centre
//!   is sample `m / 2 + o`, which must lie in the kernel: `-(m / 2) <= o <= (m - 1) / 2`.
//! * `convolve` is `correlate` with the kernel reversed (not conjugated) and the origin
//!   `-o - 1` on axes of even length, `-o` on the others; the same bound applies to that
//!   origin, which works out to the same range for `o`.

use ndarray::{Array, ArrayView, Dimension};

use crate::element::Element;
use crate::engine::reversed_conj;
use crate::error::ConvError;
use crate::method::Method;
use crate::mode::Mode;

use super::boundary::{self, Border};
use super::contiguous::{shaped, slice, standard};
use super::dispatch::compute;
use super::window;

/// `scipy.ndimage.correlate(input, weights, mode, cval, origin)`: the correlation of `input`
/// with `weights`, shaped like `input`, the input extended beyond its edges by `border`, the
/// kernel's centre shifted by `origin` (one per axis; all zeros centres it at `m / 2`).
///
/// The sum runs in `T`, with the crate's method choice (integers wrap, as numpy's integer
/// arithmetic; scipy itself sums in `f64` and casts, which its Python layer reproduces by
/// converting first). Complex weights are conjugated, as scipy does.
///
/// ```
/// use convolve::nd::{self, Border};
/// use ndarray::array;
/// let image = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let box3 = array![[1.0, 1.0, 1.0]];
/// let out = nd::correlate_ndimage(image.view(), box3.view(), Border::Reflect, &[0, 0])?;
/// assert_eq!(out, array![[4.0, 6.0, 8.0], [13.0, 15.0, 17.0]]);
/// // The centre moved one sample left: each output sums its own sample and the next two.
/// let out = nd::correlate_ndimage(image.view(), box3.view(), Border::Constant(0.0), &[0, -1])?;
/// assert_eq!(out, array![[6.0, 5.0, 3.0], [15.0, 11.0, 6.0]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] for an empty `input` or `weights` (scipy returns an empty array
/// for an empty input), [`ConvError::Dimensionality`] for dynamic-dimension arrays of
/// different dimensionality, [`ConvError::Origin`] when `origin` has not one entry per axis
/// or one is out of range, [`ConvError::LengthOverflow`] or [`ConvError::Allocation`] when
/// the extended input cannot exist in memory.
pub fn correlate_ndimage<T: Element, D: Dimension>(
    input: ArrayView<T, D>,
    weights: ArrayView<T, D>,
    border: Border<T>,
    origin: &[isize],
) -> Result<Array<T, D>, ConvError> {
    ndimage(input, weights, border, origin, Method::Auto, false)
}

/// `scipy.ndimage.convolve(input, weights, mode, cval, origin)`: as [`correlate_ndimage`]
/// with the kernel reversed, and the origin mirrored as scipy mirrors it (`-o`, and one
/// further left on axes of even kernel length).
///
/// ```
/// use convolve::nd::{self, Border};
/// use ndarray::array;
/// let a = array![1, 2, 3, 4];
/// let diff = array![1, -1];
/// // Even kernel: out[i] = a[i + 1] - a[i], the last sample repeated beyond the edge.
/// let forward = nd::convolve_ndimage(a.view(), diff.view(), Border::Reflect, &[0])?;
/// assert_eq!(forward, array![1, 1, 1, 0]);
/// // Origin -1: out[i] = a[i] - a[i - 1], the input repeating periodically.
/// let backward = nd::convolve_ndimage(a.view(), diff.view(), Border::Wrap, &[-1])?;
/// assert_eq!(backward, array![-3, 1, 1, 1]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate_ndimage`].
pub fn convolve_ndimage<T: Element, D: Dimension>(
    input: ArrayView<T, D>,
    weights: ArrayView<T, D>,
    border: Border<T>,
    origin: &[isize],
) -> Result<Array<T, D>, ConvError> {
    ndimage(input, weights, border, origin, Method::Auto, true)
}

/// [`correlate_ndimage`] with a chosen [`Method`] for the convolution of the extended input.
///
/// ```
/// use convolve::{Method, nd::{self, Border}};
/// use ndarray::Array2;
/// let a = Array2::from_shape_fn((9, 7), |(i, j)| (i * j % 5) as f64);
/// let w = Array2::from_shape_fn((4, 3), |(i, j)| i as f64 - j as f64);
/// let direct = nd::correlate_ndimage_with(a.view(), w.view(), Border::Mirror, &[1, 0], Method::Direct)?;
/// let fft = nd::correlate_ndimage_with(a.view(), w.view(), Border::Mirror, &[1, 0], Method::Fft)?;
/// assert!(direct.iter().zip(&fft).all(|(d, f)| (d - f).abs() < 1e-9));
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate_ndimage`].
pub fn correlate_ndimage_with<T: Element, D: Dimension>(
    input: ArrayView<T, D>,
    weights: ArrayView<T, D>,
    border: Border<T>,
    origin: &[isize],
    method: Method,
) -> Result<Array<T, D>, ConvError> {
    ndimage(input, weights, border, origin, method, false)
}

/// [`convolve_ndimage`] with a chosen [`Method`].
///
/// ```
/// use convolve::{Method, nd::{self, Border}};
/// use ndarray::array;
/// let a = array![1, 2, 3];
/// let w = array![1, 10, 100];
/// let out = nd::convolve_ndimage_with(a.view(), w.view(), Border::Nearest, &[0], Method::Direct)?;
/// assert_eq!(out, array![112, 123, 233]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate_ndimage`].
pub fn convolve_ndimage_with<T: Element, D: Dimension>(
    input: ArrayView<T, D>,
    weights: ArrayView<T, D>,
    border: Border<T>,
    origin: &[isize],
    method: Method,
) -> Result<Array<T, D>, ConvError> {
    ndimage(input, weights, border, origin, method, true)
}

/// Where the kernel's centre sits on each axis (`m / 2 + origin`, after `convolve`'s
/// mirroring), or the error scipy raises for these origins.
pub(super) fn centres(
    origin: &[isize],
    weights_shape: &[usize],
    flip: bool,
) -> Result<Vec<usize>, ConvError> {
    let error = || ConvError::Origin {
        origin: origin.to_vec(),
        weights_shape: weights_shape.to_vec(),
    };
    if origin.len() != weights_shape.len() {
        return Err(error());
    }
    origin
        .iter()
        .zip(weights_shape)
        .map(|(&o, &m)| {
            let (o, m) = (o as i128, m as i128);
            let o = if flip { -o - i128::from(m % 2 == 0) } else { o };
            if o < -(m / 2) || o > (m - 1) / 2 {
                return Err(error());
            }
            Ok((m / 2 + o) as usize)
        })
        .collect()
}

pub(super) fn ndimage<T: Element, D: Dimension>(
    input: ArrayView<T, D>,
    weights: ArrayView<T, D>,
    border: Border<T>,
    origin: &[isize],
    method: Method,
    flip: bool,
) -> Result<Array<T, D>, ConvError> {
    let (s, ws) = (input.shape(), weights.shape());
    if s.len() != ws.len() {
        return Err(ConvError::Dimensionality {
            a_ndim: s.len(),
            v_ndim: ws.len(),
        });
    }
    if s.contains(&0) {
        return Err(ConvError::EmptyInput { argument: "input" });
    }
    if ws.contains(&0) {
        return Err(ConvError::EmptyInput {
            argument: "weights",
        });
    }
    let before = centres(origin, ws, flip)?;
    let after: Vec<usize> = ws.iter().zip(&before).map(|(&m, &c)| m - 1 - c).collect();
    let ad = standard(&input)?;
    let (ext, es) = boundary::extend_nd(slice(&ad), s, &before, &after, &border)?;
    let w = window::window(&es, ws, Mode::Valid)?;
    let wd = standard(&weights)?;
    let out = if flip {
        compute(&ext, &es, slice(&wd), ws, &w, method)?
    } else {
        let reversed = reversed_conj(slice(&wd))?;
        compute(&ext, &es, &reversed, ws, &w, method)?
    };
    Ok(shaped(input.raw_dim(), &w.len, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_follow_scipy_bounds() {
        // Odd m = 3: -1..=1 either way.
        assert_eq!(centres(&[-1], &[3], false).unwrap(), [0]);
        assert_eq!(centres(&[1], &[3], false).unwrap(), [2]);
        assert_eq!(centres(&[1], &[3], true).unwrap(), [0]);
        assert!(centres(&[2], &[3], false).is_err());
        // Even m = 4: -2..=1; convolve mirrors to -o - 1.
        assert_eq!(centres(&[-2, 1], &[4, 4], false).unwrap(), [0, 3]);
        assert_eq!(centres(&[-2, 1], &[4, 4], true).unwrap(), [3, 0]);
        assert!(centres(&[2], &[4], true).is_err());
        assert!(centres(&[-3], &[4], false).is_err());
        // m = 1: only 0. One origin per axis.
        assert!(centres(&[1], &[1], false).is_err());
        assert!(centres(&[0], &[3, 3], false).is_err());
    }
}
