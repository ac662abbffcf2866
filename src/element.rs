//! The one element trait, implemented for `f32`, `f64`, `Complex<f32>`, `Complex<f64>`, `i32`
//! and `i64`.
//!
//! The arithmetic the engines need lives in a sealed supertrait, so that the public trait stays
//! a plain bound (`T: Element`) and users cannot implement it for types the engines do not
//! know how to transform.

use std::fmt::Debug;

use num_complex::Complex;

use crate::fft::{ComplexDomain, Domain, RealDomain};

/// An element type the crate can convolve: `f32`, `f64`, `Complex<f32>`, `Complex<f64>`,
/// `i32` or `i64`.
///
/// Integer results are exact and wrap on overflow of the result type the way numpy's integer
/// arrays do; the FFT methods are used for integers only where the rounding is proven exact
/// (see the crate docs).
///
/// ```
/// use convolve::{convolve, Mode, num_complex::Complex};
/// let a = [Complex::new(1.0, 1.0), Complex::new(0.0, 2.0)];
/// let v = [Complex::new(0.5, 0.0)];
/// let c = convolve(&a, &v, Mode::Full).unwrap();
/// assert_eq!(c, vec![Complex::new(0.5, 0.5), Complex::new(0.0, 1.0)]);
/// ```
pub trait Element: private::Scalar {}

impl Element for f32 {}
impl Element for f64 {}
impl Element for Complex<f32> {}
impl Element for Complex<f64> {}
impl Element for i32 {}
impl Element for i64 {}

/// The element families the cost model distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    F32,
    F64,
    ComplexF32,
    ComplexF64,
    I32,
    I64,
}

pub(crate) mod private {
    use super::*;

    /// What the engines need of an element type. Sealed: only this crate implements it.
    pub trait Scalar:
        crate::direct::Kernel
        + crate::error::ZeroBits
        + Copy
        + Default
        + Debug
        + PartialEq
        + Send
        + Sync
        + 'static
    {
        /// The FFT domain this type is transformed in (integers go through `f64`).
        type Domain: Domain;
        /// Which constants of the cost model apply.
        const KIND: Kind;

        /// `acc + a * b`, wrapping for integers (numpy's integer arithmetic is modular too).
        fn mac(acc: Self, a: Self, b: Self) -> Self;
        /// `a + b`, wrapping for integers.
        fn add(a: Self, b: Self) -> Self;
        /// Complex conjugate; the identity for real types.
        fn conj(self) -> Self;
        /// False for NaN and infinities (in either component); always true for integers.
        fn is_finite(self) -> bool;
        /// The floating-point components of `v` (`re, im` interleaved for complex types);
        /// `None` for integers.
        fn float_parts(v: &[Self]) -> Option<&[<Self::Domain as Domain>::F]>;
        /// Into the FFT domain's time type.
        fn to_time(self) -> <Self::Domain as Domain>::Time;
        /// Back from the FFT domain; integers round to nearest and wrap to the type's width.
        fn from_time(t: <Self::Domain as Domain>::Time) -> Self;

        /// Whether an FFT of length `fft_len` provably rounds to the exact result for these
        /// inputs. Always true for floating-point types, whose results are approximate anyway.
        fn fft_is_exact(_x: &[Self], _y: &[Self], _fft_len: usize) -> bool {
            true
        }

        /// Integers whose plain transform is not provably exact: how many real transforms of
        /// length `fft_len` the limb-split product needs, if some limb width is exact.
        fn limb_transforms(_x: &[Self], _y: &[Self], _fft_len: usize) -> Option<usize> {
            None
        }

        /// A 2-D kernel (`rows × cols`, row-major) as `(column, row)` with
        /// `v[i][j] = column[i] · row[j]` (see `crate::nd::separable` for the tolerance of
        /// floats; integers exactly); `None` for kernels of higher rank and complex types.
        #[cfg(feature = "ndarray")]
        fn rank_one(_v: &[Self], _rows: usize, _cols: usize) -> Option<(Vec<Self>, Vec<Self>)> {
            None
        }

        /// The exact limb-split transform product (integers); `Ok(false)` when not applicable.
        fn convolve_limbs(
            _x: &[Self],
            _y: &[Self],
            _lo: usize,
            _out: &mut [Self],
        ) -> Result<bool, crate::ConvError> {
            Ok(false)
        }
    }
}

