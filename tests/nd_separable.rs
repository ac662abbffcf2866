//! Separable (rank-1) 2-D kernels: `nd::convolve_separable` and `Method::Auto` on outer-product
//! kernels against the 2-D direct sum, within the crate's accuracy statement
//! (`2·ε·log2(N)·‖a‖₂·‖v‖₂`) for floats and exactly for integers, over seeded random shapes
//! in every mode; Gaussian kernels built as outer products in `f32` and `f64`; non-finite
//! inputs keep the direct sum's locality.
#![cfg(feature = "ndarray")]

mod common;

use common::nd::{contains, outer};
use common::{MODES, TestElem, assert_close, random_vec, rng};
use convolve::{ConvError, Method, Mode, nd};
use ndarray::{Array2, ArrayView2};
use rand::RngExt;

fn flat<T: Copy>(a: ArrayView2<T>) -> Vec<T> {
    a.iter().copied().collect()
}

/// `convolve_separable`, and `convolve`/`correlate` with Auto on the outer product, against
/// the 2-D direct sum.
fn agrees_with_direct<T: TestElem + std::ops::Mul<Output = T>>(seed: u64, max_a: usize) {
    let mut r = rng(seed);
    for round in 0..80 {
        // Every tenth problem large enough that Auto takes the passes (see the unit test
        // `nd::tests::auto_takes_the_passes_where_predicted_cheaper`).
        let (sa, sv) = if round % 10 == 0 {
            (
                [r.random_range(150..220), r.random_range(150..220)],
                [9, 11],
            )
        } else {
            (
                [r.random_range(1..=max_a), r.random_range(1..=max_a)],
                [r.random_range(1..=12), r.random_range(1..=12)],
            )
        };
        let a = Array2::from_shape_vec(sa, random_vec::<T>(&mut r, sa[0] * sa[1])).unwrap();
        let column: Vec<T> = random_vec(&mut r, sv[0]);
        let row: Vec<T> = random_vec(&mut r, sv[1]);
        let v = outer(&column, &row);
        let (af, vf) = (flat(a.view()), flat(v.view()));
        for mode in MODES {
            let direct = nd::convolve_with(a.view(), v.view(), mode, Method::Direct);
            let sep = nd::convolve_separable(a.view(), &column, &row, mode);
            if mode == Mode::Valid && !contains(&sa, &sv) {
                assert!(matches!(direct, Err(ConvError::ValidShape { .. })));
                assert_eq!(sep.unwrap_err(), direct.unwrap_err());
                continue;
            }
            let (direct, sep) = (direct.unwrap(), sep.unwrap());
            let what = format!("{} separable {mode} {sa:?} {sv:?}", T::NAME);
            assert_eq!(sep.shape(), direct.shape(), "{what}");
            let want = flat(direct.view());
            assert_close(&flat(sep.view()), &want, &af, &vf, &what);
            let auto = nd::convolve(a.view(), v.view(), mode).unwrap();
            assert_close(&flat(auto.view()), &want, &af, &vf, &format!("{what} auto"));
            let corr = nd::correlate(a.view(), v.view(), mode).unwrap();
            let corr_direct = nd::correlate_with(a.view(), v.view(), mode, Method::Direct).unwrap();
            assert_close(
                &flat(corr.view()),
                &flat(corr_direct.view()),
                &af,
                &vf,
                &format!("{what} correlate"),
            );
        }
    }
}

#[test]
fn separable_agrees_with_direct_f64() {
    agrees_with_direct::<f64>(71, 40);
}

#[test]
fn separable_agrees_with_direct_f32() {
    agrees_with_direct::<f32>(72, 40);
}

