//! The passes of [`super::fused_ndimage`] for `f32` images summed in `f64` when the kernel is
//! symmetric with an odd length (every Gaussian), in AVX2 and AVX-512 registers: the pairs of
//! taps at equal distances from the centre are added before they are weighted, as scipy's
//! `correlate1d` does.
//!
//! Each output is the chain for a symmetric kernel `w` of radius `R` in scipy's order, with
//! fused multiply-adds: `acc = x[0] · w[0]`, then `acc = fma(x[-j] + x[j], w[j], acc)` for
//! `j = R, R - 1, …, 1` (`x` centred on the output, in `f64`), then rounded to `f32`. Against
//! the multiply-add chain over every tap, half the products, and the additions run on the ports
//! the products do not use: on AMD EPYC Zen 4, 512² `f32`, 4 % faster at k = 3 and 22 % at
//! k = 15. (scipy rounds each product before adding it; that order, without the fused steps,
//! gives scipy's bits but ran 10 % slower than this one.)
//!
//! The chain is fixed per output, so the 512-bit and 256-bit kernels, the scalar tails, and
//! any grouping of rows or cut into bands give the same bits.

use std::arch::x86_64::{
    __m256d, __m512d, _mm_loadu_ps, _mm_storeu_ps, _mm256_add_pd, _mm256_cvtpd_ps, _mm256_cvtps_pd,
    _mm256_fmadd_pd, _mm256_loadu_pd, _mm256_loadu_ps, _mm256_mul_pd, _mm256_set1_pd,
    _mm256_storeu_pd, _mm256_storeu_ps, _mm512_add_pd, _mm512_cvtpd_ps, _mm512_cvtps_pd,
    _mm512_fmadd_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_set1_pd, _mm512_storeu_pd,
};
use std::arch::x86_64::{_mm512_alignr_epi64, _mm512_castpd_si512, _mm512_castsi512_pd};
use std::mem::MaybeUninit;

use super::combine::ROWS;

/// The largest radius with kernels here (17 taps): longer kernels take the multiply-add chains
/// of `combine` and `narrow_x86`.
pub(super) const MAX_RADIUS: usize = 8;

/// The largest radius whose column pass the fused passes fold. The folded column pass holds
/// the `2 R + 4` input rows of a block in registers, 32 bytes of each per step; past this
/// radius, at 2048² (rows a power of two apart, sharing the L1 cache's sets) the halves of
/// the rows' cache lines came from L2 twice, and k = 15 ran 10 % slower than the multiply-add
/// chain, which streams the rows 128 bytes at a time. With that chain for the column pass and
/// the folded row pass, k = 15 ran faster than with both chains at 2048², and within 2 % of
/// both folded at 512² (AMD EPYC Zen 4).
pub(super) const COLUMN_RADIUS: usize = 4;

/// Input rows one column block holds in registers: `2 R + 1` taps for each of up to [`ROWS`]
/// output rows.
const HELD: usize = 2 * MAX_RADIUS + ROWS;

/// Vectors of outputs per step of the row pass, for independent chains in flight.
const REGS: usize = 4;

/// The chain for one output: centre `x0`, pairs `(l[j], r[j])` for `j = 1 ..= R`, half-weights
/// `h` (`h[0]` the centre's), the outer pairs first (see the module).
#[inline(always)]
fn chain(x0: f64, pair: impl Fn(usize) -> (f64, f64), h: &[f64]) -> f64 {
    let mut acc = x0 * h[0];
    for j in (1..h.len()).rev() {
        let (l, r) = pair(j);
        acc = (l + r).mul_add(h[j], acc);
    }
    acc
}

/// Values a row pass's window may read past its last tap.
const SLACK: usize = 8;

/// The largest radius whose row pass takes its taps through [`window_512`]: beyond it the
/// compiler no longer unrolls the taps, and the shifts, chosen at run time, took twice as long
/// as the loads (AMD EPYC Zen 4).
const WINDOW_RADIUS: usize = 5;

