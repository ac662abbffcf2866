//! The column combine of [`super::combine`] in explicit AVX2 and AVX-512 registers.
//!
//! Each output column is one chain `acc = fma(coef[i], rows[i][c], acc)` from zero over the
//! taps `i` in order, whatever the register width: lanes never mix, so the 512-bit and 256-bit
//! kernels and the scalar tail give the same bits. Eight accumulators per block (the FMA's
//! latency times its two ports), one load and one multiply-add per tap and register.

use std::arch::x86_64::{
    __m256, __m256d, __m512, __m512d, _mm256_fmadd_pd, _mm256_fmadd_ps, _mm256_loadu_pd,
    _mm256_loadu_ps, _mm256_set1_pd, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_ps,
    _mm256_storeu_pd, _mm256_storeu_ps, _mm512_fmadd_pd, _mm512_fmadd_ps, _mm512_loadu_pd,
    _mm512_loadu_ps, _mm512_set1_pd, _mm512_set1_ps, _mm512_setzero_pd, _mm512_setzero_ps,
    _mm512_storeu_pd, _mm512_storeu_ps,
};
use std::arch::x86_64::{
    _mm_loadu_ps, _mm256_cvtpd_ps, _mm256_cvtps_pd, _mm512_cvtpd_ps, _mm512_cvtps_pd,
};

/// How a sum is stored: as it is, or (`f32` rows summed in `f64`) rounded to `f32` and
/// widened back, as scipy stores the column pass of a `float32` image.
trait Stored<T> {
    fn stored(acc: T) -> T;
}

impl<T> Stored<T> for T {
    #[inline(always)]
    fn stored(acc: T) -> T {
        acc
    }
}

impl Stored<f64> for f32 {
    #[inline(always)]
    fn stored(acc: f64) -> f64 {
        f64::from(acc as f32)
    }
}

macro_rules! widening {
    ($widen:ident, $store:ident, $feature:literal, $lanes:literal, $vec:ty,
     $load_ps:ident, $to_pd:ident, $to_ps:ident, $store_pd:ident $(,)?) => {
        /// `$lanes` `f32` at `p` widened to `f64` (exact).
        ///
        /// # Safety
        /// The CPU must support the features; `p` readable for `$lanes` values.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $widen(p: *const f32) -> $vec {
            // SAFETY: the caller's promise.
            unsafe { $to_pd($load_ps(p)) }
        }

        /// `v` rounded to `f32` (to nearest, as `as f32` does) and widened back, stored at `p`.
        ///
        /// # Safety
        /// The CPU must support the features; `p` writable for `$lanes` values.
        #[inline]
        #[target_feature(enable = $feature)]
        unsafe fn $store(p: *mut f64, v: $vec) {
            // SAFETY: the caller's promise.
            unsafe { $store_pd(p, $to_pd($to_ps(v))) }
        }
    };
}
widening!(
    widen_256,
    store_rounded_256,
    "avx2,fma",
    4,
    __m256d,
    _mm_loadu_ps,
    _mm256_cvtps_pd,
    _mm256_cvtpd_ps,
    _mm256_storeu_pd,
);
widening!(
    widen_512,
    store_rounded_512,
    "avx512f,avx2,fma",
    8,
    __m512d,
    _mm256_loadu_ps,
    _mm512_cvtps_pd,
    _mm512_cvtpd_ps,
    _mm512_storeu_pd,
);

/// Accumulators per wide block.
const REGS: usize = 8;

macro_rules! combine_kernel {
    ($name:ident, $feature:literal, $s:ty, $t:ty, $lanes:expr, $vec:ty,
     $zero:ident, $load:path, $store:path, $splat:ident, $fma:ident $(,)?) => {
        /// `out[c] = Σ_i coef[i] · rows[i][c]`, fused, taps in order from zero (each row
        /// value widened to the sums' type, each sum stored by `$store`).
        ///
        /// # Safety
        /// The CPU must support the enabled features; every row must hold `out.len()` values
        /// (checked).
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(rows: &[&[$s]], coef: &[$t], out: &mut [$t]) {
            let w = out.len();
            assert!(rows.len() == coef.len() && rows.iter().all(|r| r.len() >= w));
            let mut c = 0;
            // SAFETY: every load reads `rows[i][c .. c + block]` and every store writes
            // `out[c .. c + block]` with `c + block <= w`, in bounds by the assertion.
            unsafe {
                while c + REGS * $lanes <= w {
                    let mut acc: [$vec; REGS] = [$zero(); REGS];
                    for (r, &k) in rows.iter().zip(coef) {
                        let (k, p) = ($splat(k), r.as_ptr().add(c));
                        for (j, a) in acc.iter_mut().enumerate() {
                            *a = $fma(k, $load(p.add(j * $lanes)), *a);
                        }
                    }
                    for (j, a) in acc.iter().enumerate() {
                        $store(out.as_mut_ptr().add(c + j * $lanes), *a);
                    }
                    c += REGS * $lanes;
                }
                while c + $lanes <= w {
                    let mut acc = $zero();
                    for (r, &k) in rows.iter().zip(coef) {
                        acc = $fma($splat(k), $load(r.as_ptr().add(c)), acc);
                    }
                    $store(out.as_mut_ptr().add(c), acc);
                    c += $lanes;
                }
            }
            for (o, cc) in out[c..].iter_mut().zip(c..) {
                let mut acc: $t = 0.0;
                for (r, &k) in rows.iter().zip(coef) {
                    acc = k.mul_add(<$t>::from(r[cc]), acc);
                }
                *o = <$s as Stored<$t>>::stored(acc);
            }
        }
    };
}

