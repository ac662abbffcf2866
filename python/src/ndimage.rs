//! scipy.ndimage's `correlate` / `convolve`: the crate's boundary modes and origins. The
//! Python layer (convolve/ndimage.py) converts to float64 or complex128 first, as scipy sums
//! in double, and casts the result to the output dtype.

use convolve::nd::Border;
use numpy::PyArrayDyn;
use pyo3::prelude::*;

use crate::conv_error;
use crate::dtype::{dispatch, mismatch};
use crate::nd::{one_value, with_views};

/// `scipy.ndimage.correlate` (or `convolve`) of `input` with `weights` of the same dtype and
/// `ndim`; `mode` one of scipy's eight names, `cval` a one-element array of that dtype,
/// `origin` one per axis.
#[pyfunction]
pub(crate) fn correlate_ndimage<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    mode: &str,
    cval: &Bound<'py, PyAny>,
    origin: Vec<isize>,
    convolve: bool,
) -> PyResult<Bound<'py, PyAny>> {
    dispatch!(input, PyArrayDyn, T => {
        let cval = one_value::<T>(cval, "cval")?;
        let border = Border::parse(mode, cval).map_err(conv_error)?;
        with_views::<T, _>(py, input, weights, move |a, w| {
            if convolve {
                convolve::nd::convolve_ndimage(a, w, border, &origin)
            } else {
                convolve::nd::correlate_ndimage(a, w, border, &origin)
            }
        })
    }, else Err(mismatch("input", "float32/64, complex64/128 or int32/64")))
}
