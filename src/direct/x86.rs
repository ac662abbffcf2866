//! AVX2 + FMA instantiations of the direct kernel.
//!
//! The generic kernel is `#[inline(always)]`, so inside these functions it is compiled with the
//! AVX2 and FMA target features. For `f32` and `f64` the interior window is written with
//! explicit 256-bit registers (`Avx2Fma::window`): eight accumulators (64 `f32` or 32 `f64`
//! outputs), enough independent chains to cover the FMA latency. Complex and integer types
//! leave the vectorization to the compiler.

use std::mem::MaybeUninit;

use super::{MacInto, MacOp, Plain, kernel, rows_kernel};
use crate::arith::Arith;
use std::arch::x86_64::{
    __m256, __m256d, _mm256_fmadd_pd, _mm256_fmadd_ps, _mm256_loadu_pd, _mm256_loadu_ps,
    _mm256_set1_pd, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_ps, _mm256_storeu_pd,
    _mm256_storeu_ps,
};

/// The fused multiply-accumulate of the AVX2 instantiations below, which are its only users (it
/// is private to this module): its `window` runs AVX2 and FMA instructions without checking for
/// them (only a `debug_assert!`).
struct Avx2Fma;

/// `Avx2Fma`'s two windows (`window`, `window_into`) in explicit 256-bit registers. Left to the
/// compiler, the `W` scalar accumulators were vectorized in uneven pieces and stored through the
/// stack before being copied to the output, a store-forwarding stall that made a 3-tap kernel
/// cost a cycle per output. Each lane still runs one `fma(ys[k], x, acc)` per tap in the order
/// of `k`, as the generic loop does, so the results are the same bits.
trait RegisterWindow<T> {
    /// `W` sums into `out`, from the `W` values at `out` when `accumulate`, from zero
    /// otherwise (then `out` may be uninitialized).
    ///
    /// # Safety
    /// `out` must be valid for `W` writes, and for `W` reads of initialized values when
    /// `accumulate`; the CPU must support AVX2 and FMA.
    unsafe fn in_registers<const W: usize>(out: *mut T, accumulate: bool, ys: &[T], xs: &[T]);
}

