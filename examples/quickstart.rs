//! The README's first example: numpy's seed case in every mode, then a large convolution with
//! the method Auto picks and how long it took.
//!
//! `cargo run --release --example quickstart`

use std::time::Instant;

use convolve::{Method, Mode, choose_method, convolve, convolve_with, correlate};

fn main() -> Result<(), convolve::ConvError> {
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

    // A long signal and a long kernel: a second of 48 kHz noise-like audio and a 0.25 s
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
        let start = Instant::now();
        let out = convolve_with(&signal, &kernel, Mode::Full, method)?;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  {label:<26} {:>9.2} ms  {:>7.1} Msamples/s  out[{}] = {:+.6}",
            secs * 1e3,
            n as f64 / secs / 1e6,
            n / 2,
            out[n / 2]
        );
    }
    Ok(())
}
