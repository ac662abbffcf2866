//! Boundary extension: `convolve2d` / `correlate2d`'s fill, wrap and symmetric reflection
//! ([`Boundary`]) and `scipy.ndimage`'s modes ([`Border`]). Either way the input is extended
//! and the extended array is convolved in `valid` mode, so that the method chosen for the
//! convolution (direct, FFT, overlap-add) never needs to know about edges.

use crate::alloc::try_zeroed;
use crate::element::private::Scalar;
use crate::error::ConvError;

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

/// Where extended index `e` (of an axis of length `n` extended by `before` on the left) reads
/// from, or `None` for the fill value.
fn source(e: usize, before: usize, n: usize, boundary: &Boundary<impl Copy>) -> Option<usize> {
    let i = e as i128 - before as i128;
    let n = n as i128;
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    match boundary {
        Boundary::Fill(_) => None,
        Boundary::Wrap => Some(i.rem_euclid(n) as usize),
        Boundary::Symm => {
            // Mirror with the edge repeated: period 2n, the second half reversed.
            let k = i.rem_euclid(2 * n);
            Some(if k < n { k } else { 2 * n - 1 - k } as usize)
        }
    }
}

/// `a` (shape `shape`) extended by `before` and `after` samples per axis.
pub(crate) fn extend<T: Scalar>(
    a: &[T],
    shape: [usize; 2],
    before: [usize; 2],
    after: [usize; 2],
    boundary: &Boundary<T>,
) -> Result<(Vec<T>, [usize; 2]), ConvError> {
    let overflow = ConvError::LengthOverflow {
        a_len: shape[0],
        v_len: shape[1],
    };
    let rows = shape[0]
        .checked_add(before[0] + after[0])
        .ok_or(overflow.clone())?;
    let cols = shape[1]
        .checked_add(before[1] + after[1])
        .ok_or(overflow.clone())?;
    let mut out = try_zeroed::<T>(rows.checked_mul(cols).ok_or(overflow)?)?;
    let fill = match boundary {
        Boundary::Fill(v) => *v,
        _ => T::default(),
    };
    let col_src: Vec<Option<usize>> = (0..cols)
        .map(|e| source(e, before[1], shape[1], boundary))
        .collect();
    for (r, row) in out.chunks_exact_mut(cols).enumerate() {
        match source(r, before[0], shape[0], boundary) {
            None => row.fill(fill),
            Some(sr) => {
                let src = &a[sr * shape[1]..(sr + 1) * shape[1]];
                for (o, c) in row.iter_mut().zip(&col_src) {
                    *o = c.map_or(fill, |c| src[c]);
                }
            }
        }
    }
    Ok((out, [rows, cols]))
}

/// How `scipy.ndimage`'s filters ([`correlate_ndimage`](super::correlate_ndimage),
/// [`convolve_ndimage`](super::convolve_ndimage)) extend the input beyond its edges: scipy's
/// `mode` and `cval`. Shown on an input `a b c d`:
///
/// | variant | scipy `mode` | extension |
/// |---|---|---|
/// | `Reflect` | `reflect`, `grid-mirror` | `d c b a \| a b c d \| d c b a` |
/// | `Mirror` | `mirror` | `d c b \| a b c d \| c b a` |
/// | `Nearest` | `nearest` | `a a a \| a b c d \| d d d` |
/// | `Wrap` | `wrap`, `grid-wrap` | `b c d \| a b c d \| a b c` |
/// | `Constant(k)` | `constant`, `grid-constant` (`cval = k`) | `k k k \| a b c d \| k k k` |
///
/// The rule repeats as far as the kernel reaches, however much longer than the input it is,
/// as in scipy. scipy's `grid-*` names differ from the plain ones only in its interpolation
/// functions (`map_coordinates`, `zoom`, …); for its filters they are the same extension, so
/// [`Border::parse`] maps them onto one variant each.
///
/// ```
/// use convolve::nd::{self, Border};
/// use ndarray::array;
/// let a = array![1, 2, 3, 4];
/// let pick_left = array![1, 0, 0]; // each output is its left neighbour
/// let left = |border| nd::correlate_ndimage(a.view(), pick_left.view(), border, &[0]);
/// assert_eq!(left(Border::Reflect)?, array![1, 1, 2, 3]);
/// assert_eq!(left(Border::Mirror)?, array![2, 1, 2, 3]);
/// assert_eq!(left(Border::Wrap)?, array![4, 1, 2, 3]);
/// assert_eq!(left(Border::Constant(9))?, array![9, 1, 2, 3]);
/// assert_eq!(Border::parse("grid-mirror", 0)?, Border::Reflect);
/// # Ok::<(), convolve::ConvError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Border<T> {
    /// Half-sample symmetric: the edge sample is repeated (`reflect`, the scipy default).
    Reflect,
    /// Whole-sample symmetric: reflected about the edge sample, which is not repeated
    /// (`mirror`). A length-1 axis extends with its one sample.
    Mirror,
    /// The edge sample repeats (`nearest`).
    Nearest,
    /// The input repeats periodically (`wrap`).
    Wrap,
    /// Samples outside the input have this value (`constant` with `cval`).
    Constant(T),
}