macro_rules! fused_window {
    ($t:ty, $lanes:expr, $vec:ty, $zero:ident, $load:ident, $store:ident, $splat:ident, $fma:ident) => {
        impl RegisterWindow<$t> for Avx2Fma {
            #[inline(always)]
            unsafe fn in_registers<const W: usize>(
                out: *mut $t,
                accumulate: bool,
                ys: &[$t],
                xs: &[$t],
            ) {
                const MAX: usize = 8;
                debug_assert!(
                    crate::simd::has_avx2_fma(),
                    "AVX2 code without AVX2 and FMA"
                );
                assert!(W % $lanes == 0 && W / $lanes <= MAX && xs.len() == ys.len() - 1 + W);
                // SAFETY: every load reads `xs[k .. k + W]` with `k < ys.len()`, in bounds by
                // the assertion; `out` is the caller's to read and write (see above), and the
                // CPU features are the caller's promise.
                unsafe {
                    let mut r: [$vec; MAX] = [$zero(); MAX];
                    if accumulate {
                        for (j, reg) in r.iter_mut().take(W / $lanes).enumerate() {
                            *reg = $load(out.add(j * $lanes));
                        }
                    }
                    for (k, &c) in ys.iter().rev().enumerate() {
                        let (c, p) = ($splat(c), xs.as_ptr().add(k));
                        for (j, reg) in r.iter_mut().take(W / $lanes).enumerate() {
                            *reg = $fma(c, $load(p.add(j * $lanes)), *reg);
                        }
                    }
                    for (j, reg) in r.iter().take(W / $lanes).enumerate() {
                        $store(out.add(j * $lanes), *reg);
                    }
                }
            }
        }

        impl MacOp<$t> for Avx2Fma {
            #[inline(always)]
            fn mac(acc: $t, a: $t, b: $t) -> $t {
                a.mul_add(b, acc)
            }

            #[inline(always)]
            fn window<const W: usize>(acc: &mut [$t; W], ys: &[$t], xs: &[$t], zero: bool) {
                // SAFETY: `acc` holds `W` initialized values; `Avx2Fma` runs only inside the
                // `#[target_feature(enable = "avx2,fma")]` functions of this module, called
                // after the CPU check.
                unsafe {
                    <Self as RegisterWindow<$t>>::in_registers::<W>(acc.as_mut_ptr(), !zero, ys, xs)
                }
            }
        }

        impl MacInto<$t> for Avx2Fma {
            #[inline(always)]
            fn window_into<const W: usize>(out: &mut [MaybeUninit<$t>; W], ys: &[$t], xs: &[$t]) {
                // SAFETY: `out` has room for `W` values and is only written; the CPU features
                // as in `window`.
                unsafe {
                    <Self as RegisterWindow<$t>>::in_registers::<W>(
                        out.as_mut_ptr().cast::<$t>(),
                        false,
                        ys,
                        xs,
                    )
                }
            }
        }
    };
}
fused_window!(
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
    kernel::<f32, Avx2Fma, 64, 16>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma(x: &[f64], y: &[f64], lo: usize, out: &mut [MaybeUninit<f64>]) {
    kernel::<f64, Avx2Fma, 32, 8>(x, y, lo, out);
}

/// Complex and integer types: the portable blocking, compiled for AVX2 (256-bit integer
/// multiplies, wider complex arithmetic).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain<T: Arith>(x: &[T], y: &[T], lo: usize, out: &mut [MaybeUninit<T>]) {
    kernel::<T, Plain, 16, 4>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f32_fma_rows(rows: &[(&[f32], &[f32])], lo: usize, out: &mut [f32]) {
    rows_kernel::<f32, Avx2Fma, 64, 16>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn f64_fma_rows(rows: &[(&[f64], &[f64])], lo: usize, out: &mut [f64]) {
    rows_kernel::<f64, Avx2Fma, 32, 8>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn plain_rows<T: Arith>(rows: &[(&[T], &[T])], lo: usize, out: &mut [T]) {
    rows_kernel::<T, Plain, 16, 4>(rows, lo, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::{as_uninit, kernel, rows_kernel};
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

    /// Deterministic values spread over several binades, so that rounding differs by order.
    fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * f64::from(1 << (s % 7))
            })
            .collect()
    }

    /// Runs both kernels into new outputs of `len` samples: whether the results have the same
    /// bits (`f32` widens to `f64` exactly).
    fn same_bits<T: Copy + Default + Into<f64>>(
        len: usize,
        generic: impl FnOnce(&mut [T]),
        explicit: impl FnOnce(&mut [T]),
    ) -> bool {
        let (mut want, mut got) = (vec![T::default(); len], vec![T::default(); len]);
        generic(&mut want);
        explicit(&mut got);
        want.iter()
            .zip(&got)
            .all(|(&a, &b)| a.into().to_bits() == b.into().to_bits())
    }

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
                    kernel::<f64, Generic, 32, 8>(&x, &y, lo, unsafe { as_uninit(o) })
                };
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f64_fma(&x, &y, lo, as_uninit(o))
                }));
                // SAFETY: as above.
                let generic = |o: &mut [f32]| {
                    // SAFETY: as above.
                    kernel::<f32, Generic, 64, 16>(&x32, &y32, lo, unsafe { as_uninit(o) })
                };
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f32_fma(&x32, &y32, lo, as_uninit(o))
                }));
                let generic = |o: &mut [f64]| rows_kernel::<f64, Generic, 32, 8>(&rows, lo, o);
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f64_fma_rows(&rows, lo, o)
                }));
                let generic = |o: &mut [f32]| rows_kernel::<f32, Generic, 64, 16>(&rows32, lo, o);
                // SAFETY: as above.
                assert!(same_bits(len, generic, |o| unsafe {
                    f32_fma_rows(&rows32, lo, o)
                }));
            }
        }
    }
}
