//! Shared by the integration tests: the oracle and tolerances of `oracle.rs` (which the fuzz
//! target shares too), seeded data per element type, thread pools, and the N-D oracle.
#![allow(dead_code)]

#[cfg(feature = "ndarray")]
pub mod golden;
#[cfg(feature = "ndarray")]
pub mod nd;
pub mod oracle;
pub mod stream;

pub use oracle::*;

use convolve::Element;
use convolve::num_complex::Complex;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// What the tests need of each element type: the oracle's [`Sample`] and seeded values.
pub trait TestElem: Sample {
    /// Uniform in [-1, 1) per component for floats, in [-1000, 1000] for integers.
    fn random(rng: &mut ChaCha8Rng) -> Self;
}

impl TestElem for f32 {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        rng.random_range(-1.0..1.0)
    }
}

impl TestElem for f64 {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        rng.random_range(-1.0..1.0)
    }
}

impl TestElem for Complex<f32> {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        Complex::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
    }
}

impl TestElem for Complex<f64> {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        Complex::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
    }
}

impl TestElem for i32 {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        rng.random_range(-1000..=1000)
    }
}

impl TestElem for i64 {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        rng.random_range(-1000..=1000)
    }
}

pub fn random_vec<T: TestElem>(rng: &mut ChaCha8Rng, len: usize) -> Vec<T> {
    (0..len).map(|_| T::random(rng)).collect()
}

/// `f(sin(0.37·i))` for `i < n`: deterministic data that needs no random generator (the
/// allocation-counting binaries).
pub fn smooth<T: Element>(n: usize, f: impl Fn(f64) -> T) -> Vec<T> {
    (0..n).map(|i| f((i as f64 * 0.37).sin())).collect()
}

/// A rayon pool of `threads` threads, for the tests that compare thread counts.
#[cfg(feature = "rayon")]
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}
