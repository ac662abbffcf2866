//! One pass over an operand before it is transformed: its largest finite magnitude (the
//! power-of-two scaling that keeps the transform's sums in range) and whether it is all finite.

use num_traits::{Float, ToPrimitive};

use crate::simd::{VectorLoop, run_vectorized};

use super::cache::FftFloat;
use super::transform::{FloatOf, Transformable};

/// What the transforms need to know of an operand before transforming it, from one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OperandStats {
    /// The exponent `p` with the largest finite magnitude in `[2^p, 2^(p+1))`, clamped to the
    /// range where `2^±p` is normal; 0 when every sample is zero or non-finite.
    ///
    /// The transforms run on `v · 2^-p` and scale the result back: a sum of `L` samples near
    /// the type's maximum would overflow inside the transform and turn every output into NaN,
    /// where the direct sum overflows only the outputs whose true value does. Powers of two
    /// scale exactly, so the rounding (and the integers' exactness) is unchanged.
    pub(crate) exp: i32,
    /// Whether every sample is finite (no NaN, no infinity).
    pub(crate) finite: bool,
}

/// The [`OperandStats`] of `v`: one branch-free pass over the float components in their own type,
/// with several accumulators, so that it vectorizes (docs/PERFORMANCE.md, "Why the operand scan
/// is vectorized"). Inputs holding NaN or infinities, whose largest *finite* magnitude that
/// pass cannot see, take a second, plain pass.
pub(crate) fn scan<T: Transformable>(v: &[T]) -> OperandStats {
    scan_by(v, max_abs)
}

/// [`scan`], over parts of `v` on the threads of rayon's pool when `parallel` (the largest
/// magnitude of the parts' largest is the whole's, so the result is the same).
pub(crate) fn scan_split<T: Transformable>(v: &[T], parallel: bool) -> OperandStats {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return scan_by(v, |parts| {
            let part = parts
                .len()
                .div_ceil(crate::parallel::pool_threads())
                .max(1 << 16);
            parts
                .par_chunks(part)
                .map(max_abs)
                .reduce(|| Some(num_traits::Zero::zero()), |a, b| Some(a?.max(b?)))
        });
    }
    let _ = parallel;
    scan(v)
}

/// [`scan`] with `max_abs` as the first pass.
fn scan_by<T: Transformable>(
    v: &[T],
    max_abs: impl Fn(&[FloatOf<T>]) -> Option<FloatOf<T>>,
) -> OperandStats {
    let Some(parts) = T::float_parts(v) else {
        // Integers are finite, and their f64 images cannot overflow a transform's sums.
        return OperandStats {
            exp: 0,
            finite: true,
        };
    };
    let (max, finite) = match max_abs(parts) {
        Some(max) => (max.to_f64().unwrap_or(f64::INFINITY), true),
        None => {
            // Over the samples finite as a whole, the ones `load` writes: a complex sample with
            // one non-finite part is loaded as zero, so its finite part must not set the scale
            // (scaled down by it, a subnormal rest lost bits beyond the accuracy bound).
            let finite_max = v
                .iter()
                .filter(|s| s.is_finite())
                .flat_map(|s| T::float_parts(std::slice::from_ref(s)).unwrap_or_default())
                .fold(0.0f64, |m, e| m.max(e.abs().to_f64().unwrap_or(0.0)));
            (finite_max, false)
        }
    };
    let limit = FloatOf::<T>::MAX_SCALE_EXP;
    OperandStats {
        exp: if max == 0.0 {
            0
        } else {
            (max.log2().floor() as i32).clamp(-limit, limit)
        },
        finite,
    }
}

/// The largest `|x|`, or `None` when some `x` is NaN or infinite. `0·x` is 0 for finite `x`
/// and NaN otherwise, so one sum of those tells.
fn max_abs<F: FftFloat>(v: &[F]) -> Option<F> {
    run_vectorized(MaxAbs(v))
}

struct MaxAbs<'a, F>(&'a [F]);

