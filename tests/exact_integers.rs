//! Integer results are exact with every method. The transform methods run only where the
//! error bound of `src/exact.rs` proves that rounding recovers the exact value; these tests
//! check results near that limit, beyond it (direct fallback), with wrap-around, and measure
//! how far below the bound the real error is.

mod common;

use common::{Op, naive, rng};
use convolve::{Method, Mode, convolve_with};
use rand::RngExt;

#[test]
fn every_method_is_exact_across_magnitudes() {
    let mut rng = rng(31);
    // From small values (transform proven exact) to full-width ones (direct fallback).
    for bits in [4u32, 12, 16, 20, 24, 31] {
        for &(n, m) in &[(3_000usize, 3_000usize), (20_000, 100), (1, 5_000)] {
            let lim = (1i64 << bits) - 1;
            let a: Vec<i64> = (0..n).map(|_| rng.random_range(-lim..=lim)).collect();
            let v: Vec<i64> = (0..m).map(|_| rng.random_range(-lim..=lim)).collect();
            let want = naive(Op::Convolve, &a, &v, Mode::Full);
            for method in [Method::Auto, Method::Fft, Method::OverlapAdd] {
                let got = convolve_with(&a, &v, Mode::Full, method).unwrap();
                assert!(got == want, "bits={bits} n={n} m={m} {method}");
                let a32: Vec<i32> = a.iter().map(|&x| x as i32).collect();
                let v32: Vec<i32> = v.iter().map(|&x| x as i32).collect();
                let got32 = convolve_with(&a32, &v32, Mode::Full, method).unwrap();
                let want32: Vec<i32> = want.iter().map(|&x| x as i32).collect();
                assert!(got32 == want32, "i32 bits={bits} n={n} m={m} {method}");
            }
        }
    }
}

#[test]
fn i32_wraps_like_numpy() {
    // numpy: np.convolve(np.array([2**30, 2**30], np.int32), np.array([4, 4], np.int32))
    // == [0, 0, 0] (2^32 and 2^33 wrap to 0).
    for method in [
        Method::Direct,
        Method::Fft,
        Method::OverlapAdd,
        Method::Auto,
    ] {
        let got = convolve_with(&[1i32 << 30, 1 << 30], &[4, 4], Mode::Full, method).unwrap();
        assert_eq!(got, [0, 0, 0], "{method}");
    }
}

/// The f64 transform's real error on integer data, next to the bound the guard uses.
#[test]
fn measured_error_is_far_below_the_guard_bound() {
    let mut rng = rng(32);
    let u = f64::EPSILON / 2.0;
    for &(n, m, lim) in &[
        (4_096usize, 4_096usize, 1i64 << 10),
        (65_536, 65_536, 1 << 8),
        (100_000, 3, 1 << 20),
    ] {
        let a: Vec<i64> = (0..n).map(|_| rng.random_range(-lim..=lim)).collect();
        let v: Vec<i64> = (0..m).map(|_| rng.random_range(-lim..=lim)).collect();
        let exact = naive(Op::Convolve, &a, &v, Mode::Full);
        let af: Vec<f64> = a.iter().map(|&x| x as f64).collect();
        let vf: Vec<f64> = v.iter().map(|&x| x as f64).collect();
        let approx = convolve_with(&af, &vf, Mode::Full, Method::Fft).unwrap();
        let err = exact
            .iter()
            .zip(&approx)
            .map(|(&e, &f)| (e as f64 - f).abs())
            .fold(0.0, f64::max);
        let norms = common::norm(&af) * common::norm(&vf);
        let len = (n + m - 1).next_power_of_two() as f64;
        let levels = len.log2().ceil() + 1.0;
        let bound = norms * u * (30.0 * levels + 4.0);
        let ratio = err / (norms * u * levels);
        println!(
            "n={n} m={m}: max error {err:e} = {ratio:.3} u·(log2 L+1)·‖a‖‖v‖; bound {bound:e}"
        );
        assert!(
            err * 20.0 < bound,
            "measured error {err} is not far below the bound {bound}"
        );
        // What the guard is for: rounding the transform's result recovers every integer.
        assert!(
            err < 0.5,
            "measured error {err} does not round to the integers"
        );
    }
}
