//! The streaming engine as an audio host runs it: stereo f32 at 48 kHz, zero latency, one
//! `process_channel` per channel per period, for impulse responses of 0.5, 2 and 10 s at
//! periods of 64, 256 and 1024, with 0 and 1 worker threads.
//!
//! Per point: the CPU time of every thread of the process per second of audio (`getrusage`,
//! so the workers count), and the audio thread's wall time per period (both channels): mean,
//! p99 and max. `offline` runs the periods back to back; `paced` sleeps to each period's
//! 48 kHz deadline, as a real-time callback would be called (without SCHED_FIFO).
//!
//! `cargo bench --bench stream_realtime -- [offline|paced] [seconds]`

#[path = "support/impulse.rs"]
mod impulse;

use std::time::{Duration, Instant};

use convolve::StreamBuilder;

const RATE: usize = 48_000;

/// User + system CPU time of the whole process, in seconds.
fn process_cpu() -> f64 {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn run(h: &[f32], period: usize, workers: usize, seconds: f64, paced: bool) -> [f64; 4] {
    let mut conv = StreamBuilder::new(period)
        .channels(2)
        .worker_threads(workers)
        .build(h)
        .unwrap();
    let x: Vec<f32> = (0..period * 64).map(|i| (i as f32 * 0.013).sin()).collect();
    let mut y = vec![0.0f32; period];
    let periods = (seconds * RATE as f64) as usize / period;
    // Warm-up: one pass over the longest partitions' period.
    for k in 0..(h.len() / period).min(4096) {
        let chunk = &x[k % 64 * period..][..period];
        conv.process_channel(0, chunk, &mut y).unwrap();
        conv.process_channel(1, chunk, &mut y).unwrap();
    }
    let mut calls = Vec::with_capacity(periods);
    let step = Duration::from_secs_f64(period as f64 / RATE as f64);
    let (cpu0, start) = (process_cpu(), Instant::now());
    for k in 0..periods {
        if paced {
            let deadline = start + step * k as u32;
            if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let chunk = &x[k % 64 * period..][..period];
        let t = Instant::now();
        conv.process_channel(0, chunk, &mut y).unwrap();
        conv.process_channel(1, chunk, &mut y).unwrap();
        calls.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(&y);
    }
    let cpu = (process_cpu() - cpu0) / (periods * period) as f64 * RATE as f64;
    let mean = calls.iter().sum::<f64>() / calls.len() as f64;
    calls.sort_by(f64::total_cmp);
    let p99 = calls[calls.len() * 99 / 100];
    [cpu * 100.0, mean, p99, *calls.last().unwrap()]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let paced = args.first().is_some_and(|a| a == "paced");
    let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let mode = if paced { "paced" } else { "offline" };
    println!(
        "| IR | period | workers | CPU % | audio mean µs | p99 µs | max µs | ({mode}, {seconds} s)"
    );
    println!("|---|---|---|---|---|---|---|");
    for ir_s in [0.5, 2.0, 10.0] {
        let h = impulse::impulse_response((ir_s * RATE as f64) as usize);
        for period in [64, 256, 1024] {
            for workers in [0, 1] {
                let [cpu, mean, p99, max] = run(&h, period, workers, seconds, paced);
                println!(
                    "| {ir_s} s | {period} | {workers} | {cpu:.2} | {mean:.1} | {p99:.1} | {max:.1} |"
                );
            }
        }
    }
}