/// `ext[at ..][.. 4]`.
///
/// # Safety
/// The CPU must support AVX; `p.add(at)` readable for 4 values.
#[inline(always)]
unsafe fn load_256(p: *const f64, at: usize) -> __m256d {
    // SAFETY: the caller's promise.
    unsafe { _mm256_loadu_pd(p.add(at)) }
}

/// `ext[at ..][.. 8]` from the vectors at `at - at % 8` and the next 8 values, shifted across
/// lanes: a window of a row pass's taps then takes one load per 8 values instead of one per
/// tap, most of them across two cache lines.
///
/// # Safety
/// The CPU must support AVX-512F; `p.add(at - at % 8)` readable for 16 values.
#[inline(always)]
unsafe fn window_512(p: *const f64, at: usize) -> __m512d {
    let (base, s) = (at - at % 8, at % 8);
    // SAFETY: the caller's promise.
    unsafe {
        let a = _mm512_castpd_si512(_mm512_loadu_pd(p.add(base)));
        let b = _mm512_castpd_si512(_mm512_loadu_pd(p.add(base + 8)));
        _mm512_castsi512_pd(match s {
            0 => a,
            1 => _mm512_alignr_epi64::<1>(b, a),
            2 => _mm512_alignr_epi64::<2>(b, a),
            3 => _mm512_alignr_epi64::<3>(b, a),
            4 => _mm512_alignr_epi64::<4>(b, a),
            5 => _mm512_alignr_epi64::<5>(b, a),
            6 => _mm512_alignr_epi64::<6>(b, a),
            _ => _mm512_alignr_epi64::<7>(b, a),
        })
    }
}

