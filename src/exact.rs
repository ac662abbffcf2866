//! When an `f64` FFT convolution of integers rounds to the exact integer result.
//!
//! Error bound (first order in the unit roundoff `u = 2^-53`). For a transform computed in
//! `s = ceil(log2 L)` radix-2-like levels with accurately precomputed twiddles, each level adds
//! a relative error of at most `η` to every partial sum (Higham, *Accuracy and Stability of
//! Numerical Algorithms*, §24.1: `η = μ + γ4(√2 + μ) ≈ 6.7u` for radix 2; rustfft's radix-3/4/5/
//! 7/8 butterflies are within the same per-level budget, and we take `η = 10u`). The real transform adds
//! one pre/post-processing pass, so we count `s + 1` levels. Then for `z = x * y` of length `L`:
//!
//! * forward transforms, normwise: `‖ΔX‖₂ ≤ (s+1)η‖X‖₂` with `‖X‖₂ = √L‖x‖₂`, same for `Y`;
//! * the exact inverse of the perturbed product, per output (Cauchy–Schwarz on the sum):
//!   `|Δz_k| ≤ (‖ΔX‖₂‖Y‖₂ + ‖X‖₂‖ΔY‖₂)/L ≤ 2(s+1)η‖x‖₂‖y‖₂`;
//! * the product's rounding (`≤ 3u` relative per bin) and the inverse's own rounding, per
//!   output: `(3u + (s+1)η)·‖Z‖₁/L ≤ (3u + (s+1)η)‖x‖₂‖y‖₂`;
//! * the final scaling by `1/L`, itself rounded: `2u|z_k| ≤ 2u‖x‖₂‖y‖₂`.
//!
//! In total `|ẑ_k − z_k| ≤ ‖x‖₂‖y‖₂ · u · (30(s+1) + 5)`. When that is below 1/2, rounding to the
//! nearest integer recovers `z_k` exactly (the bound also forces `|z_k| < 2^48`, so every input
//! converts to `f64` exactly). Measured errors are far smaller: see `tests/exact_integers.rs`.

use num_traits::ToPrimitive;

use crate::error::ConvError;

/// Per-level relative error budget `η`, in units of `u`.
const ETA_IN_U: f64 = 10.0;

