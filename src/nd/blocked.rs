//! The register-blocked direct 2-D kernel, for `f32` and `f64` kernels of at most
//! [`MAX_TAPS`] taps on each axis with finite values.
//!
//! The general N-D direct kernel (`direct.rs`) sums each output row from its row pairs, which
//! reloads and re-stores the accumulators once per kernel row and reads every input vector once
//! per output row. Here a tile of `R` output rows × `V` vectors of columns stays in registers
//! while all `k0 × k1` taps stream over it: one broadcast per tap serves the `R · V`
//! multiply-adds, and nothing is stored until the tile's sums are complete.
//!
//! The input rows a band needs are copied once, padded with zeros to the columns the window
//! reaches (and rows outside the input are rows of zeros), into a ring of `R + k0 - 1` rows
//! that stays in cache. The taps are finite, so a padding zero contributes a zero product, and
//! a sum that starts from `+0` is unchanged by adding `±0`: every output has the bits of the
//! chain over its in-range taps alone, and a non-finite input sample reaches only the outputs
//! whose window holds it. Every output is the chain `acc = fma(tap, x, acc)` from zero over
//! the kernel's rows, then columns, in order (two roundings per step in the portable build),
//! whatever the register width, tile or band: the same bits at any thread count.

#[cfg(target_arch = "x86_64")]
#[path = "blocked_x86.rs"]
mod x86;

use bytemuck::Pod;

use crate::arith::{Arith, ElementKind};
use crate::direct::Isa;
use crate::element::private::Scalar;

use super::parallel;

/// The largest kernel, per axis, the blocked kernel takes: beyond it the transforms are
/// cheaper on every image of the benchmark grid (docs/PERFORMANCE.md, "Why small 2-D kernels
/// run register-blocked").
pub(crate) const MAX_TAPS: usize = 15;

/// Whether the blocked kernel can compute a problem of these shapes: which input is its kernel
/// (`Some(true)`: `x`), or `None`. Does not look at the values (see [`kernel_is_finite`]).
pub(crate) fn kernel_side(kind: ElementKind, xs: &[usize], ys: &[usize]) -> Option<bool> {
    if !matches!(kind, ElementKind::F32 | ElementKind::F64) || xs.len() != 2 {
        return None;
    }
    let fits = |s: &[usize]| s.iter().all(|&k| k <= MAX_TAPS);
    let size = |s: &[usize]| s[0] * s[1];
    match (fits(xs), fits(ys)) {
        (true, true) => Some(size(xs) < size(ys)),
        (true, false) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    }
}

/// Whether `kernel` holds only finite values, the blocked kernel's condition on them (zero
/// padding times a non-finite tap would be NaN).
pub(crate) fn kernel_is_finite<T: Arith>(kernel: &[T]) -> bool {
    kernel.iter().all(|v| v.is_finite())
}

/// A 2-D problem for the blocked kernel: the box `lo .. lo + len` of the full convolution of
/// `x` (`n0 × n1`) with a `k0 × k1` kernel, whose taps are stored reversed along both axes
/// (so that each output is a correlation of the padded input with `taps`).
pub(super) struct Problem<'a, T> {
    x: &'a [T],
    n: [usize; 2],
    taps: Vec<T>,
    k: [usize; 2],
    lo: [usize; 2],
    len: [usize; 2],
}

impl<T: Pod + Default> Problem<'_, T> {
    /// The padded row `s` of the ring: input row `lo0 + s - (k0 - 1)`, its columns from
    /// `lo1 - (k1 - 1)`, zero outside the input.
    fn fill_row(&self, s: usize, row: &mut [T]) {
        let [n0, n1] = self.n;
        let [k0, k1] = self.k;
        let q = (self.lo[0] + s).checked_sub(k0 - 1).filter(|&q| q < n0);
        let Some(q) = q else {
            row.fill(T::default());
            return;
        };
        let start = (k1 - 1).saturating_sub(self.lo[1]).min(row.len());
        let x_start = (self.lo[1] + start) - (k1 - 1);
        let end = (n1 + k1 - 1)
            .saturating_sub(self.lo[1])
            .clamp(start, row.len());
        row[..start].fill(T::default());
        row[start..end].copy_from_slice(&self.x[q * n1 + x_start..][..end - start]);
        row[end..].fill(T::default());
    }
}

