//! `convolve::StreamConvolver` against zita-convolver (the C++ engine of jconvolver and many
//! JACK reverbs), stereo (in_c -> out_c), f32, zero latency: IR 0.5 / 2 / 10 s at 48 kHz x
//! period 64 / 256 / 1024.
//!
//! Each engine runs `STREAM_VS_ZITA_SECONDS` (default 10) of seeded noise twice: offline (as
//! fast as it goes) and paced (sleeping to each period's 48 kHz deadline, as an audio thread
//! would be woken). Printed per run: the process's CPU time per second of audio (every
//! thread's, zita's background threads included: CLOCK_PROCESS_CPUTIME_ID), the calls' thread
//! CPU time (mean / p99 / max: what the audio thread computed, unaffected by the shared
//! machine's other processes) and wall time (p99 / max: what it waited, zita's late levels and
//! the scheduler included), and the periods whose output differs from
//! the one-shot convolution by more than 2·ε·log2(n)·‖x‖·‖h‖ (zita's, when a background level
//! was late). `convolve-1w` is our engine with one worker thread per channel
//! (`StreamBuilder::worker_threads(1)`). zita is configured as its users do: FFTW_MEASURE, vector mode, `process(true)`
//! (wait for late levels); `zita-async` is `process(false)` (never wait, drop late levels).
//!
//! `STREAM_VS_ZITA_MATRIX=1` runs true stereo instead: four IRs (in_i -> out_o), our
//! `StreamMatrix` (`convolve`, `convolve-1w`), four `StreamConvolver`s summed (`convolve-4x`,
//! what sharing the transforms saves) and zita with four routes.
//!
//! `cargo bench -p convolve-peers --bench stream_vs_zita` (about 4 minutes; without
//! libzita-convolver-dev only our engine runs). `STREAM_VS_ZITA_IRS=0.5` and
//! `STREAM_VS_ZITA_PERIODS=256` restrict the grid; `STREAM_VS_ZITA_DEBUG=1` lists the bad
//! periods. `CONVOLVE_PEERS_NO_ZITA=1` builds as if zita were not installed.

use std::time::{Duration, Instant};

use convolve::{Mode, StreamBuilder, StreamConvolver, StreamMatrix, convolve};

const RATE: usize = 48_000;

/// Our engine for one channel, with `workers` background threads for its long partitions.
fn ours(ir: &[f32], period: usize, workers: usize) -> StreamConvolver<f32> {
    StreamBuilder::new(period)
        .worker_threads(workers)
        .build(ir)
        .unwrap()
}

/// Whether the run is true stereo (`STREAM_VS_ZITA_MATRIX=1`): IRs input-major, in_i -> out_o
/// at `i * 2 + o`.
fn true_stereo() -> bool {
    std::env::var("STREAM_VS_ZITA_MATRIX").is_ok_and(|v| v == "1")
}

/// The engines under test, each processing one stereo period.
enum Engine {
    /// One convolver per route `(input, output)`, summed per output.
    Ours(Vec<(usize, usize, StreamConvolver<f32>)>, Vec<f32>),
    Matrix(Box<StreamMatrix<f32>>),
    #[cfg(zita)]
    Zita(convolve_peers::zita::Zita, bool),
}

