//! `convolve::StreamConvolver` against `fft-convolver` (FFTConvolver and TwoStageFFTConvolver),
//! all at zero latency, f32, one block per iteration: IR 1,024 / 16,384 / 96,000 / 480,000
//! taps × block 32 / 64 / 128 / 512.
//!
//! criterion measures the mean time per block. Then a plain timing loop runs each engine for
//! several cycles of its largest partition and prints, per point, the mean and worst block
//! and the real-time factor at 48 kHz (CPU time / audio time; < 1 keeps up).
//!
//! Short run on a shared machine:
//! `cargo bench -p convolve-peers -- --warm-up-time 0.5 --measurement-time 1`
//! (`STREAM_BENCH_IRS=1024,16384` and `STREAM_BENCH_BLOCKS=64` restrict the points).

use std::hint::black_box;
use std::time::{Duration, Instant};

use convolve::{StreamBuilder, StreamConvolver};
use criterion::{BenchmarkId, Criterion};
use fft_convolver::{FFTConvolver, TwoStageFFTConvolver};

const RATE: f64 = 48_000.0;

/// One engine behind one call, so the bench and the timing loop treat all alike.
trait Engine {
    fn block(&mut self, input: &[f32], output: &mut [f32]);
}

impl Engine for StreamConvolver<f32> {
    fn block(&mut self, input: &[f32], output: &mut [f32]) {
        self.process(input, output).unwrap();
    }
}

impl Engine for FFTConvolver<f32> {
    fn block(&mut self, input: &[f32], output: &mut [f32]) {
        self.process(input, output).unwrap();
    }
}

impl Engine for TwoStageFFTConvolver<f32> {
    fn block(&mut self, input: &[f32], output: &mut [f32]) {
        self.process(input, output).unwrap();
    }
}

const ENGINES: [&str; 3] = ["convolve", "fft-convolver", "fft-convolver-2stage"];

fn engine(name: &str, ir: &[f32], block: usize) -> Box<dyn Engine> {
    match name {
        "convolve" => Box::new(StreamBuilder::new(block).build(ir).unwrap()),
        "fft-convolver" => {
            let mut c = FFTConvolver::default();
            c.init(block, ir).unwrap();
            Box::new(c)
        }
        _ => {
            let mut c = TwoStageFFTConvolver::default();
            c.init_default(block, ir).unwrap();
            Box::new(c)
        }
    }
}

/// A decaying noise-like impulse response (deterministic).
fn impulse_response(len: usize) -> Vec<f32> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            noise * (-3.0 * i as f32 / len as f32).exp()
        })
        .collect()
}

fn signal(len: usize) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.013).sin() * 0.5).collect()
}

fn points(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn criterion_points(c: &mut Criterion, irs: &[usize], blocks: &[usize]) {
    let input = signal(1 << 16);
    for &ir_len in irs {
        let ir = impulse_response(ir_len);
        let mut group = c.benchmark_group(format!("stream/f32/ir={ir_len}"));
        for &block in blocks {
            group.throughput(criterion::Throughput::Elements(block as u64));
            for name in ENGINES {
                let mut e = engine(name, &ir, block);
                let mut out = vec![0.0f32; block];
                let mut at = 0;
                group.bench_function(BenchmarkId::new(name, block), |b| {
                    b.iter(|| {
                        if at + block > input.len() {
                            at = 0;
                        }
                        e.block(black_box(&input[at..at + block]), &mut out);
                        at += block;
                        black_box(&out);
                    })
                });
            }
        }
        group.finish();
    }
}

/// Mean and worst time per block over `blocks` blocks, after one warm-up cycle.
fn time_blocks(e: &mut dyn Engine, input: &[f32], block: usize, blocks: usize) -> (f64, f64) {
    let mut out = vec![0.0f32; block];
    let mut run = |count: usize, record: bool| {
        let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
        let mut at = 0;
        for _ in 0..count {
            if at + block > input.len() {
                at = 0;
            }
            let t = Instant::now();
            e.block(black_box(&input[at..at + block]), &mut out);
            let d = t.elapsed();
            black_box(&out);
            if record {
                total += d;
                worst = worst.max(d);
            }
            at += block;
        }
        (total.as_secs_f64() / count as f64, worst.as_secs_f64())
    };
    run(blocks / 2, false);
    run(blocks, true)
}

fn worst_block_table(irs: &[usize], blocks: &[usize]) {
    let input = signal(1 << 16);
    println!();
    println!(
        "| IR taps | block | engine | mean µs/block | worst µs/block | worst/mean | RTF @48k | mean vs convolve |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|");
    for &ir_len in irs {
        let ir = impulse_response(ir_len);
        for &block in blocks {
            // At least four cycles of the largest partition (8192 samples) and 2000 blocks.
            let count = (4 * 16_384 / block).max(2000);
            let mut ours = 0.0;
            for name in ENGINES {
                let mut e = engine(name, &ir, block);
                let (mean, worst) = time_blocks(e.as_mut(), &input, block, count);
                if name == "convolve" {
                    ours = mean;
                }
                let rtf = mean / (block as f64 / RATE);
                println!(
                    "| {ir_len} | {block} | {name} | {:.2} | {:.1} | {:.1} | {:.4} | {:.2}x |",
                    mean * 1e6,
                    worst * 1e6,
                    worst / mean,
                    rtf,
                    mean / ours
                );
            }
        }
    }
}

fn main() {
    let irs = points("STREAM_BENCH_IRS", &[1024, 16_384, 96_000, 480_000]);
    let blocks = points("STREAM_BENCH_BLOCKS", &[32, 64, 128, 512]);
    let mut c = Criterion::default().configure_from_args();
    criterion_points(&mut c, &irs, &blocks);
    c.final_summary();
    if std::env::args().all(|a| a != "--list") {
        worst_block_table(&irs, &blocks);
    }
}
