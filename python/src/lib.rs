//! `convolve._core`: the pyo3 layer of the `convolve` Python package.
//!
//! Thin on purpose: it reads numpy arrays (without copying when they are contiguous), releases
//! the GIL, calls the `convolve` crate and maps [`ConvError`] to `ValueError` with the crate's
//! message. Dtype promotion, numpy's and scipy's signatures, defaults and docstrings live in the
//! pure-Python package around it (`python/convolve/`), which hands this module arrays of one of
//! the crate's element types: `float32`, `float64`, `complex64`, `complex128`, `int32`, `int64`.

mod dtype;
mod nd;
mod oned;
mod plans;

use convolve::ConvError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Every crate error is about the values passed (lengths, shapes, names): `ValueError`, as
/// numpy and scipy raise for the same inputs.
pub(crate) fn value_error(e: ConvError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(oned::convolve1d, m)?)?;
    m.add_function(wrap_pyfunction!(oned::choose_method, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve_nd, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve_axes, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve2d, m)?)?;
    m.add_class::<plans::Convolver>()?;
    m.add_class::<plans::StreamConvolver>()?;
    m.add("NATIVE_DTYPES", dtype::NATIVE.to_vec())?;
    Ok(())
}
