//! Exact integer streams: how many limbs the samples and the kernel are split into.
//!
//! An integer stream convolves `J` limbs of `b` bits of the input with `J` limbs of the kernel
//! (`x = Σ_j x_j·2^(b·j)`, the low limbs in `0 .. 2^b`, the top one signed): every segment
//! transforms each input limb once, sums the products `X_j·H_k` of equal weight `s = j + k` in
//! the spectrum and transforms each weight back; the rounded results are recombined with
//! wrapping shifts. Weights with `b·s` at or above the type's width vanish modulo `2^width`
//! and are never computed, so `J` limbs cost `J` forward and `J` inverse transforms and
//! `J·(J+1)/2` spectral products per partition.
//!
//! The width is the narrowest `J` for which every segment is exact for *any* input and any
//! kernel up to the capacity, by the bound of `crate::exact`: a segment of `count` partitions
//! of `P` taps sums, per weight, at most `J·count` products of an input window of `2P` samples
//! (norm below `2^b·√(2P)`) and a kernel partition of `P` taps (norm below `2^b·√P`), each
//! product's error within `error_bound(.., 2P)`. Float types use one limb and no rounding.

use crate::exact::error_bound;

use super::layout;

/// The limb split of one stream: `count` limbs of `bits` bits on each side (the input and the
/// kernel), `count` weights kept. Floats: one limb, `bits` 0 (no split, no rounding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limbs {
    pub bits: u32,
    pub count: usize,
}

impl Limbs {
    pub const ONE: Limbs = Limbs { bits: 0, count: 1 };

    /// The fewest limbs of an integer of `width` bits that keep every segment exact when the
    /// products of `inputs` inputs are summed before each inverse transform (a matrix's), or
    /// `None` when not even one-bit limbs would (segments far beyond any real kernel).
    pub fn choose(width: u32, segments: &[layout::Segment], inputs: usize) -> Option<Limbs> {
        if width == 0 {
            return Some(Limbs::ONE);
        }
        (1..=width as usize).find_map(|count| {
            let bits = width.div_ceil(count as u32);
            let limb = 2f64.powi(bits as i32);
            let exact = segments.iter().all(|s| {
                let one = error_bound(
                    limb * (2.0 * s.size as f64).sqrt(),
                    limb * (s.size as f64).sqrt(),
                    2 * s.size,
                );
                // The 1.01 covers the rounding of the bound itself, as in `crate::exact`.
                count as f64 * s.count as f64 * inputs as f64 * one * 1.01 < 0.5
            });
            exact.then_some(Limbs { bits, count })
        })
    }

    /// The products of weight `s`: pairs `(input limb, kernel limb)`.
    pub fn pairs(self, s: usize) -> impl Iterator<Item = (usize, usize)> {
        (0..=s).map(move |j| (j, s - j))
    }

    /// Where limb `k` starts, and whether it is the top (signed) one.
    pub fn limb(self, k: usize) -> (u32, bool) {
        (self.bits * k as u32, k + 1 == self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_streams_take_few_limbs_for_real_kernels() {
        let seg = |size, count| layout::Segment {
            size,
            offset: 0,
            count,
        };
        assert_eq!(Limbs::choose(0, &[seg(64, 1000)], 1), Some(Limbs::ONE));
        // A 96,000-tap kernel at block 64: 7 × 64, 14 × 256, 45 × 2048 (docs/STREAMING.md).
        let reverb = [seg(64, 7), seg(256, 14), seg(2048, 45)];
        let i32 = Limbs::choose(32, &reverb, 1).unwrap();
        let i64 = Limbs::choose(64, &reverb, 1).unwrap();
        assert_eq!((i32.count, i64.count), (3, 6), "{i32:?} {i64:?}");
        // Longer segments need narrower limbs.
        assert!(Limbs::choose(64, &[seg(16_384, 1000)], 1).unwrap().count > i64.count);
        assert_eq!(
            Limbs { bits: 11, count: 3 }.pairs(2).collect::<Vec<_>>(),
            [(0, 2), (1, 1), (2, 0)]
        );
    }
}