impl<F: FftFloat> VectorLoop for MaxAbs<'_, F> {
    type Out = Option<F>;
    #[inline(always)]
    fn run(self) -> Option<F> {
        let v = self.0;
        const LANES: usize = 16;
        let mut max = [F::zero(); LANES];
        let mut poison = [F::zero(); LANES];
        #[inline(always)]
        fn step<F: FftFloat>(max: &mut [F; LANES], poison: &mut [F; LANES], chunk: &[F]) {
            for ((m, p), &e) in max.iter_mut().zip(poison).zip(chunk) {
                let a = e.abs();
                *m = if a > *m { a } else { *m };
                *p = *p + e * F::zero();
            }
        }
        let mut chunks = v.chunks_exact(LANES);
        for chunk in &mut chunks {
            step(&mut max, &mut poison, chunk);
        }
        step(&mut max, &mut poison, chunks.remainder());
        let poisoned = poison.iter().fold(F::zero(), |s, &p| s + p);
        (poisoned == F::zero()).then(|| max.iter().fold(F::zero(), |m, &x| m.max(x)))
    }
}

/// Whether a transform of length `len` keeps its rounding error finite for operands with these
/// scans.
///
/// The error of an output is about `ε · L · max|x| · max|y|` whatever the output's own size
/// (see the accuracy statement in the crate docs). When that is beyond the type's range, a
/// transform would report infinity for outputs that the direct sum computes as finite numbers,
/// so the callers use the direct sum instead. Only inputs whose magnitudes multiply to near
/// the type's maximum get there (`f64`: beyond about `10^300`).
pub(crate) fn error_stays_finite<T: Transformable>(
    x: OperandStats,
    y: OperandStats,
    len: usize,
) -> bool {
    let log_len = (usize::BITS - len.leading_zeros()) as i32;
    let digits = FloatOf::<T>::MANTISSA_DIGITS;
    // Margin of 8 binary orders for the constant of the bound and the rounding of the exponents.
    x.exp + y.exp + log_len + 8 < FloatOf::<T>::MAX_SCALE_EXP + digits
}

#[cfg(test)]
mod tests {
    use super::*;

    use num_complex::Complex;

    #[test]
    fn scan_finds_the_largest_finite_magnitude_and_any_non_finite() {
        for len in [1usize, 15, 16, 17, 100] {
            for at in [0, len / 2, len - 1] {
                let mut v = vec![0.25f32; len];
                v[at] = -3.0;
                assert_eq!(
                    scan(&v),
                    OperandStats {
                        exp: 1,
                        finite: true
                    },
                    "{len} {at}"
                );
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut w = v.clone();
                    w[(at + 1) % len] = bad;
                    // The -3 is overwritten only when it is the one sample.
                    let exp = if len == 1 { 0 } else { 1 };
                    assert_eq!(
                        scan(&w),
                        OperandStats { exp, finite: false },
                        "{len} {at} {bad}"
                    );
                }
                let mut c = vec![Complex::new(0.25f64, 0.0); len];
                c[at].im = 5.0;
                assert_eq!(
                    scan(&c),
                    OperandStats {
                        exp: 2,
                        finite: true
                    }
                );
                c[(at + 1) % len].im = f64::NAN;
                assert!(!scan(&c).finite, "{len} {at}");
                // A sample with a non-finite part is loaded as zero: its finite part does not
                // count, only the finite samples do.
                let mut d = vec![Complex::new(1e-310f64, 0.0); len];
                d[at] = Complex::new(100.0, f64::NAN);
                let exp = if len == 1 {
                    0
                } else {
                    -<f64 as FftFloat>::MAX_SCALE_EXP
                };
                assert_eq!(scan(&d), OperandStats { exp, finite: false }, "{len} {at}");
            }
        }
        assert_eq!(
            scan(&[i64::MAX, 1]),
            OperandStats {
                exp: 0,
                finite: true
            }
        );
        assert_eq!(
            scan::<f64>(&[0.0, -0.0]),
            OperandStats {
                exp: 0,
                finite: true
            }
        );
    }
}