/// Vectors of `N` elements and the operations the tiles need, implemented for one register
/// width in `blocked_x86.rs` and by [`One`] for the portable build.
pub(super) trait Lanes: Copy {
    type T: Pod + Default;
    const N: usize;
    /// # Safety
    /// The CPU must support the implementation's target features (so for every method).
    unsafe fn zero() -> Self;
    unsafe fn splat(v: Self::T) -> Self;
    /// # Safety
    /// As [`Lanes::zero`], and `p` valid for `N` reads.
    unsafe fn load(p: *const Self::T) -> Self;
    /// # Safety
    /// As [`Lanes::zero`], and `p` valid for `N` writes.
    unsafe fn store(self, p: *mut Self::T);
    /// `acc + self · c`, rounded once where the lanes have FMA.
    unsafe fn mul_add(self, c: Self, acc: Self) -> Self;
}

/// One element as a vector of one lane, with [`Arith::mac`]: the portable build.
#[derive(Clone, Copy)]
pub(super) struct One<T>(T);

impl<T: Arith> Lanes for One<T> {
    type T = T;
    const N: usize = 1;
    #[inline(always)]
    unsafe fn zero() -> Self {
        One(T::default())
    }
    #[inline(always)]
    unsafe fn splat(v: T) -> Self {
        One(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const T) -> Self {
        // SAFETY: the caller's promise.
        One(unsafe { *p })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut T) {
        // SAFETY: the caller's promise.
        unsafe { *p = self.0 }
    }
    #[inline(always)]
    unsafe fn mul_add(self, c: Self, acc: Self) -> Self {
        One(T::mac(acc.0, self.0, c.0))
    }
}

/// Output rows `first .. first + out.len() / len1` of the window, by tiles of `R` rows × `V`
/// vectors (then single rows, single vectors and a partial vector through a scratch tile).
///
/// # Safety
/// The CPU must support `L`'s target features.
#[inline(always)]
pub(super) unsafe fn band<L: Lanes, const R: usize, const V: usize>(
    p: &Problem<L::T>,
    first: usize,
    out: &mut [L::T],
) {
    let [k0, k1] = p.k;
    let len1 = p.len[1];
    let rows = out.len() / len1;
    // Room for the loads of the last, partial vector and its taps.
    let width = len1.next_multiple_of(L::N) + k1 - 1;
    let slots = R + k0 - 1;
    let mut ring = vec![L::T::default(); slots * width];
    let mut tail = vec![L::T::default(); R * L::N];
    let mut ptrs: Vec<*const L::T> = vec![std::ptr::null(); slots];
    let (mut loaded, end) = (first, first + rows);
    let mut r = first;
    while r < end {
        let h = if r + R <= end { R } else { 1 };
        // The ring holds rows `r .. r + h + k0 - 1`; a new row takes the slot of one `slots`
        // earlier, which no row from `r` on needs.
        while loaded < r + h + k0 - 1 {
            p.fill_row(loaded, &mut ring[(loaded % slots) * width..][..width]);
            loaded += 1;
        }
        for (s, ptr) in ptrs.iter_mut().take(h + k0 - 1).enumerate() {
            *ptr = ring[((r + s) % slots) * width..].as_ptr();
        }
        let at = (r - first) * len1;
        // SAFETY: the ring's rows hold `width` values, enough for every tile's loads; the
        // output rows `r .. r + h` of this band are in `out`; the features are the caller's.
        unsafe {
            if h == R {
                row_tiles::<L, R, V>(&ptrs, p, &mut out[at..at + R * len1], &mut tail);
            } else {
                row_tiles::<L, 1, V>(&ptrs, p, &mut out[at..at + len1], &mut tail);
            }
        }
        r += h;
    }
}

/// The `R` output rows in `out` (each `len1` long) from the ring rows `ptrs`.
///
/// # Safety
/// Every pointer in `ptrs[.. R + k0 - 1]` must be valid for `len1` rounded up to `N`, plus
/// `k1 - 1`, reads; the CPU must support `L`'s target features.
#[inline(always)]
unsafe fn row_tiles<L: Lanes, const R: usize, const V: usize>(
    ptrs: &[*const L::T],
    p: &Problem<L::T>,
    out: &mut [L::T],
    tail: &mut [L::T],
) {
    let len1 = p.len[1];
    let base = out.as_mut_ptr();
    let outs = |u: usize| std::array::from_fn::<_, R, _>(|rr| base.wrapping_add(rr * len1 + u));
    let mut u = 0;
    // SAFETY: the stores of each tile stay in its rows' `u .. u + width` with `u + width <=
    // len1`; the partial vector goes to `tail` (`R · N` values); the loads are the caller's.
    unsafe {
        while u + V * L::N <= len1 {
            tile::<L, R, V>(ptrs, u, p, outs(u));
            u += V * L::N;
        }
        while u + L::N <= len1 {
            tile::<L, R, 1>(ptrs, u, p, outs(u));
            u += L::N;
        }
        if u < len1 {
            let t = tail.as_mut_ptr();
            tile::<L, R, 1>(ptrs, u, p, std::array::from_fn(|rr| t.add(rr * L::N)));
            for rr in 0..R {
                out[rr * len1 + u..(rr + 1) * len1].copy_from_slice(&tail[rr * L::N..][..len1 - u]);
            }
        }
    }
}

/// `R × V` vectors of outputs from column `u`: `outs[rr][v · N + l] = Σ_i Σ_j taps[i][j] ·
/// ring[rr + i][u + v · N + l + j]`, taps in order.
///
/// Each vector loaded from ring row `s` serves every output row it reaches (`rr = s - i` for
/// each kernel row `i`), so a load feeds up to `min(R, k0)` multiply-adds; each output still
/// sums its taps in the order of `i`, then `j`, since `i` grows with `s`.
///
/// # Safety
/// As [`row_tiles`], with every `outs[rr]` valid for `V · N` writes.
#[inline(always)]
unsafe fn tile<L: Lanes, const R: usize, const V: usize>(
    ptrs: &[*const L::T],
    u: usize,
    p: &Problem<L::T>,
    outs: [*mut L::T; R],
) {
    let [k0, k1] = p.k;
    debug_assert_eq!(p.taps.len(), k0 * k1);
    // SAFETY: the loads read `ring[s][u + j .. u + j + V · N]` for `s < R + k0 - 1`, within
    // the caller's bounds; the stores are the caller's; so are the features.
    unsafe {
        let mut acc = [[L::zero(); V]; R];
        for (s, &row) in ptrs[..R + k0 - 1].iter().enumerate() {
            // The output rows this ring row reaches: `rr = s - i` for `i < k0`.
            let (first, last) = ((s + 1).saturating_sub(k0), s.min(R - 1));
            for j in 0..k1 {
                let x = row.add(u + j);
                let mut xs = [L::zero(); V];
                for (v, xv) in xs.iter_mut().enumerate() {
                    *xv = L::load(x.add(v * L::N));
                }
                for (rr, a) in acc.iter_mut().enumerate() {
                    if rr < first || rr > last {
                        continue;
                    }
                    let c = L::splat(*p.taps.get_unchecked((s - rr) * k1 + j));
                    for (av, &xv) in a.iter_mut().zip(&xs) {
                        *av = xv.mul_add(c, *av);
                    }
                }
            }
        }
        for (a, o) in acc.iter().zip(outs) {
            for (v, av) in a.iter().enumerate() {
                av.store(o.add(v * L::N));
            }
        }
    }
}

/// `v` as a slice of `B`, which the element kind says is `A` itself (checked).
fn cast<A: Pod, B: Pod>(v: &[A]) -> &[B] {
    bytemuck::try_cast_slice(v).expect("the element kind names the type")
}

fn cast_mut<A: Pod, B: Pod>(v: &mut [A]) -> &mut [B] {
    bytemuck::try_cast_slice_mut(v).expect("the element kind names the type")
}

/// `out = (x * y)[lo .. lo + len]` for 2-D `x` and a kernel `y` that [`kernel_side`] and
/// [`kernel_is_finite`] accept as the kernel, the output rows cut into `bands` bands computed
/// in parallel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn window<T: Scalar>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    lo: &[usize],
    len: &[usize],
    out: &mut [T],
    bands: usize,
) {
    match T::KIND {
        ElementKind::F32 => typed::<f32>(cast(x), xs, cast(y), ys, lo, len, cast_mut(out), bands),
        ElementKind::F64 => typed::<f64>(cast(x), xs, cast(y), ys, lo, len, cast_mut(out), bands),
        kind => unreachable!("the blocked kernel runs f32 and f64 only, not {kind:?}"),
    }
}

