//! `convolve2d` / `correlate2d`: the boundary rule's extension, then a `valid` convolution.

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};

use crate::element::Element;
use crate::engine::reversed_conj;
use crate::error::ConvError;
use crate::method::Method;
use crate::mode::Mode;

use super::boundary::{self, Boundary};
use super::contiguous::{slice, standard};
use super::dispatch::compute;
use super::window::{self, Window};

/// `convolve2d` and `correlate2d`: correlation is convolution with `reverse(conj(v))` and
/// its own crop offsets.
pub(super) fn conv2d<T: Element>(
    a: ArrayView2<T>,
    v: ArrayView2<T>,
    mode: Mode,
    boundary: Boundary<T>,
    correlate: bool,
) -> Result<Array2<T>, ConvError> {
    let (s1, s2) = ([a.nrows(), a.ncols()], [v.nrows(), v.ncols()]);
    window::check_sizes(&s1, &s2)?;
    let (ad, vd) = (standard(&a)?, standard(&v)?);
    let (ad, vd) = (slice(&ad), slice(&vd));
    let to_array = |shape: &[usize], data: Vec<T>| {
        Array2::from_shape_vec((shape[0], shape[1]), data).expect("the data has the shape's size")
    };
    if mode == Mode::Valid {
        let swap = window::valid_swap(&s1, &s2, 0..2)?;
        let (x, xs, y, ys) = if swap {
            (vd, s2, ad, s1)
        } else {
            (ad, s1, vd, s2)
        };
        let w = window::per_axis(&xs, &ys, Mode::Valid);
        let out = if correlate {
            let mut out = compute(x, &xs, &reversed_conj(y)?, &ys, &w, Method::Auto)?;
            if swap {
                // scipy correlates the swapped pair and reverses the result.
                out.reverse();
            }
            out
        } else {
            compute(x, &xs, y, &ys, &w, Method::Auto)?
        };
        return Ok(to_array(&w.len, out));
    }
    let kernel = if correlate {
        Cow::Owned(reversed_conj(vd)?)
    } else {
        Cow::Borrowed(vd)
    };
    // Extension before the image on each axis: convolution reaches m - 1 - (m-1)/2 = m/2
    // back in `Same`, correlation (m-1)/2 (scipy's one-sample difference for even m).
    let before = s2.map(|m| match (mode, correlate) {
        (Mode::Same, false) => m / 2,
        (Mode::Same, true) => (m - 1) / 2,
        _ => m - 1,
    });
    let after = [0, 1].map(|ax| match mode {
        Mode::Same => s2[ax] - 1 - before[ax],
        _ => s2[ax] - 1,
    });
    let zero_fill = matches!(boundary, Boundary::Fill(f) if f == T::default());
    if zero_fill {
        // No extension needed: the box of the full convolution that the extension would give.
        let w = Window {
            lo: [0, 1].map(|ax| s2[ax] - 1 - before[ax]).to_vec(),
            len: [0, 1]
                .map(|ax| s1[ax] + before[ax] + after[ax] - s2[ax] + 1)
                .to_vec(),
        };
        let out = compute(ad, &s1, &kernel, &s2, &w, Method::Auto)?;
        return Ok(to_array(&w.len, out));
    }
    let (ext, es) = boundary::extend(ad, s1, before, after, &boundary)?;
    let w = window::per_axis(&es, &s2, Mode::Valid);
    let out = compute(&ext, &es, &kernel, &s2, &w, Method::Auto)?;
    Ok(to_array(&w.len, out))
}
