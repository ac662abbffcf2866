//! Golden results from numpy itself (`scripts/golden.py` writes `tests/data/numpy_golden.txt`),
//! checked with every method: lengths, `same` centring for both argument orders, the swap when
//! the second input is longer, conjugation in `correlate`, and integer wrap-around.

mod common;

use common::{METHODS, Op, TestElem, assert_close, naive};
use convolve::num_complex::Complex;
use convolve::{ConvError, Method, Mode, convolve_with, correlate, correlate_with, output_len};

struct Case {
    op: String,
    dtype: String,
    mode: Mode,
    a: Vec<String>,
    v: Vec<String>,
    out: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/numpy_golden.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = Vec::new();
    let words = |line: Option<&str>, tag: &str| -> Vec<String> {
        let line = line.expect("record is complete");
        let mut it = line.split_whitespace();
        assert_eq!(it.next(), Some(tag));
        it.map(str::to_string).collect()
    };
    while let Some(head) = lines.next() {
        let h: Vec<&str> = head.split_whitespace().collect();
        assert_eq!(h[0], "case");
        cases.push(Case {
            op: h[1].to_string(),
            dtype: h[2].to_string(),
            mode: h[3].parse().unwrap(),
            a: words(lines.next(), "a"),
            v: words(lines.next(), "v"),
            out: words(lines.next(), "out"),
        });
    }
    cases
}

fn check<T: TestElem>(case: &Case) {
    let parse = |w: &[String]| w.iter().map(|s| T::parse(s)).collect::<Vec<T>>();
    let (a, v, want) = (parse(&case.a), parse(&case.v), parse(&case.out));
    assert_eq!(output_len(a.len(), v.len(), case.mode).unwrap(), want.len());
    for method in METHODS {
        let got = match case.op.as_str() {
            "convolve" => convolve_with(&a, &v, case.mode, method),
            "correlate" => correlate_with(&a, &v, case.mode, method),
            op => panic!("unknown op {op}"),
        }
        .unwrap();
        let what = format!(
            "{} {} {} {:?} a={:?} v={:?}",
            case.op, case.dtype, case.mode, method, a, v
        );
        assert_close(&got, &want, &a, &v, &what);
    }
}

#[test]
fn every_golden_case_with_every_method() {
    let cases = cases();
    assert!(cases.len() >= 600, "golden file has {} cases", cases.len());
    for case in &cases {
        match case.dtype.as_str() {
            "int64" => check::<i64>(case),
            "int32" => check::<i32>(case),
            "float64" => check::<f64>(case),
            "float32" => check::<f32>(case),
            "complex128" => check::<Complex<f64>>(case),
            "complex64" => check::<Complex<f32>>(case),
            d => panic!("unknown dtype {d}"),
        }
    }
}

/// The tests' oracle (`common::naive`, numpy's definitions summed term by term) reproduces
/// numpy's own results: its windows, swaps and conjugation are numpy's, not the crate's.
#[test]
fn the_naive_oracle_reproduces_numpy() {
    fn check<T: TestElem>(case: &Case) {
        let parse = |w: &[String]| w.iter().map(|s| T::parse(s)).collect::<Vec<T>>();
        let (a, v, want) = (parse(&case.a), parse(&case.v), parse(&case.out));
        let op = match case.op.as_str() {
            "convolve" => Op::Convolve,
            "correlate" => Op::Correlate,
            op => panic!("unknown op {op}"),
        };
        let what = format!(
            "oracle {} {} {} a={a:?} v={v:?}",
            case.op, case.dtype, case.mode
        );
        assert_close(&naive(op, &a, &v, case.mode), &want, &a, &v, &what);
    }
    for case in &cases() {
        match case.dtype.as_str() {
            "int64" => check::<i64>(case),
            "int32" => check::<i32>(case),
            "float64" => check::<f64>(case),
            "float32" => check::<f32>(case),
            "complex128" => check::<Complex<f64>>(case),
            "complex64" => check::<Complex<f32>>(case),
            d => panic!("unknown dtype {d}"),
        }
    }
}

