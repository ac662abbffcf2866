//! The blocked 2-D kernel's [`Lanes`] in AVX2 and AVX-512 registers, and the band functions
//! compiled for each.
//!
//! Lanes never mix: each output is one chain of fused multiply-adds whatever the width, so the
//! 256-bit and 512-bit builds give the same bits (tested in `blocked.rs`). The tiles fill the
//! register file short of the loads' temporaries: 4 rows × 4 vectors of accumulators in
//! AVX-512's 32 registers, 4 × 2 in AVX2's 16 (docs/PERFORMANCE.md, "Why small 2-D kernels run
//! register-blocked").

use std::arch::x86_64::{
    __m256, __m256d, __m512, __m512d, _mm256_fmadd_pd, _mm256_fmadd_ps, _mm256_loadu_pd,
    _mm256_loadu_ps, _mm256_set1_pd, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_ps,
    _mm256_storeu_pd, _mm256_storeu_ps, _mm512_fmadd_pd, _mm512_fmadd_ps, _mm512_loadu_pd,
    _mm512_loadu_ps, _mm512_set1_pd, _mm512_set1_ps, _mm512_setzero_pd, _mm512_setzero_ps,
    _mm512_storeu_pd, _mm512_storeu_ps,
};

use super::{Lanes, Problem, band};

macro_rules! lanes {
    ($name:ident, $t:ty, $n:expr, $vec:ty,
     $zero:ident, $splat:ident, $load:ident, $store:ident, $fma:ident) => {
        /// One register of lanes; its methods run only inside this module's
        /// `#[target_feature]` functions, called after the CPU check.
        #[derive(Clone, Copy)]
        pub(super) struct $name($vec);

        impl Lanes for $name {
            type T = $t;
            const N: usize = $n;
            #[inline(always)]
            unsafe fn zero() -> Self {
                // SAFETY: the features are the caller's promise.
                Self(unsafe { $zero() })
            }
            #[inline(always)]
            unsafe fn splat(v: $t) -> Self {
                // SAFETY: the features are the caller's promise.
                Self(unsafe { $splat(v) })
            }
            #[inline(always)]
            unsafe fn load(p: *const $t) -> Self {
                // SAFETY: `p` valid for `N` reads and the features: the caller's promise.
                Self(unsafe { $load(p) })
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $t) {
                // SAFETY: `p` valid for `N` writes and the features: the caller's promise.
                unsafe { $store(p, self.0) }
            }
            #[inline(always)]
            unsafe fn mul_add(self, c: Self, acc: Self) -> Self {
                // SAFETY: the features are the caller's promise.
                Self(unsafe { $fma(self.0, c.0, acc.0) })
            }
        }
    };
}

lanes!(
    F32x8,
    f32,
    8,
    __m256,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps
);
lanes!(
    F64x4,
    f64,
    4,
    __m256d,
    _mm256_setzero_pd,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_fmadd_pd
);
lanes!(
    F32x16,
    f32,
    16,
    __m512,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps
);
lanes!(
    F64x8,
    f64,
    8,
    __m512d,
    _mm512_setzero_pd,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_fmadd_pd
);

macro_rules! band_for {
    ($name:ident, $feature:literal, $t:ty, $lanes:ty, $rows:expr, $cols:expr) => {
        /// [`band`] in these registers.
        ///
        /// # Safety
        /// The CPU must support the enabled features.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(p: &Problem<$t>, first: usize, out: &mut [$t]) {
            // SAFETY: the features are enabled here and the CPU has them (the caller's).
            unsafe { band::<$lanes, $rows, $cols>(p, first, out) }
        }
    };
}

band_for!(f32_avx2, "avx2,fma", f32, F32x8, 4, 2);
band_for!(f64_avx2, "avx2,fma", f64, F64x4, 4, 2);
band_for!(f32_avx512, "avx512f,avx2,fma", f32, F32x16, 4, 4);
band_for!(f64_avx512, "avx512f,avx2,fma", f64, F64x8, 4, 4);
