//! Algebraic properties over generated inputs (proptest, which shrinks a failure to a minimal
//! case): convolution commutes (equal lengths included) and both orders equal numpy's
//! definition (`common::naive`), correlation is convolution with the conjugated reverse, both
//! are linear, a delta kernel shifts, and every method and the reusable plan agree.
//!
//! Integer properties are checked exactly, with numpy's wrapping arithmetic, and include values
//! wide enough that the transforms need the limb split; float ones within the data-scaled
//! tolerance of `tests/common`.

mod common;

use common::{METHODS, MODES, Op, assert_close, naive};
use convolve::num_complex::Complex;
use convolve::{Convolver, Method, Mode, convolve_with, correlate_with};
use proptest::prelude::*;

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Full), Just(Mode::Same), Just(Mode::Valid)]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Auto),
        Just(Method::Direct),
        Just(Method::Fft),
        Just(Method::OverlapAdd)
    ]
}

/// Integers from small to full-width `i32` (the latter force the limb-split transforms).
fn ints(max_len: usize) -> impl Strategy<Value = Vec<i64>> {
    prop_oneof![
        prop::collection::vec(-100i64..100, 1..max_len),
        prop::collection::vec(any::<i32>().prop_map(i64::from), 1..max_len),
    ]
}

fn floats(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0f64..1.0, 1..max_len)
}

/// Two inputs of one length half of the time (where the crate cannot order them by length),
/// of independent lengths otherwise.
fn pair<T: std::fmt::Debug + Clone>(
    max_len: usize,
    each: impl Fn(usize) -> BoxedStrategy<Vec<T>> + Clone + 'static,
) -> impl Strategy<Value = (Vec<T>, Vec<T>)> {
    let same = each.clone();
    prop_oneof![
        (1..max_len).prop_flat_map(move |n| (same(n), same(n))),
        (1..max_len, 1..max_len).prop_flat_map(move |(n, m)| (each(n), each(m))),
    ]
}

fn int_pair(max_len: usize) -> impl Strategy<Value = (Vec<i64>, Vec<i64>)> {
    pair(max_len, |n| {
        prop_oneof![
            prop::collection::vec(-100i64..100, n),
            prop::collection::vec(any::<i32>().prop_map(i64::from), n),
        ]
        .boxed()
    })
}

fn float_pair(max_len: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    pair(max_len, |n| prop::collection::vec(-1.0f64..1.0, n).boxed())
}

fn complexes(max_len: usize) -> impl Strategy<Value = Vec<Complex<f64>>> {
    prop::collection::vec(
        (-1.0f64..1.0, -1.0f64..1.0).prop_map(|(re, im)| Complex::new(re, im)),
        1..max_len,
    )
}

