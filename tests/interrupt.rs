//! `interruptible`: a set flag stops a long call within a second, on every thread it runs on,
//! and a flag that is never set changes no bit of any result (the pieces start where the
//! threads' ranges may, so the direct kernel and overlap-add compute the same sums).
#![cfg(feature = "rayon")]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Op, TestElem, pool, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{ConvError, Method, Mode, interruptible};

/// Problems predicted above two pieces (20 ms each), so that they are cut into several
/// (`engine::tests` checks that they are).
fn same_bits_with_an_unset_flag<T: TestElem>(seed: u64, cases: &[(usize, usize, Method)]) {
    let mut rng = rng(seed);
    let never = AtomicBool::new(false);
    for &(n, m, method) in cases {
        let a: Vec<T> = random_vec(&mut rng, n);
        let v: Vec<T> = random_vec(&mut rng, m);
        for op in Op::BOTH {
            for mode in [Mode::Full, Mode::Same] {
                for threads in [1, 2] {
                    let run = || op.run(&a, &v, mode, method).unwrap();
                    let want = pool(threads).install(run);
                    let got = pool(threads).install(|| interruptible(&never, run));
                    assert!(
                        got == want,
                        "{} {op} {mode} {method} n={n} m={m} threads={threads}",
                        T::NAME
                    );
                }
            }
        }
    }
}

#[test]
fn an_unset_flag_changes_no_bit() {
    same_bits_with_an_unset_flag::<f64>(1, &[(400_001, 2_500, Method::Direct)]);
    same_bits_with_an_unset_flag::<i64>(2, &[(300_001, 2_000, Method::Direct)]);
    same_bits_with_an_unset_flag::<Complex<f32>>(3, &[(400_001, 2_500, Method::Direct)]);
    same_bits_with_an_unset_flag::<f64>(4, &[(16_000_001, 3_000, Method::OverlapAdd)]);
}

#[test]
fn a_set_flag_stops_a_long_call_within_a_second() {
    let mut rng = rng(5);
    // About 10^11 multiply-adds: tens of seconds on two cores.
    let a: Vec<f64> = random_vec(&mut rng, 1_000_000);
    let v: Vec<f64> = random_vec(&mut rng, 100_000);
    for threads in [1, 2] {
        let stop = AtomicBool::new(false);
        let start = Instant::now();
        let r = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(300));
                stop.store(true, Ordering::Relaxed);
            });
            pool(threads).install(|| {
                interruptible(&stop, || {
                    convolve::convolve_with(&a, &v, Mode::Full, Method::Direct)
                })
            })
        });
        let took = start.elapsed();
        assert_eq!(r, Err(ConvError::Interrupted), "threads={threads}");
        // 0.3 s, then at most one piece (about 50 ms predicted) per thread: well under a
        // second on a quiet machine; the bound leaves room for a loaded CI machine running
        // other tests beside this one, and is still ten times below the uninterrupted call.
        assert!(
            took < Duration::from_secs(3),
            "threads={threads}: stopped after {took:?}"
        );
    }
}

#[test]
fn the_flag_is_scoped() {
    let stop = AtomicBool::new(true);
    let (a, v) = (vec![1.0f64; 1 << 20], vec![1.0f64; 1 << 12]);
    let inside = interruptible(&stop, || {
        convolve::convolve_with(&a, &v, Mode::Full, Method::Direct)
    });
    assert_eq!(inside, Err(ConvError::Interrupted));
    // Outside, and in a nested scope with another flag, the set flag is not read.
    let clear = AtomicBool::new(false);
    let nested = interruptible(&stop, || {
        interruptible(&clear, || {
            convolve::convolve_with(&a, &v, Mode::Full, Method::Direct)
        })
    });
    assert!(nested.is_ok());
    assert!(convolve::convolve_with(&a, &v, Mode::Full, Method::Direct).is_ok());
}
