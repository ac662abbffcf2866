//! The oracle shared by the integration tests and the fuzz target (which includes this file by
//! path, so it uses nothing but `convolve`): numpy's definition of `convolve` and `correlate`
//! summed term by term, the data-scaled tolerance, and the comparisons that use them.
#![allow(dead_code)]

use std::fmt::Debug;

use convolve::num_complex::Complex;
use convolve::{ConvError, Convolver, Element, Method, Mode};

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

/// What the oracle and the comparisons need of each element type.
pub trait Sample: Element + Debug {
    /// Machine epsilon of the float type; 0 for integers (exact comparison).
    const EPS: f64;
    /// The smallest positive subnormal of the float type; 0 for integers.
    const TINY: f64;
    /// The largest finite magnitude of a component.
    const MAX: f64;
    const NAME: &'static str;
    fn from_parts(re: f64, im: f64) -> Self;
    fn norm_sqr(self) -> f64;
    /// `|self|` as `f64`, without squaring.
    fn abs(self) -> f64;
    fn dist(self, other: Self) -> f64;
    fn parse(s: &str) -> Self;
    fn conjugate(self) -> Self;
    /// Every component finite (always true for integers).
    fn finite(self) -> bool;
    /// Whether `self` is NaN, +inf, -inf or finite exactly when `want` is; complex values
    /// compare only finiteness as a whole, since a complex product mixes the components.
    fn same_class(self, want: Self) -> bool;
    /// The same bits (NaN payloads included).
    fn same_bits(self, other: Self) -> bool;
    /// What a caller's output buffer may hold before an `_into` call: NaN for floats (any
    /// output left unwritten or added to shows), an unlikely value for integers.
    fn dirty() -> Self;
    /// `Σ x·y` over `terms` as numpy's direct sum defines it: wrapping for integers; for floats
    /// accumulated in double-double (every product's rounding error kept) and rounded once,
    /// so within a rounding of the exact sum. A non-finite plain sum is returned as it is.
    fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self;
}

/// `(hi, lo)` with `hi + lo == a + b` exactly (Knuth's TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// A double-double accumulator of real products.
#[derive(Clone, Copy, Default)]
struct Acc {
    hi: f64,
    lo: f64,
    plain: f64,
}

impl Acc {
    fn add(&mut self, x: f64, y: f64) {
        let p = x * y;
        // The product's rounding error, exact by the fused multiply-add.
        let e = x.mul_add(y, -p);
        let (hi, t) = two_sum(self.hi, p);
        self.hi = hi;
        self.lo += t + e;
        self.plain += p;
    }
    fn sub(&mut self, x: f64, y: f64) {
        self.add(-x, y);
    }
    fn value(self) -> f64 {
        if self.plain.is_finite() {
            self.hi + self.lo
        } else {
            self.plain
        }
    }
}

fn class(x: f64) -> u8 {
    if x.is_nan() {
        0
    } else if x == f64::INFINITY {
        1
    } else if x == f64::NEG_INFINITY {
        2
    } else {
        3
    }
}

macro_rules! real {
    ($t:ty) => {
        impl Sample for $t {
            const EPS: f64 = <$t>::EPSILON as f64;
            const TINY: f64 = <$t>::from_bits(1) as f64;
            const MAX: f64 = <$t>::MAX as f64;
            const NAME: &'static str = stringify!($t);
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
            fn conjugate(self) -> Self {
                self
            }
            fn finite(self) -> bool {
                self.is_finite()
            }
            fn same_class(self, want: Self) -> bool {
                class(self as f64) == class(want as f64)
            }
            fn same_bits(self, other: Self) -> bool {
                self.to_bits() == other.to_bits()
            }
            fn dirty() -> Self {
                <$t>::NAN
            }
            fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
                let mut acc = Acc::default();
                terms.for_each(|(x, y)| acc.add(x as f64, y as f64));
                acc.value() as $t
            }
        }
    };
}
real!(f32);
real!(f64);

