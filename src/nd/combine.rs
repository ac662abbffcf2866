//! The column combine of the separable passes: `out[c] = Σ_i coef[i] · rows[i][c]`, one output
//! row of the column pass from the rows of the row pass that reach it.
//!
//! Every output is the chain `acc = mac(acc, coef[i], rows[i][c])` from zero over the taps in
//! order: a fused multiply-add where the CPU has FMA (AVX-512 or AVX2 registers, `combine_x86`,
//! the same bits either way), `Arith::mac` otherwise, exactly as the 2-D direct kernel sums
//! one-tap row pairs. [`combine_block`] computes [`ROWS`] consecutive output rows at once
//! (each loaded vector serves them all) with the same chain per output. The result never
//! depends on how the columns or rows are blocked or split over threads.

#[cfg(target_arch = "x86_64")]
#[path = "combine_x86.rs"]
mod x86;

use bytemuck::Pod;

use std::any::TypeId;

use crate::arith::ElementKind;
use crate::element::Element;
use crate::element::private::Scalar;
use crate::simd::{VectorLoop, run_vectorized};

use super::widen::Widen;

/// Output rows per [`combine_block`]: each loaded vector feeds up to this many rows' sums, so
/// a tall kernel's ring is read from the L2 cache a quarter as often.
pub(crate) const ROWS: usize = 4;

/// `v` as a slice of `B`, which `T::KIND` says is `T` itself (checked, never a reinterpretation
/// of another type).
fn cast<A: Pod, B: Pod>(v: &[A]) -> &[B] {
    bytemuck::try_cast_slice(v).expect("the element kind names the type")
}

fn cast_mut<A: Pod, B: Pod>(v: &mut [A]) -> &mut [B] {
    bytemuck::try_cast_slice_mut(v).expect("the element kind names the type")
}

fn cast_rows<'r, 'a, A: Pod, B: Pod>(rows: &'r [&'a [A]]) -> &'r [&'a [B]] {
    same_rows(rows).expect("the element kind names the type")
}

/// `out[c] = Σ_i coef[i] · rows[i][c]` over `c < out.len()`, taps in order from zero (see the
/// module). Every row must hold at least `out.len()` values.
pub(crate) fn combine<T: Scalar>(rows: &[&[T]], coef: &[T], out: &mut [T]) {
    debug_assert_eq!(rows.len(), coef.len());
    #[cfg(target_arch = "x86_64")]
    match T::KIND {
        ElementKind::F32 => {
            if let Some(k) = x86::f32_kernels() {
                // SAFETY: `f32_kernels` returns only kernels this CPU supports.
                unsafe { (k.one)(cast_rows(rows), cast(coef), cast_mut(out)) };
                return;
            }
        }
        ElementKind::F64 => {
            if let Some(k) = x86::f64_kernels() {
                // SAFETY: `f64_kernels` returns only kernels this CPU supports.
                unsafe { (k.one)(cast_rows(rows), cast(coef), cast_mut(out)) };
                return;
            }
        }
        _ => {}
    }
    run_vectorized(Plain { rows, coef, out });
}

/// [`ROWS`] consecutive output rows whose taps are all in range: `out[q][c] = Σ_i coef[i] ·
/// rows[i + ROWS - 1 - q][c]` (`rows` holds `coef.len() + ROWS - 1` intermediate rows, the
/// latest first), each with [`combine`]'s chain and bits.
pub(crate) fn combine_block<T: Scalar>(rows: &[&[T]], coef: &[T], out: [&mut [T]; ROWS]) {
    debug_assert_eq!(rows.len(), coef.len() + ROWS - 1);
    #[cfg(target_arch = "x86_64")]
    match T::KIND {
        ElementKind::F32 => {
            if let Some(k) = x86::f32_kernels() {
                let out = out.map(|o| cast_mut(o));
                // SAFETY: `f32_kernels` returns only kernels this CPU supports.
                unsafe { (k.block)(cast_rows(rows), cast(coef), out) };
                return;
            }
        }
        ElementKind::F64 => {
            if let Some(k) = x86::f64_kernels() {
                let out = out.map(|o| cast_mut(o));
                // SAFETY: `f64_kernels` returns only kernels this CPU supports.
                unsafe { (k.block)(cast_rows(rows), cast(coef), out) };
                return;
            }
        }
        _ => {}
    }
    for (q, o) in out.into_iter().enumerate() {
        combine(&rows[ROWS - 1 - q..][..coef.len()], coef, o);
    }
}

