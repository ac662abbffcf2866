//! numpy.convolve / numpy.correlate: one call, and the method Auto would pick.

use convolve::{Method, Mode};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::dtype::{Native, by_name, dispatch};
use crate::value_error;

/// Below this many output elements the result array is made by numpy and written in place;
/// above it the crate's own (fallible, page-friendly) allocation is handed to numpy.
const SMALL_OUTPUT: usize = 1 << 14;

/// `numpy.convolve(a, v, mode)` (`correlate=False`) or `numpy.correlate(a, v, mode)`, when
/// `a` and `v` are 1-D arrays of the same native dtype (any strides) and `mode` is a string;
/// `None` otherwise, for the Python layer to convert the inputs and call again.
#[pyfunction]
pub(crate) fn convolve1d<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    mode: &Bound<'py, PyAny>,
    method: &str,
    correlate: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Ok(mode) = mode.cast::<PyString>() else {
        return Ok(None);
    };
    dispatch!(a, PyArray1, T => {
        match v.cast::<PyArray1<T>>() {
            Ok(v) => {
                let a = a.cast::<PyArray1<T>>().expect("dispatched on this type");
                let mode: Mode = mode.to_cow()?.parse().map_err(value_error)?;
                let method: Method = method.parse().map_err(value_error)?;
                run(py, a.try_readonly()?, v.try_readonly()?, mode, method, correlate).map(Some)
            }
            Err(_) => Ok(None),
        }
    }, else Ok(None))
}

fn run<'py, T: Native>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, T>,
    v: PyReadonlyArray1<'py, T>,
    mode: Mode,
    method: Method,
    correlate: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (a_copy, v_copy);
    let a = match a.as_slice() {
        Ok(s) => s,
        Err(_) => {
            a_copy = a.as_array().to_vec();
            &a_copy[..]
        }
    };
    let v = match v.as_slice() {
        Ok(s) => s,
        Err(_) => {
            v_copy = v.as_array().to_vec();
            &v_copy[..]
        }
    };
    let len = convolve::output_len(a.len(), v.len(), mode).map_err(value_error)?;
    if len <= SMALL_OUTPUT {
        let out = PyArray1::<T>::zeros(py, len, false);
        // SAFETY: `out` was just created, is contiguous and nothing else refers to it yet. This
        // skips the borrow tracker, a large share of a small call's overhead.
        let o = unsafe { out.as_slice_mut() }.expect("a new array is contiguous");
        py.detach(|| {
            if correlate {
                convolve::correlate_into(a, v, mode, method, o)
            } else {
                convolve::convolve_into(a, v, mode, method, o)
            }
        })
        .map_err(value_error)?;
        Ok(out.into_any())
    } else {
        let out = py
            .detach(|| {
                if correlate {
                    convolve::correlate_with(a, v, mode, method)
                } else {
                    convolve::convolve_with(a, v, mode, method)
                }
            })
            .map_err(value_error)?;
        Ok(PyArray1::from_vec(py, out).into_any())
    }
}

/// The method `Method::Auto` picks for lengths `n` and `m` in `mode`, computing in `dtype`
/// (one of the native dtype names).
#[pyfunction]
pub(crate) fn choose_method(n: usize, m: usize, mode: &str, dtype: &str) -> PyResult<String> {
    let mode: Mode = mode.parse().map_err(value_error)?;
    let method = by_name!(dtype, T => convolve::choose_method_for::<T>(n, m, mode))?;
    Ok(method.to_string())
}
