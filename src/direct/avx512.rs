//! AVX-512 instantiations of the direct kernel for `f32` and `f64`, chosen at run time where the
//! CPU has AVX-512F (Intel since Skylake-SP, AMD since Zen 4); elsewhere `x86.rs`'s AVX2 ones.
//!
//! The blocks start where the AVX2 kernel's do (`W` = 64 `f32` or 32 `f64` outputs, four 512-bit
//! registers), and runs of interior outputs take blocks of twice that (`WIDE`, eight registers:
//! with two FMA units of four cycles' latency, eight independent chains keep both busy). Every
//! output is summed in the AVX2 kernel's order, so both give the same bits (tested below).

use std::mem::MaybeUninit;

use super::registers::fused_window;
use super::{kernel, rows_kernel};
use std::arch::x86_64::{
    __m512, __m512d, _mm512_fmadd_pd, _mm512_fmadd_ps, _mm512_loadu_pd, _mm512_loadu_ps,
    _mm512_set1_pd, _mm512_set1_ps, _mm512_setzero_pd, _mm512_setzero_ps, _mm512_storeu_pd,
    _mm512_storeu_ps,
};

/// The fused multiply-accumulate of the AVX-512 instantiations below, its only users: its
/// window runs AVX-512 instructions without checking for them (only a `debug_assert!`).
struct Avx512;

fused_window!(
    Avx512,
    crate::simd::has_avx512,
    f32,
    16,
    __m512,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps
);
fused_window!(
    Avx512,
    crate::simd::has_avx512,
    f64,
    8,
    __m512d,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_set1_pd,
    _mm512_fmadd_pd
);

/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn f32_fma(x: &[f32], y: &[f32], lo: usize, out: &mut [MaybeUninit<f32>]) {
    kernel::<f32, Avx512, 128, 64, 16>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn f64_fma(x: &[f64], y: &[f64], lo: usize, out: &mut [MaybeUninit<f64>]) {
    kernel::<f64, Avx512, 64, 32, 8>(x, y, lo, out);
}

/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn f32_fma_rows(rows: &[(&[f32], &[f32])], lo: usize, out: &mut [f32]) {
    rows_kernel::<f32, Avx512, 128, 64, 16>(rows, lo, out);
}

/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn f64_fma_rows(rows: &[(&[f64], &[f64])], lo: usize, out: &mut [f64]) {
    rows_kernel::<f64, Avx512, 64, 32, 8>(rows, lo, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::as_uninit;
    use crate::direct::registers::tests::{same_bits, values};
    use crate::direct::x86;
    use crate::simd::has_avx512;

    /// Lengths around the block widths (so that wide interior runs start, stop and are cut at
    /// every offset) and kernels from one tap to longer than a wide block.
    #[test]
    fn wide_registers_give_the_avx2_kernels_bits() {
        if !has_avx512() {
            eprintln!("skipped: this CPU lacks AVX-512F, so the 512-bit kernels cannot run");
            return;
        }
        for (n, m) in [
            (1000, 1),
            (1000, 3),
            (700, 16),
            (1200, 67),
            (300, 129),
            (129, 129),
            (257, 200),
            (70, 9),
            (191, 64),
        ] {
            let (x, y) = (values(n, n as u64 + 7), values(m, m as u64 + 5));
            let (x32, y32): (Vec<f32>, Vec<f32>) = (
                x.iter().map(|&v| v as f32).collect(),
                y.iter().map(|&v| v as f32).collect(),
            );
            let (rows, rows32) = ([(&x[..], &y[..]); 3], [(&x32[..], &y32[..]); 3]);
            for lo in [0, 1, 13, m / 2, m - 1, m + 5, n / 3].map(|lo| lo.min(n + m - 2)) {
                for len in [n + m - 1 - lo, (n + m - 1 - lo) / 2, 1] {
                    // The kernels store only initialized values through `as_uninit`, and
                    // AVX-512F, AVX2 and FMA were checked above: every unsafe block below is
                    // sound for these two reasons.
                    let ok = [
                        same_bits(
                            len,
                            // SAFETY: see above.
                            |o: &mut [f64]| unsafe { x86::f64_fma(&x, &y, lo, as_uninit(o)) },
                            // SAFETY: see above.
                            |o| unsafe { f64_fma(&x, &y, lo, as_uninit(o)) },
                        ),
                        same_bits(
                            len,
                            // SAFETY: see above.
                            |o: &mut [f32]| unsafe { x86::f32_fma(&x32, &y32, lo, as_uninit(o)) },
                            // SAFETY: see above.
                            |o| unsafe { f32_fma(&x32, &y32, lo, as_uninit(o)) },
                        ),
                        same_bits(
                            len,
                            // SAFETY: see above.
                            |o: &mut [f64]| unsafe { x86::f64_fma_rows(&rows, lo, o) },
                            // SAFETY: see above.
                            |o| unsafe { f64_fma_rows(&rows, lo, o) },
                        ),
                        same_bits(
                            len,
                            // SAFETY: see above.
                            |o: &mut [f32]| unsafe { x86::f32_fma_rows(&rows32, lo, o) },
                            // SAFETY: see above.
                            |o| unsafe { f32_fma_rows(&rows32, lo, o) },
                        ),
                    ];
                    assert_eq!(ok, [true; 4], "n={n} m={m} lo={lo} len={len}");
                }
            }
        }
    }
}
