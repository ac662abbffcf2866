//! `process`, `flush`, `set_kernel` (within capacity, cross-faded or not), `set_prepared` and
//! `reset` never allocate, with or without worker threads (`set_prepared` frees nothing
//! either): a global allocator counts the allocations of the current thread around them. In
//! its own test binary so that the counting allocator does not slow the other suites.

mod common;
mod counting;

use common::smooth as signal;
use convolve::num_complex::Complex;
use convolve::{Element, Head, Latency, Partitioning, StreamBuilder};
use counting::{allocations, frees};

fn no_allocation_in_the_audio_path<T: Element>(f: impl Fn(f64) -> T + Copy) {
    let kernel = signal(20_000, f);
    let other = signal(12_345, |v| f(v * 0.5));
    let x = signal(9000, f);
    let mut out = [T::default(); 9000];
    for (latency, part, head, fade) in [
        (Latency::Zero, Partitioning::NonUniform, Head::Fft, 0),
        (Latency::Zero, Partitioning::NonUniform, Head::Direct, 0),
        (Latency::Zero, Partitioning::Uniform, Head::Fft, 0),
        (Latency::Block, Partitioning::NonUniform, Head::Auto, 0),
        (Latency::Zero, Partitioning::NonUniform, Head::Fft, 500),
        (Latency::Zero, Partitioning::NonUniform, Head::Direct, 100),
    ] {
        for workers in [0, 2] {
            run_without_allocating(
                &kernel,
                &other,
                &x,
                &mut out,
                (latency, part, head, fade),
                workers,
            );
        }
    }
    // The counter works: building does allocate.
    let before = allocations();
    let _conv = StreamBuilder::new(64).build(&kernel).unwrap();
    assert!(allocations() > before);
}

/// Streams `x` with kernel swaps, a flush and a reset, counting this thread's allocations.
fn run_without_allocating<T: Element>(
    kernel: &[T],
    other: &[T],
    x: &[T],
    out: &mut [T],
    (latency, part, head, fade): (Latency, Partitioning, Head, usize),
    workers: usize,
) {
    {
        let mut conv = StreamBuilder::new(64)
            .latency(latency)
            .partitioning(part)
            .head(head)
            .crossfade(fade)
            .channels(2)
            .capacity(30_000)
            .worker_threads(workers)
            .build(kernel)
            .unwrap();
        let before = allocations();
        let mut at = 0;
        for (k, n) in [1, 63, 64, 65, 1, 500, 7, 2000, 3000]
            .iter()
            .cycle()
            .enumerate()
        {
            if at + n > x.len() {
                break;
            }
            conv.process_channel(k % 2, &x[at..at + n], &mut out[at..at + n])
                .unwrap();
            at += n;
            // Two swaps, the second during the first one's cross-fade.
            if k == 4 || k == 6 {
                conv.set_kernel(if k == 4 { other } else { kernel })
                    .unwrap();
            }
        }
        conv.flush(&mut out[..5000]).unwrap();
        conv.reset();
        conv.set_kernel(kernel).unwrap();
        conv.process(&x[..4096], &mut out[..4096]).unwrap();
        let during = allocations() - before;
        assert_eq!(
            during, 0,
            "{latency:?} {part:?} {head:?} fade {fade} workers {workers}: {during} allocations"
        );
        // Twice: a swap during the first one's cross-fade.
        let mut prepared = [other, kernel].map(|k| conv.prepare_kernel(k).unwrap());
        let (before, freed) = (allocations(), frees());
        for (p, n) in prepared.iter_mut().zip([100, 4000]) {
            conv.set_prepared(p).unwrap();
            conv.process(&x[..n], &mut out[..n]).unwrap();
        }
        let (during, freed) = (allocations() - before, frees() - freed);
        assert_eq!(
            (during, freed),
            (0, 0),
            "set_prepared: {latency:?} {part:?} {head:?} fade {fade} workers {workers}"
        );
    }
}

#[test]
fn f32_never_allocates_after_build() {
    no_allocation_in_the_audio_path(|v| v as f32);
}

#[test]
fn f64_and_complex_never_allocate_after_build() {
    no_allocation_in_the_audio_path(|v| v);
    no_allocation_in_the_audio_path(|v| Complex::new(v, -v));
}

/// A true-stereo matrix: `process`, `flush`, `set_kernels`, `set_prepared` and `reset`, with
/// and without workers and cross-fade.
#[test]
fn matrices_never_allocate_after_build() {
    let kernels: Vec<Vec<f32>> = (0..4)
        .map(|k| signal(10_000, |v| (v * (k + 1) as f64) as f32))
        .collect();
    let other: Vec<Vec<f32>> = kernels.iter().rev().map(|k| k[..7000].to_vec()).collect();
    let (l, r) = (signal(6000, |v| v as f32), signal(6000, |v| -v as f32));
    let (mut a, mut b) = (vec![0.0f32; 6000], vec![0.0f32; 6000]);
    for (fade, workers) in [(0, 0), (0, 2), (300, 0), (300, 1)] {
        let mut m = StreamBuilder::new(64)
            .crossfade(fade)
            .worker_threads(workers)
            .build_matrix(2, 2, &kernels)
            .unwrap();
        let mut prepared = m.prepare_kernels(&other).unwrap();
        let (before, freed) = (allocations(), frees());
        let mut at = 0;
        for (k, n) in [1, 63, 64, 65, 500, 7, 2000].into_iter().enumerate() {
            m.process(
                &[&l[at..at + n], &r[at..at + n]],
                &mut [&mut a[..n], &mut b[..n]],
            )
            .unwrap();
            at += n;
            match k {
                2 => m.set_kernels(&kernels).unwrap(),
                4 => m.set_prepared(&mut prepared).unwrap(),
                _ => {}
            }
        }
        m.flush(&mut [&mut a[..3000], &mut b[..3000]]).unwrap();
        m.reset();
        let (during, freed) = (allocations() - before, frees() - freed);
        assert_eq!((during, freed), (0, 0), "fade {fade} workers {workers}");
    }
}
