//! The direct O(n·m) kernel.
//!
//! `out[k] = Σ_i y[i] · x[lo + k - i]` over the taps `i` that are in range, for `x.len() >=
//! y.len()`. Only the requested outputs are computed, so `Same` and `Valid` cost less than
//! `Full`.
//!
//! Register blocking: `W` consecutive outputs are accumulated at once. For each tap `i` the
//! block reads the contiguous slice `x[t0 - i .. t0 - i + W]` and multiplies it by the broadcast
//! `y[i]`: vector loads and (fused) multiply-adds across `W` independent accumulators
//! (`MacOp::window`; explicit AVX2 registers for `f32`/`f64`, see `x86.rs`). Taps that are in
//! range for only part of a block (the triangular ends of `Full` and `Same`) are added per
//! output afterwards, so a product of two samples that numpy would not multiply is never
//! formed: a non-finite sample only reaches the outputs it touches.

#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod registers;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::mem::MaybeUninit;

#[cfg(target_arch = "x86_64")]
use crate::simd::{has_avx2_fma, has_avx512};

use crate::arith::Arith;

/// How one multiply-accumulate is formed: `Plain` rounds twice, `Avx2Fma` (`direct/x86.rs`) once
/// (hardware FMA).
pub(crate) trait MacOp<T: Arith> {
    fn mac(acc: T, a: T, b: T) -> T;

    /// `acc[w] += Σ_k ys[k] · xs[ys.len() - 1 - k + w]`, one `mac` per tap in the order of `k`
    /// (from zero instead of `acc` when `zero`): the vectorized heart of the kernel, apart so
    /// that the compiler sees one simple loop with `W` independent accumulators.
    #[inline(always)]
    fn window<const W: usize>(acc: &mut [T; W], ys: &[T], xs: &[T], zero: bool) {
        debug_assert_eq!(xs.len(), ys.len() - 1 + W);
        if zero {
            *acc = [T::default(); W];
        }
        for (k, &c) in ys.iter().rev().enumerate() {
            let win: &[T; W] = xs[k..k + W].try_into().expect("window of W");
            for w in 0..W {
                acc[w] = Self::mac(acc[w], c, win[w]);
            }
        }
    }
}

/// `out[w] = Σ_k ys[k] · xs[ys.len() - 1 - k + w]`: [`MacOp::window`] from zero, into outputs
/// that need not be initialized. Zeroes `out`, then accumulates in place, which is what
/// `window` with `zero` compiles to; `x86.rs` overrides it with explicit registers.
pub(crate) trait MacInto<T: Arith>: MacOp<T> {
    #[inline(always)]
    fn window_into<const W: usize>(out: &mut [MaybeUninit<T>; W], ys: &[T], xs: &[T]) {
        let acc: &mut [T; W] = crate::alloc::zero(out).try_into().expect("W outputs");
        Self::window(acc, ys, xs, false);
    }
}

/// `out` as a slice of possibly uninitialized elements, so that initialized and fresh buffers
/// share the kernels, which write every output.
///
/// # Safety
/// Only initialized values may be stored through the result: `out` must stay initialized.
#[inline(always)]
pub(crate) unsafe fn as_uninit<T>(out: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout; the caller stores only initialized values.
    unsafe { &mut *(out as *mut [T] as *mut [MaybeUninit<T>]) }
}

pub(crate) struct Plain;

impl<T: Arith> MacInto<T> for Plain {}

impl<T: Arith> MacOp<T> for Plain {
    #[inline(always)]
    fn mac(acc: T, a: T, b: T) -> T {
        T::mac(acc, a, b)
    }
}

/// Portable kernel for every element type: 16 outputs per block, small enough to stay in the
/// 16 vector registers of SSE2 for `f64`.
pub(crate) fn portable<T: Arith>(x: &[T], y: &[T], lo: usize, out: &mut [MaybeUninit<T>]) {
    kernel::<T, Plain, 16, 16, 4>(x, y, lo, out);
}