impl<T> Border<T> {
    /// The extension scipy.ndimage's filters use for this `mode` name, with `cval` the value
    /// of `constant` and `grid-constant` (ignored by the others).
    ///
    /// ```
    /// use convolve::nd::Border;
    /// assert_eq!(Border::parse("constant", 2.5)?, Border::Constant(2.5));
    /// assert_eq!(Border::parse("grid-wrap", 2.5)?, Border::Wrap);
    /// assert!(Border::parse("symm", 0.0).is_err());
    /// # Ok::<(), convolve::ConvError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConvError::InvalidBorder`] for a name that is not one of scipy's eight.
    pub fn parse(name: &str, cval: T) -> Result<Self, ConvError> {
        Ok(match name {
            "reflect" | "grid-mirror" => Border::Reflect,
            "mirror" => Border::Mirror,
            "nearest" => Border::Nearest,
            "wrap" | "grid-wrap" => Border::Wrap,
            "constant" | "grid-constant" => Border::Constant(cval),
            _ => {
                return Err(ConvError::InvalidBorder {
                    got: name.to_string(),
                });
            }
        })
    }
}

/// Where index `i` (relative to the start of an axis of length `n`, possibly outside it) reads
/// from under `border`, or `None` for the constant.
pub(super) fn border_source<T>(i: i128, n: usize, border: &Border<T>) -> Option<usize> {
    let n = n as i128;
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    let k = match border {
        Border::Constant(_) => return None,
        Border::Nearest => i.clamp(0, n - 1),
        Border::Wrap => i.rem_euclid(n),
        // Period 2n: the input, then the input reversed.
        Border::Reflect => {
            let k = i.rem_euclid(2 * n);
            if k < n { k } else { 2 * n - 1 - k }
        }
        // Period 2n - 2: the edge samples are not repeated.
        Border::Mirror if n == 1 => 0,
        Border::Mirror => {
            let p = 2 * n - 2;
            let k = i.rem_euclid(p);
            if k < n { k } else { p - k }
        }
    };
    Some(k as usize)
}