impl Engine {
    fn names() -> Vec<&'static str> {
        let mut v = vec!["convolve", "convolve-1w"];
        if true_stereo() {
            v.push("convolve-4x");
        }
        if cfg!(zita) {
            v.extend(["zita", "zita-async"]);
        }
        v
    }

    fn new(name: &str, irs: &[Vec<f32>], period: usize) -> Engine {
        let workers = usize::from(name == "convolve-1w");
        match name {
            "convolve" | "convolve-1w" if irs.len() == 4 => Engine::Matrix(Box::new(
                StreamBuilder::new(period)
                    .worker_threads(workers)
                    .build_matrix(2, 2, irs)
                    .unwrap(),
            )),
            "convolve" | "convolve-1w" | "convolve-4x" => {
                let routes = routes(irs)
                    .map(|(i, o, h)| (i, o, ours(h, period, workers)))
                    .collect();
                Engine::Ours(routes, vec![0.0; period])
            }
            #[cfg(zita)]
            "zita" | "zita-async" => {
                let routes: Vec<_> = routes(irs).collect();
                let z = convolve_peers::zita::Zita::new(2, 2, period, &routes)
                    .expect("zita-convolver accepts the configuration");
                Engine::Zita(z, name == "zita")
            }
            _ => unreachable!("{name}"),
        }
    }

    fn process(&mut self, x: &[&[f32]], y: &mut [&mut [f32]]) {
        match self {
            // Stereo: each route writes its own output.
            Engine::Ours(routes, _) if routes.len() == 2 => {
                for ((_, _, c), (x, y)) in routes.iter_mut().zip(x.iter().zip(y.iter_mut())) {
                    c.process(x, y).unwrap();
                }
            }
            Engine::Ours(routes, scratch) => {
                for y in y.iter_mut() {
                    y.fill(0.0);
                }
                for (i, o, c) in routes {
                    c.process(x[*i], scratch).unwrap();
                    for (y, s) in y[*o].iter_mut().zip(scratch.iter()) {
                        *y += s;
                    }
                }
            }
            Engine::Matrix(m) => m.process(x, y).unwrap(),
            #[cfg(zita)]
            Engine::Zita(z, sync) => {
                z.process(x, y, *sync);
            }
        }
    }
}

/// The routes `(input, output, IR)`: in_c -> out_c for two IRs, every pair input-major for four.
fn routes(irs: &[Vec<f32>]) -> impl Iterator<Item = (usize, usize, &[f32])> {
    let pairs = irs.len() == 4;
    irs.iter().enumerate().map(move |(k, h)| {
        let (i, o) = if pairs { (k / 2, k % 2) } else { (k, k) };
        (i, o, &h[..])
    })
}

