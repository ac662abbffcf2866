//! Worker threads change nothing: with 1, 2 and 3 workers the output is the same bits as the
//! one-thread engine's, over random chunk sizes, both channels, cross-fading kernel swaps,
//! reset, clones, and states moved between the two engines.

mod common;

use common::{TestElem, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{Head, Latency, StreamBuilder, StreamConvolver};
use rand::RngExt;

/// Exact equality, telling -0.0 from 0.0.
fn same_bits<T: std::fmt::Debug>(a: &[T], b: &[T]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn builder(block: usize, m: usize, workers: usize, latency: Latency) -> StreamBuilder {
    StreamBuilder::new(block)
        .channels(2)
        .capacity(m)
        .crossfade(300)
        .latency(latency)
        .head(Head::Fft)
        .worker_threads(workers)
}

/// Streams random chunks into both engines, with kernel swaps, a reset, a clone and a state
/// handed from the one-thread engine to the worker one, comparing every output.
fn check<T: TestElem>(seed: u64, m: usize, block: usize, latency: Latency) {
    let mut r = rng(seed);
    let h: Vec<T> = random_vec(&mut r, m);
    for workers in 1..=3 {
        let what = format!(
            "{} m={m} block={block} {latency:?} workers={workers}",
            T::NAME
        );
        let mut one: StreamConvolver<T> = builder(block, m, 0, latency).build(&h).unwrap();
        let mut many: StreamConvolver<T> = builder(block, m, workers, latency).build(&h).unwrap();
        let mut pairs = vec![];
        for step in 0..400 {
            if step == 150 {
                pairs.push((one.try_clone().unwrap(), many.clone()));
            }
            if step == 250 {
                // The one-thread engine's state, mid-job, carried on by workers.
                let mut moved = builder(block, m, workers, latency).build(&h).unwrap();
                moved.load_state(&one.save_state().unwrap()).unwrap();
                many = moved;
            }
            if step == 320 {
                one.reset();
                many.reset();
            }
            if r.random_range(0..40) == 0 {
                let len = r.random_range(1..=m);
                let k: Vec<T> = random_vec(&mut r, len);
                one.set_kernel(&k).unwrap();
                many.set_kernel(&k).unwrap();
            }
            let c = r.random_range(0..2);
            let len = [1, r.random_range(1..3 * block), block][r.random_range(0..3)];
            let x: Vec<T> = random_vec(&mut r, len);
            let (mut a, mut b) = (vec![T::default(); len], vec![T::default(); len]);
            one.process_channel(c, &x, &mut a).unwrap();
            many.process_channel(c, &x, &mut b).unwrap();
            assert!(same_bits(&a, &b), "{what} step {step}");
            for (p, q) in &mut pairs {
                p.process_channel(c, &x, &mut a).unwrap();
                q.process_channel(c, &x, &mut b).unwrap();
                assert!(same_bits(&a, &b), "{what} clone step {step}");
            }
        }
        for c in 0..2 {
            let n = one.tail_len();
            let (mut a, mut b) = (vec![T::default(); n], vec![T::default(); n]);
            one.flush_channel(c, &mut a).unwrap();
            many.flush_channel(c, &mut b).unwrap();
            assert!(same_bits(&a, &b), "{what} flush {c}");
        }
    }
}

#[test]
fn floats_are_the_same_bits_with_workers() {
    check::<f32>(1, 5000, 32, Latency::Zero);
    check::<f64>(2, 3000, 16, Latency::Zero);
    check::<f64>(3, 2000, 24, Latency::Block);
    // A head of 15 partitions of 256, whose tail goes to the workers.
    check::<f32>(8, 24_000, 256, Latency::Zero);
}

#[test]
fn complex_values_are_the_same_bits_with_workers() {
    check::<Complex<f32>>(4, 3000, 32, Latency::Zero);
    check::<Complex<f64>>(5, 2000, 16, Latency::Zero);
}

#[test]
fn integers_are_the_same_bits_with_workers() {
    check::<i32>(6, 3000, 32, Latency::Zero);
    check::<i64>(7, 1500, 16, Latency::Zero);
    check::<i32>(9, 24_000, 256, Latency::Zero);
}

#[test]
fn convolvers_with_workers_move_between_threads() {
    fn send<S: Send>(s: S) -> S {
        s
    }
    let mut conv = StreamBuilder::new(16)
        .worker_threads(2)
        .build(&[1.0f32; 3000])
        .unwrap();
    let mut conv = std::thread::spawn(move || {
        let mut out = [0.0; 100];
        conv.process(&[1.0; 100], &mut out).unwrap();
        send(conv)
    })
    .join()
    .unwrap();
    let mut out = [0.0; 1];
    conv.process(&[0.0], &mut out).unwrap();
    assert_eq!(out, [100.0]);
}
