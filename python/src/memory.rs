//! Allocations that fail as Python's `MemoryError` (with the size), never as an abort or a
//! panic: numpy's result arrays and the contiguous copies of strided or broadcast inputs.

use std::borrow::Cow;

use ndarray::ArrayView1;
use numpy::npyffi::{PY_ARRAY_API, npy_intp};
use numpy::{PyArray1, PyArrayDescrMethods};
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;

use crate::dtype::{Native, name_of};

/// The `MemoryError` for `len` elements of `T`.
pub(crate) fn memory_error<T: 'static>(len: usize, what: &str) -> PyErr {
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    PyMemoryError::new_err(format!(
        "could not allocate {} ({bytes} bytes) for {what} of {len} {} elements",
        human(bytes),
        name_of::<T>()
    ))
}

/// `bytes` as numpy writes sizes in its `MemoryError`s: "512. GiB".
pub(crate) fn human(bytes: usize) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.3} {}", units[unit])
    }
}

/// A new zero-filled 1-D array of `len` elements: numpy's `MemoryError` when it cannot be
/// allocated (rust-numpy's `PyArray1::zeros` panics instead).
pub(crate) fn zeros<T: Native>(py: Python<'_>, len: usize) -> PyResult<Bound<'_, PyArray1<T>>> {
    let mut dims = [npy_intp::try_from(len).map_err(|_| memory_error::<T>(len, "an array"))?];
    // SAFETY: `dims` is one valid dimension, the descriptor is a new reference that
    // PyArray_Zeros steals, and a null result carries numpy's Python error, which
    // `from_owned_ptr_or_err` takes; a non-null one is a 1-D array of `T`'s dtype.
    unsafe {
        let ptr = PY_ARRAY_API.PyArray_Zeros(
            py,
            1,
            dims.as_mut_ptr(),
            T::get_dtype(py).into_dtype_ptr(),
            0,
        );
        Ok(Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked())
    }
}

/// `view` as a slice: borrowed when contiguous, else copied into a fallibly allocated vector.
pub(crate) fn contiguous<'a, T: Native>(
    view: ArrayView1<'a, T>,
    what: &str,
) -> PyResult<Cow<'a, [T]>> {
    if let Some(s) = view.to_slice() {
        return Ok(Cow::Borrowed(s));
    }
    let mut copy = Vec::new();
    copy.try_reserve_exact(view.len())
        .map_err(|_| memory_error::<T>(view.len(), &format!("a contiguous copy of {what}")))?;
    copy.extend(view.iter().copied());
    Ok(Cow::Owned(copy))
}
