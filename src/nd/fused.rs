//! The separable passes fused: rows first, each output row's column combine reading the row
//! pass's results from a ring of `m0` rows that stays in cache, instead of an intermediate
//! image written to memory and read back (or transposed twice).
//!
//! Output rows are computed in order down each band. Before output row `t`, the row pass
//! (the crate's 1-D direct kernel) has filled the ring with every intermediate row `g` that
//! reaches it (`t - m0 < g <= t`, inside the image), each into slot `g % slots`; the column
//! combine ([`super::combine`]) then sums them with SIMD across the columns, running down
//! the rows without a transpose. Wide images are cut into column tiles so that the ring stays
//! within [`RING_BYTES`].
//!
//! Each intermediate row is a function of one image row alone, and the combine sums a fixed
//! list of them per output, so the result does not depend on the band or tile boundaries:
//! bands of output rows run on rayon's threads (each band refills its first `m0 - 1` rows)
//! with the same bits as one thread. The tiles start at multiples of [`TILE_ALIGN`] columns,
//! so that the 1-D kernel blocks each row as it would untiled.

use crate::alloc::try_zeroed;
use crate::element::private::Scalar;
use crate::error::ConvError;

use super::combine::{ROWS, combine, combine_block};
use super::parallel;

/// Bytes of the ring of intermediate rows: with the image rows it reads and the output row,
/// well inside a 512 KiB L2 cache (Zen 3's; the Xeon's is larger).
const RING_BYTES: usize = 256 << 10;

/// Bytes between the end of one ring row and the start of the next: rows a power of two
/// apart would all map to the same L1 sets, and the combine reads up to `m0` of them at once.
const RING_PAD: usize = 64;

/// Column tiles start at multiples of this many outputs, a multiple of every block width of the
/// 1-D direct kernel, so that each intermediate value is summed as in an untiled row.
const TILE_ALIGN: usize = 256;

/// Intermediate rows kept: at most `m0 + ROWS - 1` reach a block of output rows, and there are
/// only `n0`.
fn slots(n0: usize, m0: usize) -> usize {
    (m0 + ROWS - 1).min(n0)
}

/// Columns per tile for `slots` rows of `T` in [`RING_BYTES`], a multiple of [`TILE_ALIGN`]
/// (all of `width` when it fits).
fn tile_width<T>(slots: usize, width: usize) -> usize {
    let fit = RING_BYTES / (slots * size_of::<T>()).max(1);
    if fit >= width {
        width
    } else {
        (fit / TILE_ALIGN).max(1) * TILE_ALIGN
    }
}

/// `out = (x * (column ⊗ row))[lo .. lo + len]` for a 2-D `x` of shape `xs`, rows first with
/// the column pass fused (see the module), the output rows cut into `bands` bands. The rows
/// of the row pass are taken by the 1-D direct kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<T: Scalar>(
    x: &[T],
    xs: [usize; 2],
    column: &[T],
    row: &[T],
    lo: [usize; 2],
    len: [usize; 2],
    out: &mut [T],
    bands: usize,
) -> Result<(), ConvError> {
    let [n0, _] = xs;
    let slots = slots(n0, column.len());
    let tile = tile_width::<T>(slots, len[1]);
    let stride = tile + (RING_PAD / size_of::<T>()).max(1);
    let run = |first: usize, part: &mut [T]| -> Result<(), ConvError> {
        let mut ring = try_zeroed(slots * stride)?;
        band(
            x, xs, column, row, lo, len, first, part, &mut ring, tile, stride,
        );
        Ok(())
    };
    if bands < 2 || len[0] < 2 {
        return run(0, out);
    }
    parallel::for_each_band(out, len[1], &parallel::even_cuts(len[0], bands), run)
}

