//! The N-D oracle and shape helpers of the `nd` tests.

use convolve::Mode;
use ndarray::{Array2, ArrayD, IxDyn};

/// Full N-D convolution by the definition (wrapping, as numpy), then scipy's crop.
pub fn oracle(a: &ArrayD<i64>, v: &ArrayD<i64>, mode: Mode) -> ArrayD<i64> {
    let d = a.ndim();
    let full: Vec<usize> = (0..d).map(|k| a.shape()[k] + v.shape()[k] - 1).collect();
    let mut out = ArrayD::<i64>::zeros(IxDyn(&full));
    for (i, &x) in a.indexed_iter() {
        for (j, &y) in v.indexed_iter() {
            let t: Vec<usize> = (0..d).map(|k| i[k] + j[k]).collect();
            let o = &mut out[IxDyn(&t)];
            *o = o.wrapping_add(x.wrapping_mul(y));
        }
    }
    let (lo, len): (Vec<usize>, Vec<usize>) = (0..d)
        .map(|k| {
            let (n, m) = (a.shape()[k], v.shape()[k]);
            match mode {
                Mode::Full => (0, n + m - 1),
                Mode::Same => ((m - 1) / 2, n),
                Mode::Valid => (n.min(m) - 1, n.max(m) - n.min(m) + 1),
            }
        })
        .unzip();
    ArrayD::from_shape_fn(IxDyn(&len), |k| {
        let t: Vec<usize> = (0..d).map(|x| lo[x] + k[x]).collect();
        out[IxDyn(&t)]
    })
}

/// Whether one shape holds the other on every axis: scipy's condition for `valid`.
pub fn contains(a: &[usize], v: &[usize]) -> bool {
    a.iter().zip(v).all(|(x, y)| x >= y) || a.iter().zip(v).all(|(x, y)| x <= y)
}

/// The rank-one kernel `column[i] · row[j]`.
pub fn outer<T: Copy + std::ops::Mul<Output = T>>(column: &[T], row: &[T]) -> Array2<T> {
    Array2::from_shape_fn((column.len(), row.len()), |(i, j)| column[i] * row[j])
}
