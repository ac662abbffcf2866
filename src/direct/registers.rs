//! The explicit-register window shared by the x86-64 instantiations (`x86.rs` with 256-bit
//! AVX2 registers, `avx512.rs` with 512-bit ones): one macro writes the window for a register
//! width, so both give the same sums in the same order.
//!
//! Left to the compiler, the `W` scalar accumulators of [`MacOp::window`] were vectorized in
//! uneven pieces and stored through the stack before being copied to the output, a
//! store-forwarding stall that made a 3-tap kernel cost a cycle per output. Here each lane runs
//! one `fma(ys[k], x, acc)` per tap in the order of `k`, as the generic loop does, so every
//! register width gives the generic loop's bits.
//!
//! [`MacOp::window`]: super::MacOp::window

/// `W` sums into `out`, from the `W` values at `out` when `accumulate`, from zero otherwise
/// (then `out` may be uninitialized).
pub(super) trait RegisterWindow<T> {
    /// # Safety
    /// `out` must be valid for `W` writes, and for `W` reads of initialized values when
    /// `accumulate`; the CPU must support the instantiation's target features.
    unsafe fn in_registers<const W: usize>(out: *mut T, accumulate: bool, ys: &[T], xs: &[T]);
}

/// Implements [`RegisterWindow`], [`MacOp`](super::MacOp) and [`MacInto`](super::MacInto) for
/// the marker type `$isa` and the element `$t`, with `$lanes` elements in a `$vec` register and
/// at most eight registers of accumulators; `$has` is the CPU check the callers made.
macro_rules! fused_window {
    ($isa:ty, $has:path, $t:ty, $lanes:expr, $vec:ty,
     $zero:ident, $load:ident, $store:ident, $splat:ident, $fma:ident) => {
        impl $crate::direct::registers::RegisterWindow<$t> for $isa {
            #[inline(always)]
            unsafe fn in_registers<const W: usize>(
                out: *mut $t,
                accumulate: bool,
                ys: &[$t],
                xs: &[$t],
            ) {
                const MAX: usize = 8;
                debug_assert!($has(), "vector code on a CPU without its features");
                assert!(W % $lanes == 0 && W / $lanes <= MAX && xs.len() == ys.len() - 1 + W);
                // SAFETY: every load reads `xs[k .. k + W]` with `k < ys.len()`, in bounds by
                // the assertion; `out` is the caller's to read and write (see above), and the
                // CPU features are the caller's promise.
                unsafe {
                    let mut r: [$vec; MAX] = [$zero(); MAX];
                    if accumulate {
                        for (j, reg) in r.iter_mut().take(W / $lanes).enumerate() {
                            *reg = $load(out.add(j * $lanes));
                        }
                    }
                    for (k, &c) in ys.iter().rev().enumerate() {
                        let (c, p) = ($splat(c), xs.as_ptr().add(k));
                        for (j, reg) in r.iter_mut().take(W / $lanes).enumerate() {
                            *reg = $fma(c, $load(p.add(j * $lanes)), *reg);
                        }
                    }
                    for (j, reg) in r.iter().take(W / $lanes).enumerate() {
                        $store(out.add(j * $lanes), *reg);
                    }
                }
            }
        }

        impl $crate::direct::MacOp<$t> for $isa {
            #[inline(always)]
            fn mac(acc: $t, a: $t, b: $t) -> $t {
                a.mul_add(b, acc)
            }

            #[inline(always)]
            fn window<const W: usize>(acc: &mut [$t; W], ys: &[$t], xs: &[$t], zero: bool) {
                // SAFETY: `acc` holds `W` initialized values; `$isa` runs only inside its
                // module's `#[target_feature]` functions, called after the CPU check.
                unsafe {
                    <Self as $crate::direct::registers::RegisterWindow<$t>>::in_registers::<W>(
                        acc.as_mut_ptr(),
                        !zero,
                        ys,
                        xs,
                    )
                }
            }
        }

        impl $crate::direct::MacInto<$t> for $isa {
            #[inline(always)]
            fn window_into<const W: usize>(
                out: &mut [std::mem::MaybeUninit<$t>; W],
                ys: &[$t],
                xs: &[$t],
            ) {
                // SAFETY: `out` has room for `W` values and is only written; the CPU features
                // as in `window`.
                unsafe {
                    <Self as $crate::direct::registers::RegisterWindow<$t>>::in_registers::<W>(
                        out.as_mut_ptr().cast::<$t>(),
                        false,
                        ys,
                        xs,
                    )
                }
            }
        }
    };
}
pub(super) use fused_window;

#[cfg(test)]
pub(super) mod tests {
    /// Deterministic values spread over several binades, so that rounding differs by order.
    pub(in crate::direct) fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * f64::from(1 << (s % 7))
            })
            .collect()
    }

    /// Runs both kernels into new outputs of `len` samples: whether the results have the same
    /// bits (`f32` widens to `f64` exactly).
    pub(in crate::direct) fn same_bits<T: Copy + Default + Into<f64>>(
        len: usize,
        generic: impl FnOnce(&mut [T]),
        explicit: impl FnOnce(&mut [T]),
    ) -> bool {
        let (mut want, mut got) = (vec![T::default(); len], vec![T::default(); len]);
        generic(&mut want);
        explicit(&mut got);
        want.iter()
            .zip(&got)
            .all(|(&a, &b)| a.into().to_bits() == b.into().to_bits())
    }
}