/// The bound above for inputs with these 2-norms and a transform of length `len`.
pub(crate) fn error_bound(x_norm: f64, y_norm: f64, len: usize) -> f64 {
    let levels = (usize::BITS - (len.max(2) - 1).leading_zeros()) as f64 + 1.0;
    let u = f64::EPSILON / 2.0;
    x_norm * y_norm * u * (3.0 * ETA_IN_U * levels + 5.0)
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

/// Integer types that can be split into limbs.
pub(crate) trait Int: Copy {
    fn to_i64(self) -> i64;
    /// The low bits of `v`, as numpy's modular integer arithmetic keeps them.
    fn wrap(v: i64) -> Self;
}

impl Int for i32 {
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn wrap(v: i64) -> Self {
        v as i32
    }
}

impl Int for i64 {
    fn to_i64(self) -> i64 {
        self
    }
    fn wrap(v: i64) -> Self {
        v
    }
}

/// Limb widths tried, widest first: fewer limbs mean fewer transforms.
const LIMB_BITS: [u32; 7] = [24, 20, 16, 12, 10, 8, 6];

/// `v` as limbs of `bits` bits: `v = Σ_k limb_k · 2^(bits·k)`, the low limbs in `0 .. 2^bits`,
/// the top one signed (two's complement split, so every i64 is represented exactly).
fn split<T: Int>(v: &[T], bits: u32) -> Vec<Vec<f64>> {
    let count = magnitude_bits(v).div_ceil(bits).max(1) as usize;
    let mask = (1i64 << bits) - 1;
    (0..count)
        .map(|k| {
            let shift = bits * k as u32;
            v.iter()
                .map(|&e| {
                    let x = e.to_i64();
                    let limb = if k + 1 == count {
                        x >> shift
                    } else {
                        (x >> shift) & mask
                    };
                    limb as f64
                })
                .collect()
        })
        .collect()
}

/// A limb width and both inputs split at it, one `Vec` per limb.
type Split = (u32, Vec<Vec<f64>>, Vec<Vec<f64>>);

/// Limbs of both inputs whose limb-pair products all provably round exactly at this length.
fn exact_limbs<T: Int>(x: &[T], y: &[T], len: usize) -> Option<Split> {
    for bits in LIMB_BITS {
        let (xs, ys) = (split(x, bits), split(y, bits));
        let (xn, yn): (Vec<f64>, Vec<f64>) = (
            xs.iter().map(|l| norm(l)).collect(),
            ys.iter().map(|l| norm(l)).collect(),
        );
        // Limb products of equal weight are summed in the spectrum before one inverse
        // transform, so their bounds add.
        let ok = (0..xs.len() + ys.len() - 1).all(|s| {
            let sum: f64 = (0..xs.len())
                .filter(|&j| s >= j && s - j < ys.len())
                .map(|j| error_bound(xn[j], yn[s - j], len))
                .sum();
            sum * 1.01 < 0.5
        });
        if ok {
            return Some((bits, xs, ys));
        }
    }
    None
}

/// Bits of the widest magnitude in `v`, plus one for the sign.
fn magnitude_bits<T: Int>(v: &[T]) -> u32 {
    v.iter()
        .map(|&e| {
            let x = e.to_i64();
            65 - if x < 0 {
                (!x).leading_zeros()
            } else {
                x.leading_zeros()
            }
        })
        .max()
        .unwrap_or(1)
}

/// Number of real transforms the limb method needs for these inputs, or `None` when no limb
/// width is provably exact. For the cost model: it bounds each limb's norm by its width alone
/// (`2^bits · √len`) instead of splitting the data, so it is one cheap pass per input and may
/// ask for narrower limbs than [`convolve_limbs`], which uses the real norms.
pub(crate) fn limb_transforms<T: Int>(x: &[T], y: &[T], len: usize) -> Option<usize> {
    let (bx, by) = (magnitude_bits(x), magnitude_bits(y));
    let (sx, sy) = ((x.len() as f64).sqrt(), (y.len() as f64).sqrt());
    LIMB_BITS.iter().find_map(|&bits| {
        let (kx, ky) = (bx.div_ceil(bits).max(1), by.div_ceil(bits).max(1));
        // Low limbs are below 2^bits; the top limb of `total` bits is below 2^(total - bits·(k-1)).
        let limb_norm = |k: u32, count: u32, total: u32, root: f64| {
            let width = if k + 1 == count {
                total - bits * k
            } else {
                bits
            };
            2f64.powi(width as i32) * root
        };
        let ok = (0..kx + ky - 1).all(|s| {
            let sum: f64 = (0..kx)
                .filter(|&j| s >= j && s - j < ky)
                .map(|j| error_bound(limb_norm(j, kx, bx, sx), limb_norm(s - j, ky, by, sy), len))
                .sum();
            sum * 1.01 < 0.5
        });
        ok.then_some(2 * (kx + ky) as usize - 1)
    })
}

/// `out[k] = (x * y)[lo + k]`, exactly (modulo the type's width, as numpy), by splitting both
/// inputs into limbs narrow enough that every limb-pair transform product rounds exactly:
/// one forward transform per limb, one inverse per limb weight, recombined with wrapping
/// integer arithmetic. Returns `Ok(false)` when no limb width is provably exact.
pub(crate) fn convolve_limbs<T: Int + Default>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [T],
) -> Result<bool, ConvError> {
    use crate::alloc::try_zeroed;
    use crate::fft::{RealTransform, TransformKind, cyclic_len};
    use num_complex::Complex;

    let len = cyclic_len(x.len(), y.len(), lo, lo + out.len())?;
    let Some((bits, xs, ys)) = exact_limbs(x, y, len) else {
        return Ok(false);
    };
    let plans = RealTransform::<f64>::plans(len);
    let spec_len = RealTransform::<f64>::spec_len(len);
    let mut time = try_zeroed::<f64>(len)?;
    let mut scratch = try_zeroed(RealTransform::<f64>::scratch_len(&plans))?;
    let mut spectra = |limbs: &[Vec<f64>]| -> Result<Vec<Vec<Complex<f64>>>, ConvError> {
        limbs
            .iter()
            .map(|limb| {
                time[..limb.len()].copy_from_slice(limb);
                time[limb.len()..].fill(0.0);
                let mut spec = try_zeroed(spec_len)?;
                RealTransform::<f64>::forward(&plans, &mut time, &mut spec, &mut scratch);
                Ok(spec)
            })
            .collect()
    };
    let (xf, yf) = (spectra(&xs)?, spectra(&ys)?);

    let scale = 1.0 / len as f64;
    let mut acc = try_zeroed::<Complex<f64>>(spec_len)?;
    let mut result = try_zeroed::<i64>(out.len())?;
    for s in 0..xf.len() + yf.len() - 1 {
        let shift = bits as usize * s;
        if shift >= 64 {
            break; // a multiple of 2^64 is zero modulo the widest type
        }
        acc.fill(Complex::new(0.0, 0.0));
        for j in (0..xf.len()).filter(|&j| s >= j && s - j < yf.len()) {
            for ((a, &p), &q) in acc.iter_mut().zip(&xf[j]).zip(&yf[s - j]) {
                *a += p * q;
            }
        }
        let mut spec = acc.clone();
        for a in spec.iter_mut() {
            *a *= scale;
        }
        RealTransform::<f64>::inverse(&plans, &mut spec, &mut time, &mut scratch);
        for (r, &t) in result.iter_mut().zip(&time[lo..]) {
            // |t| < 2^50 by the bound, so the conversion is exact.
            *r = r.wrapping_add((t.round() as i64).wrapping_shl(shift as u32));
        }
    }
    for (o, &r) in out.iter_mut().zip(&result) {
        *o = T::wrap(r);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schoolbook(x: &[i64], y: &[i64]) -> Vec<i64> {
        let mut out = vec![0i64; x.len() + y.len() - 1];
        for (i, &a) in x.iter().enumerate() {
            for (j, &b) in y.iter().enumerate() {
                out[i + j] = out[i + j].wrapping_add(a.wrapping_mul(b));
            }
        }
        out
    }

    /// A deterministic full-width sequence (splitmix64).
    fn wide(len: usize, seed: u64) -> Vec<i64> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as i64
            })
            .collect()
    }

    #[test]
    fn limbs_reproduce_the_modular_result_of_full_width_integers() {
        for &(n, m) in &[(1usize, 1usize), (7, 3), (300, 299), (2_000, 45)] {
            let (x, y) = (wide(n, 1), wide(m, 2));
            let want = schoolbook(&x, &y);
            for lo in [0, m - 1] {
                let mut out = vec![0i64; want.len() - lo];
                assert!(convolve_limbs(&x, &y, lo, &mut out).unwrap(), "n={n} m={m}");
                assert_eq!(out, want[lo..], "n={n} m={m} lo={lo}");
                let (x32, y32): (Vec<i32>, Vec<i32>) = (
                    x.iter().map(|&v| v as i32).collect(),
                    y.iter().map(|&v| v as i32).collect(),
                );
                let mut out32 = vec![0i32; want.len() - lo];
                assert!(convolve_limbs(&x32, &y32, lo, &mut out32).unwrap());
                let want32: Vec<i32> = schoolbook(
                    &x32.iter().map(|&v| v as i64).collect::<Vec<_>>(),
                    &y32.iter().map(|&v| v as i64).collect::<Vec<_>>(),
                )[lo..]
                    .iter()
                    .map(|&v| v as i32)
                    .collect();
                assert_eq!(out32, want32, "i32 n={n} m={m} lo={lo}");
            }
        }
    }

    #[test]
    fn limb_split_recombines_exactly() {
        let v = [i64::MIN, i64::MAX, -1, 0, 1, 12345, -(1 << 40)];
        for bits in LIMB_BITS {
            let limbs = split(&v, bits);
            for (i, &x) in v.iter().enumerate() {
                let back = limbs.iter().enumerate().fold(0i64, |acc, (k, l)| {
                    acc.wrapping_add((l[i] as i64).wrapping_shl(bits * k as u32))
                });
                assert_eq!(back, x, "bits={bits}");
            }
        }
    }

    #[test]
    fn bound_grows_with_norms_and_length() {
        assert!(error_bound(1.0, 1.0, 1 << 20) > error_bound(1.0, 1.0, 1 << 10));
        assert!(fft_rounds_exactly(&[1i32, 2, 3], &[4i32, 5], 8));
        // 2^31-scale samples: the product of norms alone exceeds 2^53.
        assert!(!fft_rounds_exactly(&[i32::MAX; 4], &[i32::MAX; 4], 8));
        assert!(!fft_rounds_exactly(&[i64::MAX], &[1i64], 2));
    }
}
