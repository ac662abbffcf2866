//! NaN and infinities stay where numpy's direct sum puts them, for every method: outputs that
//! touch no non-finite sample are finite and accurate, the others carry the same NaN/±inf.

mod common;

use common::{
    METHODS, MODES, Sample, assert_same_where_finite, random_vec, rng, tolerance, zero_nonfinite,
};
use convolve::{Method, convolve_with, correlate_with};

#[test]
fn nonfinite_samples_poison_only_the_outputs_they_touch() {
    let mut rng = rng(21);
    for &(n, m) in &[
        (2_000usize, 300usize),
        (300, 2_000),
        (5_000, 5_000),
        (64, 9),
    ] {
        for poison in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut a: Vec<f64> = random_vec(&mut rng, n);
            let mut v: Vec<f64> = random_vec(&mut rng, m);
            a[n / 3] = poison;
            a[n - 1] = -poison;
            // The short input is poisoned only in the (64, 9) case: a non-finite kernel tap
            // reaches n consecutive outputs, which leaves finite ones only at the ends of Full.
            if m == 9 {
                v[m - 1] = poison;
            }
            // A zero next to an infinity: numpy forms 0 · inf = NaN only where they meet.
            a[n / 3 + 1] = 0.0;
            let tol = tolerance(&zero_nonfinite(&a), &zero_nonfinite(&v));
            let (mut finite_seen, mut nonfinite_seen) = (0, 0);
            for mode in MODES {
                for op in [convolve_with::<f64>, correlate_with::<f64>] {
                    let want = op(&a, &v, mode, Method::Direct).unwrap();
                    let finite_outputs = want.iter().filter(|x| x.is_finite()).count();
                    finite_seen += finite_outputs;
                    nonfinite_seen += want.len() - finite_outputs;
                    for method in METHODS {
                        let got = op(&a, &v, mode, method).unwrap();
                        let what = format!("{mode} {method} n={n} m={m}");
                        assert_same_where_finite(&got, &want, tol, &what);
                    }
                }
            }
            assert!(
                finite_seen > 0 && nonfinite_seen > 0,
                "n={n} m={m}: the case tests nothing"
            );
        }
    }
}

/// Finite inputs near the type's maximum: a transform's internal sums would overflow (and
/// poison every output) without the power-of-two scaling, and for magnitudes whose rounding
/// error itself overflows the transform methods must give the direct sum's answer.
#[test]
fn huge_finite_inputs_do_not_overflow_the_transforms() {
    let mut rng = rng(22);
    // f32: sums of 2,000 positive samples near 1e36 overflow f32; the products (1e30) do not.
    let a: Vec<f32> = random_vec::<f32>(&mut rng, 2_000)
        .iter()
        .map(|x| (x.abs() + 0.5) * 1e36)
        .collect();
    let v: Vec<f32> = random_vec::<f32>(&mut rng, 300)
        .iter()
        .map(|x| x * 1e-6)
        .collect();
    let want = convolve_with(&a, &v, convolve::Mode::Full, Method::Direct).unwrap();
    let tol = tolerance(&a, &v);
    for method in METHODS {
        let got = convolve_with(&a, &v, convolve::Mode::Full, method).unwrap();
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                g.is_finite() && f64::from((g - w).abs()) <= tol,
                "f32 {method} output {k}: {g} vs {w}"
            );
        }
    }
    // f64: 1e300 · 1e300 overflows only where numpy's sum does; the small outputs stay exact.
    let a = [1e300, 1.0, 1.0, 2.0];
    let v = [1e300, 1.0];
    for method in METHODS {
        let got = convolve_with(&a, &v, convolve::Mode::Full, method).unwrap();
        assert_eq!(
            got,
            [f64::INFINITY, 2e300, 1e300, 2e300, 2.0],
            "f64 {method}"
        );
    }
}

/// Found by the fuzzer (`tests/data/fuzz_regressions/crash-619d…`): a complex signal ending in
/// infinities and a kernel of magnitude 5e-166. The result was right (2 ulp from the direct sum);
/// the oracle's norm squared the kernel to 0 and so allowed no error at all. Kept: the finite
/// output must stay finite and accurate, the infinite ones infinite, for every method.
#[test]
fn fuzz_regression_tiny_kernel_next_to_infinities() {
    use convolve::num_complex::Complex;
    let inf = f64::INFINITY;
    let a = [
        Complex::new(0.0, 0.0),
        Complex::new(-0.015625, 0.0),
        Complex::new(inf, inf),
        Complex::new(inf, inf),
        Complex::new(inf, inf),
    ];
    let v = [Complex::new(-5.022146041777276e-166, 0.0)];
    let want = convolve_with(&a, &v, convolve::Mode::Valid, Method::Direct).unwrap();
    let tol = tolerance(&zero_nonfinite(&a), &v);
    assert!(tol > 0.0, "the tolerance must not underflow");
    for method in METHODS {
        let got = convolve_with(&a, &v, convolve::Mode::Valid, method).unwrap();
        assert_same_where_finite(&got, &want, tol, &method.to_string());
    }
}

