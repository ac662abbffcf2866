//! scipy.signal's N-D functions: convolve/correlate, the per-axis FFT forms, and 2-D with
//! boundaries.

use convolve::nd::Boundary;
use convolve::{ConvError, Method, Mode};
use ndarray::{ArrayD, ArrayViewD, Ix2};
use numpy::{
    IntoPyArray, PyArray1, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::conv_error;
use crate::dtype::{Native, dispatch, mismatch, name_of};

/// Reads `a` and `v` (both `PyArrayDyn<T>`), computes `f` on their views with the GIL
/// released, and hands the result to numpy without a copy.
pub(crate) fn with_views<'py, T, F>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    f: F,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Native,
    F: FnOnce(ArrayViewD<'_, T>, ArrayViewD<'_, T>) -> Result<ArrayD<T>, ConvError> + Send,
{
    let a = a.cast::<PyArrayDyn<T>>()?.try_readonly()?;
    let v = v
        .cast::<PyArrayDyn<T>>()
        .map_err(|_| mismatch("in2", name_of::<T>()))?
        .try_readonly()?;
    let (av, vv) = (a.as_array(), v.as_array());
    let out = py.detach(|| f(av, vv)).map_err(conv_error)?;
    Ok(out.into_pyarray(py).into_any())
}

/// The one element of `x`, a one-element array of dtype `T` (a fill value the Python layer
/// converted to the inputs' dtype); `what` names it in the error.
pub(crate) fn one_value<T: Native>(x: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let x = x
        .cast::<PyArray1<T>>()
        .map_err(|_| mismatch(what, name_of::<T>()))?
        .try_readonly()?;
    x.as_array()
        .first()
        .copied()
        .ok_or_else(|| PyValueError::new_err(format!("{what} must have one element")))
}

/// `scipy.signal.convolve` / `correlate` on two arrays of one native dtype and equal `ndim`.
#[pyfunction]
pub(crate) fn convolve_nd<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    mode: &str,
    method: &str,
    correlate: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let mode: Mode = mode.parse().map_err(conv_error)?;
    let method: Method = method.parse().map_err(conv_error)?;
    dispatch!(a, PyArrayDyn, T => with_views::<T, _>(py, a, v, move |a, v| {
        if correlate {
            convolve::nd::correlate_with(a, v, mode, method)
        } else {
            convolve::nd::convolve_with(a, v, mode, method)
        }
    }), else Err(mismatch("in1", "float32/64, complex64/128 or int32/64")))
}

/// `scipy.signal.fftconvolve` / `oaconvolve` with `axes` (non-negative, as the Python layer
/// normalizes them).
#[pyfunction]
pub(crate) fn convolve_axes<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    mode: &str,
    axes: Vec<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let mode: Mode = mode.parse().map_err(conv_error)?;
    dispatch!(a, PyArrayDyn, T => with_views::<T, _>(py, a, v, move |a, v| {
        convolve::nd::convolve_axes(a, v, mode, &axes)
    }), else Err(mismatch("in1", "float32/64, complex64/128 or int32/64")))
}

/// `scipy.signal.convolve2d` / `correlate2d`: `boundary` is `fill`, `wrap` or `symm`, and
/// `fill` a one-element array of the inputs' dtype.
#[pyfunction]
pub(crate) fn convolve2d<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    mode: &str,
    boundary: &str,
    fill: &Bound<'py, PyAny>,
    correlate: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let mode: Mode = mode.parse().map_err(conv_error)?;
    for x in [a, v] {
        if x.cast::<PyUntypedArray>()?.ndim() != 2 {
            return Err(PyValueError::new_err(
                "convolve2d inputs must both be 2-D arrays",
            ));
        }
    }
    dispatch!(a, PyArrayDyn, T => {
        let fill = one_value::<T>(fill, "fillvalue")?;
        let boundary = match boundary {
            "fill" => Boundary::Fill(fill),
            "wrap" => Boundary::Wrap,
            "symm" => Boundary::Symm,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown boundary {other:?}; expected \"fill\", \"wrap\" or \"symm\""
                )))
            }
        };
        with_views::<T, _>(py, a, v, move |a, v| {
            let a2 = a.into_dimensionality::<Ix2>().expect("checked to be 2-D");
            let v2 = v.into_dimensionality::<Ix2>().expect("checked to be 2-D");
            let out = if correlate {
                convolve::nd::correlate2d(a2, v2, mode, boundary)
            } else {
                convolve::nd::convolve2d(a2, v2, mode, boundary)
            }?;
            Ok(out.into_dyn())
        })
    }, else Err(mismatch("in1", "float32/64, complex64/128 or int32/64")))
}