/// The kernel each element type runs: on x86-64 with AVX2 and FMA (checked at run time, cached
/// by std) an instantiation compiled for them, the portable one otherwise.
///
/// # Safety
/// [`Kernel::direct_uninit`] must write every element of `out` (callers read the whole output
/// as initialized afterwards, and [`Kernel::direct`] passes initialized memory as uninitialized).
pub unsafe trait Kernel: Sized {
    /// `out[k] = (x * y)[lo + k]`, `x` the longer input.
    fn direct(x: &[Self], y: &[Self], lo: usize, out: &mut [Self]) {
        // SAFETY: `direct_uninit` stores only initialized values (the trait's contract).
        Self::direct_uninit(x, y, lo, unsafe { as_uninit(out) });
    }
    /// [`Kernel::direct`] into outputs that need not be initialized: every one is written.
    fn direct_uninit(x: &[Self], y: &[Self], lo: usize, out: &mut [MaybeUninit<Self>]);
    /// `out[k] = Σ_r (x_r * y_r)[lo + k]` over row pairs that all have the same two lengths,
    /// `x_r` the longer: one output row of an N-D convolution (see `crate::nd`).
    fn direct_rows(rows: &[(&[Self], &[Self])], lo: usize, out: &mut [Self]);
}

macro_rules! kernel_for {
    ($t:ty, $avx:expr, $avx_rows:expr) => {
        kernel_for!($t, $avx, $avx_rows, $avx, $avx_rows, has_avx2_fma);
    };
    ($t:ty, $avx:expr, $avx_rows:expr, $wide:expr, $wide_rows:expr, $has_wide:ident) => {
        // SAFETY: both kernels write every output of their blocks, the last partial block
        // included (`kernel`'s loop covers `0 .. out.len()`; the sweep tests check it against
        // NaN-filled outputs).
        unsafe impl Kernel for $t {
            #[inline]
            fn direct_uninit(x: &[$t], y: &[$t], lo: usize, out: &mut [MaybeUninit<$t>]) {
                #[cfg(target_arch = "x86_64")]
                {
                    if $has_wide() {
                        // SAFETY: the CPU has the wide instantiation's features, checked here.
                        unsafe { $wide(x, y, lo, out) };
                        return;
                    }
                    if has_avx2_fma() {
                        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                        unsafe { $avx(x, y, lo, out) };
                        return;
                    }
                }
                portable(x, y, lo, out);
            }
            #[inline]
            fn direct_rows(rows: &[(&[$t], &[$t])], lo: usize, out: &mut [$t]) {
                #[cfg(target_arch = "x86_64")]
                {
                    if $has_wide() {
                        // SAFETY: the CPU has the wide instantiation's features, checked here.
                        unsafe { $wide_rows(rows, lo, out) };
                        return;
                    }
                    if has_avx2_fma() {
                        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                        unsafe { $avx_rows(rows, lo, out) };
                        return;
                    }
                }
                rows_kernel::<$t, Plain, 16, 16, 4>(rows, lo, out);
            }
        }
    };
}
kernel_for!(
    f32,
    x86::f32_fma,
    x86::f32_fma_rows,
    avx512::f32_fma,
    avx512::f32_fma_rows,
    has_avx512
);
kernel_for!(
    f64,
    x86::f64_fma,
    x86::f64_fma_rows,
    avx512::f64_fma,
    avx512::f64_fma_rows,
    has_avx512
);
kernel_for!(num_complex::Complex<f32>, x86::plain, x86::plain_rows);
kernel_for!(num_complex::Complex<f64>, x86::plain, x86::plain_rows);
kernel_for!(i32, x86::plain, x86::plain_rows);
kernel_for!(i64, x86::plain, x86::plain_rows);

/// An instruction set the direct kernel is compiled for, chosen by hand by the benchmarks that
/// compare them (`convolve::bench::direct_isa`); the library picks the widest the CPU has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// The baseline build (SSE2 on x86-64), two roundings per multiply-add.
    Portable,
    /// 256-bit registers with FMA (`direct/x86.rs`).
    Avx2,
    /// 512-bit registers (`direct/avx512.rs`), the AVX2 kernel's bits.
    Avx512,
}