/// Found by the fuzzer (`tests/data/fuzz_regressions/crash-ed1a…`): a correlation whose only
/// finite non-zero kernel tap is the subnormal 2.65e-319, among infinities and a NaN. The
/// transform's finite outputs were one subnormal step from the direct sum's, which itself
/// rounds every product to the subnormal grid, and the tolerance had underflowed to 0; it now
/// allows for that grid.
#[test]
fn fuzz_regression_subnormal_outputs_next_to_infinities() {
    let inf = f64::INFINITY;
    let a = [
        0.0,
        -26.5,
        inf,
        inf,
        inf,
        inf,
        -184.734375,
        0.0,
        0.0,
        0.0,
        -385.515625,
        0.0,
        271.265625,
        inf,
        28.671875,
        0.0,
    ];
    // i = inf, 0 = zero, n = NaN; then the subnormal tap.
    let mut v: Vec<f64> =
        "ii000iiiii00000000iiiiiiiiiiiiiiiiiiiiii000000000000000iiiiiiiiiii00000iiiiii0000000n0"
            .chars()
            .map(|c| match c {
                'i' => inf,
                'n' => f64::NAN,
                _ => 0.0,
            })
            .collect();
    v.push(2.65377e-319);
    let tol = tolerance(&zero_nonfinite(&a), &zero_nonfinite(&v));
    assert!(tol > 0.0, "the tolerance must not underflow");
    let want = correlate_with(&a, &v, convolve::Mode::Full, Method::Direct).unwrap();
    let mut finite_outputs = 0;
    for method in METHODS {
        let got = correlate_with(&a, &v, convolve::Mode::Full, method).unwrap();
        assert_same_where_finite(&got, &want, tol, &method.to_string());
        finite_outputs += want.iter().filter(|w| w.finite() && **w != 0.0).count();
    }
    assert!(
        finite_outputs > 0,
        "some outputs are finite, non-zero subnormals"
    );
}

/// Found by the fuzzer (`tests/data/fuzz_regressions/crash-3288…`): a complex NaN in the real
/// part only. The transforms' scan took the largest component magnitude with `f64::max`, which
/// drops NaN, so the sample counted as finite, was zeroed, and its products were never added
/// back: the transform methods returned 0 where numpy returns NaN.
#[test]
fn fuzz_regression_complex_nan_in_one_part() {
    use convolve::num_complex::Complex;
    let a = [Complex::new(0.0, 269.046875)];
    for v in [
        [Complex::new(f64::NAN, 0.0)],
        [Complex::new(0.0, f64::NAN)],
        [Complex::new(f64::INFINITY, 0.0)],
    ] {
        for method in METHODS {
            for mode in MODES {
                let got = correlate_with(&a, &v, mode, method).unwrap();
                let want = correlate_with(&a, &v, mode, Method::Direct).unwrap();
                assert!(
                    !got[0].re.is_finite() || !got[0].im.is_finite(),
                    "{method} {mode} {v:?}: {got:?}, direct {want:?}"
                );
            }
        }
    }
}

/// Found by the fuzzer: a complex sample with one non-finite part (loaded as zero) whose other,
/// finite part was far larger than the rest. The transforms' scan still let that part set the
/// power-of-two scale, so the subnormal sample beside it was scaled further down, lost bits, and
/// the transform methods missed the direct sum by ~1e-11 relative, far beyond the bound.
#[test]
fn fuzz_regression_finite_part_of_a_nonfinite_sample_sets_no_scale() {
    use convolve::num_complex::Complex;
    type Signal = Vec<Complex<f64>>;
    let cases: [(Signal, Signal); 2] = [
        (
            vec![
                Complex::new(-1.0384593719487505e34, 0.0),
                Complex::new(0.0, 0.0),
            ],
            vec![
                Complex::new(78.640625, f64::NAN),
                Complex::new(1.986440746e-314, 0.0),
            ],
        ),
        (
            vec![
                Complex::new(f64::INFINITY, 231.484375),
                Complex::new(8.021964817e-314, 0.0),
            ],
            vec![
                Complex::new(325.265625, 325.265625),
                Complex::new(325.265625, 436.890625),
                Complex::new(f64::NAN, 0.0),
            ],
        ),
    ];
    for (a, v) in cases {
        let tol = tolerance(&zero_nonfinite(&a), &zero_nonfinite(&v));
        for mode in MODES {
            let want = correlate_with(&a, &v, mode, Method::Direct).unwrap();
            for method in METHODS {
                let got = correlate_with(&a, &v, mode, method).unwrap();
                assert_same_where_finite(&got, &want, tol, &format!("{method} {mode}"));
            }
        }
    }
}