combine_kernel!(
    f32_avx2,
    "avx2,fma",
    f32,
    f32,
    8,
    __m256,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
);
combine_kernel!(
    f64_avx2,
    "avx2,fma",
    f64,
    f64,
    4,
    __m256d,
    _mm256_setzero_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
);
combine_kernel!(
    f32_avx512,
    "avx512f,avx2,fma",
    f32,
    f32,
    16,
    __m512,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
);
combine_kernel!(
    f64_avx512,
    "avx512f,avx2,fma",
    f64,
    f64,
    8,
    __m512d,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
);
combine_kernel!(
    widened_avx2,
    "avx2,fma",
    f32,
    f64,
    4,
    __m256d,
    _mm256_setzero_pd,
    widen_256,
    store_rounded_256,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
);
combine_kernel!(
    widened_avx512,
    "avx512f,avx2,fma",
    f32,
    f64,
    8,
    __m512d,
    _mm512_setzero_pd,
    widen_512,
    store_rounded_512,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
);

use super::ROWS;

macro_rules! block_kernel {
    ($name:ident, $inner:ident, $feature:literal, $s:ty, $t:ty, $lanes:expr, $vec:ty,
     $v:expr, $zero:ident, $load:path, $store:path, $splat:ident, $fma:ident $(,)?) => {
        /// `V` vectors of columns from `c` of the [`ROWS`] outputs of [`$name`].
        ///
        /// # Safety
        /// As `$name`, with `c + V · lanes` within every row and output.
        #[inline(always)]
        unsafe fn $inner<const V: usize>(
            rows: &[&[$s]],
            coef: &[$t],
            out: &mut [&mut [$t]; ROWS],
            c: usize,
        ) {
            let m = coef.len();
            // SAFETY: the caller's bounds (loads of `rows[k][c .. c + V · lanes]`, stores to
            // `out[q][c ..]` of the same extent); the features are the caller's promise.
            unsafe {
                let mut acc = [[$zero(); V]; ROWS];
                for (k, r) in rows.iter().enumerate() {
                    let p = r.as_ptr().add(c);
                    let mut x = [$zero(); V];
                    for (j, xv) in x.iter_mut().enumerate() {
                        *xv = $load(p.add(j * $lanes));
                    }
                    // Row `q` takes tap `i = k + q - (ROWS - 1)` of this intermediate row.
                    for (q, aq) in acc.iter_mut().enumerate() {
                        if k + q >= ROWS - 1 && k + q - (ROWS - 1) < m {
                            let kq = $splat(coef[k + q - (ROWS - 1)]);
                            for (a, xv) in aq.iter_mut().zip(&x) {
                                *a = $fma(kq, *xv, *a);
                            }
                        }
                    }
                }
                for (o, aq) in out.iter_mut().zip(&acc) {
                    for (j, a) in aq.iter().enumerate() {
                        $store(o.as_mut_ptr().add(c + j * $lanes), *a);
                    }
                }
            }
        }

        /// [`ROWS`] consecutive output rows with every tap in range: `out[q][c] =
        /// Σ_i coef[i] · rows[i + ROWS - 1 - q][c]`, each the chain of the single-row kernel
        /// (fused, taps in order from zero), so the same bits.
        ///
        /// # Safety
        /// The CPU must support the enabled features; `rows` must hold `coef.len() + ROWS - 1`
        /// rows of at least the outputs' common length (checked).
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $name(rows: &[&[$s]], coef: &[$t], mut out: [&mut [$t]; ROWS]) {
            let w = out[0].len();
            assert!(
                rows.len() == coef.len() + ROWS - 1
                    && rows.iter().all(|r| r.len() >= w)
                    && out.iter().all(|o| o.len() == w)
            );
            let mut c = 0;
            // SAFETY: `c + block <= w`, in bounds of every row and output by the assertion.
            unsafe {
                while c + $v * $lanes <= w {
                    $inner::<$v>(rows, coef, &mut out, c);
                    c += $v * $lanes;
                }
                while c + $lanes <= w {
                    $inner::<1>(rows, coef, &mut out, c);
                    c += $lanes;
                }
            }
            for (q, o) in out.iter_mut().enumerate() {
                for (oc, cc) in o[c..].iter_mut().zip(c..) {
                    let mut acc: $t = 0.0;
                    for (i, &k) in coef.iter().enumerate() {
                        acc = k.mul_add(<$t>::from(rows[i + ROWS - 1 - q][cc]), acc);
                    }
                    *oc = <$s as Stored<$t>>::stored(acc);
                }
            }
        }
    };
}

