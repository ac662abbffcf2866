//! Driver for `scripts/accuracy.py`: for each size pair, writes quantized random inputs, their
//! exact convolution and this crate's `f64` and `f32` FFT results as raw little-endian files, so
//! that the script can measure our error and scipy's on the same inputs.
//!
//! The inputs are multiples of 2^-10 in [-1, 1]; as integers (times 2^10) their exact product
//! is the crate's `i64` convolution, exact by the bound of `src/exact.rs` (and checked against
//! numpy's integer convolution by the script where that is cheap).
//!
//! `cargo run --release --example accuracy_driver -- DIR`

use std::fs;
use std::io::Write;
use std::path::Path;

use convolve::{Method, Mode, convolve_with};

const PAIRS: [(usize, usize); 9] = [
    (10, 10),
    (100, 100),
    (1_000, 1_000),
    (10_000, 10_000),
    (100_000, 100_000),
    (1_000_000, 1_000_000),
    (1_000_000, 1_000),
    (100_000, 16),
    (1_000_000, 16_384),
];

fn integers(len: usize, seed: u64) -> Vec<i64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 2049) as i64 - 1024
        })
        .collect()
}

fn write<T: Copy>(dir: &Path, name: &str, data: &[T], bytes: impl Fn(T) -> Vec<u8>) {
    let mut f = fs::File::create(dir.join(name)).expect("create output file");
    let buf: Vec<u8> = data.iter().flat_map(|&x| bytes(x)).collect();
    f.write_all(&buf).expect("write output file");
}

fn main() -> Result<(), convolve::ConvError> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "accuracy-data".into());
    let dir = Path::new(&dir);
    for (k, &(n, m)) in PAIRS.iter().enumerate() {
        let case = dir.join(format!("{n}x{m}"));
        fs::create_dir_all(&case).expect("create case directory");
        let (a, v) = (integers(n, 2 * k as u64 + 1), integers(m, 2 * k as u64 + 2));
        let exact = convolve_with(&a, &v, Mode::Full, Method::Fft)?;
        let af: Vec<f64> = a.iter().map(|&x| x as f64 / 1024.0).collect();
        let vf: Vec<f64> = v.iter().map(|&x| x as f64 / 1024.0).collect();
        let ours64 = convolve_with(&af, &vf, Mode::Full, Method::Fft)?;
        let a32: Vec<f32> = af.iter().map(|&x| x as f32).collect();
        let v32: Vec<f32> = vf.iter().map(|&x| x as f32).collect();
        let ours32 = convolve_with(&a32, &v32, Mode::Full, Method::Fft)?;
        write(&case, "a.i64", &a, |x| x.to_le_bytes().to_vec());
        write(&case, "v.i64", &v, |x| x.to_le_bytes().to_vec());
        write(&case, "exact.i64", &exact, |x| x.to_le_bytes().to_vec());
        write(&case, "ours.f64", &ours64, |x| x.to_le_bytes().to_vec());
        write(&case, "ours.f32", &ours32, |x| x.to_le_bytes().to_vec());
        println!("{n}x{m}");
    }
    Ok(())
}
