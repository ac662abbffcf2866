//! Shapes of the N-D results: which box of the full convolution each mode keeps.
//!
//! As in 1-D ([`crate::mode`]), every N-D operation reduces to "the box `lo .. lo + len` (per
//! axis) of the full linear convolution `x * y`". The rules are scipy.signal's:
//!
//! * `Full`: `n + m - 1` per axis.
//! * `Same`: the first input's shape, starting at `(m - 1) / 2` per axis. numpy's 1-D `same`
//!   is sized to the *longer* input instead; the two agree whenever the first input is at
//!   least as long as the second.
//! * `Valid`: `|n - m| + 1` per axis, starting at `min(n, m) - 1`, which requires one input to
//!   be at least as large as the other in every dimension.

use crate::error::ConvError;
use crate::mode::Mode;
use crate::mode::full_len;

/// The kept box of the full convolution: start and length per axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub lo: Vec<usize>,
    pub len: Vec<usize>,
}

/// Errors for empty inputs or a full length that does not fit in `usize`.
pub(crate) fn check_sizes(a_shape: &[usize], v_shape: &[usize]) -> Result<(), ConvError> {
    if a_shape.len() != v_shape.len() {
        return Err(ConvError::Dimensionality {
            a_ndim: a_shape.len(),
            v_ndim: v_shape.len(),
        });
    }
    if a_shape.contains(&0) {
        return Err(ConvError::EmptyInput { argument: "a" });
    }
    if v_shape.contains(&0) {
        return Err(ConvError::EmptyInput { argument: "v" });
    }
    let mut total = 1usize;
    for (&n, &m) in a_shape.iter().zip(v_shape) {
        let full = full_len(n, m)?;
        total = total
            .checked_mul(full)
            .ok_or(ConvError::LengthOverflow { a_len: n, v_len: m })?;
    }
    Ok(())
}

/// scipy's `_inputs_swap_needed` over the given axes: `Ok(true)` when `v` contains `a`
/// (and not the reverse), an error when neither contains the other.
pub(crate) fn valid_swap(
    a_shape: &[usize],
    v_shape: &[usize],
    axes: impl Iterator<Item = usize> + Clone,
) -> Result<bool, ConvError> {
    let a_contains = axes.clone().all(|i| a_shape[i] >= v_shape[i]);
    let v_contains = axes.clone().all(|i| v_shape[i] >= a_shape[i]);
    if !a_contains && !v_contains {
        return Err(ConvError::ValidShape {
            a_shape: a_shape.to_vec(),
            v_shape: v_shape.to_vec(),
        });
    }
    Ok(!a_contains)
}

/// The kept box of `convolve(a, v, mode)` (and of `correlate`, which convolves with the
/// reversed `v`).
pub(crate) fn window(
    a_shape: &[usize],
    v_shape: &[usize],
    mode: Mode,
) -> Result<Window, ConvError> {
    check_sizes(a_shape, v_shape)?;
    if mode == Mode::Valid {
        valid_swap(a_shape, v_shape, 0..a_shape.len())?;
    }
    Ok(per_axis(a_shape, v_shape, mode))
}

/// The box for each axis independently (containment already checked for `Valid`).
pub(crate) fn per_axis(a_shape: &[usize], v_shape: &[usize], mode: Mode) -> Window {
    let (lo, len) = a_shape
        .iter()
        .zip(v_shape)
        .map(|(&n, &m)| axis_range(n, m, mode))
        .unzip();
    Window { lo, len }
}

/// `(lo, len)` on one axis.
pub(crate) fn axis_range(n: usize, m: usize, mode: Mode) -> (usize, usize) {
    match mode {
        Mode::Full => (0, n + m - 1),
        Mode::Same => ((m - 1) / 2, n),
        Mode::Valid => (n.min(m) - 1, n.max(m) - n.min(m) + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_is_sized_to_the_first_input() {
        // numpy's 1-D same would give 9 here; scipy's N-D same gives the first input's 4.
        let w = window(&[4], &[9], Mode::Same).unwrap();
        assert_eq!(
            w,
            Window {
                lo: vec![4],
                len: vec![4]
            }
        );
        let w = window(&[9, 5], &[4, 2], Mode::Same).unwrap();
        assert_eq!(w.lo, [1, 0]);
        assert_eq!(w.len, [9, 5]);
    }

    #[test]
    fn valid_needs_containment() {
        assert_eq!(window(&[5, 5], &[3, 5], Mode::Valid).unwrap().len, [3, 1]);
        assert_eq!(window(&[3, 5], &[5, 5], Mode::Valid).unwrap().len, [3, 1]);
        let err = window(&[5, 3], &[3, 5], Mode::Valid).unwrap_err();
        assert_eq!(
            err,
            ConvError::ValidShape {
                a_shape: vec![5, 3],
                v_shape: vec![3, 5]
            }
        );
        assert!(
            err.to_string()
                .contains("at least as large as the other in every dimension")
        );
        // Full and same need nothing of the kind.
        assert_eq!(window(&[5, 3], &[3, 5], Mode::Full).unwrap().len, [7, 7]);
    }

    #[test]
    fn empty_and_mismatched_inputs_are_errors() {
        assert_eq!(
            window(&[0, 3], &[1, 1], Mode::Full),
            Err(ConvError::EmptyInput { argument: "a" })
        );
        assert_eq!(
            window(&[2, 3], &[1, 0], Mode::Full),
            Err(ConvError::EmptyInput { argument: "v" })
        );
        assert_eq!(
            window(&[2, 3], &[1], Mode::Full),
            Err(ConvError::Dimensionality {
                a_ndim: 2,
                v_ndim: 1
            })
        );
        assert!(matches!(
            window(&[usize::MAX / 2, 4], &[3, 4], Mode::Full),
            Err(ConvError::LengthOverflow { .. })
        ));
    }
}