macro_rules! complex {
    ($t:ty) => {
        impl Sample for Complex<$t> {
            const EPS: f64 = <$t>::EPSILON as f64;
            const TINY: f64 = <$t>::from_bits(1) as f64;
            const MAX: f64 = <$t>::MAX as f64;
            const NAME: &'static str = concat!("Complex<", stringify!($t), ">");
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
            fn conjugate(self) -> Self {
                Complex::conj(&self)
            }
            fn finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
            fn same_class(self, want: Self) -> bool {
                self.finite() == want.finite()
            }
            fn same_bits(self, other: Self) -> bool {
                self.re.to_bits() == other.re.to_bits() && self.im.to_bits() == other.im.to_bits()
            }
            fn dirty() -> Self {
                Complex::new(<$t>::NAN, <$t>::NAN)
            }
            fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
                let (mut re, mut im) = (Acc::default(), Acc::default());
                for (x, y) in terms {
                    let (xr, xi, yr, yi) = (x.re as f64, x.im as f64, y.re as f64, y.im as f64);
                    re.add(xr, yr);
                    re.sub(xi, yi);
                    im.add(xr, yi);
                    im.add(xi, yr);
                }
                Complex::new(re.value() as $t, im.value() as $t)
            }
        }
    };
}
complex!(f32);
complex!(f64);

macro_rules! int {
    ($t:ty) => {
        impl Sample for $t {
            const EPS: f64 = 0.0;
            const TINY: f64 = 0.0;
            const MAX: f64 = <$t>::MAX as f64;
            const NAME: &'static str = stringify!($t);
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
            fn conjugate(self) -> Self {
                self
            }
            fn finite(self) -> bool {
                true
            }
            fn same_class(self, _: Self) -> bool {
                true
            }
            fn same_bits(self, other: Self) -> bool {
                self == other
            }
            fn dirty() -> Self {
                <$t>::MIN + 0x5A5A
            }
            fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
                terms.fold(0, |acc, (x, y)| acc.wrapping_add(x.wrapping_mul(y)))
            }
        }
    };
}
int!(i32);
int!(i64);

/// Convolution or correlation, through each of the crate's entry points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Convolve,
    Correlate,
}

impl Op {
    pub const BOTH: [Op; 2] = [Op::Convolve, Op::Correlate];

    /// `convolve_with` / `correlate_with`.
    pub fn run<T: Element>(
        self,
        a: &[T],
        v: &[T],
        mode: Mode,
        method: Method,
    ) -> Result<Vec<T>, ConvError> {
        match self {
            Op::Convolve => convolve::convolve_with(a, v, mode, method),
            Op::Correlate => convolve::correlate_with(a, v, mode, method),
        }
    }

    /// `convolve_into` / `correlate_into`.
    pub fn run_into<T: Element>(
        self,
        a: &[T],
        v: &[T],
        mode: Mode,
        method: Method,
        out: &mut [T],
    ) -> Result<(), ConvError> {
        match self {
            Op::Convolve => convolve::convolve_into(a, v, mode, method, out),
            Op::Correlate => convolve::correlate_into(a, v, mode, method, out),
        }
    }

    /// A reusable plan for signals of `n` samples with kernel `v`.
    pub fn plan<T: Element>(
        self,
        v: &[T],
        n: usize,
        mode: Mode,
        method: Method,
    ) -> Result<Convolver<T>, ConvError> {
        match self {
            Op::Convolve => Convolver::new(v, n, mode, method),
            Op::Correlate => Convolver::new_correlation(v, n, mode, method),
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Op::Convolve => "convolve",
            Op::Correlate => "correlate",
        })
    }
}