macro_rules! folded {
    ($col:ident, $col_n:ident, $row:ident, $fold:ident, $feature:literal, $lanes:literal, $vec:ty,
     $load_ps:ident, $to_pd:ident, $to_ps:ident, $load_pd:ident, $store_pd:ident,
     $store_ps:ident, $splat:ident, $add:ident, $mul:ident, $fma:ident, $window:ident $(,)?) => {
        /// `Q` output rows of the column pass from column `c` on, `$lanes` columns: row `q`
        /// from `rows[Q - 1 - q ..][.. 2 R + 1]` (the latest row first), each sum rounded to
        /// `f32` and stored widened.
        ///
        /// # Safety
        /// The CPU must support the features; `c + $lanes` within every row and output.
        #[inline(always)]
        unsafe fn $col_n<const R: usize, const Q: usize>(
            rows: &[&[f32]],
            h: &[$vec; MAX_RADIUS + 1],
            out: &mut [&mut [f64]],
            c: usize,
        ) {
            // SAFETY: the caller's bounds and features.
            unsafe {
                let mut x = [$splat(0.0); HELD];
                for (xv, r) in x.iter_mut().zip(&rows[..2 * R + Q]) {
                    *xv = $to_pd($load_ps(r.as_ptr().add(c)));
                }
                for (q, o) in out[..Q].iter_mut().enumerate() {
                    let m = Q - 1 - q + R;
                    let mut acc = $mul(x[m], h[0]);
                    for j in (1..=R).rev() {
                        acc = $fma($add(x[m - j], x[m + j]), h[j], acc);
                    }
                    $store_pd(o.as_mut_ptr().add(c), $to_pd($to_ps(acc)));
                }
            }
        }

        /// One vector of the row pass: the chain over the taps `at(0 ..= 2 R)`, centre `at(R)`.
        ///
        /// # Safety
        /// The CPU must support the features.
        #[inline(always)]
        unsafe fn $fold<const R: usize>(
            at: impl Fn(usize) -> $vec,
            hv: &[$vec; MAX_RADIUS + 1],
        ) -> $vec {
            // SAFETY: the caller's features.
            unsafe {
                let mut acc = $mul(at(R), hv[0]);
                for j in (1..=R).rev() {
                    acc = $fma($add(at(R - j), at(R + j)), hv[j], acc);
                }
                acc
            }
        }

        /// The column pass of `out.len()` (1 or [`ROWS`]) output rows from `rows` (the latest
        /// first, `2 R + out.len()` of them) with half-weights `h` (`R + 1`, the centre's
        /// first), each sum rounded to `f32` and widened back, as scipy stores the pass.
        ///
        /// # Safety
        /// The CPU must support the features; `h.len() == R + 1`, and the rows and outputs as
        /// above (checked).
        #[target_feature(enable = $feature)]
        unsafe fn $col<const R: usize>(rows: &[&[f32]], h: &[f64], out: &mut [&mut [f64]]) {
            let (q, w) = (out.len(), out[0].len());
            assert!(
                h.len() == R + 1
                    && (q == 1 || q == ROWS)
                    && rows.len() == 2 * R + q
                    && rows.iter().all(|r| r.len() >= w)
                    && out.iter().all(|o| o.len() == w)
            );
            let mut hv = [$splat(0.0); MAX_RADIUS + 1];
            for (v, &k) in hv.iter_mut().zip(h) {
                *v = $splat(k);
            }
            let mut c = 0;
            // SAFETY: `c + $lanes <= w`, inside every row and output by the assertion.
            unsafe {
                while q == ROWS && c + $lanes <= w {
                    $col_n::<R, ROWS>(rows, &hv, out, c);
                    c += $lanes;
                }
                while q == 1 && c + $lanes <= w {
                    $col_n::<R, 1>(rows, &hv, out, c);
                    c += $lanes;
                }
            }
            for (i, o) in out.iter_mut().enumerate() {
                let m = q - 1 - i + R;
                for (oc, cc) in o[c..].iter_mut().zip(c..) {
                    let x = |k: usize| f64::from(rows[k][cc]);
                    let acc = chain(x(m), |j| (x(m - j), x(m + j)), h);
                    *oc = f64::from(acc as f32);
                }
            }
        }

        /// The row pass: `out[c]` from `ext[c ..][.. 2 R + 1]` (centre `ext[c + R]`) with
        /// half-weights `h`, rounded to `f32`.
        ///
        /// # Safety
        /// The CPU must support the features; `h.len() == R + 1` and `ext` holds `out.len() +
        /// 2 R` values (checked).
        #[target_feature(enable = $feature)]
        unsafe fn $row<const R: usize>(ext: &[f64], h: &[f64], out: &mut [MaybeUninit<f32>]) {
            let len = out.len();
            assert!(h.len() == R + 1 && ext.len() >= len + 2 * R);
            let mut hv = [$splat(0.0); MAX_RADIUS + 1];
            for (v, &k) in hv.iter_mut().zip(h) {
                *v = $splat(k);
            }
            let (p, o) = (ext.as_ptr(), out.as_mut_ptr().cast::<f32>());
            let mut c = 0;
            // SAFETY: each load reads `ext[c + i .. c + i + $lanes]` with `i <= 2 R` and `c +
            // $lanes <= len`, inside `ext` by the assertion, and `$window` up to `SLACK` values
            // further, inside `ext` by the first loop's condition; each store writes `out[c ..
            // c + $lanes]`.
            unsafe {
                while c + REGS * $lanes <= len && c + REGS * $lanes + 2 * R + SLACK <= ext.len() {
                    let acc: [$vec; REGS] = std::array::from_fn(|v| {
                        let c = c + v * $lanes;
                        if R <= WINDOW_RADIUS {
                            $fold::<R>(|i| $window(p, c + i), &hv)
                        } else {
                            $fold::<R>(|i| $load_pd(p.add(c + i)), &hv)
                        }
                    });
                    for (v, a) in acc.iter().enumerate() {
                        $store_ps(o.add(c + v * $lanes), $to_ps(*a));
                    }
                    c += REGS * $lanes;
                }
                while c + $lanes <= len {
                    $store_ps(
                        o.add(c),
                        $to_ps($fold::<R>(|i| $load_pd(p.add(c + i)), &hv)),
                    );
                    c += $lanes;
                }
            }
            for (d, cc) in out[c..].iter_mut().zip(c..) {
                let acc = chain(ext[cc + R], |j| (ext[cc + R - j], ext[cc + R + j]), h);
                d.write(acc as f32);
            }
        }
    };
}