/// An element type the blocked kernel is built for, with the band function this CPU runs.
trait Blocked: Arith {
    fn band(p: &Problem<Self>, first: usize, out: &mut [Self]);
    /// [`Blocked::band`] built for `isa`; false when this CPU cannot run it.
    fn band_isa(isa: Isa, p: &Problem<Self>, out: &mut [Self]) -> bool;
}

macro_rules! blocked_for {
    ($t:ty, $avx512:ident, $avx2:ident) => {
        impl Blocked for $t {
            fn band(p: &Problem<$t>, first: usize, out: &mut [$t]) {
                #[cfg(target_arch = "x86_64")]
                {
                    if crate::simd::has_avx512() {
                        // SAFETY: the CPU has AVX-512F, AVX2 and FMA, checked just above.
                        unsafe { x86::$avx512(p, first, out) };
                        return;
                    }
                    if crate::simd::has_avx2_fma() {
                        // SAFETY: the CPU has AVX2 and FMA, checked just above.
                        unsafe { x86::$avx2(p, first, out) };
                        return;
                    }
                }
                // SAFETY: `One` needs no target feature.
                unsafe { band::<One<$t>, PORTABLE_ROWS, PORTABLE_COLS>(p, first, out) };
            }
            fn band_isa(isa: Isa, p: &Problem<$t>, out: &mut [$t]) -> bool {
                match isa {
                    // SAFETY: `One` needs no target feature.
                    Isa::Portable => unsafe {
                        band::<One<$t>, PORTABLE_ROWS, PORTABLE_COLS>(p, 0, out)
                    },
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the CPU has AVX2 and FMA, checked in the guard.
                    Isa::Avx2 if crate::simd::has_avx2_fma() => unsafe { x86::$avx2(p, 0, out) },
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the CPU has AVX-512F, AVX2 and FMA, checked in the guard.
                    Isa::Avx512 if crate::simd::has_avx512() => unsafe { x86::$avx512(p, 0, out) },
                    _ => return false,
                }
                true
            }
        }
    };
}
blocked_for!(f32, f32_avx512, f32_avx2);
blocked_for!(f64, f64_avx512, f64_avx2);