#[test]
fn seed_example_of_the_readme() {
    let (a, v) = ([1i64, 5], [3i64, 4, 2]);
    for method in METHODS {
        assert_eq!(
            convolve_with(&a, &v, Mode::Full, method).unwrap(),
            [3, 19, 22, 10]
        );
        assert_eq!(
            convolve_with(&a, &v, Mode::Same, method).unwrap(),
            [3, 19, 22]
        );
        assert_eq!(
            convolve_with(&a, &v, Mode::Valid, method).unwrap(),
            [19, 22]
        );
    }
}

#[test]
fn correlate_same_window_moves_when_a_is_shorter_and_even() {
    // Full is [0, 0, 0, 1, 2]; numpy.correlate([1,2], [1,0,0,0], 'same') == [0, 0, 1, 2] starts
    // at min/2 = 1, where the convolve-style window (min-1)/2 = 0 would give [0, 0, 0, 1].
    assert_eq!(
        correlate(&[1i64, 2], &[1, 0, 0, 0], Mode::Full).unwrap(),
        [0, 0, 0, 1, 2]
    );
    let got = correlate(&[1i64, 2], &[1, 0, 0, 0], Mode::Same).unwrap();
    assert_eq!(got, [0, 0, 1, 2]);
    let got = correlate(&[1i64, 0, 0, 0], &[1, 2], Mode::Same).unwrap();
    assert_eq!(got, [2, 1, 0, 0]);
}

#[test]
fn complex_correlate_conjugates_the_second_input() {
    let i = Complex::new(0.0, 1.0);
    let one = Complex::new(1.0, 0.0);
    // Σ a[n] conj(v[n]) = i · conj(i) = 1
    assert_eq!(correlate(&[i], &[i], Mode::Valid).unwrap(), [one]);
    assert_eq!(correlate(&[one], &[i], Mode::Valid).unwrap(), [-i]);
}

#[test]
fn empty_inputs_are_errors_for_every_method() {
    for method in METHODS {
        for mode in common::MODES {
            assert_eq!(
                convolve_with::<f64>(&[], &[1.0], mode, method),
                Err(ConvError::EmptyInput { argument: "a" })
            );
            assert_eq!(
                correlate_with::<i32>(&[1], &[], mode, method),
                Err(ConvError::EmptyInput { argument: "v" })
            );
        }
    }
}

#[test]
fn bad_mode_and_method_strings_name_the_choices() {
    let err = "centre".parse::<Mode>().unwrap_err();
    assert_eq!(
        err,
        ConvError::InvalidMode {
            got: "centre".into()
        }
    );
    assert!(
        err.to_string().contains("\"full\", \"same\", \"valid\""),
        "{err}"
    );
    let err = "fast".parse::<Method>().unwrap_err();
    assert!(err.to_string().contains("\"overlap-add\""), "{err}");
    assert!(
        "FULL".parse::<Mode>().is_err(),
        "numpy's mode strings are lower case"
    );
}

#[test]
fn output_len_overflow_is_an_error() {
    assert_eq!(
        output_len(usize::MAX, 2, Mode::Full),
        Err(ConvError::LengthOverflow {
            a_len: usize::MAX,
            v_len: 2
        })
    );
    let err = output_len(usize::MAX, usize::MAX, Mode::Valid).unwrap_err();
    assert!(err.to_string().contains(&usize::MAX.to_string()), "{err}");
}

#[test]
fn into_variants_equal_the_allocating_ones_and_check_the_buffer() {
    use convolve::{convolve_into, correlate_into};
    let a: Vec<i64> = (0..37).map(|i| (i * 7) % 11 - 5).collect();
    let v: Vec<i64> = (0..50).map(|i| (i * 3) % 7 - 3).collect();
    for mode in common::MODES {
        for method in METHODS {
            let len = output_len(a.len(), v.len(), mode).unwrap();
            let mut out = vec![99; len];
            convolve_into(&a, &v, mode, method, &mut out).unwrap();
            assert_eq!(out, convolve_with(&a, &v, mode, method).unwrap());
            out.fill(-7);
            correlate_into(&a, &v, mode, method, &mut out).unwrap();
            assert_eq!(out, correlate_with(&a, &v, mode, method).unwrap());
            let mut short = vec![0; len - 1];
            assert_eq!(
                convolve_into(&a, &v, mode, method, &mut short),
                Err(ConvError::OutputLength {
                    expected: len,
                    got: len - 1
                })
            );
        }
    }
}
