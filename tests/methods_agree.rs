//! Every method against numpy's definition summed term by term (`common::naive`) and against
//! the direct kernel: all length pairs 1..=64 on both sides, for every element type, mode,
//! method and operation, through the allocating functions, the `_into` functions and a plan
//! writing into dirty (NaN-filled) buffers, with seeded data; then larger random cases of the
//! transform methods. Integers must agree exactly, floats within
//! `C · ε · log2(N) · ‖a‖₂ · ‖v‖₂`.

mod common;

use common::{
    METHODS, MODES, Op, TestElem, assert_close, assert_same_bits, naive, random_vec, rng,
};
use convolve::num_complex::Complex;
use convolve::{Method, output_len};

/// Every (n, m) in 1..=64 × 1..=64, every mode, operation and method: the allocating call, the
/// `_into` call and a plan's `process_into` (both into a buffer of [`Sample::dirty`] values,
/// so an output left unwritten or added to shows) against the naive oracle and against the
/// direct kernel; the `_into` result has the allocating call's bits, a second call gives the
/// same (cached plans and scratch keep no state), and `convolve(v, a)` equals the oracle's
/// `convolve(a, v)` (commutation, equal lengths included).
fn all_small_lengths<T: TestElem>(seed: u64) {
    let mut rng = rng(seed);
    let mut worst = 0.0f64;
    for n in 1..=64 {
        for m in 1..=64 {
            let a: Vec<T> = random_vec(&mut rng, n);
            let v: Vec<T> = random_vec(&mut rng, m);
            for mode in MODES {
                for op in Op::BOTH {
                    let want = naive(op, &a, &v, mode);
                    assert_eq!(want.len(), output_len(n, m, mode).unwrap());
                    let direct = op.run(&a, &v, mode, Method::Direct).unwrap();
                    let mut out = vec![T::dirty(); want.len()];
                    for method in METHODS {
                        let what = format!("{} {op} {mode} {method} n={n} m={m}", T::NAME);
                        let got = op.run(&a, &v, mode, method).unwrap();
                        worst = worst.max(assert_close(&got, &want, &a, &v, &what));
                        assert_close(&got, &direct, &a, &v, &format!("{what}: vs direct"));
                        assert_same_bits(
                            &op.run(&a, &v, mode, method).unwrap(),
                            &got,
                            &format!("{what}: rerun"),
                        );
                        out.fill(T::dirty());
                        op.run_into(&a, &v, mode, method, &mut out).unwrap();
                        assert_same_bits(&out, &got, &format!("{what}: _into"));
                        let mut plan = op.plan(&v, n, mode, method).unwrap();
                        out.fill(T::dirty());
                        plan.process_into(&a, &mut out).unwrap();
                        assert_close(&out, &want, &a, &v, &format!("{what}: plan"));
                        if op == Op::Convolve {
                            let swapped = op.run(&v, &a, mode, method).unwrap();
                            assert_close(&swapped, &want, &a, &v, &format!("{what}: swapped"));
                        }
                    }
                }
            }
        }
    }
    println!(
        "{}: worst error {worst:.3} · ε·log2(N)·‖a‖‖v‖ ({})",
        T::NAME,
        simd_path()
    );
}

/// Which direct kernels the sweep reached: on a CPU without AVX2 and FMA the crate runs its
/// portable loops only, and the explicit-register ones go untested here.
fn simd_path() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        return "AVX2+FMA kernels";
    }
    "portable kernels only: this CPU lacks AVX2+FMA, the SIMD kernels were not exercised"
}

#[test]
fn small_lengths_f64() {
    all_small_lengths::<f64>(1);
}

#[test]
fn small_lengths_f32() {
    all_small_lengths::<f32>(2);
}

#[test]
fn small_lengths_complex_f64() {
    all_small_lengths::<Complex<f64>>(3);
}

#[test]
fn small_lengths_complex_f32() {
    all_small_lengths::<Complex<f32>>(4);
}

#[test]
fn small_lengths_i32() {
    all_small_lengths::<i32>(5);
}

#[test]
fn small_lengths_i64() {
    all_small_lengths::<i64>(6);
}

fn large_cases<T: TestElem>(seed: u64, pairs: &[(usize, usize)]) {
    let mut rng = rng(seed);
    for &(n, m) in pairs {
        let a: Vec<T> = random_vec(&mut rng, n);
        let v: Vec<T> = random_vec(&mut rng, m);
        for mode in MODES {
            for op in Op::BOTH {
                let want = op.run(&a, &v, mode, Method::Direct).unwrap();
                for method in [Method::Fft, Method::OverlapAdd, Method::Auto] {
                    let got = op.run(&a, &v, mode, method).unwrap();
                    let what = format!("{} {op} {mode} {method} n={n} m={m}", T::NAME);
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
                for op in Op::BOTH {
                    let want = op.run(&a, &v, mode, method).unwrap();
                    let direct = op.run(&a, &v, mode, Method::Direct).unwrap();
                    let what = format!("{op} {mode} {method} n={n} m={m}");
                    assert_close(&want, &direct, &a, &v, &what);
                    let mut out = vec![f64::NAN; len];
                    op.run_into(&a, &v, mode, method, &mut out).unwrap();
                    assert_same_bits(&out, &want, &what);
                }
            }
        }
    }
}
