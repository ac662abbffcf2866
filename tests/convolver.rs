//! The reusable plan gives the free functions' results: every method, mode, operation and
//! element type, signals longer and shorter than the kernel, many signals through one plan,
//! non-finite samples, integers beyond one exact transform, and bad lengths as errors.

mod common;

use common::{
    METHODS, MODES, Op, TestElem, assert_close, assert_same_where_finite, random_vec, rng,
    tolerance, zero_nonfinite,
};
use convolve::num_complex::Complex;
use convolve::{ConvError, Convolver, Method, Mode, convolve_with, correlate_with};

/// Runs three random signals through one plan per (mode, method, operation) and compares each
/// with the direct free function.
fn plan_matches_free_functions<T: TestElem>(seed: u64, pairs: &[(usize, usize)]) {
    let mut rng = rng(seed);
    for &(n, m) in pairs {
        let kernel: Vec<T> = random_vec(&mut rng, m);
        for mode in MODES {
            for method in METHODS {
                for op in Op::BOTH {
                    let mut plan = op.plan(&kernel, n, mode, method).unwrap();
                    assert_ne!(plan.method(), Method::Auto);
                    let mut out = vec![T::dirty(); plan.output_len()];
                    for _ in 0..3 {
                        let signal: Vec<T> = random_vec(&mut rng, n);
                        let want = op.run(&signal, &kernel, mode, Method::Direct).unwrap();
                        plan.process_into(&signal, &mut out).unwrap();
                        let what = format!("{} plan {op} {mode} {method} n={n} m={m}", T::NAME);
                        assert_close(&out, &want, &signal, &kernel, &what);
                        assert_eq!(plan.process(&signal).unwrap(), out, "{what}: process");
                    }
                }
            }
        }
    }
}

const PAIRS: [(usize, usize); 12] = [
    (1, 1),
    (1, 5),
    (5, 1),
    (2, 3),
    (3, 2),
    (17, 4),
    (4, 17),
    (40, 40),
    (1_000, 31),
    (31, 1_000),
    (5_000, 700),
    (2_048, 2_049),
];

#[test]
fn plans_match_free_functions_f64() {
    plan_matches_free_functions::<f64>(31, &PAIRS);
}

#[test]
fn plans_match_free_functions_f32() {
    plan_matches_free_functions::<f32>(32, &PAIRS);
}

#[test]
fn plans_match_free_functions_complex() {
    plan_matches_free_functions::<Complex<f64>>(33, &PAIRS);
    plan_matches_free_functions::<Complex<f32>>(34, &PAIRS[..8]);
}

#[test]
fn plans_match_free_functions_integers_exactly() {
    plan_matches_free_functions::<i32>(35, &PAIRS);
    plan_matches_free_functions::<i64>(36, &PAIRS);
}

#[test]
fn large_integers_stay_exact_through_a_plan() {
    // Values near 2^31 with 4096 taps: one f64 transform is not provably exact, so the plan
    // must take the exact fallback and still match the wrapping direct sum bit for bit.
    let mut rng = rng(37);
    let big = |rng: &mut _| -> Vec<i64> {
        let v: Vec<i32> = random_vec(rng, 4_096);
        v.iter().map(|&x| i64::from(x) << 20).collect()
    };
    let (signal, kernel) = (big(&mut rng), big(&mut rng));
    for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
        let mut plan = Convolver::new(&kernel, signal.len(), Mode::Full, method).unwrap();
        let want = convolve_with(&signal, &kernel, Mode::Full, Method::Direct).unwrap();
        assert_eq!(plan.process(&signal).unwrap(), want, "{method}");
    }
}

