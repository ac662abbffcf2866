//! The row pass of [`super::fused_ndimage`] for `f32` images summed in `f64`, each sum rounded
//! to `f32` as it is stored: one pass where the 1-D direct kernel wrote the `f64` sums and a
//! second pass narrowed them (that pass alone took 9 % of a 512² `f32` Gaussian with k = 3 on
//! AMD EPYC Zen 4).
//!
//! `out[c] = Σ_j y[m - 1 - j] · ext[c + j]` (the direct kernel's `valid` outputs of `ext` and
//! `y`, the row kernel reversed) with that kernel's chains (`crate::direct`, `f64` blocks of 8
//! on AVX2 and AVX-512 alike): fused multiply-adds from zero over `j` upwards for the outputs in
//! whole blocks of 8, over `j` downwards for the last `len % 8`. So the bits are those of that
//! kernel followed by `as f32`.

use std::arch::x86_64::{
    __m256d, __m512d, _mm_storeu_ps, _mm256_cvtpd_ps, _mm256_fmadd_pd, _mm256_loadu_pd,
    _mm256_set1_pd, _mm256_setzero_pd, _mm256_storeu_ps, _mm512_cvtpd_ps, _mm512_fmadd_pd,
    _mm512_loadu_pd, _mm512_set1_pd, _mm512_setzero_pd,
};
use std::mem::MaybeUninit;

/// The direct kernel's narrowest block of `f64` outputs: the outputs past the last whole one
/// are summed one by one, taps downwards.
const BLOCK: usize = 8;

/// Registers of accumulators per block: four, with the FMA's four cycles of latency.
const REGS: usize = 4;

macro_rules! narrow_kernel {
    ($name:ident, $feature:literal, $lanes:expr, $vec:ty, $zero:ident, $load:ident,
     $splat:ident, $fma:ident, $store:expr $(,)?) => {
        /// See the module; `ext` must hold `out.len() + y.len() - 1` values (checked).
        ///
        /// # Safety
        /// The CPU must support the enabled features.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(ext: &[f64], y: &[f64], out: &mut [MaybeUninit<f32>]) {
            let (len, m) = (out.len(), y.len());
            assert!(m > 0 && ext.len() + 1 >= len + m);
            let whole = len - len % BLOCK;
            let (x, o) = (ext.as_ptr(), out.as_mut_ptr().cast::<f32>());
            let mut c = 0;
            // SAFETY: each load reads `ext[c + j .. c + j + lanes]` with `c + lanes <= whole`
            // and `j < m`, inside `ext` by the assertion; each store writes `out[c .. c +
            // lanes]`, inside `out`.
            unsafe {
                while c + REGS * $lanes <= whole {
                    let mut acc = [$zero(); REGS];
                    for (j, &k) in y.iter().rev().enumerate() {
                        let k = $splat(k);
                        for (r, a) in acc.iter_mut().enumerate() {
                            *a = $fma(k, $load(x.add(c + j + r * $lanes)), *a);
                        }
                    }
                    for (r, a) in acc.iter().enumerate() {
                        $store(o.add(c + r * $lanes), *a);
                    }
                    c += REGS * $lanes;
                }
                while c < whole {
                    let mut acc = $zero();
                    for (j, &k) in y.iter().rev().enumerate() {
                        acc = $fma($splat(k), $load(x.add(c + j)), acc);
                    }
                    $store(o.add(c), acc);
                    c += $lanes;
                }
            }
            for (c, d) in out.iter_mut().enumerate().skip(whole) {
                let mut acc = 0.0f64;
                for (i, &k) in y.iter().enumerate() {
                    acc = k.mul_add(ext[c + m - 1 - i], acc);
                }
                d.write(acc as f32);
            }
        }
    };
}

narrow_kernel!(
    narrow_avx2,
    "avx2,fma",
    4,
    __m256d,
    _mm256_setzero_pd,
    _mm256_loadu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
    |p: *mut f32, v: __m256d| _mm_storeu_ps(p, _mm256_cvtpd_ps(v)),
);
narrow_kernel!(
    narrow_avx512,
    "avx512f,avx2,fma",
    8,
    __m512d,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
    |p: *mut f32, v: __m512d| _mm256_storeu_ps(p, _mm512_cvtpd_ps(v)),
);

/// A row pass: `ext`, the reversed row kernel, the `f32` outputs.
pub(super) type Narrowing = unsafe fn(&[f64], &[f64], &mut [MaybeUninit<f32>]);

/// The widest kernel this CPU runs, `None` without AVX2 and FMA.
pub(super) fn narrowing_row() -> Option<Narrowing> {
    if crate::simd::has_avx512() {
        Some(narrow_avx512)
    } else if crate::simd::has_avx2_fma() {
        Some(narrow_avx2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct::Kernel;

    /// Both widths give the 1-D direct kernel's `valid` sums rounded to `f32`, bit for bit, on
    /// lengths that leave every kind of tail.
    #[test]
    fn the_direct_kernels_sums_rounded() {
        if !crate::simd::has_avx2_fma() {
            eprintln!("skipped: this CPU lacks AVX2 or FMA");
            return;
        }
        let mut seed = 0x9e6c_63d0_676a_9a99u64;
        for (m, len) in [(1, 100), (3, 131), (5, 7), (15, 257), (31, 64), (2, 1003)] {
            let ext = crate::nd::fused::tests::values(len + m - 1, &mut seed, false);
            let y = crate::nd::fused::tests::values(m, &mut seed, false);
            let mut sums = vec![0.0; len];
            f64::direct(&ext, &y, m - 1, &mut sums);
            let want: Vec<u32> = sums.iter().map(|&s| (s as f32).to_bits()).collect();
            let kernels: [Narrowing; 2] = [narrow_avx2, narrow_avx512];
            for (i, k) in kernels.iter().enumerate() {
                if i == 1 && !crate::simd::has_avx512() {
                    continue;
                }
                let mut got = vec![MaybeUninit::new(f32::NAN); len];
                // SAFETY: the features were checked above.
                unsafe { k(&ext, &y, &mut got) };
                // SAFETY: every element was initialized.
                let got: Vec<u32> = got
                    .iter()
                    .map(|g| unsafe { g.assume_init() }.to_bits())
                    .collect();
                assert_eq!(got, want, "kernel {i} m={m} len={len}");
            }
        }
    }
}
