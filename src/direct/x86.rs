//! AVX2 + FMA instantiations of the direct kernel.
//!
//! The generic kernel is `#[inline(always)]`, so inside these functions it is compiled with the
//! AVX2 and FMA target features. For `f32` and `f64` the interior window is written with
//! explicit 256-bit registers (`registers.rs`): eight accumulators (64 `f32` or 32 `f64`
//! outputs), enough independent chains to cover the FMA latency. Complex and integer types
//! leave the vectorization to the compiler.

use std::mem::MaybeUninit;

use super::registers::fused_window;
use super::{Plain, kernel, rows_kernel};
use crate::arith::Arith;
use std::arch::x86_64::{
    __m256, __m256d, _mm256_fmadd_pd, _mm256_fmadd_ps, _mm256_loadu_pd, _mm256_loadu_ps,
    _mm256_set1_pd, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_ps, _mm256_storeu_pd,
    _mm256_storeu_ps,
};

/// The fused multiply-accumulate of the AVX2 instantiations below, which are its only users (it
/// is private to this module): its `window` runs AVX2 and FMA instructions without checking for
/// them (only a `debug_assert!`).
pub(super) struct Avx2Fma;

fused_window!(
    Avx2Fma,
    crate::simd::has_avx2_fma,
    f32,
    8,
    __m256,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps
);
fused_window!(
    Avx2Fma,
    crate::simd::has_avx2_fma,
    f64,
    4,
    __m256d,
    _mm256_setzero_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd
);

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f32_fma(x: &[f32], y: &[f32], lo: usize, out: &mut [MaybeUninit<f32>]) {
    kernel::<f32, Avx2Fma, 64, 64, 16>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma(x: &[f64], y: &[f64], lo: usize, out: &mut [MaybeUninit<f64>]) {
    kernel::<f64, Avx2Fma, 32, 32, 8>(x, y, lo, out);
}

/// Complex and integer types: the portable blocking, compiled for AVX2 (256-bit integer
/// multiplies, wider complex arithmetic).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain<T: Arith>(x: &[T], y: &[T], lo: usize, out: &mut [MaybeUninit<T>]) {
    kernel::<T, Plain, 16, 16, 4>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f32_fma_rows(rows: &[(&[f32], &[f32])], lo: usize, out: &mut [f32]) {
    rows_kernel::<f32, Avx2Fma, 64, 64, 16>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma_rows(rows: &[(&[f64], &[f64])], lo: usize, out: &mut [f64]) {
    rows_kernel::<f64, Avx2Fma, 32, 32, 8>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain_rows<T: Arith>(rows: &[(&[T], &[T])], lo: usize, out: &mut [T]) {
    rows_kernel::<T, Plain, 16, 16, 4>(rows, lo, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::registers::tests::{same_bits, values};
    use crate::direct::{MacInto, MacOp, as_uninit, kernel, rows_kernel};
    use crate::simd::has_avx2_fma;

    /// A fused multiply-add left to the compiler: the trait's generic `window`.
    struct Generic;

    impl MacOp<f32> for Generic {
        fn mac(acc: f32, a: f32, b: f32) -> f32 {
            a.mul_add(b, acc)
        }
    }

    impl MacOp<f64> for Generic {
        fn mac(acc: f64, a: f64, b: f64) -> f64 {
            a.mul_add(b, acc)
        }
    }

    impl MacInto<f32> for Generic {}
    impl MacInto<f64> for Generic {}

    #[test]
    fn explicit_registers_give_the_generic_loops_bits() {
        if !has_avx2_fma() {
            eprintln!(
                "skipped: this CPU lacks AVX2 or FMA, so the explicit-register kernels cannot run"
            );
            return;
        }
        for (n, m) in [
            (300, 1),
            (300, 3),
            (257, 16),
            (500, 67),
            (129, 129),
            (70, 9),
        ] {
            let (x, y) = (values(n, n as u64), values(m, m as u64 + 99));
            let (x32, y32): (Vec<f32>, Vec<f32>) = (
                x.iter().map(|&v| v as f32).collect(),
                y.iter().map(|&v| v as f32).collect(),
            );
            let (rows, rows32) = ([(&x[..], &y[..]); 2], [(&x32[..], &y32[..]); 2]);
            for lo in [0, m / 2, m - 1, 5.min(n + m - 2)] {
                let len = n + m - 1 - lo;
                // SAFETY (every unsafe block of this loop): AVX2 and FMA checked above; the
                // kernels store only initialized values through `as_uninit`.
                let generic = |o: &mut [f64]| {
                    // SAFETY: as above.
                    kernel::<f64, Generic, 32, 32, 8>(&x, &y, lo, unsafe { as_uninit(o) })
                };
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f64_fma(&x, &y, lo, as_uninit(o))
                }));
                // SAFETY: as above.
                let generic = |o: &mut [f32]| {
                    // SAFETY: as above.
                    kernel::<f32, Generic, 64, 64, 16>(&x32, &y32, lo, unsafe { as_uninit(o) })
                };
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f32_fma(&x32, &y32, lo, as_uninit(o))
                }));
                let generic = |o: &mut [f64]| rows_kernel::<f64, Generic, 32, 32, 8>(&rows, lo, o);
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f64_fma_rows(&rows, lo, o)
                }));
                let generic =
                    |o: &mut [f32]| rows_kernel::<f32, Generic, 64, 64, 16>(&rows32, lo, o);
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f32_fma_rows(&rows32, lo, o)
                }));
            }
        }
    }
}
