//! Every method (and the reusable plan) against the direct kernel, on arbitrary lengths and
//! values: small integers, fractions, raw bit patterns (huge, tiny, subnormal), NaN and ±inf.
//!
//! What must hold:
//! * nothing panics, for any input, element type, mode, method or operation;
//! * integers: every method equals the direct sum exactly (wrapping as numpy does);
//! * floats: where the direct result is NaN the method's is NaN, where it is ±inf the method's
//!   is the same infinity, and where it is finite the method's is within
//!   `c · (ε · log2(N) · ‖a₀‖₂ · ‖v₀‖₂ + (min(n, m) + log2(N)) · s)` of it (`s` the smallest
//!   subnormal: below the normal range rounding is absolute) (`a₀`, `v₀`: the inputs with non-finite samples
//!   zeroed), whenever that bound is finite and the zeroed inputs cannot overflow a sum
//!   (`‖a₀‖·‖v₀‖` well below the type's maximum).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use convolve::num_complex::Complex;
use convolve::{Convolver, Element, Method, Mode, convolve_with, correlate_with};
use libfuzzer_sys::fuzz_target;

const MODES: [Mode; 3] = [Mode::Full, Mode::Same, Mode::Valid];
const METHODS: [Method; 4] = [
    Method::Auto,
    Method::Direct,
    Method::Fft,
    Method::OverlapAdd,
];
/// The constant of the accuracy statement (README, "Accuracy").
const C: f64 = 2.0;

/// One sample, drawn so that ordinary values are common and extreme ones present.
#[derive(Debug)]
struct Sample(f64);

impl<'a> Arbitrary<'a> for Sample {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let tag: u8 = u.arbitrary()?;
        Ok(Sample(match tag % 10 {
            0..=4 => f64::from(u.arbitrary::<i16>()?) / 64.0,
            5 => f64::from_bits(u.arbitrary()?),
            6 => f64::NAN,
            7 => f64::INFINITY,
            8 => f64::NEG_INFINITY,
            _ => 0.0,
        }))
    }
}

#[derive(Arbitrary, Debug)]
struct Case {
    kind: u8,
    mode: u8,
    correlate: bool,
    a: Vec<Sample>,
    v: Vec<Sample>,
}

trait FuzzElem: Element + std::fmt::Debug {
    const EPS: f64;
    /// Largest finite value.
    const MAX: f64;
    /// Smallest positive (subnormal) value: the rounding step below the normal range.
    const MIN_SUBNORMAL: f64;
    fn finite(self) -> bool;
    fn abs(self) -> f64;
    /// `|self / s|²`, computed without forming `|self|²`.
    fn scaled_norm_sqr(self, s: f64) -> f64;
    fn dist(self, other: Self) -> f64;
    /// Whether `self` is NaN, +inf, -inf or finite exactly when `want` is.
    fn same_class(self, want: Self) -> bool;
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
        impl FuzzElem for $t {
            const EPS: f64 = <$t>::EPSILON as f64;
            const MAX: f64 = <$t>::MAX as f64;
            const MIN_SUBNORMAL: f64 = <$t>::from_bits(1) as f64;
            fn finite(self) -> bool {
                self.is_finite()
            }
            fn abs(self) -> f64 {
                (self as f64).abs()
            }
            fn scaled_norm_sqr(self, s: f64) -> f64 {
                let x = self as f64 / s;
                x * x
            }
            fn dist(self, other: Self) -> f64 {
                (self as f64 - other as f64).abs()
            }
            fn same_class(self, want: Self) -> bool {
                class(self as f64) == class(want as f64)
            }
        }
    };
}
real!(f64);
real!(f32);

impl FuzzElem for Complex<f64> {
    const EPS: f64 = f64::EPSILON;
    const MAX: f64 = f64::MAX;
    const MIN_SUBNORMAL: f64 = f64::from_bits(1);
    fn finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
    fn abs(self) -> f64 {
        self.norm()
    }
    fn scaled_norm_sqr(self, s: f64) -> f64 {
        let (re, im) = (self.re / s, self.im / s);
        re * re + im * im
    }
    fn dist(self, other: Self) -> f64 {
        (self - other).norm()
    }
    fn same_class(self, want: Self) -> bool {
        // A complex product mixes components, so only finiteness as a whole is compared.
        self.finite() == want.finite()
    }
}

/// `‖v₀‖₂` without underflow or overflow of the squares: scaled by the largest magnitude.
fn norm<T: FuzzElem>(v: &[T]) -> f64 {
    let finite = || v.iter().filter(|e| e.finite());
    let max = finite().map(|e| e.abs()).fold(0.0, f64::max);
    if max == 0.0 || !max.is_finite() {
        return max;
    }
    max * finite()
        .map(|&e| e.scaled_norm_sqr(max))
        .sum::<f64>()
        .sqrt()
}

