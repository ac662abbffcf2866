//! `Convolver::process_into` performs no heap allocation, for every method and floating-point
//! element type: a global allocator counts the allocations of the current thread around it.
//! In its own test binary so that the counting allocator does not slow the other suites.

mod common;
mod counting;

use common::{METHODS, MODES, Op, smooth as signal};
use convolve::Element;
use convolve::num_complex::Complex;
use counting::allocations;

/// Builds a plan per (method, mode) and counts the allocations of many `process_into` calls,
/// including signals with NaN and infinity (the transforms' local fix-up must not allocate).
fn process_into_never_allocates<T: Element>(f: impl Fn(f64) -> T + Copy, nan: T) {
    for (n, m) in [(10_000, 100), (500, 3_000), (64, 64)] {
        let kernel = signal(m, f);
        let mut clean = signal(n, f);
        for mode in MODES {
            for method in METHODS {
                for op in Op::BOTH {
                    let mut plan = op.plan(&kernel, n, mode, method).unwrap();
                    let mut out = vec![T::default(); plan.output_len()];
                    let mut dirty = clean.clone();
                    dirty[n / 2] = nan;
                    let before = allocations();
                    for _ in 0..3 {
                        plan.process_into(&clean, &mut out).unwrap();
                        plan.process_into(&dirty, &mut out).unwrap();
                    }
                    let during = allocations() - before;
                    assert_eq!(
                        during, 0,
                        "{} allocations: {op} {method} {mode} n={n} m={m}",
                        during
                    );
                    // The counter sees this thread's allocations: `process` makes its output.
                    let before = allocations();
                    plan.process(&clean).unwrap();
                    assert!(allocations() > before, "the counter counts");
                }
            }
        }
        clean.clear();
    }
}

#[test]
fn f64_plans_do_not_allocate() {
    process_into_never_allocates(|x| x, f64::NAN);
}

#[test]
fn f32_plans_do_not_allocate() {
    process_into_never_allocates(|x| x as f32, f32::INFINITY);
}

#[test]
fn complex_plans_do_not_allocate() {
    process_into_never_allocates(|x| Complex::new(x, 1.0 - x), Complex::new(f64::NAN, 0.0));
    process_into_never_allocates(
        |x| Complex::new(x as f32, 0.5),
        Complex::new(0.0, f32::NEG_INFINITY),
    );
}

#[test]
fn integer_plans_within_the_exact_bound_do_not_allocate() {
    process_into_never_allocates(|x| (x * 100.0) as i32, 7);
    process_into_never_allocates(|x| (x * 1000.0) as i64, -7);
}
