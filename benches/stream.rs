//! The streaming engine's own options against each other, f32, one block per iteration:
//! zero latency with non-uniform partitions (the default, FFT head), the same with the direct
//! head, zero latency uniform, block latency non-uniform, and the default during a cross-fade
//! (both kernels running). The comparison with the `fft-convolver` crate is in
//! `peers/benches/stream_vs_fft_convolver.rs`.
//!
//! Times are the benchmark thread's CPU time (`benches/support/cpu_time.rs`).
//!
//! `cargo bench --bench stream -- --warm-up-time 0.5 --measurement-time 1`

#[path = "support/cpu_time.rs"]
mod cpu_time;

use std::hint::black_box;

use convolve::{Head, Latency, Partitioning, StreamBuilder};
use cpu_time::ThreadCpuTime;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn options(c: &mut Criterion<ThreadCpuTime>) {
    let input: Vec<f32> = (0..1 << 16).map(|i| (i as f32 * 0.013).sin()).collect();
    for ir_len in [1024, 16_384, 96_000] {
        let ir: Vec<f32> = (0..ir_len)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let mut group = c.benchmark_group(format!("stream_options/f32/ir={ir_len}"));
        for block in [64, 512] {
            for (name, latency, part, head, fade) in [
                (
                    "zero-nonuniform",
                    Latency::Zero,
                    Partitioning::NonUniform,
                    Head::Auto,
                    0,
                ),
                (
                    "zero-direct-head",
                    Latency::Zero,
                    Partitioning::NonUniform,
                    Head::Direct,
                    0,
                ),
                (
                    "zero-uniform",
                    Latency::Zero,
                    Partitioning::Uniform,
                    Head::Auto,
                    0,
                ),
                (
                    "block-nonuniform",
                    Latency::Block,
                    Partitioning::NonUniform,
                    Head::Auto,
                    0,
                ),
                (
                    "zero-fading",
                    Latency::Zero,
                    Partitioning::NonUniform,
                    Head::Auto,
                    1 << 30,
                ),
            ] {
                if part == Partitioning::Uniform && ir_len / block > 300 {
                    continue; // thousands of partitions: not a configuration anyone would run
                }
                let mut conv = StreamBuilder::new(block)
                    .latency(latency)
                    .partitioning(part)
                    .head(head)
                    .crossfade(fade)
                    .build(&ir)
                    .unwrap();
                if fade > 0 {
                    // A fade that lasts the whole measurement: both kernels run every block.
                    let mut out = vec![0.0f32; block];
                    conv.process(&input[..block], &mut out).unwrap();
                    conv.set_kernel(&ir).unwrap();
                }
                let mut out = vec![0.0f32; block];
                let mut at = 0;
                group.bench_function(BenchmarkId::new(name, block), |b| {
                    b.iter(|| {
                        if at + block > input.len() {
                            at = 0;
                        }
                        conv.process(black_box(&input[at..at + block]), &mut out)
                            .unwrap();
                        at += block;
                        black_box(&out);
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = options
}
criterion_main!(benches);
