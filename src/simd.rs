//! The one runtime CPU-feature dispatch: loops compiled a second time for AVX2 and FMA, chosen
//! per call when the CPU has them (std caches the detection). The baseline x86-64 build has
//! only SSE2; the direct kernel's explicit-register windows (`direct/x86.rs`, and
//! `direct/avx512.rs` where the CPU has AVX-512) use the same checks.

/// Whether this x86-64 CPU has AVX2 and FMA, for the runtime choice of the kernels compiled for
/// them (std caches the detection).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// Whether this x86-64 CPU has AVX-512F besides AVX2 and FMA, for the kernels compiled for
/// 512-bit registers (`direct/avx512.rs`, `nd/combine_x86.rs`), which give the AVX2 builds' bits
/// (std caches the detection).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && has_avx2_fma()
}

/// A loop over samples or bins, run through [`run_vectorized`].
pub(crate) trait VectorLoop {
    type Out;
    /// The loop itself; `#[inline(always)]` in every impl, so that it is compiled into
    /// [`run_vectorized`]'s AVX2 build.
    fn run(self) -> Self::Out;
}

/// Runs `l` compiled for AVX2 and FMA when the CPU has them (checked at run time, like the
/// direct kernel): the baseline x86-64 build has only SSE2. Here: the loads, the spectral
/// product, the operand scan and the restore pass, the real transform's split pass and the
/// streaming multiply-adds (docs/PERFORMANCE.md, "Why the small loops are compiled for AVX2").
#[inline]
pub(crate) fn run_vectorized<L: VectorLoop>(l: L) -> L::Out {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { run_avx2(l) };
        }
    }
    l.run()
}

/// [`VectorLoop::run`] compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<L: VectorLoop>(l: L) -> L::Out {
    debug_assert!(has_avx2_fma(), "AVX2 code without AVX2 and FMA");
    l.run()
}
