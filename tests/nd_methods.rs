//! Differential tests of the N-D methods: the direct kernel against a schoolbook N-D oracle
//! (exactly, on integer-valued data), and the transform methods against the direct kernel
//! with data-scaled tolerances, over seeded random shapes in 1 to 3 dimensions.
#![cfg(feature = "ndarray")]

mod common;

use common::nd::{contains, oracle};
use common::{METHODS, MODES, TestElem, assert_close, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{Method, Mode, nd};
use ndarray::{ArrayD, IxDyn};
use rand::RngExt;

fn random_shape(r: &mut impl rand::Rng, d: usize, max: usize) -> Vec<usize> {
    (0..d).map(|_| r.random_range(1..=max)).collect()
}

#[test]
fn direct_matches_the_schoolbook_oracle_exactly() {
    let mut r = rng(1);
    for _ in 0..300 {
        let d = r.random_range(1..=3);
        let (sa, sv) = (random_shape(&mut r, d, 9), random_shape(&mut r, d, 6));
        let a = ArrayD::from_shape_fn(IxDyn(&sa), |_| r.random_range(-20i64..=20));
        let v = ArrayD::from_shape_fn(IxDyn(&sv), |_| r.random_range(-20i64..=20));
        for mode in MODES {
            if mode == Mode::Valid && !contains(&sa, &sv) {
                assert!(nd::convolve_with(a.view(), v.view(), mode, Method::Direct).is_err());
                continue;
            }
            let want = oracle(&a, &v, mode);
            for method in METHODS {
                let got = nd::convolve_with(a.view(), v.view(), mode, method).unwrap();
                assert_eq!(got, want, "{method} {mode} {sa:?} {sv:?}");
                let gotf = nd::convolve_with(
                    a.mapv(|e| e as f64).view(),
                    v.mapv(|e| e as f64).view(),
                    mode,
                    Method::Direct,
                )
                .unwrap();
                assert_eq!(
                    gotf,
                    want.mapv(|e| e as f64),
                    "f64 direct {mode} {sa:?} {sv:?}"
                );
            }
        }
    }
}

fn transforms_agree<T: TestElem>(seed: u64, max_a: usize, max_v: usize) {
    let mut r = rng(seed);
    for _ in 0..60 {
        let d = r.random_range(1..=3);
        let (sa, sv) = (
            random_shape(&mut r, d, max_a),
            random_shape(&mut r, d, max_v),
        );
        let na: usize = sa.iter().product();
        let nv: usize = sv.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(&sa), random_vec::<T>(&mut r, na)).unwrap();
        let v = ArrayD::from_shape_vec(IxDyn(&sv), random_vec::<T>(&mut r, nv)).unwrap();
        let (af, vf): (Vec<T>, Vec<T>) = (a.iter().copied().collect(), v.iter().copied().collect());
        for mode in MODES {
            if mode == Mode::Valid && !contains(&sa, &sv) {
                continue;
            }
            for corr in [false, true] {
                let run = |method| {
                    if corr {
                        nd::correlate_with(a.view(), v.view(), mode, method)
                    } else {
                        nd::convolve_with(a.view(), v.view(), mode, method)
                    }
                    .unwrap()
                };
                let direct = run(Method::Direct);
                let want: Vec<T> = direct.iter().copied().collect();
                for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
                    let got = run(method);
                    assert_eq!(got.shape(), direct.shape());
                    let got: Vec<T> = got.iter().copied().collect();
                    let what = format!("{} {method} {mode} corr={corr} {sa:?} {sv:?}", T::NAME);
                    assert_close(&got, &want, &af, &vf, &what);
                }
            }
        }
    }
}

#[test]
fn transform_methods_agree_with_direct() {
    transforms_agree::<f64>(2, 40, 12);
    transforms_agree::<f32>(3, 40, 12);
    transforms_agree::<Complex<f64>>(4, 24, 8);
    transforms_agree::<Complex<f32>>(5, 24, 8);
    transforms_agree::<i32>(6, 24, 8);
    transforms_agree::<i64>(7, 24, 8);
}

