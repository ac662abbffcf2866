//! Boundary extension for `convolve2d` / `correlate2d`: the image is extended by fill, wrap or
//! symmetric reflection and the extended image is convolved in `valid` mode.

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

#[cfg(test)]
mod tests {
    use super::*;

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
