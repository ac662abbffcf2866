//! Shared by the integration tests: seeded data per element type, the data-scaled tolerance,
//! and the comparison that uses it.
#![allow(dead_code)]

use std::fmt::Debug;

use convolve::num_complex::Complex;
use convolve::{Element, Method, Mode};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const MODES: [Mode; 3] = [Mode::Full, Mode::Same, Mode::Valid];
pub const METHODS: [Method; 4] = [
    Method::Auto,
    Method::Direct,
    Method::Fft,
    Method::OverlapAdd,
];

/// The constant `c` of the accuracy statement: every float result is within
/// `c · ε · log2(N) · ‖a‖₂ · ‖v‖₂` of the exact one, where N is the transform length.
pub const C: f64 = 2.0;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// What the tests need of each element type.
pub trait TestElem: Element + Debug {
    /// Machine epsilon of the float type; 0 for integers (exact comparison).
    const EPS: f64;
    /// The smallest positive subnormal of the float type; 0 for integers.
    const TINY: f64;
    const NAME: &'static str;
    fn random(rng: &mut ChaCha8Rng) -> Self;
    fn from_parts(re: f64, im: f64) -> Self;
    fn norm_sqr(self) -> f64;
    /// `|self|` as `f64`, without squaring.
    fn abs(self) -> f64;
    fn dist(self, other: Self) -> f64;
    fn parse(s: &str) -> Self;
}

macro_rules! real {
    ($t:ty, $eps:expr) => {
        impl TestElem for $t {
            const EPS: f64 = $eps;
            const TINY: f64 = <$t>::from_bits(1) as f64;
            const NAME: &'static str = stringify!($t);
            fn random(rng: &mut ChaCha8Rng) -> Self {
                rng.random_range(-1.0..1.0)
            }
            fn from_parts(re: f64, _: f64) -> Self {
                re as $t
            }
            fn norm_sqr(self) -> f64 {
                (self as f64) * (self as f64)
            }
            fn abs(self) -> f64 {
                (self as f64).abs()
            }
            fn dist(self, other: Self) -> f64 {
                (self as f64 - other as f64).abs()
            }
            fn parse(s: &str) -> Self {
                s.parse::<f64>().unwrap() as $t
            }
        }
    };
}
real!(f32, f32::EPSILON as f64);
real!(f64, f64::EPSILON);

macro_rules! complex {
    ($t:ty) => {
        impl TestElem for Complex<$t> {
            const EPS: f64 = <$t>::EPSILON as f64;
            const TINY: f64 = <$t>::from_bits(1) as f64;
            const NAME: &'static str = concat!("Complex<", stringify!($t), ">");
            fn random(rng: &mut ChaCha8Rng) -> Self {
                Complex::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
            }
            fn from_parts(re: f64, im: f64) -> Self {
                Complex::new(re as $t, im as $t)
            }
            fn norm_sqr(self) -> f64 {
                Complex::norm_sqr(&self) as f64
            }
            fn abs(self) -> f64 {
                Complex::norm(self) as f64
            }
            fn dist(self, other: Self) -> f64 {
                (self - other).norm() as f64
            }
            fn parse(s: &str) -> Self {
                let (re, im) = s.split_once(':').unwrap();
                Complex::new(
                    re.parse::<f64>().unwrap() as $t,
                    im.parse::<f64>().unwrap() as $t,
                )
            }
        }
    };
}
complex!(f32);
complex!(f64);

macro_rules! int {
    ($t:ty) => {
        impl TestElem for $t {
            const EPS: f64 = 0.0;
            const TINY: f64 = 0.0;
            const NAME: &'static str = stringify!($t);
            fn random(rng: &mut ChaCha8Rng) -> Self {
                rng.random_range(-1000..=1000)
            }
            fn from_parts(re: f64, _: f64) -> Self {
                re as $t
            }
            fn norm_sqr(self) -> f64 {
                (self as f64) * (self as f64)
            }
            fn abs(self) -> f64 {
                (self as f64).abs()
            }
            fn dist(self, other: Self) -> f64 {
                if self == other { 0.0 } else { f64::INFINITY }
            }
            fn parse(s: &str) -> Self {
                s.parse().unwrap()
            }
        }
    };
}
int!(i32);
int!(i64);

pub fn random_vec<T: TestElem>(rng: &mut ChaCha8Rng, len: usize) -> Vec<T> {
    (0..len).map(|_| T::random(rng)).collect()
}

/// `‖v‖₂`, scaled by the largest magnitude so that tiny or huge samples neither underflow nor
/// overflow the squares (a fuzzer found 1e-166 kernels whose squared norm was 0).
pub fn norm<T: TestElem>(v: &[T]) -> f64 {
    let max = v.iter().map(|&e| e.abs()).fold(0.0, f64::max);
    if max == 0.0 || !max.is_finite() {
        return max;
    }
    max * v
        .iter()
        .map(|&e| e.abs() / max)
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
}

/// `C · ε · log2(N) · ‖a‖₂ · ‖v‖₂` with N the next power of two above the full length (an
/// upper bound of every transform length the crate uses for these inputs).
///
/// Below the normal range rounding is absolute, and the direct sum rounds each of its
/// `min(n, m)` products to the subnormal grid: `C · (min(n, m) + log2(N))` steps of it are
/// added (a fuzzer found the comparison failing without them).
pub fn tolerance<T: TestElem>(a: &[T], v: &[T]) -> f64 {
    let n = (a.len() + v.len()).next_power_of_two().max(2) as f64;
    let grid = T::TINY * (a.len().min(v.len()) as f64 + n.log2());
    C * (T::EPS * n.log2() * norm(a) * norm(v) + grid)
}

/// Asserts `got` equals `want` within the tolerance (exactly for integers); returns the largest
/// error in units of `ε · log2(N) · ‖a‖₂ · ‖v‖₂` (0 for integers).
pub fn assert_close<T: TestElem>(got: &[T], want: &[T], a: &[T], v: &[T], what: &str) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let tol = tolerance(a, v);
    let mut worst = 0.0f64;
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let d = g.dist(w);
        assert!(
            d <= tol,
            "{what}: element {k}: got {g:?}, want {w:?} (|diff| {d:e} > tol {tol:e})"
        );
        if tol > 0.0 {
            worst = worst.max(d / tol * C);
        }
    }
    worst
}
