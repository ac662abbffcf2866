//! The streaming engine's own options against each other, f32, one block per iteration:
//! zero latency with non-uniform partitions (the default), zero latency uniform, and block
//! latency non-uniform. The comparison with the `fft-convolver` crate is in
//! `peers/benches/stream_vs_fft_convolver.rs`.
//!
//! `cargo bench --bench stream -- --warm-up-time 0.5 --measurement-time 1`

use std::hint::black_box;

use convolve::{Latency, Partitioning, StreamBuilder};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn options(c: &mut Criterion) {
    let input: Vec<f32> = (0..1 << 16).map(|i| (i as f32 * 0.013).sin()).collect();
    for ir_len in [1024, 16_384, 96_000] {
        let ir: Vec<f32> = (0..ir_len)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let mut group = c.benchmark_group(format!("stream_options/f32/ir={ir_len}"));
        for block in [64, 512] {
            for (name, latency, part) in [
                ("zero-nonuniform", Latency::Zero, Partitioning::NonUniform),
                ("zero-uniform", Latency::Zero, Partitioning::Uniform),
                ("block-nonuniform", Latency::Block, Partitioning::NonUniform),
            ] {
                if part == Partitioning::Uniform && ir_len / block > 300 {
                    continue; // thousands of partitions: not a configuration anyone would run
                }
                let mut conv = StreamBuilder::new(block)
                    .latency(latency)
                    .partitioning(part)
                    .build(&ir)
                    .unwrap();
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

criterion_group!(benches, options);
criterion_main!(benches);