/// The portable build's tile: 2 rows × 8 columns of scalar chains for the compiler to
/// vectorize (SSE2 holds them in its 16 registers).
const PORTABLE_ROWS: usize = 2;
const PORTABLE_COLS: usize = 8;

/// The `same` box of `x` (`xs`) convolved with `y` (`ys`, at most [`MAX_TAPS`] per axis) into
/// `out`, on this thread, by the kernel built for `isa` (`None`: the N-D row-pair kernel of
/// `direct.rs`), for the benchmarks that compare them (`bench::direct_2d`); false when this
/// CPU cannot run `isa`.
pub(crate) fn same_2d<T: Scalar>(
    isa: Option<Isa>,
    x: &[T],
    xs: [usize; 2],
    y: &[T],
    ys: [usize; 2],
    out: &mut [T],
) -> bool {
    let w = super::window::per_axis(&xs, &ys, crate::mode::Mode::Same);
    let Some(isa) = isa else {
        super::direct::window(x, &xs, y, &ys, &w.lo, &w.len, out, 1);
        return true;
    };
    fn run<T: Blocked>(isa: Isa, x: &[T], y: &[T], p: [[usize; 2]; 4], out: &mut [T]) -> bool {
        let [n, k, lo, len] = p;
        let taps = y.iter().rev().copied().collect();
        T::band_isa(
            isa,
            &Problem {
                x,
                n,
                taps,
                k,
                lo,
                len,
            },
            out,
        )
    }
    let shapes = [xs, ys, [w.lo[0], w.lo[1]], [w.len[0], w.len[1]]];
    match T::KIND {
        ElementKind::F32 => run::<f32>(isa, cast(x), cast(y), shapes, cast_mut(out)),
        ElementKind::F64 => run::<f64>(isa, cast(x), cast(y), shapes, cast_mut(out)),
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn typed<T: Blocked>(
    x: &[T],
    xs: &[usize],
    y: &[T],
    ys: &[usize],
    lo: &[usize],
    len: &[usize],
    out: &mut [T],
    bands: usize,
) {
    let (n, k) = ([xs[0], xs[1]], [ys[0], ys[1]]);
    let p = Problem {
        x,
        n,
        taps: y.iter().rev().copied().collect(),
        k,
        lo: [lo[0], lo[1]],
        len: [len[0], len[1]],
    };
    let (rows, row_len) = (len[0], len[1]);
    if rows * row_len == 0 {
        return;
    }
    if bands < 2 || rows < 2 {
        T::band(&p, 0, out);
        return;
    }
    let cuts = parallel::even_cuts(rows, bands);
    parallel::for_each_band(out, row_len, &cuts, |first, part| {
        T::band(&p, first, part);
        Ok(())
    })
    .expect("the blocked kernel does not fail");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Mode;
    use crate::nd::{direct, window};

    /// Seeded values: integers in `-8 ..= 8` when `integral` (every sum exact in either
    /// kernel), otherwise spread over several binades.
    fn values(len: usize, seed: u64, integral: bool) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                if integral {
                    (s % 17) as f64 - 8.0
                } else {
                    ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * f64::from(1 << (s % 5))
                }
            })
            .collect()
    }

    /// `(x * y)[lo .. lo + len]` summed over in-range pairs only, in `f64`.
    fn naive(x: &[f64], xs: [usize; 2], y: &[f64], ys: [usize; 2], w: &window::Window) -> Vec<f64> {
        let mut out = Vec::new();
        for t0 in w.lo[0]..w.lo[0] + w.len[0] {
            for t1 in w.lo[1]..w.lo[1] + w.len[1] {
                let mut acc = 0.0;
                for i in 0..ys[0] {
                    for j in 0..ys[1] {
                        if t0 >= i && t0 - i < xs[0] && t1 >= j && t1 - j < xs[1] {
                            acc += y[i * ys[1] + j] * x[(t0 - i) * xs[1] + t1 - j];
                        }
                    }
                }
                out.push(acc);
            }
        }
        out
    }

    const IMAGES: [[usize; 2]; 9] = [
        [1, 1],
        [1, 9],
        [7, 1],
        [2, 3],
        [5, 40],
        [33, 70],
        [18, 131],
        [64, 17],
        [3, 300],
    ];
    const KERNELS: [[usize; 2]; 10] = [
        [1, 1],
        [1, 3],
        [3, 1],
        [2, 2],
        [3, 3],
        [4, 5],
        [5, 5],
        [8, 8],
        [9, 9],
        [11, 2],
    ];

    fn blocked<T: Scalar>(
        x: &[T],
        xs: [usize; 2],
        y: &[T],
        ys: [usize; 2],
        w: &window::Window,
    ) -> Vec<T> {
        let mut out = vec![T::default(); w.len.iter().product()];
        window(x, &xs, y, &ys, &w.lo, &w.len, &mut out, 1);
        out
    }

    /// On integer data every sum is exact: the blocked kernel equals the N-D row-pair kernel
    /// exactly, in every mode, for images smaller than a tile and 1-pixel axes included.
    #[test]
    fn integer_sums_match_the_row_pair_kernel_exactly() {
        for (a, &xs) in IMAGES.iter().enumerate() {
            for (b, &ys) in KERNELS.iter().enumerate() {
                let x = values(xs[0] * xs[1], a as u64 + 1, true);
                let y = values(ys[0] * ys[1], 100 + b as u64, true);
                for mode in [Mode::Full, Mode::Same, Mode::Valid] {
                    let Ok(w) = window::window(&xs, &ys, mode) else {
                        continue;
                    };
                    let mut want = vec![0.0; w.len.iter().product()];
                    direct::window(&x, &xs, &y, &ys, &w.lo, &w.len, &mut want, 1);
                    assert_eq!(blocked(&x, xs, &y, ys, &w), want, "{xs:?} {ys:?} {mode:?}");
                    let (x32, y32): (Vec<f32>, Vec<f32>) = (
                        x.iter().map(|&v| v as f32).collect(),
                        y.iter().map(|&v| v as f32).collect(),
                    );
                    let want32: Vec<f32> = want.iter().map(|&v| v as f32).collect();
                    assert_eq!(
                        blocked(&x32, xs, &y32, ys, &w),
                        want32,
                        "f32 {xs:?} {ys:?} {mode:?}"
                    );
                }
            }
        }
    }

    /// On real data, within a few roundings of the naive sum, scaled by the sum of the
    /// products' magnitudes.
    #[test]
    fn real_sums_match_the_naive_oracle() {
        for (a, &xs) in IMAGES.iter().enumerate() {
            for (b, &ys) in KERNELS.iter().enumerate() {
                let x = values(xs[0] * xs[1], a as u64 + 31, false);
                let y = values(ys[0] * ys[1], 200 + b as u64, false);
                let (ax, ay): (Vec<f64>, Vec<f64>) = (
                    x.iter().map(|v| v.abs()).collect(),
                    y.iter().map(|v| v.abs()).collect(),
                );
                for mode in [Mode::Full, Mode::Same, Mode::Valid] {
                    let Ok(w) = window::window(&xs, &ys, mode) else {
                        continue;
                    };
                    let (want, scale) = (naive(&x, xs, &y, ys, &w), naive(&ax, xs, &ay, ys, &w));
                    let taps = (ys[0] * ys[1]) as f64;
                    let got = blocked(&x, xs, &y, ys, &w);
                    let (x32, y32): (Vec<f32>, Vec<f32>) = (
                        x.iter().map(|&v| v as f32).collect(),
                        y.iter().map(|&v| v as f32).collect(),
                    );
                    let got32 = blocked(&x32, xs, &y32, ys, &w);
                    for (k, (&g, &want)) in got.iter().zip(&want).enumerate() {
                        let tol = 2.0 * taps * f64::EPSILON * scale[k];
                        assert!((g - want).abs() <= tol, "{xs:?} {ys:?} {mode:?} {k}");
                        let tol32 = 2.0 * (taps + 2.0) * f64::from(f32::EPSILON) * scale[k];
                        assert!(
                            (f64::from(got32[k]) - want).abs() <= tol32,
                            "f32 {xs:?} {ys:?}"
                        );
                    }
                }
            }
        }
    }

    /// A NaN and an infinity in the image reach only the outputs whose window holds them.
    #[test]
    fn non_finite_samples_stay_local() {
        let (xs, ys) = ([20, 45], [5, 4]);
        let mut x = values(xs[0] * xs[1], 7, false);
        x[3 * 45 + 10] = f64::NAN;
        x[15 * 45 + 44] = f64::INFINITY;
        x[0] = f64::NEG_INFINITY;
        let y: Vec<f64> = values(20, 8, false).iter().map(|v| v.abs() + 0.5).collect();
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let w = window::window(&xs, &ys, mode).unwrap();
            let want = naive(&x, xs, &y, ys, &w);
            let got = blocked(&x, xs, &y, ys, &w);
            for (k, (&g, &want)) in got.iter().zip(&want).enumerate() {
                if want.is_finite() {
                    assert!(
                        (g - want).abs() <= 1e-12 * (1.0 + want.abs()),
                        "{mode:?} {k}"
                    );
                } else {
                    assert_eq!(g.is_nan(), want.is_nan(), "{mode:?} {k}");
                    assert!(g.is_nan() || g == want, "{mode:?} {k}");
                }
            }
        }
    }

    /// Any cut of the rows into bands, and either register width, gives the same bits.
    #[test]
    fn bands_and_register_widths_give_the_same_bits() {
        let (xs, ys) = ([61, 203], [7, 9]);
        let x: Vec<f32> = values(xs[0] * xs[1], 3, false)
            .iter()
            .map(|&v| v as f32)
            .collect();
        let y: Vec<f32> = values(63, 4, false).iter().map(|&v| v as f32).collect();
        let w = window::window(&xs, &ys, Mode::Same).unwrap();
        let p = Problem {
            x: &x,
            n: xs,
            taps: y.iter().rev().copied().collect(),
            k: ys,
            lo: [w.lo[0], w.lo[1]],
            len: [w.len[0], w.len[1]],
        };
        let row = w.len[1];
        let whole = blocked(&x, xs, &y, ys, &w);
        for cuts in [vec![1], vec![5, 6, 30], vec![13, 47, 60]] {
            let mut got = vec![0.0f32; whole.len()];
            let mut first = 0;
            for end in cuts.into_iter().chain([w.len[0]]) {
                f32::band(&p, first, &mut got[first * row..end * row]);
                first = end;
            }
            assert!(
                got.iter()
                    .zip(&whole)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
        #[cfg(target_arch = "x86_64")]
        if crate::simd::has_avx512() {
            let mut narrow = vec![0.0f32; whole.len()];
            // SAFETY: the CPU has AVX-512F, so AVX2 and FMA (checked by `has_avx512`).
            unsafe { x86::f32_avx2(&p, 0, &mut narrow) };
            assert!(
                narrow
                    .iter()
                    .zip(&whole)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        } else {
            eprintln!("skipped the width comparison: this CPU lacks AVX-512F");
        }
    }
}
