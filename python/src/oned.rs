//! numpy.convolve / numpy.correlate: one call, and the method Auto would pick.

use std::str::FromStr;

use convolve::{ConvError, Method, Mode};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::conv_error;
use crate::dtype::{Native, by_name, dispatch};
use crate::interrupt::detach;
use crate::memory::{contiguous, zeros};

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
    method: &Bound<'py, PyString>,
    correlate: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Ok(mode) = mode.cast::<PyString>() else {
        return Ok(None);
    };
    dispatch!(a, PyArray1, T => {
        match v.cast::<PyArray1<T>>() {
            Ok(v) => {
                let a = a.cast::<PyArray1<T>>().expect("dispatched on this type");
                let mode: Mode = parse(mode)?;
                let method: Method = parse(method)?;
                run(py, a.try_readonly()?, v.try_readonly()?, mode, method, correlate).map(Some)
            }
            Err(_) => Ok(None),
        }
    }, else Ok(None))
}

/// A mode or method name parsed from a Python string. Names this short are read character by
/// character (`PyUnicode_ReadChar`, in the limited API): on abi3 for Python 3.9 every other way
/// to the text makes a UTF-8 copy in a new bytes object, a third of a small call's overhead.
fn parse<T: FromStr<Err = ConvError>>(s: &Bound<'_, PyString>) -> PyResult<T> {
    let mut buf = [0u8; 12];
    // SAFETY: `s` is a live `str`; GetLength only reads it.
    let len = unsafe { ffi::PyUnicode_GetLength(s.as_ptr()) };
    if let Ok(len @ 0..=12) = usize::try_from(len) {
        let mut ascii = true;
        for (i, b) in buf[..len].iter_mut().enumerate() {
            // SAFETY: `i` is below the string's length, so ReadChar returns its character.
            let c = unsafe { ffi::PyUnicode_ReadChar(s.as_ptr(), i as ffi::Py_ssize_t) };
            ascii &= c < 128;
            *b = c as u8;
        }
        if ascii {
            let text = std::str::from_utf8(&buf[..len]).expect("ASCII is UTF-8");
            return text.parse().map_err(conv_error);
        }
    }
    s.to_cow()?.parse().map_err(conv_error)
}

fn run<'py, T: Native>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, T>,
    v: PyReadonlyArray1<'py, T>,
    mode: Mode,
    method: Method,
    correlate: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let a = contiguous(a.as_array(), "a")?;
    let v = contiguous(v.as_array(), "v")?;
    let (a, v) = (&a[..], &v[..]);
    let work = a.len().saturating_mul(v.len());
    let len = convolve::output_len(a.len(), v.len(), mode).map_err(conv_error)?;
    if len <= SMALL_OUTPUT {
        let out = zeros::<T>(py, len)?;
        // SAFETY: `out` was just created, is contiguous and nothing else refers to it yet. This
        // skips the borrow tracker, a large share of a small call's overhead.
        let o = unsafe { out.as_slice_mut() }.expect("a new array is contiguous");
        detach(py, work, || {
            if correlate {
                convolve::correlate_into(a, v, mode, method, o)
            } else {
                convolve::convolve_into(a, v, mode, method, o)
            }
        })?;
        Ok(out.into_any())
    } else {
        let out = detach(py, work, || {
            if correlate {
                convolve::correlate_with(a, v, mode, method)
            } else {
                convolve::convolve_with(a, v, mode, method)
            }
        })?;
        Ok(PyArray1::from_vec(py, out).into_any())
    }
}

/// The method `Method::Auto` picks for lengths `n` and `m` in `mode`, computing in `dtype`
/// (one of the native dtype names).
#[pyfunction]
pub(crate) fn choose_method(n: usize, m: usize, mode: &str, dtype: &str) -> PyResult<String> {
    let mode: Mode = mode.parse().map_err(conv_error)?;
    let method = by_name!(dtype, T => convolve::choose_method_for::<T>(n, m, mode))?;
    Ok(method.to_string())
}
