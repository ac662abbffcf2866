//! NaN and infinities stay where numpy's direct sum puts them, for every method: outputs that
//! touch no non-finite sample are finite and accurate, the others carry the same NaN/±inf.

mod common;

use common::{METHODS, MODES, random_vec, rng, tolerance};
use convolve::{Method, convolve_with, correlate_with};

fn same_class(got: f64, want: f64) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        got.is_finite()
    }
}

#[test]
fn nonfinite_samples_poison_only_the_outputs_they_touch() {
    let mut rng = rng(21);
    let mut checked = 0;
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
            let finite_a: Vec<f64> = a
                .iter()
                .map(|x| if x.is_finite() { *x } else { 0.0 })
                .collect();
            let finite_v: Vec<f64> = v
                .iter()
                .map(|x| if x.is_finite() { *x } else { 0.0 })
                .collect();
            let tol = tolerance(&finite_a, &finite_v);
            let (mut finite_seen, mut nonfinite_seen) = (0, 0);
            for mode in MODES {
                for op in [convolve_with::<f64>, correlate_with::<f64>] {
                    let want = op(&a, &v, mode, Method::Direct).unwrap();
                    let finite_outputs = want.iter().filter(|x| x.is_finite()).count();
                    finite_seen += finite_outputs;
                    nonfinite_seen += want.len() - finite_outputs;
                    for method in METHODS {
                        let got = op(&a, &v, mode, method).unwrap();
                        for (k, (&g, &w)) in got.iter().zip(&want).enumerate() {
                            assert!(
                                same_class(g, w),
                                "{mode} {method} n={n} m={m} [{k}]: {g} vs {w}"
                            );
                            if w.is_finite() {
                                assert!((g - w).abs() <= tol, "{mode} {method} [{k}]: {g} vs {w}");
                            }
                        }
                        checked += 1;
                    }
                }
            }
            assert!(
                finite_seen > 0 && nonfinite_seen > 0,
                "n={n} m={m}: the case tests nothing"
            );
        }
    }
    assert_eq!(checked, 4 * 3 * 3 * 2 * 4);
}
