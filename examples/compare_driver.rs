//! Times this crate for `scripts/compare.py` (and `scripts/memory.sh`): one process answers a
//! whole grid, so start-up and FFT planning are not charged to any point.
//!
//! Each stdin line is a request `n m dtype mode method [out_file]` (dtype `f32`|`f64`, mode
//! `full`|`same`|`valid`, method `auto`|`direct`|`fft`|`overlap-add`); each answer is one JSON
//! line `{"n":..,"m":..,"dtype":..,"mode":..,"method":..,"chosen":..,"median_ns":..,"reps":..}`.
//! With `out_file` the result is also written there as raw little-endian samples, for the
//! script's check against numpy. The inputs are `a[i] = u(seed 1, i)`, `v[j] = u(seed 2, j)`
//! with `u` the splitmix64 hash of the index mapped to [-1, 1), which the script recomputes.
//!
//! ```text
//! echo "100000 64 f64 full auto" | cargo run --release --example compare_driver
//! cargo run --release --example compare_driver -- --once 10000000 16384 f64 full auto
//! ```
//!
//! `--once` runs a single convolution and exits (peak-memory measurement). Threads, once the
//! crate uses them, follow `RAYON_NUM_THREADS`.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use convolve::{ConvError, Element, Method, Mode, choose_method, convolve_with};

/// Splitmix64 of `seed * 2^32 + i`, mapped to [-1, 1) with 53 bits.
fn sample(seed: u64, i: u64) -> f64 {
    let mut z = (seed << 32)
        .wrapping_add(i)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

fn data<T>(seed: u64, len: usize, cast: impl Fn(f64) -> T) -> Vec<T> {
    (0..len as u64).map(|i| cast(sample(seed, i))).collect()
}

/// Median time per call in ns and the number of calls timed, `timeit`-style: calls are batched
/// until a batch lasts `batch`, and the median of `repeats` batches is kept. A first call over
/// a second is timed alone, three times at most.
fn time<F: FnMut()>(mut f: F, batch: Duration, repeats: usize) -> (f64, usize) {
    let start = Instant::now();
    f();
    let first = start.elapsed();
    let (number, repeats) = if first > Duration::from_secs(1) {
        (1, if first > Duration::from_secs(3) { 1 } else { 3 })
    } else {
        let mut number = 1usize;
        loop {
            let start = Instant::now();
            for _ in 0..number {
                f();
            }
            if start.elapsed() >= batch {
                break;
            }
            number *= 2;
        }
        (number, repeats)
    };
    let mut per_call: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..number {
                f();
            }
            start.elapsed().as_nanos() as f64 / number as f64
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    (per_call[per_call.len() / 2], number * repeats)
}

struct Request {
    n: usize,
    m: usize,
    dtype: String,
    mode: Mode,
    method: Method,
    out_file: Option<String>,
}

fn parse(line: &str) -> Result<Request, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 5 {
        return Err(format!(
            "expected `n m dtype mode method [out_file]`, got {line:?}"
        ));
    }
    let len = |s: &str| s.parse::<usize>().map_err(|e| format!("length {s:?}: {e}"));
    Ok(Request {
        n: len(f[0])?,
        m: len(f[1])?,
        dtype: f[2].to_string(),
        mode: f[3].parse().map_err(|e: ConvError| e.to_string())?,
        method: f[4].parse().map_err(|e: ConvError| e.to_string())?,
        out_file: f.get(5).map(|s| s.to_string()),
    })
}

fn run<T: Element>(
    r: &Request,
    cast: impl Fn(f64) -> T,
    bytes: impl Fn(&T) -> Vec<u8>,
    once: bool,
) -> Result<(f64, usize), String> {
    let a = data(1, r.n, &cast);
    let v = data(2, r.m, &cast);
    let call = || convolve_with(&a, &v, r.mode, r.method).map_err(|e| e.to_string());
    let out = call()?;
    if let Some(path) = &r.out_file {
        let raw: Vec<u8> = out.iter().flat_map(bytes).collect();
        std::fs::write(path, raw).map_err(|e| format!("{path}: {e}"))?;
    }
    if once {
        return Ok((0.0, 1));
    }
    drop(out);
    Ok(time(
        || {
            std::hint::black_box(call().expect("succeeded once"));
        },
        Duration::from_millis(100),
        5,
    ))
}

fn answer(line: &str, once: bool) -> Result<String, String> {
    let r = parse(line)?;
    let (median_ns, reps) = match r.dtype.as_str() {
        "f64" => run(&r, |x| x, |x: &f64| x.to_le_bytes().to_vec(), once)?,
        "f32" => run(&r, |x| x as f32, |x: &f32| x.to_le_bytes().to_vec(), once)?,
        other => return Err(format!("dtype {other:?}: expected f32 or f64")),
    };
    Ok(format!(
        "{{\"n\":{},\"m\":{},\"dtype\":\"{}\",\"mode\":\"{}\",\"method\":\"{}\",\"chosen\":\"{}\",\"median_ns\":{:.1},\"reps\":{}}}",
        r.n,
        r.m,
        r.dtype,
        r.mode,
        r.method,
        choose_method(r.n, r.m, r.mode),
        median_ns,
        reps
    ))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--once") {
        match answer(&args[1..].join(" "), true) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("compare_driver: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is readable");
        if line.trim().is_empty() {
            continue;
        }
        let reply = answer(&line, false).unwrap_or_else(|e| format!("{{\"error\":{e:?}}}"));
        let mut out = stdout.lock();
        writeln!(out, "{reply}").expect("stdout is writable");
        out.flush().expect("stdout is writable");
    }
}