/// numpy's `convolve(a, v, mode)` or `correlate(a, v, mode)` from the definitions, one output
/// at a time (`O(n·m)`, for tests only):
/// * convolve: `z[k] = Σ_i a[i]·v[k − i]`, `k = 0 .. n + m − 1`;
/// * correlate: `z[k] = Σ_i a[i + k]·conj(v[i])`, `k = −(m − 1) .. n − 1`;
///
/// then numpy's window of that full result: `valid` the `max − min + 1` outputs from
/// `min − 1`; `same` the `max(n, m)` outputs from `(min − 1)/2`, except for a correlation with
/// the shorter `a`, which numpy computes swapped and reverses, so from `n/2`.
///
/// # Panics
/// On an empty input.
pub fn naive<T: Sample>(op: Op, a: &[T], v: &[T], mode: Mode) -> Vec<T> {
    let (n, m) = (a.len(), v.len());
    assert!(n > 0 && m > 0, "the oracle needs non-empty inputs");
    let full = n + m - 1;
    let (lo, len) = match mode {
        Mode::Full => (0, full),
        Mode::Valid => (n.min(m) - 1, n.max(m) - n.min(m) + 1),
        Mode::Same => match op {
            Op::Correlate if n < m => (n / 2, m),
            _ => ((n.min(m) - 1) / 2, n.max(m)),
        },
    };
    (lo..lo + len)
        .map(|t| {
            // The terms of full output t: a[i] with v[t − i] (convolve) or with
            // conj(v[m − 1 − (t − i)]) (correlate, t = k + m − 1); both need 0 <= t − i < m.
            let terms = (t.saturating_sub(m - 1)..=t.min(n - 1)).map(move |i| match op {
                Op::Convolve => (a[i], v[t - i]),
                Op::Correlate => (a[i], v[m - 1 - (t - i)].conjugate()),
            });
            T::dot(terms)
        })
        .collect()
}

/// `‖v‖₂`, scaled by the largest magnitude so that tiny or huge samples neither underflow nor
/// overflow the squares (a fuzzer found 1e-166 kernels whose squared norm was 0).
pub fn norm<T: Sample>(v: &[T]) -> f64 {
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

/// `v` with its non-finite samples zeroed: the norms that bound the error of the outputs
/// that no NaN or infinity reaches.
pub fn zero_nonfinite<T: Sample>(v: &[T]) -> Vec<T> {
    v.iter()
        .map(|&e| if e.finite() { e } else { T::default() })
        .collect()
}

/// `C · ε · log2(N) · ‖a‖₂ · ‖v‖₂` with N the next power of two above the full length (an
/// upper bound of every transform length the crate uses for these inputs).
///
/// Below the normal range rounding is absolute, and the direct sum rounds each of its
/// `min(n, m)` products to the subnormal grid: `C · (min(n, m) + log2(N))` steps of it are
/// added (a fuzzer found the comparison failing without them).
pub fn tolerance<T: Sample>(a: &[T], v: &[T]) -> f64 {
    let n = (a.len() + v.len()).next_power_of_two().max(2) as f64;
    let grid = T::TINY * (a.len().min(v.len()) as f64 + n.log2());
    // The norms' product first: `ε · ‖a‖` alone underflows to 0 for a subnormal `a` even
    // where `‖a‖ · ‖v‖` is far from it (the fuzzer: ‖a‖ = 4e-310 with ‖v‖ = 3e151).
    let scale = norm(a) * norm(v);
    C * (T::EPS * n.log2() * scale + grid)
}

/// Asserts `got` equals `want` within the tolerance (exactly for integers); returns the largest
/// error in units of `ε · log2(N) · ‖a‖₂ · ‖v‖₂` (0 for integers).
pub fn assert_close<T: Sample>(got: &[T], want: &[T], a: &[T], v: &[T], what: &str) -> f64 {
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

/// Asserts that `got` has a NaN, +inf, -inf or finite value wherever `want` has (complex:
/// finiteness), and is within `tol` of `want` where that is finite.
pub fn assert_same_where_finite<T: Sample>(got: &[T], want: &[T], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(g.same_class(w), "{what} output {k}: {g:?}, want {w:?}");
        if w.finite() {
            let d = g.dist(w);
            assert!(
                d <= tol,
                "{what} output {k}: {g:?}, want {w:?} (|diff| {d:e} > tol {tol:e})"
            );
        }
    }
}

/// Asserts that `got` has the same bits as `want`.
pub fn assert_same_bits<T: Sample>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(g.same_bits(w), "{what} output {k}: {g:?}, want {w:?}");
    }
}
