//! When an `f64` FFT convolution of integers rounds to the exact integer result.
//!
//! Error bound (first order in the unit roundoff `u = 2^-53`). For a transform computed in
//! `s = ceil(log2 L)` radix-2-like levels with accurately precomputed twiddles, each level adds
//! a relative error of at most `η` to every partial sum (Higham, *Accuracy and Stability of
//! Numerical Algorithms*, §24.1: `η = μ + γ4(√2 + μ) ≈ 6.7u` for radix 2; rustfft's radix-3/4/5/
//! 7/8 butterflies are within the same per-level budget, and we take `η = 10u`). realfft adds
//! one pre/post-processing pass, so we count `s + 1` levels. Then for `z = x * y` of length `L`:
//!
//! * forward transforms, normwise: `‖ΔX‖₂ ≤ (s+1)η‖X‖₂` with `‖X‖₂ = √L‖x‖₂`, same for `Y`;
//! * the exact inverse of the perturbed product, per output (Cauchy–Schwarz on the sum):
//!   `|Δz_k| ≤ (‖ΔX‖₂‖Y‖₂ + ‖X‖₂‖ΔY‖₂)/L ≤ 2(s+1)η‖x‖₂‖y‖₂`;
//! * the product's rounding (`≤ 3u` relative per bin) and the inverse's own rounding, per
//!   output: `(3u + (s+1)η)·‖Z‖₁/L ≤ (3u + (s+1)η)‖x‖₂‖y‖₂`;
//! * the final scaling: `u|z_k| ≤ u‖x‖₂‖y‖₂`.
//!
//! In total `|ẑ_k − z_k| ≤ ‖x‖₂‖y‖₂ · u · (30(s+1) + 4)`. When that is below 1/2, rounding to the
//! nearest integer recovers `z_k` exactly (the bound also forces `|z_k| < 2^48`, so every input
//! converts to `f64` exactly). Measured errors are far smaller: see `tests/exact_integers.rs`.

use num_traits::ToPrimitive;

/// Per-level relative error budget `η`, in units of `u`.
const ETA_IN_U: f64 = 10.0;

/// The bound above for inputs with these 2-norms and a transform of length `len`.
pub(crate) fn error_bound(x_norm: f64, y_norm: f64, len: usize) -> f64 {
    let levels = (usize::BITS - (len.max(2) - 1).leading_zeros()) as f64 + 1.0;
    let u = f64::EPSILON / 2.0;
    x_norm * y_norm * u * (3.0 * ETA_IN_U * levels + 4.0)
}

/// Euclidean norm, computed in `f64` (exact enough for a bound with a 2x margin).
pub(crate) fn norm<T: ToPrimitive + Copy>(v: &[T]) -> f64 {
    v.iter()
        .map(|&e| {
            let f = e.to_f64().unwrap_or(f64::INFINITY);
            f * f
        })
        .sum::<f64>()
        .sqrt()
}

/// True when an `f64` FFT of length `len` provably rounds to the exact integer convolution.
pub(crate) fn fft_rounds_exactly<T: ToPrimitive + Copy>(x: &[T], y: &[T], len: usize) -> bool {
    // The norms are computed in f64 with relative error below 1e-12: a 1.01 factor covers it.
    error_bound(norm(x), norm(y), len) * 1.01 < 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_grows_with_norms_and_length() {
        assert!(error_bound(1.0, 1.0, 1 << 20) > error_bound(1.0, 1.0, 1 << 10));
        assert!(fft_rounds_exactly(&[1i32, 2, 3], &[4i32, 5], 8));
        // 2^31-scale samples: the product of norms alone exceeds 2^53.
        assert!(!fft_rounds_exactly(&[i32::MAX; 4], &[i32::MAX; 4], 8));
        assert!(!fft_rounds_exactly(&[i64::MAX], &[1i64], 2));
    }
}
