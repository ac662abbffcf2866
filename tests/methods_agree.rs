//! Every method against the direct kernel: all length pairs 1..=40 on both sides, for every
//! element type, mode and operation, with seeded data; then larger random cases of the transform
//! methods. Integers must agree exactly, floats within `C · ε · log2(N) · ‖a‖₂ · ‖v‖₂`.

mod common;

use common::{METHODS, MODES, TestElem, assert_close, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{
    Method, Mode, convolve_into, convolve_with, correlate_into, correlate_with, output_len,
};

type Op<T> = fn(&[T], &[T], Mode, Method) -> Result<Vec<T>, convolve::ConvError>;

fn ops<T: TestElem>() -> [(&'static str, Op<T>); 2] {
    [
        ("convolve", convolve_with::<T>),
        ("correlate", correlate_with::<T>),
    ]
}

/// Returns how many results were compared.
fn all_small_lengths<T: TestElem>(seed: u64) -> usize {
    let mut rng = rng(seed);
    let mut compared = 0;
    let mut worst = 0.0f64;
    for n in 1..=40 {
        for m in 1..=40 {
            let a: Vec<T> = random_vec(&mut rng, n);
            let v: Vec<T> = random_vec(&mut rng, m);
            for mode in MODES {
                for (name, op) in ops::<T>() {
                    let want = op(&a, &v, mode, Method::Direct).unwrap();
                    assert_eq!(want.len(), output_len(n, m, mode).unwrap());
                    for method in METHODS {
                        let got = op(&a, &v, mode, method).unwrap();
                        let what = format!("{} {name} {mode} {method} n={n} m={m}", T::NAME);
                        worst = worst.max(assert_close(&got, &want, &a, &v, &what));
                        // Cached plans and scratch must not leak state into the next call.
                        assert_eq!(op(&a, &v, mode, method).unwrap(), got, "{what}: rerun");
                        compared += 2;
                    }
                }
            }
        }
    }
    println!("{}: worst error {worst:.3} · ε·log2(N)·‖a‖‖v‖", T::NAME);
    compared
}

#[test]
fn small_lengths_f64() {
    assert_eq!(all_small_lengths::<f64>(1), 40 * 40 * 3 * 2 * 4 * 2);
}

#[test]
fn small_lengths_f32() {
    assert_eq!(all_small_lengths::<f32>(2), 40 * 40 * 3 * 2 * 4 * 2);
}

#[test]
fn small_lengths_complex_f64() {
    assert_eq!(
        all_small_lengths::<Complex<f64>>(3),
        40 * 40 * 3 * 2 * 4 * 2
    );
}

#[test]
fn small_lengths_complex_f32() {
    assert_eq!(
        all_small_lengths::<Complex<f32>>(4),
        40 * 40 * 3 * 2 * 4 * 2
    );
}

#[test]
fn small_lengths_i32() {
    assert_eq!(all_small_lengths::<i32>(5), 40 * 40 * 3 * 2 * 4 * 2);
}

#[test]
fn small_lengths_i64() {
    assert_eq!(all_small_lengths::<i64>(6), 40 * 40 * 3 * 2 * 4 * 2);
}

fn large_cases<T: TestElem>(seed: u64, pairs: &[(usize, usize)]) {
    let mut rng = rng(seed);
    for &(n, m) in pairs {
        let a: Vec<T> = random_vec(&mut rng, n);
        let v: Vec<T> = random_vec(&mut rng, m);
        for mode in MODES {
            for (name, op) in ops::<T>() {
                let want = op(&a, &v, mode, Method::Direct).unwrap();
                for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
                    let got = op(&a, &v, mode, method).unwrap();
                    let what = format!("{} {name} {mode} {method} n={n} m={m}", T::NAME);
                    assert_close(&got, &want, &a, &v, &what);
                }
            }
        }
    }
}

const LARGE: [(usize, usize); 6] = [
    (100_000, 7),
    (100_000, 300),
    (30_001, 2_999),
    (12_345, 12_345),
    (4_096, 100_000),
    (1_000, 65_537),
];

#[test]
fn large_random_f64() {
    large_cases::<f64>(11, &LARGE);
}

#[test]
fn large_random_f32() {
    large_cases::<f32>(12, &LARGE);
}

#[test]
fn large_random_complex_f64() {
    large_cases::<Complex<f64>>(13, &[(50_000, 333), (3_000, 5_000)]);
}

#[test]
fn large_random_integers_are_exact() {
    // Values up to ±1000: the f64 transform is provably exact at these sizes, so the transform
    // methods really run (not the direct fallback) and must still agree to the last bit.
    large_cases::<i64>(14, &[(100_000, 50), (20_000, 20_000)]);
    large_cases::<i32>(15, &[(100_000, 700), (5_000, 60_000)]);
}

/// `convolve_into` and `correlate_into` must write every output, whatever the buffer held:
/// overlap-add writes each output on its first block and adds only where blocks overlap, so a
/// buffer full of NaN shows any output it left to a zero it assumed. The results must be the
/// same bits as the allocating call's, for ranges that start inside a block (`Same`, `Valid`).
#[test]
fn into_overwrites_whatever_the_buffer_held() {
    let mut rng = rng(16);
    for (n, m) in [(1_000, 7), (2_001, 129), (5_000, 300), (300, 5_000)] {
        let a: Vec<f64> = random_vec(&mut rng, n);
        let v: Vec<f64> = random_vec(&mut rng, m);
        for mode in MODES {
            for method in METHODS {
                let len = output_len(n, m, mode).unwrap();
                for (name, op, into) in [
                    (
                        "convolve",
                        convolve_with::<f64> as Op<f64>,
                        convolve_into::<f64> as Into<f64>,
                    ),
                    ("correlate", correlate_with::<f64>, correlate_into::<f64>),
                ] {
                    let want = op(&a, &v, mode, method).unwrap();
                    let direct = op(&a, &v, mode, Method::Direct).unwrap();
                    let what = format!("{name} {mode} {method} n={n} m={m}");
                    assert_close(&want, &direct, &a, &v, &what);
                    let mut out = vec![f64::NAN; len];
                    into(&a, &v, mode, method, &mut out).unwrap();
                    assert!(
                        out.iter()
                            .zip(&want)
                            .all(|(o, w)| o.to_bits() == w.to_bits()),
                        "{what}"
                    );
                }
            }
        }
    }
}

type Into<T> = fn(&[T], &[T], Mode, Method, &mut [T]) -> Result<(), convolve::ConvError>;