fn reversed_conj(v: &[Complex<f64>]) -> Vec<Complex<f64>> {
    v.iter().rev().map(Complex::conj).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn convolution_commutes_exactly((a, v) in int_pair(150), mode in mode(), method in method()) {
        let want = naive(Op::Convolve, &a, &v, mode);
        prop_assert_eq!(&convolve_with(&a, &v, mode, method).unwrap(), &want);
        prop_assert_eq!(&convolve_with(&v, &a, mode, method).unwrap(), &want);
    }

    #[test]
    fn convolution_commutes((a, v) in float_pair(300), mode in mode(), method in method()) {
        let want = naive(Op::Convolve, &a, &v, mode);
        let ab = convolve_with(&a, &v, mode, method).unwrap();
        let ba = convolve_with(&v, &a, mode, method).unwrap();
        assert_close(&ab, &want, &a, &v, "convolve(a, v)");
        assert_close(&ba, &want, &a, &v, "convolve(v, a)");
        assert_close(&ab, &ba, &a, &v, "commute");
    }

    #[test]
    fn correlation_is_convolution_with_the_conjugated_reverse(
        a in complexes(200), v in complexes(200), method in method()
    ) {
        let corr = correlate_with(&a, &v, Mode::Full, method).unwrap();
        let conv = convolve_with(&a, &reversed_conj(&v), Mode::Full, method).unwrap();
        assert_close(&corr, &conv, &a, &v, "correlate = convolve with conj reverse");
        // Swapping the inputs conjugates and reverses the full correlation.
        let swapped = correlate_with(&v, &a, Mode::Full, method).unwrap();
        let back: Vec<_> = reversed_conj(&swapped);
        assert_close(&corr, &back, &a, &v, "correlate(v, a) = conj reverse of correlate(a, v)");
    }

    #[test]
    fn correlation_of_integers_is_exact(a in ints(150), v in ints(150), mode in mode(), method in method()) {
        let want = naive(Op::Correlate, &a, &v, mode);
        prop_assert_eq!(&correlate_with(&a, &v, mode, Method::Direct).unwrap(), &want);
        prop_assert_eq!(correlate_with(&a, &v, mode, method).unwrap(), want.clone());
        if a.len() >= v.len() {
            let rev: Vec<i64> = v.iter().rev().copied().collect();
            prop_assert_eq!(convolve_with(&a, &rev, mode, method).unwrap(), want);
        }
    }

    #[test]
    fn convolution_is_linear_exactly(
        (a, b) in (1usize..150).prop_flat_map(|n| (
            prop::collection::vec(any::<i32>().prop_map(i64::from), n),
            prop::collection::vec(-1000i64..1000, n),
        )),
        v in ints(150),
        alpha in -50i64..50,
        beta in -50i64..50,
        mode in mode(),
        method in method(),
    ) {
        // Wrapping integer arithmetic is linear too (modulo 2^64), as numpy's is.
        let mix: Vec<i64> = a.iter().zip(&b)
            .map(|(&x, &y)| alpha.wrapping_mul(x).wrapping_add(beta.wrapping_mul(y)))
            .collect();
        let ca = convolve_with(&a, &v, mode, method).unwrap();
        let cb = convolve_with(&b, &v, mode, method).unwrap();
        let want: Vec<i64> = ca.iter().zip(&cb)
            .map(|(&x, &y)| alpha.wrapping_mul(x).wrapping_add(beta.wrapping_mul(y)))
            .collect();
        prop_assert_eq!(convolve_with(&mix, &v, mode, method).unwrap(), want);
    }

    #[test]
    fn a_delta_kernel_shifts(a in ints(300), shift in 0usize..40, method in method()) {
        let mut delta = vec![0i64; shift + 1];
        delta[shift] = 1;
        let got = convolve_with(&a, &delta, Mode::Full, method).unwrap();
        let mut want = vec![0i64; shift];
        want.extend_from_slice(&a);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn a_delta_kernel_shifts_floats(a in floats(300), shift in 0usize..40, method in method()) {
        let mut delta = vec![0.0; shift + 1];
        delta[shift] = 1.0;
        let got = convolve_with(&a, &delta, Mode::Full, method).unwrap();
        let mut want = vec![0.0; shift];
        want.extend_from_slice(&a);
        assert_close(&got, &want, &a, &delta, "delta");
    }

    #[test]
    fn every_method_and_the_plan_agree(a in floats(400), v in floats(400)) {
        for mode in MODES {
            let want = convolve_with(&a, &v, mode, Method::Direct).unwrap();
            for method in METHODS {
                let got = convolve_with(&a, &v, mode, method).unwrap();
                assert_close(&got, &want, &a, &v, &format!("{mode} {method}"));
                let mut plan = Convolver::new(&v, a.len(), mode, method).unwrap();
                let planned = plan.process(&a).unwrap();
                assert_close(&planned, &want, &a, &v, &format!("plan {mode} {method}"));
            }
        }
    }

    #[test]
    fn every_method_and_the_plan_agree_exactly(a in ints(200), v in ints(200)) {
        for mode in MODES {
            let want = correlate_with(&a, &v, mode, Method::Direct).unwrap();
            for method in METHODS {
                prop_assert_eq!(&correlate_with(&a, &v, mode, method).unwrap(), &want);
                let mut plan = Convolver::new_correlation(&v, a.len(), mode, method).unwrap();
                prop_assert_eq!(&plan.process(&a).unwrap(), &want);
            }
        }
    }
}