macro_rules! isa_for {
    ($name:ident, $t:ty) => {
        /// The full convolution of `x` (the longer) and `y` into `out` with the kernel built
        /// for `isa`; false when this CPU cannot run it.
        pub(crate) fn $name(isa: Isa, x: &[$t], y: &[$t], out: &mut [$t]) -> bool {
            // SAFETY: the kernels store only initialized values.
            let out = unsafe { as_uninit(out) };
            match isa {
                Isa::Portable => portable(x, y, 0, out),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 if has_avx2_fma() => {
                    // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                    unsafe { x86::$name(x, y, 0, out) }
                }
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 if has_avx512() => {
                    // SAFETY: the CPU supports AVX-512F, AVX2 and FMA, checked just above.
                    unsafe { avx512::$name(x, y, 0, out) }
                }
                _ => return false,
            }
            true
        }
    };
}
isa_for!(f32_fma, f32);
isa_for!(f64_fma, f64);

/// The taps `i` in range for full-convolution output `t`: `lo ..= hi`.
#[inline(always)]
fn taps(t: usize, n: usize, m: usize) -> (usize, usize) {
    ((t + 1).saturating_sub(n), (m - 1).min(t))
}

/// `out[k] = (x * y)[lo + k]` in the pieces of [`Walk`]: blocks of `WIDE`, `W` and `W2` outputs
/// sharing their taps' loads, then single outputs.
#[inline(always)]
pub(crate) fn kernel<
    T: Arith,
    M: MacInto<T>,
    const WIDE: usize,
    const W: usize,
    const W2: usize,
>(
    x: &[T],
    y: &[T],
    lo: usize,
    out: &mut [MaybeUninit<T>],
) {
    debug_assert!(x.len() >= y.len() && !y.is_empty());
    debug_assert!(WIDE.is_multiple_of(W) && W.is_multiple_of(W2));
    debug_assert!(lo + out.len() < x.len() + y.len());
    let (n, m) = (x.len(), y.len());
    for (piece, k) in Walk::<WIDE, W, W2>::new(out.len(), lo, n, m) {
        let t0 = lo + k;
        match piece {
            Piece::Wide => block::<T, M, WIDE>(x, y, t0, sub(out, k)),
            Piece::Whole => block::<T, M, W>(x, y, t0, sub(out, k)),
            Piece::Narrow => block::<T, M, W2>(x, y, t0, sub(out, k)),
            Piece::Single => {
                out[k].write(single::<T, M>(x, y, t0));
            }
        }
    }
}

/// The pieces the kernels cut their outputs into, in order: see [`Walk`].
#[derive(Clone, Copy)]
enum Piece {
    /// `WIDE` interior outputs.
    Wide,
    /// `W` interior outputs.
    Whole,
    /// `W2` outputs, on a triangular end or in the tail.
    Narrow,
    /// One output of the last fewer than `W2`.
    Single,
}

/// The pieces of `len` outputs from full-convolution output `lo` (inputs of `n >= m` samples),
/// each with its first output `k`, in order: blocks of `W` (`W` a multiple of `W2`), cut into
/// blocks of `W2` where they reach a triangular end, then blocks of `W2`, then single outputs.
///
/// Runs of `WIDE` interior outputs (`WIDE` a multiple of `W`; every tap in range for each) are
/// one piece: an interior output is one chain of multiply-adds over all taps, in tap order, from
/// zero, whatever block holds it, so the pieces start where they would with `WIDE = W` and every
/// output gets the same bits (the wider block only keeps more accumulators in flight).
///
/// An iterator rather than a function taking a closure: the kernels' loop bodies must stay in
/// the `#[target_feature]` functions that instantiate them.
struct Walk<const WIDE: usize, const W: usize, const W2: usize> {
    lo: usize,
    n: usize,
    m: usize,
    /// The next output.
    k: usize,
    /// Where the triangular block being cut into `W2` pieces ends (`k` when none is).
    cut_end: usize,
    /// The end of the blocks of `W`, and of those of `W2`.
    whole: usize,
    narrow: usize,
    len: usize,
}

impl<const WIDE: usize, const W: usize, const W2: usize> Walk<WIDE, W, W2> {
    #[inline(always)]
    fn new(len: usize, lo: usize, n: usize, m: usize) -> Self {
        debug_assert!(WIDE.is_multiple_of(W) && W.is_multiple_of(W2));
        let whole = len - len % W;
        let narrow = whole + (len - whole) / W2 * W2;
        Walk {
            lo,
            n,
            m,
            k: 0,
            cut_end: 0,
            whole,
            narrow,
            len,
        }
    }

