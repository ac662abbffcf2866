//! The README's first example: numpy's seed case in every mode, then a large convolution by
//! every method, each timed once warm (plans built, buffers faulted in) so that the methods
//! compare fairly, and the process's first call shown apart.
//!
//! `cargo run --release --example quickstart`

use std::time::{Duration, Instant};

use convolve::{ConvError, Method, Mode, choose_method, convolve, convolve_with, correlate};

/// Warm calls per method; the median is printed.
const RUNS: usize = 3;

fn main() -> Result<(), ConvError> {
    let (a, v) = ([1, 5], [3, 4, 2]);
    println!("a = {a:?}, v = {v:?}");
    for mode in [Mode::Full, Mode::Same, Mode::Valid] {
        println!(
            "  convolve(a, v, {mode:<5}) = {:?}",
            convolve(&a, &v, mode)?
        );
    }
    for mode in [Mode::Full, Mode::Same, Mode::Valid] {
        println!(
            "  correlate(a, v, {mode:<5}) = {:?}",
            correlate(&a, &v, mode)?
        );
    }

    // A long signal and a long kernel: about 20 s of 48 kHz noise-like audio and a 0.25 s
    // decaying impulse response.
    let n = 1_000_000;
    let m = 12_000;
    let signal: Vec<f64> = (0..n)
        .map(|i| ((i as f64) * 0.731).sin() * ((i as f64) * 0.0137).cos())
        .collect();
    let kernel: Vec<f64> = (0..m)
        .map(|i| (-(i as f64) / 2_000.0).exp() * ((i as f64) * 0.91).sin())
        .collect();
    println!("\nlarge: signal {n} samples, kernel {m} taps, mode full (f64)");

    // The first transform call of a process also plans its FFTs and faults in fresh buffers;
    // later calls with the same lengths reuse both.
    let start = Instant::now();
    convolve_with(&signal, &kernel, Mode::Full, Method::Auto)?;
    println!(
        "  first call of the process (auto, plans FFTs, faults in buffers): {:.2} ms",
        ms(start.elapsed())
    );

    println!("  warm, median of {RUNS} calls after one untimed call:");
    for method in [
        Method::Auto,
        Method::Fft,
        Method::OverlapAdd,
        Method::Direct,
    ] {
        let label = match method {
            Method::Auto => format!("auto (chooses {})", choose_method(n, m, Mode::Full)),
            other => other.to_string(),
        };
        convolve_with(&signal, &kernel, Mode::Full, method)?;
        let mut times = Vec::with_capacity(RUNS);
        let mut out = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            out = convolve_with(&signal, &kernel, Mode::Full, method)?;
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[RUNS / 2];
        println!(
            "    {label:<26} {:>9.2} ms  {:>7.1} Msamples/s  out[{}] = {:+.6}",
            ms(median),
            n as f64 / median.as_secs_f64() / 1e6,
            n / 2,
            out[n / 2]
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