#[test]
fn overlap_add_tiles_large_images() {
    // 2-D: tiles chosen by the cost model on both axes, with partial tiles at the far edges.
    let mut r = rng(8);
    for (sa, sv) in [
        ([150, 131], [3, 4]),
        ([97, 260], [7, 2]),
        ([64, 64], [11, 11]),
    ] {
        let a =
            ArrayD::from_shape_vec(IxDyn(&sa), random_vec::<f64>(&mut r, sa[0] * sa[1])).unwrap();
        let v =
            ArrayD::from_shape_vec(IxDyn(&sv), random_vec::<f64>(&mut r, sv[0] * sv[1])).unwrap();
        let (af, vf): (Vec<f64>, Vec<f64>) =
            (a.iter().copied().collect(), v.iter().copied().collect());
        for mode in MODES {
            let d: Vec<f64> = nd::convolve_with(a.view(), v.view(), mode, Method::Direct)
                .unwrap()
                .into_iter()
                .collect();
            // Both argument orders: overlap-add always tiles the larger input.
            let o1: Vec<f64> = nd::convolve_with(a.view(), v.view(), mode, Method::OverlapAdd)
                .unwrap()
                .into_iter()
                .collect();
            assert_close(&o1, &d, &af, &vf, &format!("oa {mode} {sa:?} {sv:?}"));
            if mode != Mode::Same {
                let o2: Vec<f64> = nd::convolve_with(v.view(), a.view(), mode, Method::OverlapAdd)
                    .unwrap()
                    .into_iter()
                    .collect();
                assert_close(
                    &o2,
                    &d,
                    &af,
                    &vf,
                    &format!("oa swapped {mode} {sa:?} {sv:?}"),
                );
            }
        }
    }
}

#[test]
fn nonfinite_samples_stay_local_with_every_method() {
    let mut a = ArrayD::from_shape_fn(IxDyn(&[12, 10]), |i| (i[0] * 10 + i[1]) as f64 * 0.1);
    a[[3, 4]] = f64::NAN;
    a[[9, 1]] = f64::INFINITY;
    let v = ArrayD::from_shape_fn(IxDyn(&[3, 3]), |i| (i[0] + i[1]) as f64 - 1.5);
    for mode in MODES {
        let d = nd::convolve_with(a.view(), v.view(), mode, Method::Direct).unwrap();
        assert!(d.iter().any(|e| e.is_nan()) && d.iter().filter(|e| e.is_finite()).count() > 50);
        for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
            let got = nd::convolve_with(a.view(), v.view(), mode, method).unwrap();
            for (g, w) in got.iter().zip(&d) {
                assert!(
                    g == w || (g.is_nan() && w.is_nan()),
                    "{method} {mode}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn large_integers_stay_exact() {
    // Values near 2^40: no f64 transform is provably exact, so the direct sum runs.
    let a = ArrayD::from_shape_fn(IxDyn(&[20, 30]), |i| {
        (1i64 << 40) + (i[0] * 31 + i[1]) as i64
    });
    let v = ArrayD::from_shape_fn(IxDyn(&[5, 6]), |i| (1i64 << 20) - (i[0] * 7 + i[1]) as i64);
    let want = oracle(&a, &v, Mode::Full);
    for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
        assert_eq!(
            nd::convolve_with(a.view(), v.view(), Mode::Full, method).unwrap(),
            want
        );
    }
}

#[test]
fn zero_dimensional_and_dynamic_dimension_inputs() {
    let a = ndarray::arr0(3.0f64);
    let v = ndarray::arr0(-2.0f64);
    assert_eq!(
        nd::convolve(a.view(), v.view(), Mode::Same).unwrap(),
        ndarray::arr0(-6.0)
    );
    let a = ArrayD::<f64>::zeros(IxDyn(&[2, 3]));
    let v = ArrayD::<f64>::zeros(IxDyn(&[2]));
    assert_eq!(
        nd::convolve(a.view(), v.view(), Mode::Full).unwrap_err(),
        convolve::ConvError::Dimensionality {
            a_ndim: 2,
            v_ndim: 1
        }
    );
}

#[test]
fn non_contiguous_views_are_accepted() {
    let base = ndarray::Array2::from_shape_fn((8, 9), |(i, j)| (i * 9 + j) as i64);
    let a = base.t(); // column-major view
    let v = ndarray::array![[1i64, -1], [2, 0]];
    let owned = a.to_owned();
    let s = base.slice(ndarray::s![..;2, ..;-3]);
    assert_eq!(
        nd::convolve(a, v.view(), Mode::Full).unwrap(),
        nd::convolve(owned.view(), v.view(), Mode::Full).unwrap()
    );
    assert_eq!(
        nd::convolve(s, v.view(), Mode::Same).unwrap(),
        nd::convolve(s.to_owned().view(), v.view(), Mode::Same).unwrap()
    );
}
