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
use convolve::{Element, Method, Mode, convolve_with};
use libfuzzer_sys::fuzz_target;

// The integration tests' oracle, tolerance and comparisons (no dependency beyond `convolve`).
#[path = "../../tests/common/oracle.rs"]
mod oracle;

use oracle::{
    METHODS, MODES, Op, Sample, assert_same_where_finite, norm, tolerance, zero_nonfinite,
};

/// One sample, drawn so that ordinary values are common and extreme ones present.
#[derive(Debug)]
struct Drawn(f64);

impl<'a> Arbitrary<'a> for Drawn {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let tag: u8 = u.arbitrary()?;
        Ok(Drawn(match tag % 10 {
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
    a: Vec<Drawn>,
    v: Vec<Drawn>,
}

fn check_floats<T: Sample>(a: &[T], v: &[T], mode: Mode, op: Op) {
    let want = op.run(a, v, mode, Method::Direct).unwrap();
    let (a0, v0) = (zero_nonfinite(a), zero_nonfinite(v));
    let bound = tolerance(&a0, &v0);
    let comparable = bound.is_finite() && norm(&a0) * norm(&v0) < T::MAX / 4.0;
    for (name, got) in results(a, v, mode, op) {
        assert_eq!(got.len(), want.len(), "{name}: length");
        if comparable {
            assert_same_where_finite(&got, &want, bound, &name);
        }
    }
}

fn check_ints<T: Element + std::fmt::Debug>(a: &[T], v: &[T], mode: Mode, op: Op) {
    let want = op.run(a, v, mode, Method::Direct).unwrap();
    for (name, got) in results(a, v, mode, op) {
        assert_eq!(got, want, "{name}");
    }
}

/// Every method's result through the free function and through a [`convolve::Convolver`]
/// plan, for `a` with kernel `v`.
fn results<T: Element>(a: &[T], v: &[T], mode: Mode, op: Op) -> Vec<(String, Vec<T>)> {
    let mut out = Vec::new();
    for m in METHODS {
        out.push((format!("{m}"), op.run(a, v, mode, m).unwrap()));
        let mut plan = op.plan(v, a.len(), mode, m).unwrap();
        out.push((format!("plan {m}"), plan.process(a).unwrap()));
    }
    out
}

fn build<T>(s: &[Drawn], f: impl Fn(f64, f64) -> T) -> Vec<T> {
    // Pairs of samples make a complex value; real types use the first of each pair.
    s.chunks(2)
        .map(|c| f(c[0].0, c.get(1).map_or(0.0, |x| x.0)))
        .collect()
}

fuzz_target!(|case: Case| {
    let mode = MODES[usize::from(case.mode) % 3];
    let op = if case.correlate {
        Op::Correlate
    } else {
        Op::Convolve
    };
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
        0 => check_floats(&build(a, |x, _| x), &build(v, |x, _| x), mode, op),
        1 => check_floats(
            &build(a, |x, _| x as f32),
            &build(v, |x, _| x as f32),
            mode,
            op,
        ),
        2 => check_floats(&build(a, Complex::new), &build(v, Complex::new), mode, op),
        3 => check_ints(
            &build(a, |x, _| int(x, 64.0) as i32),
            &build(v, |x, _| int(x, 64.0) as i32),
            mode,
            op,
        ),
        4 => check_ints(
            &build(a, |x, _| int(x, 64.0)),
            &build(v, |x, _| int(x, 64.0)),
            mode,
            op,
        ),
        _ => check_ints(
            // Full-width values: the limb split and the direct fallback.
            &build(a, |x, y| int(x, 1e15).wrapping_mul(int(y, 1e3))),
            &build(v, |x, y| int(x, 1e15).wrapping_add(int(y, 7.0))),
            mode,
            op,
        ),
    }
});