/// The row-major array `a` of shape `shape` extended by `before[k]` and `after[k]` samples on
/// axis `k`, by `border`; and the extended shape.
pub(crate) fn extend_nd<T: Scalar>(
    a: &[T],
    shape: &[usize],
    before: &[usize],
    after: &[usize],
    border: &Border<T>,
) -> Result<(Vec<T>, Vec<usize>), ConvError> {
    let ndim = shape.len();
    let overflow = || ConvError::LengthOverflow {
        a_len: a.len(),
        v_len: before.iter().chain(after).copied().max().unwrap_or(0),
    };
    let mut ext = Vec::with_capacity(ndim);
    for k in 0..ndim {
        let len = (shape[k].checked_add(before[k]))
            .and_then(|l| l.checked_add(after[k]))
            .ok_or_else(overflow)?;
        ext.push(len);
    }
    let total = ext
        .iter()
        .try_fold(1usize, |t, &l| t.checked_mul(l))
        .ok_or_else(overflow)?;
    let mut out = try_zeroed::<T>(total)?;
    if total == 0 {
        return Ok((out, ext));
    }
    let fill = match border {
        Border::Constant(v) => *v,
        _ => T::default(),
    };
    // Per axis, the source index of each extended index (`None`: the constant).
    let sources: Vec<Vec<Option<usize>>> = (0..ndim)
        .map(|k| {
            (0..ext[k])
                .map(|e| border_source(e as i128 - before[k] as i128, shape[k], border))
                .collect()
        })
        .collect();
    let mut strides = vec![1usize; ndim];
    for k in (0..ndim.saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    let (last, row_len) = match ndim {
        0 => {
            out[0] = a[0];
            return Ok((out, ext));
        }
        d => (d - 1, ext[d - 1]),
    };
    // An odometer over the leading axes; each step writes one extended row.
    let mut index = vec![0usize; last];
    for row in out.chunks_exact_mut(row_len) {
        let start = (0..last).try_fold(0usize, |s, k| {
            sources[k][index[k]].map(|src| s + src * strides[k])
        });
        match start {
            None => row.fill(fill),
            Some(start) => {
                let src = &a[start..start + shape[last]];
                for (o, c) in row.iter_mut().zip(&sources[last]) {
                    *o = c.map_or(fill, |c| src[c]);
                }
            }
        }
        for k in (0..last).rev() {
            index[k] += 1;
            if index[k] < ext[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok((out, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources of indices -7 ..= n + 6 of an axis of length n.
    fn around(n: usize, border: Border<i32>) -> Vec<Option<usize>> {
        (-7..n as i128 + 7)
            .map(|i| border_source(i, n, &border))
            .collect()
    }

    fn all(v: &[usize]) -> Vec<Option<usize>> {
        v.iter().map(|&s| Some(s)).collect()
    }

    #[test]
    fn ndimage_borders_repeat_beyond_the_input() {
        // n = 3: a b c at sources 0 1 2; seven samples each side.
        assert_eq!(
            around(3, Border::Reflect),
            all(&[0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2])
        );
        assert_eq!(
            around(3, Border::Mirror),
            all(&[1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1])
        );
        assert_eq!(
            around(3, Border::Nearest),
            all(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2])
        );
        assert_eq!(
            around(3, Border::Wrap),
            all(&[2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
        );
        let constant = around(3, Border::Constant(5));
        assert_eq!(constant[7..10], all(&[0, 1, 2]));
        assert_eq!(constant.iter().filter(|s| s.is_none()).count(), 14);
        // A length-1 axis: every rule but the constant repeats its one sample.
        for border in [
            Border::Reflect,
            Border::Mirror,
            Border::Nearest,
            Border::Wrap,
        ] {
            assert_eq!(around(1, border), vec![Some(0); 15], "{border:?}");
        }
        // Length 2 mirror: period 2 (a b a b …).
        assert_eq!(around(2, Border::Mirror)[5..11], all(&[0, 1, 0, 1, 0, 1]));
    }

    #[test]
    fn extend_nd_pads_every_axis() {
        // [[1, 2], [3, 4]] extended by one row above and one column each side.
        let (ext, shape) =
            extend_nd(&[1, 2, 3, 4], &[2, 2], &[1, 1], &[0, 1], &Border::Reflect).unwrap();
        assert_eq!(shape, [3, 4]);
        assert_eq!(ext, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4]);
        let (ext, _) = extend_nd(
            &[1, 2, 3, 4],
            &[2, 2],
            &[1, 1],
            &[0, 1],
            &Border::Constant(9),
        )
        .unwrap();
        assert_eq!(ext, [9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9]);
        // 3-D, wrap on every axis: a 1 x 1 x 2 input grown to 2 x 1 x 5.
        let (ext, shape) =
            extend_nd(&[7, 8], &[1, 1, 2], &[1, 0, 2], &[0, 0, 1], &Border::Wrap).unwrap();
        assert_eq!(shape, [2, 1, 5]);
        assert_eq!(ext, [7, 8, 7, 8, 7, 7, 8, 7, 8, 7]);
    }

    #[test]
    fn extensions_follow_scipy() {
        let b: Boundary<i32> = Boundary::Symm;
        let got: Vec<_> = (0..9).map(|e| source(e, 3, 3, &b).unwrap()).collect();
        assert_eq!(got, [2, 1, 0, 0, 1, 2, 2, 1, 0]);
        let b: Boundary<i32> = Boundary::Wrap;
        let got: Vec<_> = (0..9).map(|e| source(e, 3, 3, &b).unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
        let (ext, shape) =
            extend(&[1, 2, 3, 4], [2, 2], [1, 0], [0, 1], &Boundary::Fill(9)).unwrap();
        assert_eq!(shape, [3, 3]);
        assert_eq!(ext, [9, 9, 9, 1, 2, 9, 3, 4, 9]);
    }
}
