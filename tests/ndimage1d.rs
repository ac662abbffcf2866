//! `nd::correlate1d_ndimage` / `convolve1d_ndimage`: scipy.ndimage's golden cases whose
//! weights lie along one axis (`tests/data/ndimage_golden.txt`, `scripts/golden_ndimage.py`),
//! seeded random problems against `correlate_ndimage` with the kernel shaped along the axis,
//! the `f32`-in-`f64` sums, thread counts, and the errors.
#![cfg(feature = "ndarray")]

mod common;

use common::golden::{NdimageCase as Golden, array, ndimage_cases};
use common::{TestElem, assert_close, assert_same_bits, pool, random_vec, rng};
use convolve::nd::{self, Border};
use convolve::num_complex::Complex;
use convolve::{ConvError, Method};
use ndarray::{ArrayD, IxDyn};
use rand::RngExt;

const BORDERS: [&str; 5] = ["reflect", "mirror", "nearest", "wrap", "constant"];
const ONE_D_METHODS: [Method; 3] = [Method::Auto, Method::Direct, Method::Fft];

fn filter<S: nd::Widen<T>, T: TestElem>(
    a: &ArrayD<S>,
    w: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    method: Method,
    flip: bool,
) -> Result<ArrayD<S>, ConvError> {
    if flip {
        nd::convolve1d_ndimage_with(a.view(), w, axis, border, origin, method)
    } else {
        nd::correlate1d_ndimage_with(a.view(), w, axis, border, origin, method)
    }
}

/// The reference: `correlate_ndimage` (`convolve_ndimage`) with the weights shaped along
/// `axis`, by the direct method.
fn shaped_along<T: TestElem>(
    a: &ArrayD<T>,
    w: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    flip: bool,
) -> Result<ArrayD<T>, ConvError> {
    let mut ws = vec![1; a.ndim()];
    ws[axis] = w.len();
    let w = ArrayD::from_shape_vec(IxDyn(&ws), w.to_vec()).unwrap();
    let mut origins = vec![0; a.ndim()];
    origins[axis] = origin;
    if flip {
        nd::convolve_ndimage_with(a.view(), w.view(), border, &origins, Method::Direct)
    } else {
        nd::correlate_ndimage_with(a.view(), w.view(), border, &origins, Method::Direct)
    }
}

/// The tolerance's stand-in for the extended line: `n + m` samples as large as the largest
/// of the input and the constant.
fn proxy<T: TestElem>(a: &ArrayD<T>, m: usize, axis: usize, cval: T) -> Vec<T> {
    let max = a
        .iter()
        .map(|&e| e.norm_sqr())
        .fold(cval.norm_sqr(), f64::max)
        .sqrt();
    vec![T::from_parts(max, 0.0); a.shape()[axis] + m]
}

/// The golden cases whose weights have at most one axis longer than 1, with that axis (the
/// last one for a 1 × … × 1 kernel).
fn one_axis_cases() -> Vec<(Golden, usize)> {
    let mut cases = Vec::new();
    for case in ndimage_cases() {
        let long: Vec<usize> = (0..case.weights.0.len())
            .filter(|&k| case.weights.0[k] > 1)
            .collect();
        let axis = match long[..] {
            [] => case.weights.0.len() - 1,
            [k] => k,
            _ => continue,
        };
        // Another axis's origin moves nothing only at 0 (anything else is scipy's error for a
        // length-1 kernel, which the 1-D call cannot express).
        if case
            .origin
            .iter()
            .enumerate()
            .any(|(k, &o)| k != axis && o != 0)
        {
            continue;
        }
        cases.push((case, axis));
    }
    cases
}

fn check_golden<T: TestElem>(case: &Golden, axis: usize) {
    let a = array::<T>(&case.input);
    let w: Vec<T> = array::<T>(&case.weights).iter().copied().collect();
    let cval = T::from_parts(case.cval, 0.0);
    let border = Border::parse(&case.mode, cval).unwrap();
    let flip = case.func == "convolve";
    for method in ONE_D_METHODS {
        let what = format!(
            "{} {} {} {:?} {method}",
            case.func, case.dtype, case.mode, case.origin
        );
        let got = filter(&a, &w, axis, border, case.origin[axis], method, flip);
        match (&case.out, got) {
            (Ok(want), Ok(got)) => {
                let want = array::<T>(want);
                assert_eq!(got.shape(), want.shape(), "{what}");
                let g: Vec<T> = got.iter().copied().collect();
                let wv: Vec<T> = want.iter().copied().collect();
                assert_close(&g, &wv, &proxy(&a, w.len(), axis, cval), &w, &what);
            }
            (Err(_), Err(err)) => assert!(matches!(err, ConvError::Origin { .. }), "{what}"),
            (want, got) => panic!("{what}: scipy {want:?}, we {got:?}"),
        }
    }
}