/// [`combine`] of rows stored as `S` and summed in `T`, each sum rounded to `S` and widened
/// back (scipy stores the column pass in the image's type); the chain of [`combine`] on the
/// rows widened. `f32` rows summed in `f64` widen in the loads and round in the stores.
pub(crate) fn combine_from<S: Widen<T>, T: Element>(rows: &[&[S]], coef: &[T], out: &mut [T]) {
    if let Some(rows) = same_rows::<S, T>(rows) {
        return combine(rows, coef, out);
    }
    #[cfg(target_arch = "x86_64")]
    if let (Some(k), Some(rows)) = (x86::widened_kernels(), same_rows::<S, f32>(rows))
        && T::KIND == ElementKind::F64
    {
        // SAFETY: `widened_kernels` returns only kernels this CPU supports.
        unsafe { (k.one)(rows, cast(coef), cast_mut(out)) };
        return;
    }
    run_vectorized(Widened { rows, coef, out });
}

/// [`combine_block`] of rows stored as `S`, each sum rounded as in [`combine_from`].
pub(crate) fn combine_block_from<S: Widen<T>, T: Element>(
    rows: &[&[S]],
    coef: &[T],
    out: [&mut [T]; ROWS],
) {
    if let Some(rows) = same_rows::<S, T>(rows) {
        return combine_block(rows, coef, out);
    }
    #[cfg(target_arch = "x86_64")]
    if let (Some(k), Some(rows)) = (x86::widened_kernels(), same_rows::<S, f32>(rows))
        && T::KIND == ElementKind::F64
    {
        let out = out.map(|o| cast_mut(o));
        // SAFETY: `widened_kernels` returns only kernels this CPU supports.
        unsafe { (k.block)(rows, cast(coef), out) };
        return;
    }
    for (q, o) in out.into_iter().enumerate() {
        combine_from(&rows[ROWS - 1 - q..][..coef.len()], coef, o);
    }
}

/// `rows` as rows of `B` when `A` is `B` (`None` otherwise).
pub(super) fn same_rows<'r, 'a, A: Pod, B: Pod>(rows: &'r [&'a [A]]) -> Option<&'r [&'a [B]]> {
    // Without a copy: a `Vec` of the rows per call cost 8 % of a 512² float64 Gaussian with
    // k = 3 (two per group of output rows, AMD EPYC Zen 4).
    (TypeId::of::<A>() == TypeId::of::<B>()).then(|| {
        // SAFETY: `A` is `B` (same `TypeId`), so the two slices of slices have one layout.
        unsafe { &*(rows as *const [&'a [A]] as *const [&'a [B]]) }
    })
}

/// [`combine_from`] with `Arith::mac` on the widened values, column by column.
struct Widened<'a, 'b, S, T> {
    rows: &'a [&'b [S]],
    coef: &'a [T],
    out: &'a mut [T],
}

impl<S: Widen<T>, T: Element> VectorLoop for Widened<'_, '_, S, T> {
    type Out = ();

    #[inline(always)]
    fn run(self) {
        for (c, o) in self.out.iter_mut().enumerate() {
            let mut acc = T::default();
            for (r, &k) in self.rows.iter().zip(self.coef) {
                acc = T::mac(acc, k, r[c].widen());
            }
            *o = S::narrow(acc).widen();
        }
    }
}

/// The combine with `Arith::mac`, row by row over the whole output (the same chain per output
/// as column by column), left to the compiler's vectorization.
struct Plain<'a, 'b, T> {
    rows: &'a [&'b [T]],
    coef: &'a [T],
    out: &'a mut [T],
}

impl<T: Scalar> VectorLoop for Plain<'_, '_, T> {
    type Out = ();

    #[inline(always)]
    fn run(self) {
        let w = self.out.len();
        self.out.fill(T::default());
        for (r, &k) in self.rows.iter().zip(self.coef) {
            for (o, &x) in self.out.iter_mut().zip(&r[..w]) {
                *o = T::mac(*o, k, x);
            }
        }
    }
}