block_kernel!(
    f32_avx2_rows,
    f32_avx2_cols,
    "avx2,fma",
    f32,
    f32,
    8,
    __m256,
    2,
    _mm256_setzero_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
);
block_kernel!(
    f64_avx2_rows,
    f64_avx2_cols,
    "avx2,fma",
    f64,
    f64,
    4,
    __m256d,
    2,
    _mm256_setzero_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
);
block_kernel!(
    f32_avx512_rows,
    f32_avx512_cols,
    "avx512f,avx2,fma",
    f32,
    f32,
    16,
    __m512,
    4,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
);
block_kernel!(
    f64_avx512_rows,
    f64_avx512_cols,
    "avx512f,avx2,fma",
    f64,
    f64,
    8,
    __m512d,
    4,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
);
block_kernel!(
    widened_avx2_rows,
    widened_avx2_cols,
    "avx2,fma",
    f32,
    f64,
    4,
    __m256d,
    2,
    _mm256_setzero_pd,
    widen_256,
    store_rounded_256,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
);
block_kernel!(
    widened_avx512_rows,
    widened_avx512_cols,
    "avx512f,avx2,fma",
    f32,
    f64,
    8,
    __m512d,
    4,
    _mm512_setzero_pd,
    widen_512,
    store_rounded_512,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
);

/// A blocked kernel: [`ROWS`] output rows at once, from rows of `S` summed in `T`.
type Block<S, T> = unsafe fn(&[&[S]], &[T], [&mut [T]; ROWS]);

/// The single-row and blocked kernels of one type.
pub(super) struct Kernels<S, T> {
    pub one: unsafe fn(&[&[S]], &[T], &mut [T]),
    pub block: Block<S, T>,
}

macro_rules! widest {
    ($name:ident, $s:ty, $t:ty, $avx512:ident, $avx512_rows:ident, $avx2:ident,
     $avx2_rows:ident $(,)?) => {
        /// The widest kernels this CPU runs for these types, `None` without AVX2 and FMA.
        pub(super) fn $name() -> Option<Kernels<$s, $t>> {
            if crate::simd::has_avx512() {
                Some(Kernels {
                    one: $avx512,
                    block: $avx512_rows,
                })
            } else if crate::simd::has_avx2_fma() {
                Some(Kernels {
                    one: $avx2,
                    block: $avx2_rows,
                })
            } else {
                None
            }
        }
    };
}
widest!(
    f32_kernels,
    f32,
    f32,
    f32_avx512,
    f32_avx512_rows,
    f32_avx2,
    f32_avx2_rows
);
widest!(
    f64_kernels,
    f64,
    f64,
    f64_avx512,
    f64_avx512_rows,
    f64_avx2,
    f64_avx2_rows
);
widest!(
    widened_kernels,
    f32,
    f64,
    widened_avx512,
    widened_avx512_rows,
    widened_avx2,
    widened_avx2_rows
);

#[cfg(test)]
mod tests {
    use super::*;