#[test]
fn separable_integers_are_exact() {
    agrees_with_direct::<i64>(73, 30);
    agrees_with_direct::<i32>(74, 30);
    // Products that wrap: the passes wrap like the 2-D sum (modular arithmetic).
    let mut r = rng(75);
    let a = Array2::from_shape_fn((40, 37), |_| r.random_range(i64::MIN..=i64::MAX));
    let (column, row) = ([3i64, -7, 1 << 40], [i64::MAX / 5, 11, -13, 2]);
    let v = Array2::from_shape_fn((3, 4), |(i, j)| column[i].wrapping_mul(row[j]));
    // The kernel itself overflowed, so it is no longer an outer product of integers: only the
    // explicit factors give the same result.
    for mode in MODES {
        let direct = nd::convolve_with(a.view(), v.view(), mode, Method::Direct).unwrap();
        let sep = nd::convolve_separable(a.view(), &column, &row, mode).unwrap();
        assert_eq!(sep, direct, "{mode}");
        assert_eq!(nd::convolve(a.view(), v.view(), mode).unwrap(), direct);
    }
}

/// Gaussian taps of standard deviation `sigma`, `2·radius + 1` of them, summing to 1.
fn gaussian(sigma: f64, radius: usize) -> Vec<f64> {
    let g: Vec<f64> = (0..=2 * radius)
        .map(|i| (-((i as f64 - radius as f64) / sigma).powi(2) / 2.0).exp())
        .collect();
    let sum: f64 = g.iter().sum();
    g.iter().map(|x| x / sum).collect()
}

fn gaussian_blur<T: TestElem + std::ops::Mul<Output = T>>(seed: u64) {
    let mut r = rng(seed);
    for (n, radius, sigma) in [(300, 7, 2.5), (257, 31, 9.0), (64, 3, 0.7)] {
        let g: Vec<T> = gaussian(sigma, radius)
            .iter()
            .map(|&x| T::from_parts(x, 0.0))
            .collect();
        let v = outer(&g, &g);
        let a = Array2::from_shape_vec((n, n + 3), random_vec::<T>(&mut r, n * (n + 3))).unwrap();
        let (af, vf) = (flat(a.view()), flat(v.view()));
        for mode in MODES {
            let direct = nd::convolve_with(a.view(), v.view(), mode, Method::Direct).unwrap();
            let want = flat(direct.view());
            let what = format!("{} gaussian {n} r={radius} {mode}", T::NAME);
            let auto = nd::convolve(a.view(), v.view(), mode).unwrap();
            assert_close(&flat(auto.view()), &want, &af, &vf, &what);
            let sep = nd::convolve_separable(a.view(), &g, &g, mode).unwrap();
            assert_close(&flat(sep.view()), &want, &af, &vf, &what);
        }
    }
}

#[test]
fn gaussian_outer_products_f64() {
    gaussian_blur::<f64>(76);
}

#[test]
fn gaussian_outer_products_f32() {
    gaussian_blur::<f32>(77);
}

#[test]
fn non_finite_values_stay_local() {
    let mut r = rng(78);
    let mut a = Array2::from_shape_vec((60, 50), random_vec::<f64>(&mut r, 3000)).unwrap();
    a[[20, 30]] = f64::NAN;
    a[[41, 7]] = f64::INFINITY;
    let (column, row) = (random_vec::<f64>(&mut r, 5), random_vec::<f64>(&mut r, 4));
    let v = outer(&column, &row);
    for mode in MODES {
        let direct = nd::convolve_with(a.view(), v.view(), mode, Method::Direct).unwrap();
        for got in [
            nd::convolve_separable(a.view(), &column, &row, mode).unwrap(),
            nd::convolve(a.view(), v.view(), mode).unwrap(),
        ] {
            let same = got
                .iter()
                .zip(&direct)
                .all(|(g, d)| g.to_bits() == d.to_bits());
            assert!(same, "{mode}");
            // Finite outputs far from the bad samples are finite.
            assert!(got[[0, 0]].is_finite(), "{mode}");
        }
    }
    assert_eq!(
        nd::convolve_separable(a.view(), &[], &row, Mode::Full).unwrap_err(),
        ConvError::EmptyInput { argument: "column" }
    );
}
