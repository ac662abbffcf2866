//! AVX2 + FMA instantiations of the direct kernel.
//!
//! The generic kernel is `#[inline(always)]`, so inside these functions it is compiled with the
//! AVX2 and FMA target features: the `W` accumulators become eight 256-bit registers (64 `f32`
//! or 32 `f64` outputs), enough independent chains to cover the FMA latency, and `mul_add`
//! becomes `vfmadd`.

use super::{MacOp, Plain, kernel, rows_kernel};
use crate::element::private::Scalar;

pub(crate) struct Fused;

impl MacOp<f32> for Fused {
    #[inline(always)]
    fn mac(acc: f32, a: f32, b: f32) -> f32 {
        a.mul_add(b, acc)
    }
}

impl MacOp<f64> for Fused {
    #[inline(always)]
    fn mac(acc: f64, a: f64, b: f64) -> f64 {
        a.mul_add(b, acc)
    }
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f32_fma(x: &[f32], y: &[f32], lo: usize, out: &mut [f32]) {
    kernel::<f32, Fused, 64, 16>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma(x: &[f64], y: &[f64], lo: usize, out: &mut [f64]) {
    kernel::<f64, Fused, 32, 8>(x, y, lo, out);
}

/// Complex and integer types: the portable blocking, compiled for AVX2 (256-bit integer
/// multiplies, wider complex arithmetic).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain<T: Scalar>(x: &[T], y: &[T], lo: usize, out: &mut [T]) {
    kernel::<T, Plain, 16, 4>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f32_fma_rows(rows: &[(&[f32], &[f32])], lo: usize, out: &mut [f32]) {
    rows_kernel::<f32, Fused, 64, 16>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma_rows(rows: &[(&[f64], &[f64])], lo: usize, out: &mut [f64]) {
    rows_kernel::<f64, Fused, 32, 8>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain_rows<T: Scalar>(rows: &[(&[T], &[T])], lo: usize, out: &mut [T]) {
    rows_kernel::<T, Plain, 16, 4>(rows, lo, out);
}