folded!(
    column_avx2,
    column_avx2_n,
    row_avx2,
    fold_avx2,
    "avx2,fma",
    4,
    __m256d,
    _mm_loadu_ps,
    _mm256_cvtps_pd,
    _mm256_cvtpd_ps,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm_storeu_ps,
    _mm256_set1_pd,
    _mm256_add_pd,
    _mm256_mul_pd,
    _mm256_fmadd_pd,
    load_256,
);
folded!(
    column_avx512,
    column_avx512_n,
    row_avx512,
    fold_avx512,
    "avx512f,avx2,fma",
    8,
    __m512d,
    _mm256_loadu_ps,
    _mm512_cvtps_pd,
    _mm512_cvtpd_ps,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm256_storeu_ps,
    _mm512_set1_pd,
    _mm512_add_pd,
    _mm512_mul_pd,
    _mm512_fmadd_pd,
    window_512,
);

/// A column pass: rows of `f32` (the latest first), half-weights, 1 or [`ROWS`] output rows.
pub(super) type Column = unsafe fn(&[&[f32]], &[f64], &mut [&mut [f64]]);

/// A row pass: the padded row of `f64` sums, half-weights, the `f32` outputs.
pub(super) type Row = unsafe fn(&[f64], &[f64], &mut [MaybeUninit<f32>]);

/// The half-weights of `w` (`w[R], w[R - 1], …, w[0]`: the centre's first) when it is
/// symmetric bit for bit with an odd length and a radius of 1 ..= [`MAX_RADIUS`].
pub(super) fn half_weights(w: &[f64]) -> Option<Vec<f64>> {
    let r = w.len() / 2;
    let symmetric = w
        .iter()
        .zip(w.iter().rev())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    (w.len() % 2 == 1 && (1..=MAX_RADIUS).contains(&r) && symmetric)
        .then(|| w[..=r].iter().rev().copied().collect())
}

macro_rules! by_radius {
    ($r:expr, $f:ident) => {
        match $r {
            1 => $f::<1>,
            2 => $f::<2>,
            3 => $f::<3>,
            4 => $f::<4>,
            5 => $f::<5>,
            6 => $f::<6>,
            7 => $f::<7>,
            8 => $f::<8>,
            _ => return None,
        }
    };
}

/// The widest column and row kernels this CPU runs for `radius` (1 ..= [`MAX_RADIUS`]), `None`
/// without AVX2 and FMA or for another radius.
pub(super) fn kernels(radius: usize) -> Option<(Column, Row)> {
    if crate::simd::has_avx512() {
        of_width(radius, true)
    } else if crate::simd::has_avx2_fma() {
        of_width(radius, false)
    } else {
        None
    }
}