#[test]
fn scipy_golden_cases_along_one_axis_match() {
    let cases = one_axis_cases();
    assert!(cases.len() >= 300, "{} one-axis cases", cases.len());
    for func in ["correlate", "convolve"] {
        for mode in BORDERS {
            assert!(cases.iter().any(|(c, _)| c.func == func && c.mode == mode));
        }
    }
    for (case, axis) in &cases {
        match case.dtype.as_str() {
            "float64" => check_golden::<f64>(case, *axis),
            "float32" => check_golden::<f32>(case, *axis),
            "int64" => check_golden::<i64>(case, *axis),
            "complex128" => check_golden::<Complex<f64>>(case, *axis),
            d => panic!("unknown dtype {d}"),
        }
    }
}

/// Random shapes of 1 to 3 axes, kernels up to twice the line, every border and origin
/// bound, against `correlate_ndimage`: exact for integers, within the scaled tolerance for
/// floats.
fn random_problems<T: TestElem>(seed: u64) {
    let mut r = rng(seed);
    for case in 0..300 {
        let ndim = r.random_range(1..=3usize);
        let shape: Vec<usize> = (0..ndim).map(|_| r.random_range(1..=9usize)).collect();
        let axis = r.random_range(0..ndim);
        let m = r.random_range(1..=2 * shape[axis] + 2);
        let flip = r.random_range(0..2) == 1;
        let origin = r.random_range(-((m / 2) as i64)..=((m - 1) / 2) as i64) as isize;
        let mode = BORDERS[case % BORDERS.len()];
        let cval = T::random(&mut r);
        let border = Border::parse(mode, cval).unwrap();
        let a = ArrayD::from_shape_vec(
            IxDyn(&shape),
            random_vec::<T>(&mut r, shape.iter().product()),
        )
        .unwrap();
        let w = random_vec::<T>(&mut r, m);
        let want = shaped_along(&a, &w, axis, border, origin, flip).unwrap();
        let wv: Vec<T> = want.iter().copied().collect();
        for method in ONE_D_METHODS {
            let what = format!(
                "{} {shape:?} axis {axis} m {m} o {origin} {mode} flip {flip} {method}",
                T::NAME
            );
            let got = filter(&a, &w, axis, border, origin, method, flip).unwrap();
            assert_eq!(got.shape(), want.shape(), "{what}");
            let g: Vec<T> = got.iter().copied().collect();
            assert_close(&g, &wv, &proxy(&a, m, axis, cval), &w, &what);
        }
    }
}

#[test]
fn random_problems_match_the_shaped_kernel() {
    random_problems::<f64>(1);
    random_problems::<f32>(2);
    random_problems::<i64>(3);
    random_problems::<i32>(4);
    random_problems::<Complex<f64>>(5);
    random_problems::<Complex<f32>>(6);
}

#[test]
fn f32_data_summed_in_f64_rounds_once() {
    let mut r = rng(7);
    for axis in 0..3 {
        let shape = [5, 70, 33];
        let a32: Vec<f32> = random_vec(&mut r, shape.iter().product());
        let a = ArrayD::from_shape_vec(IxDyn(&shape), a32).unwrap();
        let wide = a.mapv(f64::from);
        let w: Vec<f64> = random_vec(&mut r, 7);
        for mode in BORDERS {
            let border = Border::parse(mode, 0.3).unwrap();
            for method in ONE_D_METHODS {
                let got = filter(&a, &w, axis, border, -2, method, false).unwrap();
                let want = filter(&wide, &w, axis, border, -2, method, false).unwrap();
                let want: Vec<f32> = want.iter().map(|&x| x as f32).collect();
                let g: Vec<f32> = got.iter().copied().collect();
                assert_same_bits(&g, &want, &format!("axis {axis} {mode} {method}"));
            }
        }
    }
    // Complex<f32> in Complex<f64> too.
    let a = ArrayD::from_shape_vec(IxDyn(&[3, 4]), random_vec::<Complex<f32>>(&mut r, 12)).unwrap();
    let w: Vec<Complex<f64>> = random_vec(&mut r, 3);
    let got = nd::correlate1d_ndimage(a.view(), &w, 0, Border::Mirror, 0).unwrap();
    let wide = a.mapv(|z| Complex::new(f64::from(z.re), f64::from(z.im)));
    let want = nd::correlate1d_ndimage(wide.view(), &w, 0, Border::Mirror, 0).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(*g, Complex::new(w.re as f32, w.im as f32));
    }
}

