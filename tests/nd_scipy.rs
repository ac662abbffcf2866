//! Golden results from scipy.signal itself (`scripts/golden_nd.py` writes
//! `tests/data/nd_golden.txt`): `convolve` / `correlate` with every method, `convolve2d` /
//! `correlate2d` with every boundary, `fftconvolve(axes=..)`; shapes, `same` centring, the
//! valid swap and its error, correlate2d's even-kernel offset, broadcasting, and the errors.
#![cfg(feature = "ndarray")]

mod common;

use common::golden::{Record, array, array_record};
use common::{METHODS, TestElem, assert_close};
use convolve::nd::{self, Boundary};
use convolve::num_complex::Complex;
use convolve::{ConvError, Mode};
use ndarray::{ArrayD, Ix2};

struct Case {
    func: String,
    dtype: String,
    mode: Mode,
    extra: String,
    a: Record,
    v: Record,
    /// The result's shape and values, or scipy's error message.
    out: Result<Record, String>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/nd_golden.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = Vec::new();
    while let Some(head) = lines.next() {
        let h: Vec<&str> = head.split_whitespace().collect();
        assert_eq!(h[0], "case");
        let a = array_record(lines.next().unwrap(), "a ");
        let v = array_record(lines.next().unwrap(), "v ");
        let last = lines.next().unwrap();
        let out = match last.strip_prefix("err ") {
            Some(msg) => Err(msg.to_string()),
            None => Ok(array_record(last, "out ")),
        };
        cases.push(Case {
            func: h[1].to_string(),
            dtype: h[2].to_string(),
            mode: h[3].parse().unwrap(),
            extra: h[4].to_string(),
            a,
            v,
            out,
        });
    }
    cases
}

/// A bound on the 2-norm of the boundary-extended image: every sample of the extension is
/// an image sample or the fill value.
fn extended_norm_proxy<T: TestElem>(a: &ArrayD<T>, v: &ArrayD<T>, fill: T) -> Vec<T> {
    let max = a
        .iter()
        .map(|&e| e.norm_sqr())
        .fold(fill.norm_sqr(), f64::max)
        .sqrt();
    let size: usize = (0..2).map(|ax| a.shape()[ax] + 2 * v.shape()[ax]).product();
    vec![T::from_parts(max, 0.0); size]
}

/// A description, our result, and the first input for the tolerance.
type Outcome<T> = (String, Result<ArrayD<T>, ConvError>, Vec<T>);

fn check<T: TestElem>(case: &Case) {
    let (a, v) = (array::<T>(&case.a), array::<T>(&case.v));
    let what = |extra: &str| {
        format!(
            "{} {} {} {} {extra} a{:?} v{:?}",
            case.func, case.dtype, case.mode, case.extra, case.a.0, case.v.0
        )
    };
    let results: Vec<Outcome<T>> = match case.func.as_str() {
        "convolve" | "correlate" => METHODS
            .iter()
            .map(|&method| {
                let r = if case.func == "convolve" {
                    nd::convolve_with(a.view(), v.view(), case.mode, method)
                } else {
                    nd::correlate_with(a.view(), v.view(), case.mode, method)
                };
                (what(&method.to_string()), r, a.iter().copied().collect())
            })
            .collect(),
        "convolve2d" | "correlate2d" => {
            let boundary = match case.extra.as_str() {
                "wrap" => Boundary::Wrap,
                "symm" => Boundary::Symm,
                fill => Boundary::Fill(T::parse(fill.strip_prefix("fill:").unwrap())),
            };
            let fill = match boundary {
                Boundary::Fill(f) => f,
                _ => T::from_parts(0.0, 0.0),
            };
            let (a2, v2) = (
                a.view().into_dimensionality::<Ix2>().unwrap(),
                v.view().into_dimensionality::<Ix2>().unwrap(),
            );
            let r = if case.func == "convolve2d" {
                nd::convolve2d(a2, v2, case.mode, boundary)
            } else {
                nd::correlate2d(a2, v2, case.mode, boundary)
            };
            vec![(
                what(""),
                r.map(|x| x.into_dyn()),
                extended_norm_proxy(&a, &v, fill),
            )]
        }
        "fftconvolve" => {
            let axes: Vec<usize> = case.extra.split(',').map(|s| s.parse().unwrap()).collect();
            let r = nd::convolve_axes(a.view(), v.view(), case.mode, &axes);
            vec![(what(""), r, a.iter().copied().collect())]
        }
        f => panic!("unknown function {f}"),
    };
    let vflat: Vec<T> = v.iter().copied().collect();
    for (what, got, a_for_tol) in &results {
        match (&case.out, got) {
            (Ok(want), Ok(got)) => {
                let want = array::<T>(want);
                assert_eq!(got.shape(), want.shape(), "{what}: shape");
                let (g, w): (Vec<T>, Vec<T>) = (
                    got.iter().copied().collect(),
                    want.iter().copied().collect(),
                );
                assert_close(&g, &w, a_for_tol, &vflat, what);
            }
            (Err(msg), Err(err)) => {
                let expected_variant = if msg.starts_with("For 'valid' mode") {
                    matches!(err, ConvError::ValidShape { .. })
                } else if msg.starts_with("incompatible shapes") {
                    matches!(err, ConvError::Broadcast { .. })
                } else {
                    false
                };
                assert!(
                    expected_variant,
                    "{what}: scipy says {msg:?}, we say {err:?}"
                );
            }
            (want, got) => panic!("{what}: scipy {want:?}, we {got:?}"),
        }
    }
}

#[test]
fn every_scipy_case_matches() {
    let cases = cases();
    assert!(cases.len() >= 900, "golden file has {} cases", cases.len());
    for case in &cases {
        match case.dtype.as_str() {
            "float64" => check::<f64>(case),
            "float32" => check::<f32>(case),
            "int64" => check::<i64>(case),
            "int32" => check::<i32>(case),
            "complex128" => check::<Complex<f64>>(case),
            d => panic!("unknown dtype {d}"),
        }
    }
}

#[test]
fn funcs_and_errors_are_all_covered() {
    let cases = cases();
    for func in [
        "convolve",
        "correlate",
        "convolve2d",
        "correlate2d",
        "fftconvolve",
    ] {
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            assert!(
                cases
                    .iter()
                    .any(|c| c.func == func && c.mode == mode && c.out.is_ok()),
                "{func} {mode}"
            );
        }
    }
    assert!(cases.iter().any(|c| c.func == "convolve" && c.out.is_err()));
    assert!(
        cases
            .iter()
            .any(|c| c.func == "fftconvolve" && c.out.is_err())
    );
}