fn check_floats<T: FuzzElem>(a: &[T], v: &[T], mode: Mode, correlate: bool) {
    let op = |method| free(a, v, mode, correlate, method);
    let want = op(Method::Direct);
    let n = (a.len() + v.len()).next_power_of_two().max(2) as f64;
    let scale = norm(a) * norm(v);
    // Where results are subnormal, rounding is absolute: the direct sum itself rounds each of
    // its min(n, m) products to the subnormal grid, so the two may differ by that many steps.
    let grid = T::MIN_SUBNORMAL * (a.len().min(v.len()) as f64 + n.log2());
    let bound = C * (T::EPS * n.log2() * scale + grid);
    let comparable = bound.is_finite() && scale < T::MAX / 4.0;
    let mut results: Vec<(String, Vec<T>)> = Vec::new();
    for m in METHODS {
        results.push((format!("{m}"), op(m)));
        results.push((format!("plan {m}"), plan(a, v, mode, correlate, m)));
    }
    for (name, got) in &results {
        assert_eq!(got.len(), want.len(), "{name}: length");
        if !comparable {
            continue;
        }
        for (k, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!(g.same_class(w), "{name} output {k}: {g:?}, direct {w:?}");
            if w.finite() {
                let d = g.dist(w);
                assert!(
                    d <= bound,
                    "{name} output {k}: {g:?}, direct {w:?}, bound {bound:e}"
                );
            }
        }
    }
}

fn check_ints<T: Element + std::fmt::Debug>(a: &[T], v: &[T], mode: Mode, correlate: bool) {
    let op = |method| free(a, v, mode, correlate, method);
    let want = op(Method::Direct);
    for method in METHODS {
        assert_eq!(op(method), want, "{method}");
    }
    for m in METHODS {
        assert_eq!(plan(a, v, mode, correlate, m), want, "plan {m}");
    }
}

/// The result of the free function for `a` with kernel `v`.
fn free<T: Element>(a: &[T], v: &[T], mode: Mode, correlate: bool, method: Method) -> Vec<T> {
    if correlate {
        correlate_with(a, v, mode, method)
    } else {
        convolve_with(a, v, mode, method)
    }
    .unwrap()
}

/// The result of a [`Convolver`] plan for `a` with kernel `v`.
fn plan<T: Element>(a: &[T], v: &[T], mode: Mode, correlate: bool, method: Method) -> Vec<T> {
    let mut plan = if correlate {
        Convolver::new_correlation(v, a.len(), mode, method)
    } else {
        Convolver::new(v, a.len(), mode, method)
    }
    .unwrap();
    plan.process(a).unwrap()
}

fn build<T>(s: &[Sample], f: impl Fn(f64, f64) -> T) -> Vec<T> {
    // Pairs of samples make a complex value; real types use the first of each pair.
    s.chunks(2)
        .map(|c| f(c[0].0, c.get(1).map_or(0.0, |x| x.0)))
        .collect()
}

fuzz_target!(|case: Case| {
    let mode = MODES[usize::from(case.mode) % 3];
    // Bounded lengths keep executions fast; the transforms still run (Auto uses them above
    // a few hundred products, the fixed methods always).
    let a = &case.a[..case.a.len().min(3_000)];
    let v = &case.v[..case.v.len().min(3_000)];
    if a.len() < 2 || v.len() < 2 {
        // Empty inputs must be errors, not panics.
        let e: Vec<f64> = Vec::new();
        assert!(convolve_with(&e, &[1.0], mode, Method::Fft).is_err());
        return;
    }
    let int = |x: f64, scale: f64| -> i64 {
        if x.is_finite() {
            (x * scale) as i64
        } else {
            i64::MIN
        }
    };
    match case.kind % 6 {
        0 => check_floats(
            &build(a, |x, _| x),
            &build(v, |x, _| x),
            mode,
            case.correlate,
        ),
        1 => check_floats(
            &build(a, |x, _| x as f32),
            &build(v, |x, _| x as f32),
            mode,
            case.correlate,
        ),
        2 => check_floats(
            &build(a, Complex::new),
            &build(v, Complex::new),
            mode,
            case.correlate,
        ),
        3 => check_ints(
            &build(a, |x, _| int(x, 64.0) as i32),
            &build(v, |x, _| int(x, 64.0) as i32),
            mode,
            case.correlate,
        ),
        4 => check_ints(
            &build(a, |x, _| int(x, 64.0)),
            &build(v, |x, _| int(x, 64.0)),
            mode,
            case.correlate,
        ),
        _ => check_ints(
            // Full-width values: the limb split and the direct fallback.
            &build(a, |x, y| int(x, 1e15).wrapping_mul(int(y, 1e3))),
            &build(v, |x, y| int(x, 1e15).wrapping_add(int(y, 7.0))),
            mode,
            case.correlate,
        ),
    }
});