/// A CPU-time clock: the process's (every thread) or the calling thread's.
fn cpu(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a timespec to write.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn noise(len: usize, seed: u64) -> Vec<f32> {
    // xorshift: seeded, no dependency
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

fn list(var: &str, default: &[f64]) -> Vec<f64> {
    std::env::var(var).map_or(default.to_vec(), |v| {
        v.split(',').map(|s| s.trim().parse().expect(var)).collect()
    })
}

struct Run {
    cpu_per_audio: f64,
    /// The calls' thread CPU time (what the audio thread computed) and wall time (what it
    /// waited, also for zita's late levels and for the scheduler), sorted.
    thread: Vec<Duration>,
    wall: Vec<Duration>,
    bad_periods: usize,
}

/// One engine over the whole signal, offline or paced; the output checked period by period.
fn run(
    engine: &mut Engine,
    x: &[Vec<f32>],
    want: &[(Vec<f64>, f64)],
    period: usize,
    paced: bool,
) -> Run {
    let n = x[0].len() / period * period;
    let mut y = vec![vec![0.0f32; n]; 2];
    let mut wall = Vec::with_capacity(n / period);
    let mut thread = Vec::with_capacity(n / period);
    let period_time = Duration::from_secs_f64(period as f64 / RATE as f64);
    let cpu0 = cpu(libc::CLOCK_PROCESS_CPUTIME_ID);
    let t0 = Instant::now();
    for (k, start) in (0..n).step_by(period).enumerate() {
        if paced {
            let deadline = t0 + period_time * k as u32;
            if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let (y0, y1) = y.split_at_mut(1);
        let ins = [&x[0][start..start + period], &x[1][start..start + period]];
        let mut outs = [
            &mut y0[0][start..start + period],
            &mut y1[0][start..start + period],
        ];
        let (t, c) = (Instant::now(), cpu(libc::CLOCK_THREAD_CPUTIME_ID));
        engine.process(&ins, &mut outs);
        thread.push(cpu(libc::CLOCK_THREAD_CPUTIME_ID) - c);
        wall.push(t.elapsed());
    }
    let total = (cpu(libc::CLOCK_PROCESS_CPUTIME_ID) - cpu0).as_secs_f64();
    let bad: Vec<usize> = (0..n / period)
        .filter(|&k| {
            (0..2).any(|c| {
                (k * period..(k + 1) * period)
                    .any(|i| (f64::from(y[c][i]) - want[c].0[i]).abs() > want[c].1)
            })
        })
        .collect();
    if std::env::var_os("STREAM_VS_ZITA_DEBUG").is_some() {
        eprintln!("periods off the reference: {bad:?}");
    }
    thread.sort();
    wall.sort();
    Run {
        cpu_per_audio: total / (n as f64 / RATE as f64),
        thread,
        wall,
        bad_periods: bad.len(),
    }
}

fn main() {
    let seconds = list("STREAM_VS_ZITA_SECONDS", &[10.0])[0];
    let n = (seconds * RATE as f64) as usize;
    let x: Vec<Vec<f32>> = (0..2).map(|c| noise(n, 10 + c)).collect();
    if !cfg!(zita) {
        println!("zita-convolver not found (Debian: libzita-convolver-dev): our engine only");
    }
    println!(
        "{} f32, zero latency, {seconds} s of audio per run; CPU = all threads' CPU time per second of audio",
        if true_stereo() {
            "true stereo (2 x 2 IRs)"
        } else {
            "stereo"
        }
    );
    println!(
        "CPU %: all threads' CPU time over the audio time; per call, in us: the audio thread's CPU time (mean, p99, max) and wall time (p99, max)"
    );
    println!(
        "{:>5} {:>6} {:>11} {:>8} | {:>7} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>4}",
        "IR s",
        "period",
        "engine",
        "mode",
        "CPU %",
        "mean",
        "p99",
        "max",
        "wall p99",
        "wall max",
        "bad"
    );
    for ir_s in list("STREAM_VS_ZITA_IRS", &[0.5, 2.0, 10.0]) {
        let len = (ir_s * RATE as f64) as usize;
        let irs: Vec<Vec<f32>> = (0..if true_stereo() { 4 } else { 2 })
            .map(|c| {
                noise(len, 20 + c)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * (-(i as f32) / (len as f32 / 6.0)).exp())
                    .collect()
            })
            .collect();
        let mut want = vec![(vec![0.0f64; n + len - 1], 0.0f64); 2];
        for (i, o, h) in routes(&irs) {
            let xd: Vec<f64> = x[i].iter().map(|&v| f64::from(v)).collect();
            let hd: Vec<f64> = h.iter().map(|&v| f64::from(v)).collect();
            let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
            let (sum, tol) = &mut want[o];
            *tol +=
                2.0 * f64::from(f32::EPSILON) * ((n + len) as f64).log2() * norm(&xd) * norm(&hd);
            for (s, v) in sum.iter_mut().zip(convolve(&xd, &hd, Mode::Full).unwrap()) {
                *s += v;
            }
        }
        for period in list("STREAM_VS_ZITA_PERIODS", &[64.0, 256.0, 1024.0]) {
            let period = period as usize;
            for name in Engine::names() {
                for paced in [false, true] {
                    if name == "zita-async" && !paced {
                        continue; // offline, process(false) only measures how late it can be
                    }
                    let mut engine = Engine::new(name, &irs, period);
                    let r = run(&mut engine, &x, &want, period, paced);
                    let us = |d: Duration| d.as_secs_f64() * 1e6;
                    let mean = us(r.thread.iter().sum::<Duration>()) / r.thread.len() as f64;
                    let p99 = |v: &[Duration]| us(v[v.len() * 99 / 100]);
                    let max = |v: &[Duration]| us(v[v.len() - 1]);
                    println!(
                        "{ir_s:>5} {period:>6} {name:>11} {:>8} | {:>7.2} {mean:>8.1} {:>8.1} {:>8.1} | {:>8.1} {:>8.1} | {:>4}",
                        if paced { "paced" } else { "offline" },
                        r.cpu_per_audio * 100.0,
                        p99(&r.thread),
                        max(&r.thread),
                        p99(&r.wall),
                        max(&r.wall),
                        r.bad_periods
                    );
                }
            }
        }
    }
}