macro_rules! real_float {
    ($t:ty, $kind:expr) => {
        impl private::Scalar for $t {
            type Domain = RealDomain<$t>;
            const KIND: Kind = $kind;
            #[inline(always)]
            fn mac(acc: Self, a: Self, b: Self) -> Self {
                acc + a * b
            }
            #[inline(always)]
            fn add(a: Self, b: Self) -> Self {
                a + b
            }
            #[inline(always)]
            fn conj(self) -> Self {
                self
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn float_parts(v: &[Self]) -> Option<&[$t]> {
                Some(v)
            }
            #[inline(always)]
            fn to_time(self) -> $t {
                self
            }
            #[inline(always)]
            fn from_time(t: $t) -> Self {
                t
            }
            #[cfg(feature = "ndarray")]
            fn rank_one(v: &[Self], rows: usize, cols: usize) -> Option<(Vec<Self>, Vec<Self>)> {
                crate::nd::separable::float_rank_one(v, rows, cols)
            }
        }
    };
}
real_float!(f32, Kind::F32);
real_float!(f64, Kind::F64);

macro_rules! complex_float {
    ($t:ty, $kind:expr) => {
        impl private::Scalar for Complex<$t> {
            type Domain = ComplexDomain<$t>;
            const KIND: Kind = $kind;
            #[inline(always)]
            fn mac(acc: Self, a: Self, b: Self) -> Self {
                acc + a * b
            }
            #[inline(always)]
            fn add(a: Self, b: Self) -> Self {
                a + b
            }
            #[inline(always)]
            fn conj(self) -> Self {
                Complex::conj(&self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
            fn float_parts(v: &[Self]) -> Option<&[$t]> {
                // SAFETY: `Complex<$t>` is `#[repr(C)]` with fields `re, im`: two `$t`s in a
                // row with `$t`'s alignment, so `v` is `2 * v.len()` of them.
                Some(unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), 2 * v.len()) })
            }
            #[inline(always)]
            fn to_time(self) -> Self {
                self
            }
            #[inline(always)]
            fn from_time(t: Self) -> Self {
                t
            }
        }
    };
}
complex_float!(f32, Kind::ComplexF32);
complex_float!(f64, Kind::ComplexF64);

macro_rules! integer {
    ($t:ty, $kind:expr) => {
        impl private::Scalar for $t {
            type Domain = RealDomain<f64>;
            const KIND: Kind = $kind;
            #[inline(always)]
            fn mac(acc: Self, a: Self, b: Self) -> Self {
                acc.wrapping_add(a.wrapping_mul(b))
            }
            #[inline(always)]
            fn add(a: Self, b: Self) -> Self {
                a.wrapping_add(b)
            }
            #[inline(always)]
            fn conj(self) -> Self {
                self
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                true
            }
            fn float_parts(_: &[Self]) -> Option<&[f64]> {
                None
            }
            #[inline(always)]
            fn to_time(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_time(t: f64) -> Self {
                // The exactness guard keeps |t| below 2^53, so the i64 conversion is exact and
                // the narrowing wraps modulo 2^bits, as numpy's integer arithmetic does.
                t.round() as i64 as $t
            }
            fn fft_is_exact(x: &[Self], y: &[Self], fft_len: usize) -> bool {
                crate::exact::fft_rounds_exactly(x, y, fft_len)
            }
            fn limb_transforms(x: &[Self], y: &[Self], fft_len: usize) -> Option<usize> {
                crate::exact::limb_transforms(x, y, fft_len)
            }
            fn convolve_limbs(
                x: &[Self],
                y: &[Self],
                lo: usize,
                out: &mut [Self],
            ) -> Result<bool, crate::ConvError> {
                crate::exact::convolve_limbs(x, y, lo, out)
            }
            #[cfg(feature = "ndarray")]
            fn rank_one(v: &[Self], rows: usize, cols: usize) -> Option<(Vec<Self>, Vec<Self>)> {
                crate::nd::separable::int_rank_one(v, rows, cols)
            }
        }
    };
}
integer!(i32, Kind::I32);
integer!(i64, Kind::I64);
