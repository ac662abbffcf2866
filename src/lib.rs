#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod direct;
mod element;
mod error;
mod exact;
mod fft;
mod finite;
mod mode;
#[cfg(feature = "ndarray")]
pub mod nd;
mod overlap_add;
mod strategy;
mod stream;

use std::str::FromStr;

pub use num_complex;

pub use element::Element;
pub use error::ConvError;
pub use mode::{Mode, output_len};
pub use strategy::choose_method;
pub use stream::{Latency, Partitioning, StreamBuilder, StreamConvolver};

use element::private::Scalar;
use error::try_zeroed;
use mode::{Op, kept_range};

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
    /// Let the cost model pick one of the others (see [`choose_method`]).
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

/// Discrete linear convolution of `a` and `v`, as `numpy.convolve(a, v, mode)`.
///
/// ```
/// use convolve::{convolve, Mode};
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Full).unwrap(), vec![3, 19, 22, 10]);
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Same).unwrap(), vec![3, 19, 22]);
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Valid).unwrap(), vec![19, 22]);
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] when either input is empty, [`ConvError::LengthOverflow`] or
/// [`ConvError::Allocation`] when the result cannot exist in memory.
pub fn convolve<T: Element>(a: &[T], v: &[T], mode: Mode) -> Result<Vec<T>, ConvError> {
    convolve_with(a, v, mode, Method::Auto)
}

/// Cross-correlation of `a` and `v`, as `numpy.correlate(a, v, mode)`:
/// `c[k] = Σ_n a[n + k] · conj(v[n])`, with numpy's cropping for `Same` and `Valid` and its
/// reversed result when `a` is shorter than `v`.
///
/// ```
/// use convolve::{correlate, Mode};
/// assert_eq!(correlate(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Valid).unwrap(), vec![3.5]);
/// assert_eq!(
///     correlate(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Full).unwrap(),
///     vec![0.5, 2.0, 3.5, 3.0, 0.0]
/// );
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn correlate<T: Element>(a: &[T], v: &[T], mode: Mode) -> Result<Vec<T>, ConvError> {
    correlate_with(a, v, mode, Method::Auto)
}

/// [`convolve`] with a chosen [`Method`].
///
/// `Method::Fft` and `Method::OverlapAdd` on integers whose result the `f64` transform cannot
/// be proven to round exactly split the inputs into narrower limbs whose products can (see the
/// crate docs), and use the direct sum only when no limb width is provably exact: the result is
/// always exact.
///
/// # Errors
/// As [`convolve`].
pub fn convolve_with<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Convolve)?;
    let mut out = try_zeroed(len)?;
    full_slice(a, v, lo, &mut out, method)?;
    Ok(out)
}

/// [`correlate`] with a chosen [`Method`].
///
/// # Errors
/// As [`convolve`].
pub fn correlate_with<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Correlate)?;
    let mut out = try_zeroed(len)?;
    full_slice(a, &reversed_conj(v)?, lo, &mut out, method)?;
    Ok(out)
}

/// [`convolve_with`] into a caller's buffer of exactly [`output_len`] elements.
///
/// The result itself is not allocated; the transform methods still allocate their working
/// buffers (a plan that reuses them across calls is the allocation-free form).
///
/// ```
/// use convolve::{convolve_into, output_len, Method, Mode};
/// let (a, v) = ([1.0, 5.0], [3.0, 4.0, 2.0]);
/// let mut out = vec![0.0; output_len(a.len(), v.len(), Mode::Same)?];
/// convolve_into(&a, &v, Mode::Same, Method::Auto, &mut out)?;
/// assert_eq!(out, [3.0, 19.0, 22.0]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`], and [`ConvError::OutputLength`] when `out` has the wrong length.
pub fn convolve_into<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
    out: &mut [T],
) -> Result<(), ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Convolve)?;
    check_out_len(len, out)?;
    full_slice(a, v, lo, out, method)
}

/// [`correlate_with`] into a caller's buffer of exactly [`output_len`] elements.
///
/// ```
/// use convolve::{correlate_into, Method, Mode};
/// let mut out = [0; 2];
/// correlate_into(&[1, 5], &[3, 4, 2], Mode::Valid, Method::Auto, &mut out)?;
/// assert_eq!(out, [14, 23]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`], and [`ConvError::OutputLength`] when `out` has the wrong length.
pub fn correlate_into<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
    out: &mut [T],
) -> Result<(), ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Correlate)?;
    check_out_len(len, out)?;
    let reversed = reversed_conj(v)?;
    full_slice(a, &reversed, lo, out, method)
}

fn check_out_len<T>(expected: usize, out: &[T]) -> Result<(), ConvError> {
    if out.len() == expected {
        Ok(())
    } else {
        Err(ConvError::OutputLength {
            expected,
            got: out.len(),
        })
    }
}

/// `conj(v[m-1]), …, conj(v[0])`: correlation is convolution with this.
fn reversed_conj<T: Scalar>(v: &[T]) -> Result<Vec<T>, ConvError> {
    let mut reversed = try_zeroed(v.len())?;
    for (r, &e) in reversed.iter_mut().zip(v.iter().rev()) {
        *r = e.conj();
    }
    Ok(reversed)
}

/// `out[k] = (a * v)[lo + k]`: the one computation every public function reduces to.
fn full_slice<T: Scalar>(
    a: &[T],
    v: &[T],
    lo: usize,
    out: &mut [T],
    method: Method,
) -> Result<(), ConvError> {
    // Convolution commutes: the longer input is the signal, the shorter the kernel.
    let (x, y) = if a.len() >= v.len() { (a, v) } else { (v, a) };
    let method = match method {
        Method::Auto => strategy::select(x, y, lo, out.len()),
        fixed => fixed,
    };
    match method {
        Method::Direct | Method::Auto => {
            T::direct(x, y, lo, out);
            Ok(())
        }
        Method::Fft => {
            let len = fft::cyclic_len(x.len(), y.len(), lo, lo + out.len())?;
            if !T::fft_is_exact(x, y, len) {
                return exact_fallback(x, y, lo, out);
            }
            finite::with_local_nonfinite(x, y, lo, out, fft::full_slice)
        }
        Method::OverlapAdd => {
            let block = strategy::block_len(T::KIND, x.len(), y.len());
            if !T::fft_is_exact(x, y, block) {
                return exact_fallback(x, y, lo, out);
            }
            finite::with_local_nonfinite(x, y, lo, out, |x, y, lo, out| {
                overlap_add::full_slice(x, y, lo, out, block)
            })
        }
    }
}

/// Integers whose plain `f64` transform is not provably exact: the limb-split transform when
/// some limb width is, otherwise the exact direct sum.
fn exact_fallback<T: Scalar>(x: &[T], y: &[T], lo: usize, out: &mut [T]) -> Result<(), ConvError> {
    if !T::convolve_limbs(x, y, lo, out)? {
        T::direct(x, y, lo, out);
    }
    Ok(())
}
