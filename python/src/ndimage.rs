//! scipy.ndimage's `correlate` / `convolve` and their 1-D forms: the crate's boundary modes
//! and origins. The Python layer (convolve/ndimage.py) passes double weights, as scipy sums
//! in double, and casts the result to the output dtype.

use std::any::Any;

use convolve::nd::{self, Border, Widen};
use convolve::num_complex::Complex;
use numpy::{IntoPyArray, PyArray1, PyArrayDyn, PyArrayMethods};
use pyo3::prelude::*;

use crate::conv_error;
use crate::dtype::{Native, dispatch, mismatch, name_of};
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

/// `scipy.ndimage.correlate1d` (or `convolve1d`) of `input` along `axis` with the 1-D
/// `weights`, summed in the weights' dtype: `input` has that dtype, or is float32 (complex64)
/// with float64 (complex128) weights, summed in double and rounded once as scipy does.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub(crate) fn correlate1d_ndimage<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    axis: usize,
    mode: &str,
    cval: &Bound<'py, PyAny>,
    origin: isize,
    convolve: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let pass = Pass {
        axis,
        origin,
        convolve,
    };
    dispatch!(weights, PyArray1, T => {
        let cval = one_value::<T>(cval, "cval")?;
        let border = Border::parse(mode, cval).map_err(conv_error)?;
        if input.cast::<PyArrayDyn<T>>().is_ok() {
            pass.run::<T, T>(py, input, weights, border)
        } else if let Some(out) = pass.widened(py, input, weights, border) {
            out
        } else {
            Err(mismatch("input", name_of::<T>()))
        }
    }, else Err(mismatch("weights", "float32/64, complex64/128 or int32/64")))
}

/// The axis, origin and direction of one 1-D pass.
struct Pass {
    axis: usize,
    origin: isize,
    convolve: bool,
}

impl Pass {
    fn run<'py, S: Native + Widen<T>, T: Native>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        weights: &Bound<'py, PyAny>,
        border: Border<T>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = input.cast::<PyArrayDyn<S>>()?.try_readonly()?;
        let w = weights.cast::<PyArray1<T>>()?.try_readonly()?;
        let w = w.as_array().to_vec();
        let av = a.as_array();
        let out = py
            .detach(|| {
                if self.convolve {
                    nd::convolve1d_ndimage(av, &w, self.axis, border, self.origin)
                } else {
                    nd::correlate1d_ndimage(av, &w, self.axis, border, self.origin)
                }
            })
            .map_err(conv_error)?;
        Ok(out.into_pyarray(py).into_any())
    }

    /// [`Pass::run`] for float32 / complex64 input with double weights, or `None` for any
    /// other pair of dtypes.
    fn widened<'py, T: Native + 'static>(
        &self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        weights: &Bound<'py, PyAny>,
        border: Border<T>,
    ) -> Option<PyResult<Bound<'py, PyAny>>> {
        let any: &dyn Any = &border;
        if let Some(&b) = any.downcast_ref::<Border<f64>>()
            && input.cast::<PyArrayDyn<f32>>().is_ok()
        {
            return Some(self.run::<f32, f64>(py, input, weights, b));
        }
        if let Some(&b) = any.downcast_ref::<Border<Complex<f64>>>()
            && input.cast::<PyArrayDyn<Complex<f32>>>().is_ok()
        {
            return Some(self.run::<Complex<f32>, Complex<f64>>(py, input, weights, b));
        }
        None
    }
}

/// scipy.ndimage's separable filters (`gaussian_filter`, `uniform_filter`): `correlate1d`
/// along each of `axes` in turn with the float64 `weights` of that axis, its `modes` entry
/// and `origins` entry, one `cval`; each pass stored in the input's dtype (float64, or
/// float32 summed in double and rounded per pass, as scipy does). The last two passes run
/// fused when they are along the last two axes (`nd::correlate_separable_ndimage`).
#[pyfunction]
pub(crate) fn correlate_separable_ndimage<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    weights: Vec<Bound<'py, PyAny>>,
    axes: Vec<usize>,
    modes: Vec<String>,
    cval: &Bound<'py, PyAny>,
    origins: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let cval = one_value::<f64>(cval, "cval")?;
    let n = weights.len();
    if axes.len() != n || modes.len() != n || origins.len() != n {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "weights, axes, modes and origins must have one entry per pass",
        ));
    }
    let mut kernels = Vec::with_capacity(n);
    for w in &weights {
        let w = w
            .cast::<PyArray1<f64>>()
            .map_err(|_| mismatch("weights", "float64"))?
            .try_readonly()?;
        kernels.push(w.as_array().to_vec());
    }
    let mut passes = Vec::with_capacity(n);
    for (((w, &axis), mode), &origin) in kernels.iter().zip(&axes).zip(&modes).zip(&origins) {
        passes.push(nd::AxisFilter {
            axis,
            weights: w,
            border: Border::parse(mode, cval).map_err(conv_error)?,
            origin,
        });
    }
    fn run<'py, S: Native + Widen<f64>>(
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        passes: &[nd::AxisFilter<'_, f64>],
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = input.cast::<PyArrayDyn<S>>()?.try_readonly()?;
        let av = a.as_array();
        let out = py
            .detach(|| nd::correlate_separable_ndimage(av, passes))
            .map_err(conv_error)?;
        Ok(out.into_pyarray(py).into_any())
    }
    if input.cast::<PyArrayDyn<f64>>().is_ok() {
        run::<f64>(py, input, &passes)
    } else if input.cast::<PyArrayDyn<f32>>().is_ok() {
        run::<f32>(py, input, &passes)
    } else {
        Err(mismatch("input", "float32 or float64"))
    }
}
