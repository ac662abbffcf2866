//! Where each part of the kernel goes: the direct head (if any) and the FFT segments.
//!
//! Taps are placed on a *virtual* axis: in the zero-latency mode it is the kernel's own index
//! (with the direct head, the head computes taps `0 .. p0` and the segments start at `p0`;
//! with the FFT head, the segments start at 0); in the block-latency mode the kernel is
//! delayed by `p0` taps, so the segments cover the whole kernel from virtual tap `p0` on and
//! the output is late by `p0` samples.
//!
//! A segment of partition size `P` runs every `P` input samples and writes `P` outputs that
//! start `offset - P` samples after its trigger, so it is causal when `offset >= P`. The one
//! exception is the FFT head of the zero-latency mode: a first segment at offset 0 whose first
//! partition is recomputed on every call from the partial block (see `segment.rs`). Sizes
//! grow from `p0` by powers of two (Gardner's scheme); which sizes, and how many partitions
//! each holds, a cost model fitted on measured FFT and multiply-add rates chooses ([`cost`]).

/// The largest partition the non-uniform scheme grows to (unless the first one is larger):
/// bigger partitions lower the mean cost but make the blocks that run their transforms longer
/// (see [`EVEN`] and [`PERIOD_SHARE`]).
pub(crate) const MAX_PART: usize = 16_384;

/// The largest forward transform may cost at most this many times the predicted mean block
/// (one call of `p0` samples): the block that runs it also does about a mean block's other
/// work, and a large transform runs slower inside the stream than alone (its buffers leave the
/// cache between runs). Long kernels at small blocks therefore get smaller largest partitions,
/// for a higher but still low mean (docs/PERFORMANCE.md, "Why the largest partition is capped").
const EVEN: f64 = 1.5;

/// ... unless it takes at most this share of a block's real time at [`RATE`]: the bound that
/// matters to an audio callback is its period, and a transform far inside it is worth its
/// spike where the mean is tiny (long kernels at small blocks: 480,000 taps at block 64 get
/// 16,384-tap partitions instead of 2,048, and a third of the CPU; docs/PERFORMANCE.md, "Why
/// the largest partition is capped").
const PERIOD_SHARE: f64 = 0.03;

/// The sample rate [`PERIOD_SHARE`] assumes: the engine counts samples, not seconds, and at a
/// higher rate the same bound is a larger share of a shorter period (6 % at 96 kHz).
const RATE: f64 = 48_000.0;

/// Whether a layout whose largest partition is `largest` and whose predicted mean block is
/// `mean` ns keeps its worst block within [`EVEN`] mean blocks or [`PERIOD_SHARE`] of the
/// period.
fn even_enough(p0: usize, largest: usize, mean: f64) -> bool {
    let worst = forward(2 * largest);
    largest == p0 || worst <= EVEN * mean || worst <= PERIOD_SHARE * p0 as f64 * 1e9 / RATE
}

/// Below the last size, the search tries this many partitions more than the fewest that let
/// the next size start: a partition costs about the same per sample at every size, so more
/// small partitions where one large one would do never pay, except to fit the kernel's end.
const EXTRA_COUNT: usize = 3;

use std::collections::HashMap;

/// One uniformly partitioned segment: `count` partitions of `size` taps from virtual tap
/// `offset` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub size: usize,
    pub offset: usize,
    pub count: usize,
}

/// The first virtual tap a segment of partitions of `size` may start at: its work is spread
/// over the `size / p0` blocks after its trigger (see `segment.rs`), so its outputs may start
/// `size - p0` samples after the trigger at the earliest.
pub(crate) fn earliest(size: usize, p0: usize) -> usize {
    2 * size - p0
}

/// Predicted CPU time per input sample, in ns, of a segment of `count` partitions of `size`:
/// one forward and one inverse real FFT of `2·size` points and `count · (size + 1)` complex
/// multiply-adds per `size` samples, plus copying the window in and the result out.
///
/// The rates were fitted to `f32` timing loops that are not a committed bench
/// (docs/PERFORMANCE.md, "The streaming layout's cost model"). A partition costs about the
/// same per sample at every size and an extra size as much as many partitions, so the model
/// grows the size only where it saves that many.
pub(crate) fn cost(size: usize, count: usize) -> f64 {
    let (transform, mac) = crate::profile::stream();
    let [t, m] = cost_parts(size, count);
    transform * t + mac * m
}

/// [`cost`] at the measured rates, split into the transforms and copies (which the profile's
/// transform factor scales) and the spectrum multiply-adds (its mac factor).
pub(crate) fn cost_parts(size: usize, count: usize) -> [f64; 2] {
    const MAC: f64 = 0.23;
    const COPY: f64 = 0.3;
    let pair = 2.0 * base_forward(2 * size);
    let s = size as f64;
    [
        (pair + COPY * 2.0 * s) / s,
        count as f64 * (size + 1) as f64 * MAC / s,
    ]
}

