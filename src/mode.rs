//! Output modes, output lengths and where each mode crops the full result.
//!
//! Everything here is integer arithmetic on lengths. Every operation of the crate is reduced to
//! "the elements `lo .. lo + len` of the full linear convolution `x * y`", and this file says
//! which `lo` and `len` numpy keeps for each mode.

use std::fmt;
use std::str::FromStr;

use crate::error::ConvError;

/// Which part of the full convolution to return, exactly as numpy's `mode` argument.
///
/// With `n = a.len()` and `m = v.len()`:
///
/// | mode    | length              | numpy                          |
/// |---------|---------------------|--------------------------------|
/// | `Full`  | `n + m - 1`         | every point of overlap         |
/// | `Same`  | `max(n, m)`         | centred on the full result     |
/// | `Valid` | `max(n,m) - min(n,m) + 1` | only complete overlap    |
///
/// ```
/// use convolve::Mode;
/// assert_eq!("same".parse::<Mode>().unwrap(), Mode::Same);
/// assert!("middle".parse::<Mode>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// The whole result, length `n + m - 1`.
    #[default]
    Full,
    /// Length `max(n, m)`, centred on the full result.
    Same,
    /// Only the points where the inputs overlap completely, length `max(n,m) - min(n,m) + 1`.
    Valid,
}

impl FromStr for Mode {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Mode::Full),
            "same" => Ok(Mode::Same),
            "valid" => Ok(Mode::Valid),
            _ => Err(ConvError::InvalidMode { got: s.to_string() }),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Full => "full",
            Mode::Same => "same",
            Mode::Valid => "valid",
        })
    }
}

/// The two operations, which crop the full result differently in `Same` mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Convolve,
    Correlate,
}

/// The length of the result of `convolve(a, v, mode)` or `correlate(a, v, mode)`.
///
/// Errors on an empty input (numpy raises) and when `n + m - 1` overflows `usize`.
///
/// ```
/// use convolve::{output_len, Mode};
/// assert_eq!(output_len(2, 3, Mode::Full).unwrap(), 4);
/// assert_eq!(output_len(2, 3, Mode::Same).unwrap(), 3);
/// assert_eq!(output_len(2, 3, Mode::Valid).unwrap(), 2);
/// ```
pub fn output_len(a_len: usize, v_len: usize, mode: Mode) -> Result<usize, ConvError> {
    kept_range(a_len, v_len, mode, Op::Convolve).map(|(_, len)| len)
}

/// `(lo, len)`: the slice of the full convolution `x * y` that the operation keeps.
///
/// For `correlate` the full result is `a * reverse(conj(v))`; numpy computes it with the inputs
/// swapped when `n < m` and reverses the result, which moves the `Same` window from
/// `(min-1)/2` to `min/2` (they differ when `min` is even).
pub(crate) fn kept_range(
    a_len: usize,
    v_len: usize,
    mode: Mode,
    op: Op,
) -> Result<(usize, usize), ConvError> {
    if a_len == 0 {
        return Err(ConvError::EmptyInput { argument: "a" });
    }
    if v_len == 0 {
        return Err(ConvError::EmptyInput { argument: "v" });
    }
    let full = full_len(a_len, v_len)?;
    let (long, short) = (a_len.max(v_len), a_len.min(v_len));
    Ok(match mode {
        Mode::Full => (0, full),
        Mode::Valid => (short - 1, long - short + 1),
        Mode::Same => {
            let lo = if op == Op::Correlate && a_len < v_len {
                short / 2
            } else {
                (short - 1) / 2
            };
            (lo, long)
        }
    })
}

/// `n + m - 1`, or an error naming both lengths when it overflows.
pub(crate) fn full_len(a_len: usize, v_len: usize) -> Result<usize, ConvError> {
    // Both lengths are at least 1 here.
    (a_len - 1)
        .checked_add(v_len)
        .ok_or(ConvError::LengthOverflow { a_len, v_len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_numpy() {
        for n in 1..12 {
            for m in 1..12 {
                let (long, short) = (n.max(m), n.min(m));
                assert_eq!(output_len(n, m, Mode::Full).unwrap(), n + m - 1);
                assert_eq!(output_len(n, m, Mode::Same).unwrap(), long);
                assert_eq!(output_len(n, m, Mode::Valid).unwrap(), long - short + 1);
            }
        }
    }

    #[test]
    fn same_window_of_correlate_moves_only_for_short_first_even() {
        // a shorter than v, min even: numpy starts at min/2 instead of (min-1)/2.
        assert_eq!(kept_range(4, 9, Mode::Same, Op::Correlate).unwrap(), (2, 9));
        assert_eq!(kept_range(4, 9, Mode::Same, Op::Convolve).unwrap(), (1, 9));
        assert_eq!(kept_range(9, 4, Mode::Same, Op::Correlate).unwrap(), (1, 9));
        assert_eq!(kept_range(5, 9, Mode::Same, Op::Correlate).unwrap(), (2, 9));
    }

    #[test]
    fn empty_and_overflow_are_errors() {
        assert_eq!(
            output_len(0, 3, Mode::Full),
            Err(ConvError::EmptyInput { argument: "a" })
        );
        assert_eq!(
            output_len(3, 0, Mode::Valid),
            Err(ConvError::EmptyInput { argument: "v" })
        );
        assert_eq!(
            output_len(usize::MAX, 2, Mode::Same),
            Err(ConvError::LengthOverflow {
                a_len: usize::MAX,
                v_len: 2
            })
        );
        assert_eq!(output_len(usize::MAX, 1, Mode::Full).unwrap(), usize::MAX);
    }

    #[test]
    fn mode_strings_round_trip() {
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            assert_eq!(mode.to_string().parse::<Mode>().unwrap(), mode);
        }
        let err = "Full".parse::<Mode>().unwrap_err();
        assert!(err.to_string().contains("\"full\", \"same\", \"valid\""));
    }
}
