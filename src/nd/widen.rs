//! The element types a pass may sum in a wider type ([`Widen`]): a leaf the 1-D ndimage
//! passes and the fused passes' kernels share.

use num_complex::Complex;

use crate::element::Element;

mod sealed {
    pub trait Sealed<T> {}
}

/// An element type whose values a pass may sum in `T`: every [`Element`] in itself, `f32`
/// in `f64` and `Complex<f32>` in `Complex<f64>` (loaded exactly, the result rounded to
/// nearest once). Sealed.
pub trait Widen<T>: Element + sealed::Sealed<T> {
    /// The value as a `T` (exact).
    fn widen(self) -> T;
    /// `t` rounded to this type.
    fn narrow(t: T) -> Self;
}

impl<T: Element> sealed::Sealed<T> for T {}
impl<T: Element> Widen<T> for T {
    #[inline(always)]
    fn widen(self) -> T {
        self
    }
    #[inline(always)]
    fn narrow(t: T) -> T {
        t
    }
}

impl sealed::Sealed<f64> for f32 {}
impl Widen<f64> for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn narrow(t: f64) -> f32 {
        t as f32
    }
}

impl sealed::Sealed<Complex<f64>> for Complex<f32> {}
impl Widen<Complex<f64>> for Complex<f32> {
    #[inline(always)]
    fn widen(self) -> Complex<f64> {
        Complex::new(self.re.into(), self.im.into())
    }
    #[inline(always)]
    fn narrow(t: Complex<f64>) -> Complex<f32> {
        Complex::new(t.re as f32, t.im as f32)
    }
}
