//! The one public element trait, implemented for `f32`, `f64`, `Complex<f32>`,
//! `Complex<f64>`, `i32` and `i64`.
//!
//! What the engines need lives in a sealed supertrait, [`private::Scalar`], which bundles each
//! engine's own small trait (the arithmetic of [`crate::arith::Arith`], the direct sum's
//! [`Kernel`], the transforms' [`Transformable`]) and adds the integers' exactness hooks. It
//! imports only those lower modules, so the public trait stays a plain bound (`T: Element`)
//! and users cannot implement it for types the engines do not know how to transform.

use num_complex::Complex;

use crate::direct::Kernel;
use crate::fft::{TransformKind, Transformable};

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

pub(crate) mod private {
    use super::*;

    /// What the engines need of an element type. Sealed: only this crate implements it.
    pub trait Scalar: Kernel + Transformable {
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

        /// The exact limb-split transform product (integers); `Ok(false)` when not applicable.
        fn convolve_limbs(
            _x: &[Self],
            _y: &[Self],
            _lo: usize,
            _out: &mut [Self],
        ) -> Result<bool, crate::error::ConvError> {
            Ok(false)
        }

        /// Bits of an integer type, whose streams split samples into limbs
        /// (`stream::limbs`); 0 for floats, which are streamed whole.
        const WIDTH: u32 = 0;

        /// The limb of `self` from bit `shift` on, `bits` wide (the `top` one keeps the sign),
        /// as a transform sample; floats: the sample itself.
        #[inline(always)]
        fn limb(self, _shift: u32, _bits: u32, _top: bool) -> Sample<Self> {
            self.to_sample()
        }

        /// `acc + r·2^shift` with `r` rounded to an integer, wrapping; floats: `acc + r`.
        #[inline(always)]
        fn add_limb(acc: Self, r: Sample<Self>, _shift: u32) -> Self {
            Self::add(acc, Self::from_sample(r))
        }
    }

    type Sample<T> = <<T as Transformable>::Transform as TransformKind>::Sample;
}

impl private::Scalar for f32 {}
impl private::Scalar for f64 {}
impl private::Scalar for Complex<f32> {}
impl private::Scalar for Complex<f64> {}

macro_rules! integer {
    ($t:ty) => {
        impl private::Scalar for $t {
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
            ) -> Result<bool, crate::error::ConvError> {
                crate::exact::convolve_limbs(x, y, lo, out)
            }
            const WIDTH: u32 = <$t>::BITS;
            #[inline(always)]
            fn limb(self, shift: u32, bits: u32, top: bool) -> f64 {
                let x = (self as i64) >> shift;
                if top {
                    x as f64
                } else {
                    (x & ((1i64 << bits) - 1)) as f64
                }
            }
            #[inline(always)]
            fn add_limb(acc: Self, r: f64, shift: u32) -> Self {
                // Each limb product is exact by the stream's bound: |r| < 2^50, so the rounded
                // value converts exactly, and the wrapping shift keeps numpy's low bits.
                (acc as i64).wrapping_add((r.round() as i64).wrapping_shl(shift)) as $t
            }
        }
    };
}
integer!(i32);
integer!(i64);
