//! Multi-threaded N-D results are identical, bit for bit, to single-threaded ones: the same
//! problems run in a one-thread rayon pool and in pools of 2 and 3 threads, for every method,
//! every mode, convolution and correlation, 2-D and 3-D, `f32`, `f64` and `i64`, with sizes
//! above the threshold of `src/nd/parallel.rs` and row counts that do not divide evenly.
#![cfg(all(feature = "rayon", feature = "ndarray"))]

mod common;

use common::nd::outer;
use common::{METHODS, MODES, TestElem, pool, random_vec, rng};
use convolve::nd;
use ndarray::{Array2, ArrayD, IxDyn};

fn identical_across_pools<T: TestElem>(seed: u64) {
    let mut rng = rng(seed);
    let one = pool(1);
    // 2-D: odd sizes (bands of unequal rows), a kernel that makes overlap-add tile the image;
    // 3-D: the split runs along the first axis only.
    let cases: [(&[usize], &[usize]); 3] = [
        (&[301, 277], &[9, 7]),
        (&[801, 157], &[11, 9]),
        (&[240, 38, 41], &[5, 6, 4]),
    ];
    for (sa, sv) in cases {
        let a = ArrayD::from_shape_vec(IxDyn(sa), random_vec::<T>(&mut rng, sa.iter().product()))
            .unwrap();
        let v = ArrayD::from_shape_vec(IxDyn(sv), random_vec::<T>(&mut rng, sv.iter().product()))
            .unwrap();
        for mode in MODES {
            for method in METHODS {
                for correlate in [false, true] {
                    let run = || {
                        if correlate {
                            nd::correlate_with(a.view(), v.view(), mode, method).unwrap()
                        } else {
                            nd::convolve_with(a.view(), v.view(), mode, method).unwrap()
                        }
                    };
                    let want = one.install(run);
                    for threads in [2, 3] {
                        let got = pool(threads).install(run);
                        assert!(
                            got == want,
                            "{} {mode} {method} corr={correlate} {sa:?} x {sv:?}: {threads} threads differ",
                            T::NAME
                        );
                    }
                }
            }
        }
    }
}

/// The separable passes (`Auto` on an outer-product kernel, and `convolve_separable`; both
/// run fused, `src/nd/fused.rs`) split their rows too.
fn separable_identical_across_pools<T: TestElem + std::ops::Mul<Output = T>>(seed: u64) {
    let mut rng = rng(seed);
    let one = pool(1);
    for (sa, sv) in [([703, 601], [9, 11]), ([657, 589], [81, 5])] {
        let a = Array2::from_shape_vec(sa, random_vec::<T>(&mut rng, sa[0] * sa[1])).unwrap();
        let column: Vec<T> = random_vec(&mut rng, sv[0]);
        let row: Vec<T> = random_vec(&mut rng, sv[1]);
        let v = outer(&column, &row);
        for mode in MODES {
            let auto = || nd::convolve(a.view(), v.view(), mode).unwrap();
            let sep = || nd::convolve_separable(a.view(), &column, &row, mode).unwrap();
            let (want_auto, want_sep) = (one.install(auto), one.install(sep));
            for threads in [2, 3] {
                let p = pool(threads);
                assert!(
                    p.install(auto) == want_auto,
                    "{} {mode} {sv:?} auto",
                    T::NAME
                );
                assert!(
                    p.install(sep) == want_sep,
                    "{} {mode} {sv:?} separable",
                    T::NAME
                );
            }
        }
    }
}

#[test]
fn nd_threads_give_identical_f64() {
    identical_across_pools::<f64>(61);
    separable_identical_across_pools::<f64>(64);
}

#[test]
fn nd_threads_give_identical_f32() {
    identical_across_pools::<f32>(62);
    separable_identical_across_pools::<f32>(65);
}

#[test]
fn nd_threads_give_identical_i64() {
    identical_across_pools::<i64>(63);
    separable_identical_across_pools::<i64>(66);
}
