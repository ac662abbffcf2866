//! Integer streams are exact: full-range `i32` and `i64` samples and kernels, streamed in random
//! chunks and flushed, equal the one-shot exact `convolve(.., Mode::Full)` bit for bit, with
//! numpy's wrap-around. Also where a kernel swap settles, measured exactly on integers.

mod common;

use common::rng;
use common::stream::{STREAM_MODES as MODES, builder, stream};
use convolve::{Mode, StreamBuilder, convolve};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Every bit pattern of the type equally likely.
trait Full: convolve::Element + Default + std::fmt::Debug {
    fn full(r: &mut ChaCha8Rng) -> Self;
}

impl Full for i32 {
    fn full(r: &mut ChaCha8Rng) -> Self {
        r.random()
    }
}

impl Full for i64 {
    fn full(r: &mut ChaCha8Rng) -> Self {
        r.random()
    }
}

fn full<T: Full>(r: &mut ChaCha8Rng, len: usize) -> Vec<T> {
    (0..len).map(|_| T::full(r)).collect()
}

fn check<T: Full>(seed: u64, m: usize, n: usize, block: usize) {
    let mut r = rng(seed);
    let h: Vec<T> = full(&mut r, m);
    let x: Vec<T> = full(&mut r, n);
    let want = convolve(&x, &h, Mode::Full).unwrap();
    for mode in MODES {
        let mut conv = builder(block, mode).build(&h).unwrap();
        let max_chunk = [1, 3, block, 3 * block + 1][r.random_range(0..4)];
        let got = stream(&mut conv, &x, &mut r, max_chunk);
        let first_bad = got.iter().zip(&want).position(|(a, b)| a != b);
        assert_eq!(
            first_bad, None,
            "m={m} n={n} block={block} {mode:?} chunk<={max_chunk}"
        );
        assert_eq!(got.len(), want.len());
    }
}

/// Kernel lengths and blocks from one tap to 20,000, blocks of 1 to 128.
const CASES: [(usize, usize); 6] = [
    (1, 4),
    (7, 1),
    (50, 8),
    (700, 32),
    (3000, 64),
    (20_000, 128),
];

#[test]
fn full_range_i32_streams_are_exact() {
    for (i, &(m, block)) in CASES.iter().enumerate() {
        check::<i32>(700 + i as u64, m, m + 2000, block);
    }
}

#[test]
fn full_range_i64_streams_are_exact() {
    for (i, &(m, block)) in CASES.iter().enumerate() {
        check::<i64>(800 + i as u64, m, m + 2000, block);
    }
}

#[test]
fn integer_channels_are_exact() {
    let mut r = rng(900);
    let h: Vec<i64> = full(&mut r, 1500);
    let xs: [Vec<i64>; 2] = [full(&mut r, 4000), full(&mut r, 4000)];
    let mut conv = StreamBuilder::new(32).channels(2).build(&h).unwrap();
    let tail = conv.tail_len();
    for (c, x) in xs.iter().enumerate() {
        let mut out = vec![0; x.len() + tail];
        for (xb, ob) in x.chunks(45).zip(out[..x.len()].chunks_mut(45)) {
            conv.process_channel(c, xb, ob).unwrap();
        }
        conv.flush_channel(c, &mut out[x.len()..]).unwrap();
        assert_eq!(out, convolve(x, &h, Mode::Full).unwrap(), "channel {c}");
    }
}

/// `set_kernel` at sample `T` (samples consumed): the output from `T + capacity + latency` on
/// is exactly the whole past signal convolved with the new kernel; between `T` and there it
/// is a blend (the outputs the partitions had already begun keep the old kernel's share).
#[test]
fn a_kernel_swap_settles_within_the_capacity() {
    let mut r = rng(901);
    let mut blended = 0;
    for mode in MODES {
        for &(m, block, swap) in &[
            (3000, 32, 8000),
            (3000, 32, 8017),
            (40, 64, 301),
            (900, 7, 5000),
        ] {
            // Small values: every product is exact, so any difference is the old kernel.
            let small = |r: &mut ChaCha8Rng, len| -> Vec<i64> {
                (0..len).map(|_| r.random_range(-100..=100)).collect()
            };
            let (old, new, x) = (small(&mut r, m), small(&mut r, m), small(&mut r, 20_000));
            let mut conv = builder(block, mode).build(&old).unwrap();
            let mut out = vec![0; x.len()];
            conv.process(&x[..swap], &mut out[..swap]).unwrap();
            conv.set_kernel(&new).unwrap();
            for (xb, ob) in x[swap..]
                .chunks(block + 3)
                .zip(out[swap..].chunks_mut(block + 3))
            {
                conv.process(xb, ob).unwrap();
            }
            let lat = conv.latency();
            let want = convolve(&x, &new, Mode::Full).unwrap();
            let last_bad = (lat..x.len())
                .rev()
                .find(|&i| out[i] != want[i - lat])
                .unwrap_or(0);
            assert!(
                last_bad < swap + m + lat,
                "{mode:?} m={m} block={block}: old kernel at {last_bad}, swap at {swap}"
            );
            blended = blended.max(last_bad.saturating_sub(swap + lat));
        }
    }
    // The swap is not instantaneous: the blend lasts hundreds of samples in some layouts
    // (up to where the last segment of partitions starts; 415 here).
    assert!(blended > 100, "{blended}");
}