#[test]
fn nonfinite_samples_stay_local_in_a_plan() {
    let mut rng = rng(38);
    let kernel: Vec<f64> = random_vec(&mut rng, 64);
    for method in [Method::Fft, Method::OverlapAdd] {
        let mut plan = Convolver::new(&kernel, 4_000, Mode::Full, method).unwrap();
        let mut signal: Vec<f64> = random_vec(&mut rng, 4_000);
        signal[1_000] = f64::NAN;
        signal[3_000] = f64::INFINITY;
        let got = plan.process(&signal).unwrap();
        let want = convolve_with(&signal, &kernel, Mode::Full, Method::Direct).unwrap();
        let tol = tolerance(&zero_nonfinite(&signal), &kernel);
        assert_same_where_finite(&got, &want, tol, &method.to_string());
        // The next, finite signal is unaffected by the previous call's NaN.
        let clean: Vec<f64> = random_vec(&mut rng, 4_000);
        let want = convolve_with(&clean, &kernel, Mode::Full, Method::Direct).unwrap();
        assert_close(
            &plan.process(&clean).unwrap(),
            &want,
            &clean,
            &kernel,
            "clean",
        );
    }
}

#[test]
fn methods_are_resolved_at_construction() {
    let long = vec![1.0f64; 100_000];
    let plan = Convolver::new(&[1.0, 2.0, 1.0], 100_000, Mode::Same, Method::Auto).unwrap();
    assert_eq!(plan.method(), Method::Direct);
    let plan = Convolver::new(&long, 100_000, Mode::Full, Method::Auto).unwrap();
    assert_eq!(plan.method(), Method::Fft);
    let plan = Convolver::new(&long[..5_000], 1_000_000, Mode::Full, Method::Auto).unwrap();
    assert_eq!(plan.method(), Method::OverlapAdd);
    // Auto would pick overlap-add for these lengths, with the kernel as the long input (a
    // review found this panicking): the plan runs the single transform instead.
    for (m, n) in [(20_000, 500), (100_000, 1_000)] {
        let kernel = vec![0.5f32; m];
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            let mut plan = Convolver::new_correlation(&kernel, n, mode, Method::Auto).unwrap();
            assert_eq!(plan.method(), Method::Fft);
            let signal = vec![1.0f32; n];
            let want = correlate_with(&signal, &kernel, mode, Method::Direct).unwrap();
            assert_close(
                &plan.process(&signal).unwrap(),
                &want,
                &signal,
                &kernel,
                "auto long kernel",
            );
        }
    }
    // Overlap-add needs the signal to be the longer input.
    let plan = Convolver::new(&long, 10, Mode::Full, Method::OverlapAdd).unwrap();
    assert_eq!(plan.method(), Method::Fft);
    assert_eq!(plan.signal_len(), 10);
    assert_eq!(plan.output_len(), 100_009);
}

#[test]
fn bad_lengths_are_errors() {
    assert_eq!(
        Convolver::<f64>::new(&[], 10, Mode::Full, Method::Auto).err(),
        Some(ConvError::EmptyInput { argument: "v" })
    );
    assert_eq!(
        Convolver::new(&[1.0f32], 0, Mode::Full, Method::Auto).err(),
        Some(ConvError::EmptyInput { argument: "a" })
    );
    assert_eq!(
        Convolver::new(&[1.0f64; 3], usize::MAX, Mode::Full, Method::Direct).err(),
        Some(ConvError::LengthOverflow {
            a_len: usize::MAX,
            v_len: 3
        })
    );
    assert!(matches!(
        Convolver::new(&[1.0f64; 3], usize::MAX / 4, Mode::Full, Method::Fft).err(),
        Some(ConvError::Allocation { .. } | ConvError::LengthOverflow { .. })
    ));
    let mut plan = Convolver::new(&[1.0f64, 2.0], 8, Mode::Valid, Method::Fft).unwrap();
    assert_eq!(
        plan.process(&[1.0; 7]).err(),
        Some(ConvError::InputLength {
            expected: 8,
            got: 7
        })
    );
    let mut out = [0.0; 8];
    assert_eq!(
        plan.process_into(&[1.0; 8], &mut out).err(),
        Some(ConvError::OutputLength {
            expected: 7,
            got: 8
        })
    );
}