/// The 512-bit (`wide`) or 256-bit kernels for `radius`, whatever the CPU runs.
fn of_width(radius: usize, wide: bool) -> Option<(Column, Row)> {
    Some(if wide {
        (
            by_radius!(radius, column_avx512),
            by_radius!(radius, row_avx512),
        )
    } else {
        (
            by_radius!(radius, column_avx2),
            by_radius!(radius, row_avx2),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(n: usize, seed: &mut u64) -> Vec<f64> {
        crate::nd::fused::tests::values(n, seed, false)
    }

    /// Both widths against the chain written out in scalar code, bit for bit, for every radius,
    /// one row and blocks of [`ROWS`], on widths that leave every kind of tail.
    #[test]
    fn the_folded_chain_at_every_width() {
        if !crate::simd::has_avx2_fma() {
            eprintln!("skipped: this CPU lacks AVX2 or FMA");
            return;
        }
        let mut seed = 0x3c6e_f372_fe94_f82bu64;
        for r in 1..=MAX_RADIUS {
            let half = draw(r + 1, &mut seed);
            let w: Vec<f64> = (0..=2 * r).map(|i| half[i.abs_diff(r)]).collect();
            let h = half_weights(&w).expect("symmetric");
            assert_eq!(h, half);
            // `acc = x[0] * w[0]`, then `acc = fma(x[-j] + x[j], w[j], acc)`, outer pair first.
            let folded = |x: &dyn Fn(isize) -> f64| -> f32 {
                let mut acc = x(0) * half[0];
                for j in (1..=r).rev() {
                    acc = (x(-(j as isize)) + x(j as isize)).mul_add(half[j], acc);
                }
                acc as f32
            };
            for len in [1, 7, 8, 9, 31, 33, 100] {
                let ext = draw(len + 2 * r, &mut seed);
                let ext: Vec<f64> = ext.iter().map(|&v| f64::from(v as f32)).collect();
                let want: Vec<f32> = (0..len)
                    .map(|c| folded(&|j| ext[((c + r) as isize + j) as usize]))
                    .collect();
                let data: Vec<Vec<f32>> = (0..2 * r + ROWS)
                    .map(|_| draw(len, &mut seed).iter().map(|&v| v as f32).collect())
                    .collect();
                let rows: Vec<&[f32]> = data.iter().map(|d| &d[..]).collect();
                // Output `q` of a block of `ROWS`; a single row is the block's first.
                let column = |q: usize| -> Vec<f64> {
                    let m = (ROWS - 1 - q + r) as isize;
                    (0..len)
                        .map(|c| {
                            let x = |j: isize| f64::from(rows[(m + j) as usize][c]);
                            f64::from(folded(&x))
                        })
                        .collect()
                };
                for i in 0..1 + usize::from(crate::simd::has_avx512()) {
                    let (col, row) = of_width(r, i == 1).expect("a radius with kernels");
                    let mut got = vec![MaybeUninit::new(f32::NAN); len];
                    // SAFETY: the features were checked above.
                    unsafe { row(&ext, &h, &mut got) };
                    // SAFETY: every element was written.
                    let got: Vec<f32> = got.iter().map(|g| unsafe { g.assume_init() }).collect();
                    assert_eq!(got, want, "row kernel {i} r={r} len={len}");
                    for n in [1, ROWS] {
                        let mut outs = vec![vec![f64::NAN; len]; n];
                        let mut o: Vec<&mut [f64]> = outs.iter_mut().map(|v| &mut v[..]).collect();
                        // SAFETY: as above.
                        unsafe { col(&rows[ROWS - n..], &h, &mut o) };
                        for (q, got) in outs.iter().enumerate() {
                            let want = column(q);
                            assert_eq!(got, &want, "column kernel {i} r={r} len={len} {q}/{n}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn only_exactly_symmetric_odd_kernels_fold() {
        assert_eq!(half_weights(&[0.25, 0.5, 0.25]), Some(vec![0.5, 0.25]));
        assert_eq!(
            half_weights(&[0.25, 0.5, 0.25 + 1e-17]),
            Some(vec![0.5, 0.25])
        );
        assert_eq!(half_weights(&[0.25, 0.5, 0.250_000_000_000_000_06]), None);
        assert_eq!(half_weights(&[0.5, 0.5]), None);
        assert_eq!(half_weights(&[1.0]), None);
        assert_eq!(half_weights(&[1.0; 2 * MAX_RADIUS + 3]), None);
    }
}
