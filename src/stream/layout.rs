//! Where each part of the kernel goes: the direct head and the FFT segments.
//!
//! Taps are placed on a *virtual* axis: in the zero-latency mode it is the kernel's own index
//! (the head computes taps `0 .. p0` directly and the segments start at `p0`); in the
//! block-latency mode the kernel is delayed by `p0` taps, so the segments cover the whole
//! kernel from virtual tap `p0` on and the output is late by `p0` samples.
//!
//! A segment of partition size `P` runs every `P` input samples and writes `P` outputs that
//! start `offset - P` samples after its trigger, so it is causal when `offset >= P`. The one
//! exception is the FFT head of the zero-latency mode: a first segment at offset 0 whose first
//! partition is recomputed on every call from the partial block (see `segment.rs`). Sizes
//! double from `p0` (Gardner's scheme), each size holding at least [`PARTS_PER_LEVEL`]
//! partitions and enough that the next, twice larger size starts late enough.

/// Partitions per size before the size doubles. More partitions per level mean fewer FFT sizes
/// but more spectral multiply-adds per sample. 4 is a first choice, not tuned: the shared
/// 2-core machine was too noisy to separate 2, 4 and 8 in the time available.
pub(crate) const PARTS_PER_LEVEL: usize = 4;

/// The largest partition the non-uniform scheme grows to (unless the first one is larger):
/// bigger partitions lower the mean cost a little but make the blocks that run them longer
/// (their FFTs of `2 · MAX_PART` points all run in one block).
pub(crate) const MAX_PART: usize = 8192;

/// One uniformly partitioned segment: `count` partitions of `size` taps from virtual tap
/// `offset` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub size: usize,
    pub offset: usize,
    pub count: usize,
}

/// The segments covering virtual taps `start .. end` (`start` is 0 for the FFT head, `p0`
/// otherwise): all of size `p0` when `uniform`, doubling otherwise.
pub(crate) fn segments(p0: usize, start: usize, end: usize, uniform: bool) -> Vec<Segment> {
    let max = MAX_PART.max(p0);
    let mut out = Vec::new();
    let (mut offset, mut size) = (start, p0);
    while offset < end {
        let remaining = (end - offset).div_ceil(size);
        let next = size * 2;
        let grow = !uniform && next <= max;
        let count = if grow {
            // The next segment may start only once `offset >= next` (causality).
            let needed = next.saturating_sub(offset).div_ceil(size);
            PARTS_PER_LEVEL.max(needed).min(remaining)
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
            size = next;
        }
    }
    out
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
                        let live = i == 0 && start == 0;
                        assert!(live || s.offset >= s.size, "{segs:?}");
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
        let segs = segments(64, 64, 96_064, false);
        let parts: usize = segs.iter().map(|s| s.count).sum();
        assert!(parts < 40, "{segs:?}");
        assert_eq!(segs.last().unwrap().size, MAX_PART);
        assert_eq!(segments(64, 64, 96_064, true).len(), 1);
        assert_eq!(segments(64, 0, 96_000, true).len(), 1);
    }
}
