//! The arithmetic every engine needs of an element type, implemented for `f32`, `f64`,
//! `Complex<f32>`, `Complex<f64>`, `i32` and `i64`: the leaf the engines' own traits build on
//! (`direct::Kernel`, `fft::Transformable`), which `element::Scalar` bundles.

use std::fmt::Debug;

use num_complex::Complex;

/// The element families the cost model distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementKind {
    F32,
    F64,
    ComplexF32,
    ComplexF64,
    I32,
    I64,
}

/// Sums, products and finiteness of one element type.
pub trait Arith:
    bytemuck::Pod + Copy + Default + Debug + PartialEq + Send + Sync + 'static
{
    /// Which constants of the cost model apply.
    const KIND: ElementKind;
    /// `acc + a * b`, wrapping for integers (numpy's integer arithmetic is modular too).
    fn mac(acc: Self, a: Self, b: Self) -> Self;
    /// `a + b`, wrapping for integers.
    fn add(a: Self, b: Self) -> Self;
    /// Complex conjugate; the identity for real types.
    fn conj(self) -> Self;
    /// False for NaN and infinities (in either component); always true for integers.
    fn is_finite(self) -> bool;
}

/// The float types, real and complex: plain arithmetic; `$x` names the value in `conj` and
/// `finite`, the only parts that differ.
macro_rules! float {
    ($t:ty, $kind:expr, |$x:ident| conj: $conj:expr, finite: $finite:expr) => {
        impl Arith for $t {
            const KIND: ElementKind = $kind;
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
                let $x = self;
                $conj
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                let $x = self;
                $finite
            }
        }
    };
}
float!(f32, ElementKind::F32, |x| conj: x, finite: f32::is_finite(x));
float!(f64, ElementKind::F64, |x| conj: x, finite: f64::is_finite(x));
float!(Complex<f32>, ElementKind::ComplexF32, |x| conj: Complex::conj(&x),
    finite: x.re.is_finite() && x.im.is_finite());
float!(Complex<f64>, ElementKind::ComplexF64, |x| conj: Complex::conj(&x),
    finite: x.re.is_finite() && x.im.is_finite());

macro_rules! integer {
    ($t:ty, $kind:expr) => {
        impl Arith for $t {
            const KIND: ElementKind = $kind;
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
        }
    };
}
integer!(i32, ElementKind::I32);
integer!(i64, ElementKind::I64);
