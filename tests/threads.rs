//! Multi-threaded results are identical, bit for bit, to single-threaded ones: the same problems
//! run in a one-thread rayon pool and in pools of 2 and 3 threads, for every method the
//! split (or, for the FFT method, the two threads' transforms) applies to, every mode,
//! operation and element type, with sizes above the threshold and ranges that do not divide
//! evenly.
#![cfg(feature = "rayon")]

mod common;

use common::{MODES, Op, TestElem, pool, random_vec, rng};
use convolve::Method;
use convolve::num_complex::Complex;

fn identical_across_pools<T: TestElem>(seed: u64) {
    let mut rng = rng(seed);
    let one = pool(1);
    let cases: [(usize, usize, &[Method]); 5] = [
        (1_000_003, 3, &[Method::Direct, Method::Auto]),
        (80_001, 64, &[Method::Direct, Method::Auto]),
        (100_000, 700, &[Method::OverlapAdd, Method::Auto]),
        (50_001, 3_000, &[Method::OverlapAdd]),
        // The one-transform method's two forward transforms on two threads.
        (60_001, 50_000, &[Method::Fft]),
    ];
    for (n, m, methods) in cases {
        let a: Vec<T> = random_vec(&mut rng, n);
        let v: Vec<T> = random_vec(&mut rng, m);
        for mode in MODES {
            for &method in methods {
                for op in Op::BOTH {
                    let run = || op.run(&a, &v, mode, method).unwrap();
                    let want = one.install(run);
                    // 3 threads: ranges of unequal length, and not a power of two.
                    for threads in [2, 3] {
                        let got = pool(threads).install(run);
                        assert!(
                            got == want,
                            "{} {op} {mode} {method} n={n} m={m}: {threads} threads differ",
                            T::NAME
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn threads_give_identical_f64() {
    identical_across_pools::<f64>(41);
}

#[test]
fn threads_give_identical_f32() {
    identical_across_pools::<f32>(42);
}

#[test]
fn threads_give_identical_complex_and_integers() {
    identical_across_pools::<Complex<f64>>(43);
    identical_across_pools::<i64>(44);
}