/// The output rows `first ..` of [`run`] into `out`, tile by tile, with `ring` (`slots` rows
/// of `tile` values, `stride` apart) for the intermediate rows.
#[allow(clippy::too_many_arguments)]
fn band<T: Scalar>(
    x: &[T],
    [n0, n1]: [usize; 2],
    column: &[T],
    row: &[T],
    lo: [usize; 2],
    len: [usize; 2],
    first: usize,
    out: &mut [T],
    ring: &mut [T],
    tile: usize,
    stride: usize,
) {
    let (m0, m1) = (column.len(), row.len());
    let slots = ring.len() / stride;
    let rows = out.len() / len[1];
    for c0 in (0..len[1]).step_by(tile) {
        let w = tile.min(len[1] - c0);
        // The next intermediate row to compute.
        let mut next = 0;
        let fill = |upto: usize, next: &mut usize, ring: &mut [T]| {
            while *next <= upto {
                let slot = &mut ring[(*next % slots) * stride..][..w];
                let xr = &x[*next * n1..][..n1];
                if n1 >= m1 {
                    T::direct(xr, row, lo[1] + c0, slot);
                } else {
                    T::direct(row, xr, lo[1] + c0, slot);
                }
                *next += 1;
            }
        };
        let mut r = 0;
        while r < rows {
            let t = lo[0] + first + r;
            // Taps i with 0 <= t - i < n0; intermediate rows t - i_hi ..= t - i_lo.
            let (i_lo, i_hi) = ((t + 1).saturating_sub(n0), (m0 - 1).min(t));
            next = next.max(t - i_hi);
            let last = t + ROWS - 1;
            if r + ROWS <= rows && t + 1 >= m0 && last < n0 {
                // ROWS rows with every tap in range: rows last, last - 1, ..., t + 1 - m0.
                fill(last, &mut next, ring);
                let taps: Vec<&[T]> = (0..m0 + ROWS - 1)
                    .map(|k| &ring[((last - k) % slots) * stride..][..w])
                    .collect();
                let mut outs = out[r * len[1]..]
                    .chunks_mut(len[1])
                    .map(|o| &mut o[c0..][..w]);
                let outs = [(); ROWS].map(|()| outs.next().expect("ROWS rows left"));
                combine_block(&taps, column, outs);
                r += ROWS;
                continue;
            }
            fill(t - i_lo, &mut next, ring);
            let taps: Vec<&[T]> = (i_lo..=i_hi)
                .map(|i| &ring[((t - i) % slots) * stride..][..w])
                .collect();
            combine(
                &taps,
                &column[i_lo..=i_hi],
                &mut out[r * len[1] + c0..][..w],
            );
            r += 1;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::mode::Mode;
    use crate::nd::{direct, window};
    use num_complex::Complex;

    /// Seeded values in [-8, 8) on a grid of 1/64 (`exact`: integers), as `f64`.
    pub(crate) fn values(len: usize, seed: &mut u64, exact: bool) -> Vec<f64> {
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                let v = (*seed >> 11) as f64 / (1u64 << 53) as f64 * 16.0 - 8.0;
                if exact { v.floor() } else { v }
            })
            .collect()
    }

    /// Fused passes against the 2-D direct sum of the outer product over seeded shapes
    /// (1-pixel axes, kernels larger than the image, every mode): exact for integer-valued
    /// data, within `2ε·log2(N)·‖a‖₂·‖v‖₂` otherwise; and the same bits in 1, 2 and 3 bands.
    fn agrees<T: Scalar + bytemuck::Pod>(
        from: impl Fn(f64, f64) -> T,
        parts: impl Fn(T) -> [f64; 2],
        eps: f64,
        exact: bool,
    ) {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..120 {
            let mut dims = values(4, &mut seed, true)
                .into_iter()
                .map(|v| v.abs() as usize);
            let mut dim = |max: usize| dims.next().unwrap() % max + 1;
            let (n0, n1) = if round % 8 == 0 {
                (150, 300)
            } else {
                (dim(9) * 3, dim(8) * 5)
            };
            let (m0, m1) = (dim(8) + round % 3, dim(7));
            let cplx = |v: Vec<f64>, w: Vec<f64>| -> Vec<T> {
                v.into_iter().zip(w).map(|(a, b)| from(a, b)).collect()
            };
            let len = |n: usize, s: &mut u64| cplx(values(n, s, exact), values(n, s, exact));
            let x = len(n0 * n1, &mut seed);
            let (column, row) = (len(m0, &mut seed), len(m1, &mut seed));
            let v: Vec<T> = column
                .iter()
                .flat_map(|&c| row.iter().map(move |&r| T::mac(T::default(), c, r)))
                .collect();
            let norm = |s: &[T]| -> f64 {
                s.iter()
                    .map(|&e| parts(e)[0].powi(2) + parts(e)[1].powi(2))
                    .sum()
            };
            let scale = (norm(&x) * norm(&v)).sqrt();
            for mode in [Mode::Full, Mode::Same, Mode::Valid] {
                if mode == Mode::Valid && (m0 > n0) != (m1 > n1) && m0 != n0 && m1 != n1 {
                    continue;
                }
                let w = window::per_axis(&[n0, n1], &[m0, m1], mode);
                let size = w.len[0] * w.len[1];
                let mut want = vec![T::default(); size];
                direct::window(&x, &[n0, n1], &v, &[m0, m1], &w.lo, &w.len, &mut want, 1);
                let (lo, len) = ([w.lo[0], w.lo[1]], [w.len[0], w.len[1]]);
                let mut got = vec![T::default(); size];
                run(&x, [n0, n1], &column, &row, lo, len, &mut got, 1).unwrap();
                let what = format!("{mode} {n0}x{n1} * {m0}x{m1}");
                let full = ((n0 + m0 - 1) * (n1 + m1 - 1)).max(4) as f64;
                let tol = if exact {
                    0.0
                } else {
                    2.0 * eps * full.log2() * scale
                };
                for (k, (&g, &e)) in got.iter().zip(&want).enumerate() {
                    let (g, e) = (parts(g), parts(e));
                    let err = (g[0] - e[0]).hypot(g[1] - e[1]);
                    assert!(err <= tol, "{what} at {k}: {g:?} vs {e:?}, tolerance {tol}");
                }
                for bands in [2, 3] {
                    let mut split = vec![T::default(); size];
                    run(&x, [n0, n1], &column, &row, lo, len, &mut split, bands).unwrap();
                    let bytes = |s: &[T]| bytemuck::cast_slice::<T, u8>(s).to_vec();
                    assert_eq!(bytes(&split), bytes(&got), "{what} in {bands} bands");
                }
            }
        }
    }

    #[test]
    fn fused_passes_agree_with_the_direct_sum() {
        agrees::<f64>(|a, _| a, |e| [e, 0.0], f64::EPSILON, false);
        agrees::<f64>(|a, _| a, |e| [e, 0.0], f64::EPSILON, true);
        agrees::<f32>(
            |a, _| a as f32,
            |e| [e.into(), 0.0],
            f32::EPSILON.into(),
            false,
        );
        agrees::<f32>(
            |a, _| a as f32,
            |e| [e.into(), 0.0],
            f32::EPSILON.into(),
            true,
        );
        agrees::<i64>(|a, _| a as i64, |e| [e as f64, 0.0], 0.0, true);
        agrees::<i32>(|a, _| a as i32, |e| [e.into(), 0.0], 0.0, true);
        let c64 = |a, b| Complex::new(a, b);
        agrees::<Complex<f64>>(c64, |e| [e.re, e.im], f64::EPSILON, false);
        let c32 = |a: f64, b: f64| Complex::new(a as f32, b as f32);
        let p32 = |e: Complex<f32>| [e.re.into(), e.im.into()];
        agrees::<Complex<f32>>(c32, p32, f32::EPSILON.into(), false);
    }

    /// Integer sums wrap exactly as the 2-D direct sum's.
    #[test]
    fn integer_passes_wrap_like_the_direct_sum() {
        let (x, column, row) = (vec![i32::MAX; 12], [3, -7, i32::MIN], [5, i32::MAX]);
        let v: Vec<i32> = column
            .iter()
            .flat_map(|&c| row.iter().map(move |&r| c.wrapping_mul(r)))
            .collect();
        let w = window::per_axis(&[3, 4], &[3, 2], Mode::Full);
        let mut want = vec![0; 5 * 5];
        direct::window(&x, &[3, 4], &v, &[3, 2], &w.lo, &w.len, &mut want, 1);
        let mut got = vec![0; 25];
        run(&x, [3, 4], &column, &row, [0, 0], [5, 5], &mut got, 1).unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn tiles_fit_the_ring_and_stay_aligned() {
        assert_eq!(tile_width::<f32>(5, 4096), 4096);
        let t = tile_width::<f64>(63, 4096);
        assert!(
            t.is_multiple_of(TILE_ALIGN) && t * 63 * 8 <= RING_BYTES,
            "{t}"
        );
        // A ring too tall for even one aligned tile still gets one.
        assert_eq!(tile_width::<f64>(1000, 4096), TILE_ALIGN);
        assert_eq!(slots(3, 15), 3);
    }
}
