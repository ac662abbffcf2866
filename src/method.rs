//! [`Method`], the public choice of algorithm, and [`Algorithm`], what a call resolves it to.

use std::str::FromStr;

use crate::error::ConvError;

/// How the result is computed. Every method returns the same values (up to floating-point
/// rounding; integers are exact with all of them).
///
/// ```
/// use convolve::{convolve_with, Method, Mode};
/// let a = [1.0f64, 2.0, 3.0, 4.0];
/// let v = [1.0, -1.0];
/// let d = convolve_with(&a, &v, Mode::Full, Method::Direct).unwrap();
/// let f = convolve_with(&a, &v, Mode::Full, Method::Fft).unwrap();
/// for (x, y) in d.iter().zip(&f) {
///     assert!((x - y).abs() < 1e-12);
/// }
/// assert_eq!("overlap-add".parse::<Method>().unwrap(), Method::OverlapAdd);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// Let the cost model pick one of the others (see [`choose_method`](crate::choose_method)).
    #[default]
    Auto,
    /// The O(n·m) sum, register-blocked and vectorized. Best for short kernels.
    Direct,
    /// One zero-padded FFT of each input. Best when both inputs are long.
    Fft,
    /// Blockwise FFT of the long input with the short one's spectrum computed once. Best for a
    /// long signal and a kernel of a few hundred taps or more.
    OverlapAdd,
}

impl FromStr for Method {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Method::Auto),
            "direct" => Ok(Method::Direct),
            "fft" => Ok(Method::Fft),
            "overlap-add" | "overlap_add" | "oa" => Ok(Method::OverlapAdd),
            _ => Err(ConvError::InvalidMethod { got: s.to_string() }),
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Auto => "auto",
            Method::Direct => "direct",
            Method::Fft => "fft",
            Method::OverlapAdd => "overlap-add",
        })
    }
}

/// The algorithm a call runs: [`Method`] with `Auto` resolved, so that the engines never see an
/// unresolved choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Algorithm {
    Direct,
    Fft,
    OverlapAdd,
}

impl Method {
    /// The algorithm this method fixes; `None` for `Auto`, which the cost model resolves.
    pub(crate) fn fixed(self) -> Option<Algorithm> {
        match self {
            Method::Auto => None,
            Method::Direct => Some(Algorithm::Direct),
            Method::Fft => Some(Algorithm::Fft),
            Method::OverlapAdd => Some(Algorithm::OverlapAdd),
        }
    }
}

impl From<Algorithm> for Method {
    fn from(a: Algorithm) -> Method {
        match a {
            Algorithm::Direct => Method::Direct,
            Algorithm::Fft => Method::Fft,
            Algorithm::OverlapAdd => Method::OverlapAdd,
        }
    }
}
