//! `convolve::StreamConvolver` against `fft-convolver` (FFTConvolver and TwoStageFFTConvolver),
//! all at zero latency, f32, one block per iteration: IR 1,024 / 16,384 / 96,000 / 480,000
//! taps × block 32 / 64 / 128 / 512.
//!
//! criterion measures the mean thread CPU time per block. Then a plain loop runs each engine
//! for several cycles of its largest partition, reading the thread's CPU time around every
//! block (`benches/support/cpu_time.rs`: the machine is shared, and wall time would count the
//! thread being descheduled), and prints per point the mean block, the worst block, the
//! scheduled worst (see `time_blocks`) and the real-time factor at 48 kHz (CPU time / audio
//! time; < 1 keeps up).
//!
//! Short run on a shared machine:
//! `cargo bench -p convolve-peers --bench stream_vs_fft_convolver -- --warm-up-time 0.5 --measurement-time 1`
//! (`STREAM_BENCH_IRS=1024,16384` and `STREAM_BENCH_BLOCKS=64` restrict the points;
//! `STREAM_BENCH_HEADS=direct,fft` adds our engine with a forced zero-latency head).

#[path = "../../benches/support/cpu_time.rs"]
mod cpu_time;

#[path = "../../benches/support/impulse.rs"]
mod impulse;

use std::hint::black_box;
use std::time::Duration;

use convolve::{Head, StreamBuilder, StreamConvolver};
use cpu_time::ThreadCpuTime;
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

/// The engines of a run: ours (plus the forced heads of `STREAM_BENCH_HEADS`), then the peers.
fn engines() -> Vec<String> {
    let mut v = vec!["convolve".to_string()];
    if let Ok(heads) = std::env::var("STREAM_BENCH_HEADS") {
        v.extend(heads.split(',').map(|h| format!("convolve-{}", h.trim())));
    }
    v.extend(["fft-convolver".into(), "fft-convolver-2stage".into()]);
    v
}

fn engine(name: &str, ir: &[f32], block: usize) -> Box<dyn Engine> {
    let ours = |head| Box::new(StreamBuilder::new(block).head(head).build(ir).unwrap());
    match name {
        "convolve" => ours(Head::Auto),
        "convolve-direct" => ours(Head::Direct),
        "convolve-fft" => ours(Head::Fft),
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

fn signal(len: usize) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.013).sin() * 0.5).collect()
}

fn points(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn criterion_points(c: &mut Criterion<ThreadCpuTime>, irs: &[usize], blocks: &[usize]) {
    let input = signal(1 << 16);
    for &ir_len in irs {
        let ir = impulse::impulse_response(ir_len);
        let mut group = c.benchmark_group(format!("stream/f32/ir={ir_len}"));
        for &block in blocks {
            group.throughput(criterion::Throughput::Elements(block as u64));
            for name in engines() {
                let mut e = engine(&name, &ir, block);
                let mut out = vec![0.0f32; block];
                let mut at = 0;
                group.bench_function(BenchmarkId::new(&name, block), |b| {
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

/// The CPU time of reading the CPU time: the median of many back-to-back reads.
fn clock_cost() -> Duration {
    let mut d: Vec<Duration> = (0..1001)
        .map(|_| {
            let t = cpu_time::now();
            cpu_time::now().saturating_sub(t)
        })
        .collect();
    d.sort();
    d[d.len() / 2]
}

/// The schedules of all engines repeat every `PERIOD` samples (their partitions are powers
/// of two up to 16,384 taps: transforms of up to 32,768 points).
const PERIOD: usize = 32_768;

/// Per block: mean, worst, and the *scheduled worst*: for each position within the period,
/// the least time over the cycles run, then the largest of those. A block that is slow
/// because of the engine's schedule is slow in every cycle; one that is slow because of an
/// interrupt, a page fault or the other core's traffic is not. Thread CPU time, less the
/// clock's own cost, after a warm-up cycle.
fn time_blocks(e: &mut dyn Engine, input: &[f32], block: usize, cycles: usize) -> [f64; 3] {
    let mut out = vec![0.0f32; block];
    let clock = clock_cost();
    let per = PERIOD / block;
    let mut times = vec![Duration::MAX; per];
    let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
    let mut at = 0;
    for i in 0..per * (cycles + 1) {
        if at + block > input.len() {
            at = 0;
        }
        let t = cpu_time::now();
        e.block(black_box(&input[at..at + block]), &mut out);
        let d = cpu_time::now().saturating_sub(t).saturating_sub(clock);
        black_box(&out);
        if i >= per {
            total += d;
            worst = worst.max(d);
            times[i % per] = times[i % per].min(d);
        }
        at += block;
    }
    let scheduled = times.iter().max().unwrap();
    [
        total.as_secs_f64() / (per * cycles) as f64,
        worst.as_secs_f64(),
        scheduled.as_secs_f64(),
    ]
}

fn worst_block_table(irs: &[usize], blocks: &[usize]) {
    let input = signal(1 << 16);
    println!();
    println!(
        "| IR taps | block | engine | mean µs/block | worst µs | worst/mean | scheduled worst µs | scheduled worst/mean | RTF @48k | mean vs convolve |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for &ir_len in irs {
        let ir = impulse::impulse_response(ir_len);
        for &block in blocks {
            let mut ours = 0.0;
            for name in engines() {
                let mut e = engine(&name, &ir, block);
                // At least 4 periods and 4,000 blocks.
                let cycles = 4.max(4000 * block / PERIOD);
                let [mean, worst, scheduled] = time_blocks(e.as_mut(), &input, block, cycles);
                if name == "convolve" {
                    ours = mean;
                }
                let rtf = mean / (block as f64 / RATE);
                println!(
                    "| {ir_len} | {block} | {name} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {:.4} | {:.2}x |",
                    mean * 1e6,
                    worst * 1e6,
                    worst / mean,
                    scheduled * 1e6,
                    scheduled / mean,
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
    let mut c = Criterion::default()
        .with_measurement(ThreadCpuTime)
        .configure_from_args();
    criterion_points(&mut c, &irs, &blocks);
    c.final_summary();
    if std::env::args().all(|a| a != "--list") {
        worst_block_table(&irs, &blocks);
    }
}
