//! The accuracy statement at sizes the direct sum cannot check (up to 10^6 × 10^6): inputs on a
//! 2^-10 grid have an exact convolution, computed as integers (the crate's `i64` transform,
//! exact by the bound of `src/exact.rs`, spot-checked here against direct sums), and every
//! float method must be within `C · ε · log2(N) · ‖a‖₂ · ‖v‖₂` of it, for `f64` and `f32`.
//! `scripts/accuracy.py` puts the same errors next to scipy's.

mod common;

use common::{TestElem, assert_close, rng};
use convolve::{Method, Mode, convolve_with};
use rand::RngExt;

fn grid_ints(rng: &mut rand_chacha::ChaCha8Rng, len: usize) -> Vec<i64> {
    (0..len).map(|_| rng.random_range(-1024..=1024)).collect()
}

fn check<T: TestElem>(a: &[i64], v: &[i64], exact: &[i64], methods: &[Method]) -> f64 {
    let to = |x: &[i64]| -> Vec<T> {
        x.iter()
            .map(|&e| T::from_parts(e as f64 / 1024.0, 0.0))
            .collect()
    };
    let (af, vf) = (to(a), to(v));
    let want: Vec<T> = exact
        .iter()
        .map(|&e| T::from_parts(e as f64 / 1048576.0, 0.0))
        .collect();
    let mut worst = 0.0f64;
    for &method in methods {
        let got = convolve_with(&af, &vf, Mode::Full, method).unwrap();
        let what = format!("{} {method} {}x{}", T::NAME, a.len(), v.len());
        worst = worst.max(assert_close(&got, &want, &af, &vf, &what));
    }
    worst
}

#[test]
fn float_methods_are_within_the_bound_up_to_a_million() {
    let mut rng = rng(51);
    for (n, m, methods) in [
        (1_000_000, 1_000_000, &[Method::Fft, Method::Auto][..]),
        (
            1_000_000,
            1_000,
            &[Method::Fft, Method::OverlapAdd, Method::Auto][..],
        ),
        (100_000, 16, &[Method::Fft, Method::OverlapAdd][..]),
    ] {
        let (a, v) = (grid_ints(&mut rng, n), grid_ints(&mut rng, m));
        let exact = convolve_with(&a, &v, Mode::Full, Method::Fft).unwrap();
        // The integer reference itself, against direct sums at spread-out outputs.
        for k in (0..exact.len()).step_by(exact.len() / 97 + 1) {
            let lo = (k + 1).saturating_sub(n);
            let direct: i64 = (lo..=k.min(m - 1)).map(|j| v[j] * a[k - j]).sum();
            assert_eq!(exact[k], direct, "reference at {k}");
        }
        let w64 = check::<f64>(&a, &v, &exact, methods);
        let w32 = check::<f32>(&a, &v, &exact, methods);
        println!("{n}x{m}: worst f64 {w64:.4}, f32 {w32:.4} of eps*log2(N)*|a||v|");
    }
}
