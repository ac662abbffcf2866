//! The streaming engine's own options against each other, f32, one block per iteration:
//! zero latency with non-uniform partitions (the default, FFT head), the same with the direct
//! head, zero latency uniform, block latency non-uniform, and the default during a cross-fade
//! (both kernels running). The comparison with the `fft-convolver` crate is in
//! `peers/benches/stream_vs_fft_convolver.rs`. `stream_reload` times a kernel swap on the
//! audio thread: `set_kernel` (transforms every partition) against `set_prepared` (the
//! spectra prepared elsewhere), for the `convolve live` host's case.
//!
//! Times are the benchmark thread's CPU time (`benches/support/cpu_time.rs`).
//!
//! `cargo bench --bench stream -- --warm-up-time 0.5 --measurement-time 1`

#[path = "support/cpu_time.rs"]
mod cpu_time;

use std::hint::black_box;

use convolve::{Head, Latency, Partitioning, StreamBuilder};
use cpu_time::ThreadCpuTime;
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};

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

/// A 10 s stereo IR at 48 kHz (one convolver per channel, as `convolve live` runs it), period
/// 256, the host's 50 ms cross-fade: one reload of both channels per iteration.
fn reload(c: &mut Criterion<ThreadCpuTime>) {
    let (len, block) = (480_000, 256);
    let irs: Vec<Vec<f32>> = (0..2)
        .map(|k| {
            (0..len)
                .map(|i| ((i * 7919 + k) % 1000) as f32 / 1000.0 - 0.5)
                .collect()
        })
        .collect();
    let build = || -> Vec<_> {
        irs.iter()
            .map(|ir| StreamBuilder::new(block).crossfade(2400).build(ir).unwrap())
            .collect()
    };
    // The twins prepare, as the host's control thread does.
    let (mut convs, twins) = (build(), build());
    let mut group = c.benchmark_group(format!("stream_reload/f32/ir={len}x2"));
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("set_kernel", block), |b| {
        b.iter(|| {
            for (conv, ir) in convs.iter_mut().zip(&irs) {
                conv.set_kernel(black_box(ir)).unwrap();
            }
        })
    });
    group.bench_function(BenchmarkId::new("set_prepared", block), |b| {
        b.iter_batched(
            || {
                twins
                    .iter()
                    .zip(&irs)
                    .map(|(twin, ir)| twin.prepare_kernel(ir).unwrap())
                    .collect::<Vec<_>>()
            },
            |mut set| {
                for (conv, p) in convs.iter_mut().zip(&mut set) {
                    conv.set_prepared(black_box(p)).unwrap();
                }
                set // dropped outside the timing, as the host's control thread does
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = options, reload
}
criterion_main!(benches);