/// Predicted ns of one real FFT of `n` points (half the measured forward+inverse pair).
fn forward(n: usize) -> f64 {
    crate::profile::stream().0 * base_forward(n)
}

/// [`forward`] at the measured rate.
fn base_forward(n: usize) -> f64 {
    let nf = n as f64;
    0.5 * nf * nf.log2().max(1.0) * (0.074 + 6.0 / nf) * crate::fft::radix_factor(n)
}

/// Splits the FFT head `specs[0]` after its second partition: its partitions 2 and up become
/// a segment of their own at offset `2·p0`, the head's *tail*, whose spectrum sum the head
/// adds to its own (`Segment::tail_sum`, `Segment::run_head`) instead of transforming it
/// back. The arithmetic is the head's, its terms in a fixed order; what the split buys is
/// that the tail's multiply-adds, all on inputs one block old, may run on a worker during
/// the block before (`workers.rs`). Returns whether it split (a head of more than two
/// partitions).
pub(crate) fn split_head(specs: &mut Vec<Segment>) -> bool {
    let Some(&head) = specs.first() else {
        return false;
    };
    if head.offset != 0 || head.count <= 2 {
        return false;
    }
    specs[0].count = 2;
    let tail = Segment {
        size: head.size,
        offset: 2 * head.size,
        count: head.count - 2,
    };
    specs.insert(1, tail);
    true
}

/// The segments covering virtual taps `start .. end` (`start` is 0 for the FFT head, `p0`
/// otherwise): all of size `p0` when `uniform`; otherwise sizes double from `p0` up to
/// [`MAX_PART`], possibly skipping some, each size starting late enough for its spread work
/// (`offset >=` [`earliest`]`(size, p0)`), with the counts per size that minimize the modelled
/// [`cost`] (Garcia's optimal partitioning, sizes restricted to `p0` times powers of two), by
/// dynamic programming over (size, offset);
/// the largest size is the largest whose forward transform costs at most [`EVEN`] mean blocks
/// or [`PERIOD_SHARE`] of the period ([`even_enough`]).
pub(crate) fn segments(p0: usize, start: usize, end: usize, uniform: bool) -> Vec<Segment> {
    if start >= end {
        return Vec::new();
    }
    let mut max = MAX_PART.max(p0);
    loop {
        let segs = optimal(p0, start, end, uniform, max);
        let largest = segs.iter().map(|s| s.size).max().unwrap_or(p0);
        let mean = segs.iter().map(|s| cost(s.size, s.count)).sum::<f64>() * p0 as f64;
        if even_enough(p0, largest, mean) {
            return segs;
        }
        max = largest / 2;
    }
}

