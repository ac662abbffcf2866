//! `convolve._core`: the pyo3 layer of the `convolve` Python package.
//!
//! Thin on purpose: it reads numpy arrays (without copying when they are contiguous), releases
//! the GIL, calls the `convolve` crate and maps [`ConvError`] to `ValueError` with the crate's
//! message (`MemoryError` for an allocation that failed: nothing here aborts or panics on
//! one). Dtype promotion, numpy's and scipy's signatures, defaults and docstrings live in the
//! pure-Python package around it (`python/convolve/`), which hands this module arrays of one of
//! the crate's element types: `float32`, `float64`, `complex64`, `complex128`, `int32`, `int64`.

mod dtype;
mod interrupt;
mod matrix;
mod memory;
mod nd;
mod ndimage;
mod oned;
mod plans;
mod tune;

use convolve::ConvError;
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::prelude::*;

/// A crate error as Python's: `MemoryError` (with the size) for an allocation that failed, as
/// numpy raises; `ValueError` for every other, which is about the values passed (lengths,
/// shapes, names), as numpy and scipy raise for the same inputs.
pub(crate) fn conv_error(e: ConvError) -> PyErr {
    match e {
        ConvError::Allocation { bytes } => PyMemoryError::new_err(format!(
            "could not allocate {} ({bytes} bytes) for the computation",
            memory::human(bytes)
        )),
        e => PyValueError::new_err(e.to_string()),
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(oned::convolve1d, m)?)?;
    m.add_function(wrap_pyfunction!(oned::choose_method, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve_nd, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve_axes, m)?)?;
    m.add_function(wrap_pyfunction!(nd::convolve2d, m)?)?;
    m.add_function(wrap_pyfunction!(ndimage::correlate_ndimage, m)?)?;
    m.add_function(wrap_pyfunction!(ndimage::correlate1d_ndimage, m)?)?;
    m.add_function(wrap_pyfunction!(ndimage::correlate_separable_ndimage, m)?)?;
    m.add_function(wrap_pyfunction!(tune::tune, m)?)?;
    m.add_function(wrap_pyfunction!(tune::profile_status, m)?)?;
    m.add_class::<plans::Convolver>()?;
    m.add_class::<plans::StreamConvolver>()?;
    m.add_class::<matrix::StreamMatrix>()?;
    m.add("NATIVE_DTYPES", dtype::NATIVE.to_vec())?;
    Ok(())
}
