//! Multi-threading of the N-D engines (cargo feature `rayon`, on by default).
//!
//! The kept box is cut along its first axis into one band of output rows per thread of rayon's
//! current pool, and every band runs the same method as the whole would:
//!
//! * the direct kernel computes each output row on its own ([`super::direct`]), so a band
//!   is simply its rows;
//! * overlap-add ([`super::fft::overlap_add`]) cuts where a row of tiles starts. Each band
//!   transforms the tile rows that start inside it, in the order one thread visits them. The
//!   last `m - 1` rows of the tile row before a cut fall in the next band: the band above sums
//!   them (in tile order, from zero) into a spill buffer, and the band below keeps its own
//!   contributions to those rows aside; afterwards the spill is copied in and the kept
//!   contributions added in their order. Every output is therefore the same sum of the same
//!   tile contributions in the same order as on one thread, and no tile is transformed twice.
//!
//! Results are bit-identical to one thread's. The one-transform FFT method is not split.
//!
//! The calling thread takes bands too, and the pool's threads only the bands they start
//! before it gets to them ([`helped`]): a call never waits for a thread to wake up, so two
//! threads are never much slower than one, even when the other core is busy.
//!
//! Only problems predicted (by the N-D cost model, `super::strategy`) to take longer than
//! [`crate::parallel::PARALLEL_MIN_NS`] on one thread are split: waking the pool and joining
//! costs a few microseconds.

use crate::error::ConvError;

#[cfg(feature = "rayon")]
#[path = "helped.rs"]
mod helped;

/// How many bands a problem predicted to take `predicted_ns` on one thread is cut into:
/// rayon's thread count above the threshold, 1 below it or without the `rayon` feature.
#[cfg_attr(not(feature = "rayon"), allow(unused_variables))]
pub(crate) fn bands(predicted_ns: f64) -> usize {
    #[cfg(feature = "rayon")]
    {
        if predicted_ns < crate::parallel::PARALLEL_MIN_NS {
            1
        } else {
            crate::parallel::pool_threads()
        }
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// Cuts `out` (rows of `row_len` elements) at the given row boundaries (increasing, each
/// strictly inside `1 .. rows`) and runs `f(first_row, rows_of_band)` on each band, in
/// parallel with the `rayon` feature.
pub(crate) fn for_each_band<T: Send>(
    out: &mut [T],
    row_len: usize,
    cuts: &[usize],
    f: impl Fn(usize, &mut [T]) -> Result<(), ConvError> + Sync,
) -> Result<(), ConvError> {
    map_bands(out, row_len, cuts, f).map(drop)
}

/// [`for_each_band`] for bands that return a value: the values in band order.
pub(crate) fn map_bands<T: Send, R: Send>(
    out: &mut [T],
    row_len: usize,
    cuts: &[usize],
    f: impl Fn(usize, &mut [T]) -> Result<R, ConvError> + Sync,
) -> Result<Vec<R>, ConvError> {
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut rest = out;
    let mut at = 0;
    for &cut in cuts {
        let (head, tail) = rest.split_at_mut((cut - at) * row_len);
        parts.push((at, head));
        (rest, at) = (tail, cut);
    }
    parts.push((at, rest));
    #[cfg(feature = "rayon")]
    if parts.len() > 1 {
        return helped::run(parts, &f);
    }
    parts
        .into_iter()
        .map(|(first, part)| f(first, part))
        .collect()
}

/// `bands - 1` cuts splitting `rows` rows into nearly equal bands (fewer when there are fewer
/// rows than bands).
pub(crate) fn even_cuts(rows: usize, bands: usize) -> Vec<usize> {
    let bands = bands.min(rows).max(1);
    (1..bands).map(|b| b * rows / bands).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_the_rows_once() {
        assert_eq!(even_cuts(10, 3), [3, 6]);
        assert_eq!(even_cuts(2, 4), [1]);
        assert!(even_cuts(5, 1).is_empty());
        let mut out = vec![0usize; 10 * 3];
        for_each_band(&mut out, 3, &[3, 6], |first, part| {
            for (r, row) in part.chunks_exact_mut(3).enumerate() {
                row.fill(first + r);
            }
            Ok(())
        })
        .unwrap();
        let want: Vec<usize> = (0..10).flat_map(|r| [r; 3]).collect();
        assert_eq!(out, want);
    }
}