/// [`segments`] with partitions of at most `max` taps.
fn optimal(p0: usize, start: usize, end: usize, uniform: bool, max: usize) -> Vec<Segment> {
    let finish = |size: usize, offset: usize| Segment {
        size,
        offset,
        count: (end - offset).div_ceil(size),
    };
    if uniform {
        return vec![finish(p0, start)];
    }
    let mut sizes = vec![p0];
    while let Some(next) = sizes.last().unwrap().checked_mul(2).filter(|&s| s <= max) {
        sizes.push(next);
    }
    // best[(j, o)]: least cost covering offset o .. end with sizes[j] first, and the choice
    // `(count, k)`: `count` partitions of that size, then sizes[k] (count 0: the last size,
    // taking every remaining tap). Only reachable states are visited: a few hundred.
    type Memo = HashMap<(usize, usize), (f64, (usize, usize))>;
    fn solve(j: usize, offset: usize, ctx: &(usize, usize, &[usize]), best: &mut Memo) -> f64 {
        let &(p0, end, sizes) = ctx;
        if let Some(&(c, _)) = best.get(&(j, offset)) {
            return c;
        }
        let size = sizes[j];
        let mut choice = (cost(size, (end - offset).div_ceil(size)), (0, 0));
        // The next size may skip some doublings (Garcia: any larger size), if causal.
        for (k, &next) in sizes.iter().enumerate().skip(j + 1) {
            let least = earliest(next, p0)
                .saturating_sub(offset)
                .div_ceil(size)
                .max(1);
            for count in least..=least + EXTRA_COUNT {
                let at = offset + count * size;
                if at >= end {
                    break;
                }
                let c = cost(size, count) + solve(k, at, ctx, best);
                if c < choice.0 {
                    choice = (c, (count, k));
                }
            }
        }
        best.insert((j, offset), choice);
        choice.0
    }
    let ctx = (p0, end, &sizes[..]);
    let mut best = Memo::new();
    solve(0, start, &ctx, &mut best);
    let mut out = Vec::new();
    let (mut j, mut offset) = (0, start);
    loop {
        let (count, next) = best[&(j, offset)].1;
        if count == 0 {
            out.push(finish(sizes[j], offset));
            return out;
        }
        out.push(Segment {
            size: sizes[j],
            offset,
            count,
        });
        offset += count * sizes[j];
        j = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_tail_causally() {
        for p0 in [1, 2, 3, 32, 64, 100, 512, 10_000] {
            for taps in [0, 1, 5, 63, 64, 65, 1000, 96_000, 480_000] {
                for (uniform, start) in [(false, 0), (false, p0), (true, 0), (true, p0)] {
                    let segs = segments(p0, start, p0 + taps, uniform);
                    let mut at = start;
                    for (i, s) in segs.iter().enumerate() {
                        assert_eq!(s.offset, at, "{p0} {taps} {segs:?}");
                        // Only the FFT head (the first segment, at 0) may start early.
                        let fft_head = i == 0 && start == 0;
                        assert!(fft_head || s.offset >= earliest(s.size, p0), "{segs:?}");
                        assert!(s.count >= 1, "{segs:?}");
                        assert!(s.size.is_multiple_of(p0));
                        if uniform {
                            assert_eq!(s.size, p0);
                        }
                        at += s.size * s.count;
                    }
                    assert!(at >= p0 + taps, "{p0} {taps} {segs:?}");
                    // No partition lies entirely past the end.
                    if let Some(last) = segs.last() {
                        assert!(at - last.size < p0 + taps);
                    }
                }
            }
        }
    }

    #[test]
    fn long_kernels_use_few_large_partitions() {
        let segs = optimal(64, 64, 96_064, false, 8192);
        let parts: usize = segs.iter().map(|s| s.count).sum();
        assert!(parts < 40, "{segs:?}");
        assert_eq!(segs.last().unwrap().size, 8192);
        assert_eq!(segments(64, 64, 96_064, true).len(), 1);
        assert_eq!(segments(64, 0, 96_000, true).len(), 1);
    }

    /// The modelled cost of a layout.
    fn total(segs: &[Segment]) -> f64 {
        segs.iter().map(|s| cost(s.size, s.count)).sum()
    }

    #[test]
    fn largest_transform_costs_at_most_even_mean_blocks() {
        for p0 in [1, 7, 32, 64, 128, 512] {
            for taps in [1, 100, 1024, 16_384, 96_000, 480_000, 2_000_000] {
                let segs = segments(p0, 0, taps, false);
                let largest = segs.iter().map(|s| s.size).max().unwrap();
                let mean = total(&segs) * p0 as f64;
                assert!(even_enough(p0, largest, mean), "{segs:?}");
                // And not needlessly small: one size up would break the bound or MAX_PART.
                let up = optimal(p0, 0, taps, false, 2 * largest);
                let up_largest = up.iter().map(|s| s.size).max().unwrap();
                let up_mean = total(&up) * p0 as f64;
                assert!(
                    up_largest == largest
                        || 2 * largest > MAX_PART.max(p0)
                        || !even_enough(p0, up_largest, up_mean),
                    "{p0} {taps} {segs:?} {up:?}"
                );
            }
        }
    }

    /// Gardner's fixed scheme: `per` partitions per size, doubling up to `max`.
    fn doubling(p0: usize, start: usize, end: usize, per: usize, max: usize) -> Vec<Segment> {
        let mut out = Vec::new();
        let (mut offset, mut size) = (start, p0);
        while offset < end {
            let remaining = (end - offset).div_ceil(size);
            let grow = size * 2 <= max;
            let needed = earliest(2 * size, p0).saturating_sub(offset).div_ceil(size);
            let count = if grow {
                per.max(needed).min(remaining)
            } else {
                remaining
            };
            out.push(Segment {
                size,
                offset,
                count,
            });
            offset += count * size;
            if grow {
                size *= 2;
            }
        }
        out
    }

    #[test]
    fn optimal_layout_costs_no_more_than_fixed_schemes() {
        for p0 in [1, 7, 32, 64, 128, 512] {
            for taps in [1, 100, 1024, 16_384, 96_000, 480_000] {
                for start in [0, p0] {
                    for max in [p0, 8 * p0, 8192.max(p0)] {
                        let best = total(&optimal(p0, start, p0 + taps, false, max));
                        let uniform = total(&segments(p0, start, p0 + taps, true));
                        assert!(best <= uniform + 1e-9, "{p0} {taps}: {best} > {uniform}");
                        for per in [1, 2, 4, 8, 16] {
                            let fixed = total(&doubling(p0, start, p0 + taps, per, max));
                            assert!(best <= fixed + 1e-9, "{p0} {taps} {per}: {best} > {fixed}");
                        }
                    }
                }
            }
        }
        // At block 64, 96,000 taps: the old 4-per-size scheme cost half as much again.
        let best = total(&optimal(64, 0, 96_000, false, 8192));
        assert!(best * 1.3 < total(&doubling(64, 0, 96_000, 4, 8192)));
    }
}