    /// For one type: the single-row kernels against the scalar `mul_add` chain, and the
    /// blocked ones against the single-row kernel on each output's rows, bit for bit.
    macro_rules! same_bits {
        ($t:ty, $avx2:ident, $avx512:ident, $avx2_rows:ident, $avx512_rows:ident) => {{
            let avx512 = crate::simd::has_avx512();
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            for (taps, w) in [(1, 200), (3, 131), (7, 64), (15, 257), (31, 9), (2, 1000)] {
                let mut draw = |n| -> Vec<$t> {
                    let v = crate::nd::fused::tests::values(n, &mut seed, false);
                    v.into_iter().map(|e| e as $t).collect()
                };
                let data: Vec<Vec<$t>> = (0..taps + ROWS - 1).map(|_| draw(w)).collect();
                let coef = draw(taps);
                let tall: Vec<&[$t]> = data.iter().map(|r| &r[..]).collect();
                let rows = &tall[..taps];
                let want: Vec<$t> = (0..w)
                    .map(|c| {
                        let mut acc: $t = 0.0;
                        for (r, k) in rows.iter().zip(&coef) {
                            acc = k.mul_add(r[c], acc);
                        }
                        acc
                    })
                    .collect();
                let singles: [unsafe fn(&[&[$t]], &[$t], &mut [$t]); 2] = [$avx2, $avx512];
                let blocks: [Block<$t, $t>; 2] = [$avx2_rows, $avx512_rows];
                for k in 0..1 + usize::from(avx512) {
                    let mut got = vec![<$t>::NAN; w];
                    // SAFETY: AVX2 and FMA checked by the caller, AVX-512F above.
                    unsafe { singles[k](rows, &coef, &mut got) };
                    assert_eq!(got, want, "{} {k} taps={taps} w={w}", stringify!($t));
                    let mut outs = vec![vec![<$t>::NAN; w]; ROWS];
                    let mut it = outs.iter_mut();
                    let o = [(); ROWS].map(|()| &mut it.next().unwrap()[..]);
                    // SAFETY: as above.
                    unsafe { blocks[k](&tall, &coef, o) };
                    for (q, got) in outs.iter().enumerate() {
                        let mut one = vec![<$t>::NAN; w];
                        // SAFETY: as above.
                        unsafe { $avx2(&tall[ROWS - 1 - q..][..taps], &coef, &mut one) };
                        assert_eq!(
                            got,
                            &one,
                            "{} block {k} row {q} taps={taps}",
                            stringify!($t)
                        );
                    }
                }
            }
        }};
    }

    /// The kernels for `f32` rows summed in `f64`: each output the `f64` `mul_add` chain on
    /// the widened values, rounded to `f32`, for one row and for blocks of [`ROWS`], on widths
    /// that leave every kind of tail.
    #[test]
    fn widened_rows_round_each_sum_once() {
        let Some(k) = widened_kernels() else {
            eprintln!("skipped: this CPU lacks AVX2 or FMA");
            return;
        };
        let mut seed = 0x5851_f42d_4c95_7f2du64;
        for (taps, w) in [(1, 200), (3, 131), (7, 64), (15, 257), (31, 9), (2, 1000)] {
            let mut draw = |n| crate::nd::fused::tests::values(n, &mut seed, false);
            let data: Vec<Vec<f32>> = (0..taps + ROWS - 1)
                .map(|_| draw(w).into_iter().map(|v| v as f32).collect())
                .collect();
            let coef = draw(taps);
            let tall: Vec<&[f32]> = data.iter().map(|r| &r[..]).collect();
            let chain = |rows: &[&[f32]]| -> Vec<f64> {
                (0..w)
                    .map(|c| {
                        let mut acc = 0.0f64;
                        for (r, k) in rows.iter().zip(&coef) {
                            acc = k.mul_add(f64::from(r[c]), acc);
                        }
                        f64::from(acc as f32)
                    })
                    .collect()
            };
            let mut got = vec![f64::NAN; w];
            // SAFETY: `widened_kernels` returns only kernels this CPU supports.
            unsafe { (k.one)(&tall[..taps], &coef, &mut got) };
            assert_eq!(got, chain(&tall[..taps]), "taps={taps} w={w}");
            let mut outs = vec![vec![f64::NAN; w]; ROWS];
            let mut it = outs.iter_mut();
            let o = [(); ROWS].map(|()| &mut it.next().unwrap()[..]);
            // SAFETY: as above.
            unsafe { (k.block)(&tall, &coef, o) };
            for (q, got) in outs.iter().enumerate() {
                assert_eq!(
                    got,
                    &chain(&tall[ROWS - 1 - q..][..taps]),
                    "row {q} taps={taps}"
                );
            }
        }
    }

    /// AVX-512, AVX2 and the scalar `mul_add` chain agree bit for bit, on widths that leave
    /// every kind of tail, for one output row and for blocks of [`ROWS`].
    #[test]
    fn every_width_gives_the_same_bits() {
        if !crate::simd::has_avx2_fma() {
            eprintln!("skipped: this CPU lacks AVX2 or FMA");
            return;
        }
        same_bits!(f64, f64_avx2, f64_avx512, f64_avx2_rows, f64_avx512_rows);
        same_bits!(f32, f32_avx2, f32_avx512, f32_avx2_rows, f32_avx512_rows);
    }
}
