//! `set_prepared` is `set_kernel` with the transforms done elsewhere: with the kernel prepared
//! by a twin convolver, the output is the same bits as `set_kernel`'s, over random chunks,
//! both channels, every latency and head, cross-faded or not, with worker threads, and with
//! swaps during a cross-fade. A prepared kernel of another layout is refused.

mod common;

use common::stream::{STREAM_MODES, builder};
use common::{TestElem, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{ConvError, Head, Latency, Partitioning, StreamBuilder, StreamConvolver};
use rand::RngExt;

/// Exact equality, telling -0.0 from 0.0.
fn same_bits<T: std::fmt::Debug>(a: &[T], b: &[T]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn check<T: TestElem>(seed: u64, m: usize, block: usize) {
    let mut r = rng(seed);
    let h: Vec<T> = random_vec(&mut r, m);
    for mode in STREAM_MODES {
        for (fade, workers) in [(0, 0), (300, 0), (0, 2), (200, 1)] {
            let what = format!(
                "{} m={m} block={block} {mode:?} fade={fade} workers={workers}",
                T::NAME
            );
            let make = |workers| {
                builder(block, mode)
                    .channels(2)
                    .capacity(m)
                    .crossfade(fade)
                    .worker_threads(workers)
            };
            let mut direct: StreamConvolver<T> = make(workers).build(&h).unwrap();
            let mut prepared: StreamConvolver<T> = make(workers).build(&h).unwrap();
            // The control thread's twin: built alike, without workers.
            let twin: StreamConvolver<T> = make(0).build(&h[..1]).unwrap();
            let mut last_swap = 0;
            for step in 0..250 {
                // Swaps now and then, some within the previous one's cross-fade.
                if r.random_range(0..25) == 0 || step == last_swap + 3 {
                    let len = r.random_range(1..=m);
                    let k: Vec<T> = random_vec(&mut r, len);
                    let mut p = if step % 2 == 0 {
                        twin.prepare_kernel(&k).unwrap()
                    } else {
                        prepared.prepare_kernel(&k).unwrap()
                    };
                    direct.set_kernel(&k).unwrap();
                    prepared.set_prepared(&mut p).unwrap();
                    assert_eq!(direct.kernel_len(), prepared.kernel_len(), "{what}");
                    if step != last_swap + 3 {
                        last_swap = step;
                    }
                }
                let c = r.random_range(0..2);
                let len = [1, r.random_range(1..3 * block), block][r.random_range(0..3)];
                let x: Vec<T> = random_vec(&mut r, len);
                let (mut a, mut b) = (vec![T::default(); len], vec![T::default(); len]);
                direct.process_channel(c, &x, &mut a).unwrap();
                prepared.process_channel(c, &x, &mut b).unwrap();
                assert!(same_bits(&a, &b), "{what} step {step}");
            }
            assert_eq!(direct.tail_len(), prepared.tail_len(), "{what}");
            for c in 0..2 {
                let n = direct.tail_len();
                let (mut a, mut b) = (vec![T::default(); n], vec![T::default(); n]);
                direct.flush_channel(c, &mut a).unwrap();
                prepared.flush_channel(c, &mut b).unwrap();
                assert!(same_bits(&a, &b), "{what} flush {c}");
            }
        }
    }
}

#[test]
fn floats_are_the_same_bits_as_set_kernel() {
    check::<f32>(1, 3000, 32);
    check::<f64>(2, 1500, 16);
}

#[test]
fn complex_values_are_the_same_bits_as_set_kernel() {
    check::<Complex<f32>>(3, 1500, 32);
    check::<Complex<f64>>(4, 1000, 16);
}

#[test]
fn integers_are_the_same_bits_as_set_kernel() {
    check::<i32>(5, 1500, 32);
    check::<i64>(6, 800, 16);
}

#[test]
fn another_layout_is_refused_and_changes_nothing() {
    let base = || StreamBuilder::new(64).capacity(20_000).crossfade(100);
    let h = [1.0f32; 500];
    let mut conv = base().build(&h).unwrap();
    let layout = Err(ConvError::PreparedKernel { what: "layout" });
    for other in [
        StreamBuilder::new(32).capacity(20_000).crossfade(100),
        base().capacity(30_000),
        base().channels(2),
        base().latency(Latency::Block),
        base().crossfade(0),
        base().head(Head::Direct),
        base().partitioning(Partitioning::Uniform),
    ] {
        let twin = other.build(&h).unwrap();
        let mut p = twin.prepare_kernel(&[2.0; 300]).unwrap();
        assert_eq!(conv.set_prepared(&mut p), layout, "{twin:?}", twin = p);
    }
    assert_eq!(conv.kernel_len(), 500);
    // The same layout with other options (workers) is accepted, once.
    let twin = base().worker_threads(1).build(&h).unwrap();
    let mut p = twin.prepare_kernel(&[2.0; 300]).unwrap();
    assert_eq!(conv.set_prepared(&mut p), Ok(()));
    assert_eq!(conv.kernel_len(), 300);
    let installed = Err(ConvError::PreparedKernel { what: "installed" });
    assert_eq!(conv.set_prepared(&mut p), installed);
    // As set_kernel: empty and too long kernels.
    for k in [&[][..], &[1.0; 20_001][..]] {
        assert_eq!(
            conv.prepare_kernel(k).map(|_| ()),
            conv.clone().set_kernel(k)
        );
        assert!(conv.prepare_kernel(k).is_err());
    }
}