    #[inline(always)]
    fn interior(&self, w: usize) -> bool {
        let t0 = self.lo + self.k;
        t0 + 1 >= self.m && t0 + w <= self.n
    }
}

impl<const WIDE: usize, const W: usize, const W2: usize> Iterator for Walk<WIDE, W, W2> {
    type Item = (Piece, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(Piece, usize)> {
        let k = self.k;
        let (piece, step) = if k < self.cut_end || (k >= self.whole && k < self.narrow) {
            (Piece::Narrow, W2)
        } else if k < self.whole {
            if WIDE > W && k + WIDE <= self.whole && self.interior(WIDE) {
                (Piece::Wide, WIDE)
            } else if self.interior(W) {
                (Piece::Whole, W)
            } else {
                // A block on a triangular end: narrow blocks keep most taps vectorized and
                // leave fewer than W2 per output to the scalar pass.
                self.cut_end = k + W;
                (Piece::Narrow, W2)
            }
        } else if k < self.len {
            (Piece::Single, 1)
        } else {
            return None;
        };
        self.k += step;
        Some((piece, k))
    }
}

/// The `N` outputs of `out` from `k`.
#[inline(always)]
fn sub<U, const N: usize>(out: &mut [U], k: usize) -> &mut [U; N] {
    (&mut out[k..k + N])
        .try_into()
        .expect("a piece inside the output")
}

/// One output, every tap in range.
#[inline(always)]
fn single<T: Arith, M: MacOp<T>>(x: &[T], y: &[T], t: usize) -> T {
    let (lo, hi) = taps(t, x.len(), y.len());
    let mut acc = T::default();
    for i in lo..=hi {
        acc = M::mac(acc, y[i], x[t - i]);
    }
    acc
}

/// `W` outputs starting at `t0`: the taps common to all of them vectorized, the rest per output.
#[inline(always)]
fn block<T: Arith, M: MacInto<T>, const W: usize>(
    x: &[T],
    y: &[T],
    t0: usize,
    out: &mut [MaybeUninit<T>; W],
) {
    let (n, m) = (x.len(), y.len());
    // The last output has the highest lowest tap, the first the lowest highest tap.
    let common_lo = (t0 + W).saturating_sub(n);
    let common_hi = (m - 1).min(t0);
    if common_lo > common_hi {
        for (w, o) in out.iter_mut().enumerate() {
            o.write(single::<T, M>(x, y, t0 + w));
        }
        return;
    }
    // In bounds: common_hi <= t0 and common_lo >= t0 + W - n.
    let (ys, xs) = (
        &y[common_lo..=common_hi],
        &x[t0 - common_hi..t0 - common_lo + W],
    );
    // Interior blocks (every output has all m taps) are summed straight into `out`: only the
    // triangular ends of the result need the per-output pass, which would otherwise cost as
    // much as a short kernel.
    if common_lo == 0 && common_hi == m - 1 && t0 + W <= n {
        M::window_into(out, ys, xs);
        return;
    }
    let mut acc = [T::default(); W];
    M::window(&mut acc, ys, xs, true);
    for (w, o) in out.iter_mut().enumerate() {
        let t = t0 + w;
        let (lo, hi) = taps(t, n, m);
        let mut a = acc[w];
        for i in lo..common_lo {
            a = M::mac(a, y[i], x[t - i]);
        }
        for i in common_hi + 1..=hi {
            a = M::mac(a, y[i], x[t - i]);
        }
        o.write(a);
    }
}

/// The kernel above summed over row pairs `(x_r, y_r)` that share `n = x_r.len() >= m =
/// y_r.len()`: each block of `W` outputs accumulates every pair's taps in the same registers,
/// so a 2-D kernel of `k` rows costs one pass over the output row, not `k`.
#[inline(always)]
pub(crate) fn rows_kernel<
    T: Arith,
    M: MacOp<T>,
    const WIDE: usize,
    const W: usize,
    const W2: usize,
>(
    rows: &[(&[T], &[T])],
    lo: usize,
    out: &mut [T],
) {
    let Some(&(x0, y0)) = rows.first() else {
        out.fill(T::default());
        return;
    };
    let (n, m) = (x0.len(), y0.len());
    debug_assert!(n >= m && m > 0);
    debug_assert!(WIDE.is_multiple_of(W) && W.is_multiple_of(W2));
    debug_assert!(rows.iter().all(|(x, y)| x.len() == n && y.len() == m));
    debug_assert!(lo + out.len() < n + m);
    // The pieces of `kernel` ([`Walk`]), with the same bits at any `WIDE`.
    for (piece, k) in Walk::<WIDE, W, W2>::new(out.len(), lo, n, m) {
        let t0 = lo + k;
        match piece {
            Piece::Wide => rows_block::<T, M, WIDE>(rows, n, m, t0, sub(out, k)),
            Piece::Whole => rows_block::<T, M, W>(rows, n, m, t0, sub(out, k)),
            Piece::Narrow => rows_block::<T, M, W2>(rows, n, m, t0, sub(out, k)),
            Piece::Single => {
                let mut acc = T::default();
                for &(x, y) in rows {
                    acc = T::add(acc, single::<T, M>(x, y, t0));
                }
                out[k] = acc;
            }
        }
    }
}

/// `W` outputs of [`rows_kernel`] starting at `t0`.
#[inline(always)]
fn rows_block<T: Arith, M: MacOp<T>, const W: usize>(
    rows: &[(&[T], &[T])],
    n: usize,
    m: usize,
    t0: usize,
    out: &mut [T; W],
) {
    let common_lo = (t0 + W).saturating_sub(n);
    let common_hi = (m - 1).min(t0);
    let mut acc = [T::default(); W];
    if common_lo <= common_hi {
        for &(x, y) in rows {
            let ys = &y[common_lo..=common_hi];
            let xs = &x[t0 - common_hi..t0 - common_lo + W];
            M::window(&mut acc, ys, xs, false);
        }
        if common_lo == 0 && common_hi == m - 1 && t0 + W <= n {
            *out = acc;
            return;
        }
    }
    // Outputs on the triangular ends: the taps outside the common range, per output.
    let (skip_lo, skip_hi) = if common_lo <= common_hi {
        (common_lo, common_hi)
    } else {
        (m, 0)
    };
    for (w, o) in out.iter_mut().enumerate() {
        let t = t0 + w;
        let (lo, hi) = taps(t, n, m);
        let mut a = acc[w];
        for &(x, y) in rows {
            for i in lo..=hi {
                if i < skip_lo || i > skip_hi {
                    a = M::mac(a, y[i], x[t - i]);
                }
            }
        }
        *o = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[i64], y: &[i64]) -> Vec<i64> {
        let mut out = vec![0; x.len() + y.len() - 1];
        for (i, &a) in x.iter().enumerate() {
            for (j, &b) in y.iter().enumerate() {
                out[i + j] += a * b;
            }
        }
        out
    }

    #[test]
    fn every_slice_matches_the_schoolbook_product() {
        for n in 1..40usize {
            for m in 1..=n {
                let x: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % 23 - 11).collect();
                let y: Vec<i64> = (0..m as i64).map(|i| (i * 104729) % 19 - 9).collect();
                let full = naive(&x, &y);
                for lo in [0, m / 2, m - 1] {
                    let len = full.len() - lo;
                    let mut out = vec![0; len];
                    // SAFETY: the kernel stores only initialized values.
                    portable(&x, &y, lo, unsafe { as_uninit(&mut out) });
                    assert_eq!(out, full[lo..], "n={n} m={m} lo={lo}");
                    let xf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
                    let yf: Vec<f64> = y.iter().map(|&v| v as f64).collect();
                    let mut outf = vec![0.0; len];
                    Kernel::direct(&xf, &yf, lo, &mut outf);
                    let want: Vec<f64> = full[lo..].iter().map(|&v| v as f64).collect();
                    assert_eq!(outf, want, "f64 n={n} m={m} lo={lo}");
                }
            }
        }
    }
}