#[test]
fn any_thread_count_gives_the_same_bits() {
    let mut r = rng(8);
    // Large enough to be split (well above 100 µs of predicted work), with column blocks.
    let shape = [3, 160, 1500];
    let a = ArrayD::from_shape_vec(
        IxDyn(&shape),
        random_vec::<f64>(&mut r, shape.iter().product()),
    )
    .unwrap();
    let w: Vec<f64> = random_vec(&mut r, 25);
    for axis in 0..3 {
        for border in [Border::Reflect, Border::Constant(0.5)] {
            let run = |threads| {
                pool(threads).install(|| {
                    nd::correlate1d_ndimage_with(a.view(), &w, axis, border, 3, Method::Direct)
                        .unwrap()
                })
            };
            let one: Vec<f64> = run(1).iter().copied().collect();
            for threads in [2, 3] {
                let many: Vec<f64> = run(threads).iter().copied().collect();
                assert_same_bits(&many, &one, &format!("axis {axis} {threads} threads"));
            }
        }
    }
}

#[test]
fn long_kernels_take_the_transform_where_cheaper() {
    // A 301-tap kernel over 2000-sample lines: Auto's transform agrees with the direct sum.
    let mut r = rng(9);
    let a = ArrayD::from_shape_vec(IxDyn(&[4, 2000]), random_vec::<f64>(&mut r, 8000)).unwrap();
    let w: Vec<f64> = random_vec(&mut r, 301);
    let auto = nd::correlate1d_ndimage(a.view(), &w, 1, Border::Wrap, 0).unwrap();
    let direct =
        nd::correlate1d_ndimage_with(a.view(), &w, 1, Border::Wrap, 0, Method::Direct).unwrap();
    let (g, d): (Vec<f64>, Vec<f64>) = (
        auto.iter().copied().collect(),
        direct.iter().copied().collect(),
    );
    assert_close(&g, &d, &proxy(&a, 301, 1, 0.0), &w, "auto vs direct");
}

#[test]
fn bad_arguments_are_errors() {
    let a = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
    let err = nd::correlate1d_ndimage(a.view(), &[1.0], 2, Border::Reflect, 0).unwrap_err();
    assert_eq!(
        err,
        ConvError::Axes {
            axes: vec![2],
            ndim: 2
        }
    );
    let err = nd::correlate1d_ndimage(a.view(), &[] as &[f64], 0, Border::Reflect, 0).unwrap_err();
    assert_eq!(
        err,
        ConvError::EmptyInput {
            argument: "weights"
        }
    );
    let empty = ndarray::Array2::<f64>::zeros((0, 3));
    let err = nd::convolve1d_ndimage(empty.view(), &[1.0], 1, Border::Reflect, 0).unwrap_err();
    assert_eq!(err, ConvError::EmptyInput { argument: "input" });
    // m = 4: origins -2 ..= 1 either way (convolve mirrors o to -o - 1).
    assert!(nd::correlate1d_ndimage(a.view(), &[1.0; 4], 0, Border::Reflect, -2).is_ok());
    assert!(nd::convolve1d_ndimage(a.view(), &[1.0; 4], 0, Border::Reflect, -2).is_ok());
    let err = nd::correlate1d_ndimage(a.view(), &[1.0; 4], 0, Border::Reflect, 2).unwrap_err();
    assert!(matches!(err, ConvError::Origin { .. }), "{err:?}");
    let err = nd::convolve1d_ndimage(a.view(), &[1.0; 4], 0, Border::Reflect, 2).unwrap_err();
    assert!(matches!(err, ConvError::Origin { .. }), "{err:?}");
    // A strided view is read as it is.
    let t = a.t();
    let got = nd::correlate1d_ndimage(t, &[0.0, 0.0, 1.0], 1, Border::Nearest, 0).unwrap();
    assert_eq!(got, ndarray::array![[3.0, 3.0], [4.0, 4.0]]);
}
