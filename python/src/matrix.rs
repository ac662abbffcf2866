//! `StreamMatrix`, the compiled plan behind `convolve.StreamConvolver` built from a 3-D kernel
//! (inputs × outputs × taps): blocks are 2-D, one row per input in and one per output out.
//! The Python class hands over C-contiguous arrays; rows are slices of them.

use convolve::num_complex::Complex;
use numpy::{PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::conv_error;
use crate::dtype::{Native, by_name, mismatch, name_of};
use crate::plans::{Plan, Typed, Wrap, each, lock, state_bytes};

struct Matrix;
impl Plan for Matrix {
    type Of<T: Native> = convolve::StreamMatrix<T>;
}

/// The compiled plan of a matrix `convolve.StreamConvolver`.
#[pyclass(frozen, module = "convolve._core", name = "StreamMatrix")]
pub(crate) struct StreamMatrix {
    typed: Typed<Matrix>,
}

/// `a` as a C-contiguous 2-D array of `T`.
fn matrix<'a, 'py, T: Native>(
    a: &'a Bound<'py, PyAny>,
    what: &str,
) -> PyResult<&'a Bound<'py, PyArray2<T>>> {
    let a = a
        .cast::<PyArray2<T>>()
        .map_err(|_| mismatch(what, name_of::<T>()))?;
    if !a.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{what} must be C-contiguous"
        )));
    }
    Ok(a)
}

/// The `height` rows of `width` of C-contiguous `data` (empty rows when `width` is 0).
fn split<T>(data: &[T], height: usize, width: usize) -> Vec<&[T]> {
    match width {
        0 => vec![&[][..]; height],
        _ => data.chunks_exact(width).collect(),
    }
}

/// Runs `f` on the rows of `a` (a C-contiguous 2-D array of `T`) with the GIL released.
fn rows<T: Native, R: Send>(
    a: &Bound<'_, PyAny>,
    what: &str,
    f: impl FnOnce(&[&[T]]) -> PyResult<R> + Send,
) -> PyResult<R> {
    let a = matrix::<T>(a, what)?.try_readonly()?;
    let rows = split(a.as_slice()?, a.shape()[0], a.shape()[1]);
    a.py().detach(|| f(&rows))
}

/// Runs `f` on the rows of `out` (a writable C-contiguous 2-D array of `T`).
fn rows_mut<T: Native, R: Send>(
    out: &Bound<'_, PyAny>,
    f: impl FnOnce(&mut [&mut [T]]) -> PyResult<R> + Send,
) -> PyResult<R> {
    let mut o = matrix::<T>(out, "out")?.try_readwrite()?;
    let (height, width) = (o.shape()[0], o.shape()[1]);
    let data = o.as_slice_mut()?;
    let mut rows: Vec<&mut [T]> = if width == 0 {
        (0..height).map(|_| &mut [][..]).collect()
    } else {
        data.chunks_exact_mut(width).collect()
    };
    out.py().detach(|| f(&mut rows))
}

fn build<T: Native + Wrap>(
    kernels: &Bound<'_, PyAny>,
    (inputs, outputs): (usize, usize),
    block: usize,
    capacity: Option<usize>,
    workers: usize,
) -> PyResult<StreamMatrix> {
    let plan = rows::<T, _>(kernels, "the kernels", |k| {
        let b = convolve::StreamBuilder::new(block).worker_threads(workers);
        let b = match capacity {
            Some(c) => b.capacity(c),
            None => b,
        };
        b.build_matrix(inputs, outputs, k).map_err(conv_error)
    })?;
    Ok(StreamMatrix {
        typed: T::wrap::<Matrix>(plan),
    })
}

#[pymethods]
impl StreamMatrix {
    /// `kernels`: one row per (input, output) pair, input-major; `capacity` and
    /// `worker_threads` as for `StreamConvolver`.
    #[new]
    #[pyo3(signature = (kernels, inputs, outputs, block, dtype, capacity=None, worker_threads=0))]
    fn new(
        kernels: &Bound<'_, PyAny>,
        inputs: usize,
        outputs: usize,
        block: usize,
        dtype: &str,
        capacity: Option<usize>,
        worker_threads: usize,
    ) -> PyResult<Self> {
        by_name!(dtype, T => build::<T>(kernels, (inputs, outputs), block, capacity, worker_threads))?
    }

    /// Convolves `x` (inputs × n) into `out` (outputs × n).
    fn process(&self, x: &Bound<'_, PyAny>, out: &Bound<'_, PyAny>) -> PyResult<()> {
        each!(&self.typed, T, m => {
            let xs = matrix::<T>(x, "x")?.try_readonly()?;
            let xs = split(xs.as_slice()?, xs.shape()[0], xs.shape()[1]);
            rows_mut::<T, _>(out, |os| lock(m).process(&xs, os).map_err(conv_error))
        })
    }

    /// Feeds zeros for `out`'s width (outputs × n) and writes what comes out.
    fn flush(&self, out: &Bound<'_, PyAny>) -> PyResult<()> {
        each!(&self.typed, T, m => rows_mut::<T, _>(out, |os| lock(m).flush(os).map_err(conv_error)))
    }

    fn reset(&self, py: Python<'_>) {
        each!(&self.typed, T, m => py.detach(|| lock(m).reset()))
    }

    /// Replaces every pair's kernel (one row each, input-major).
    fn set_kernels(&self, kernels: &Bound<'_, PyAny>) -> PyResult<()> {
        each!(&self.typed, T, m => {
            rows::<T, _>(kernels, "the kernels", |k| lock(m).set_kernels(k).map_err(conv_error))
        })
    }

    #[getter]
    fn inputs(&self) -> usize {
        each!(&self.typed, T, m => lock(m).inputs())
    }

    #[getter]
    fn outputs(&self) -> usize {
        each!(&self.typed, T, m => lock(m).outputs())
    }

    #[getter]
    fn latency(&self) -> usize {
        each!(&self.typed, T, m => lock(m).latency())
    }

    #[getter]
    fn tail_len(&self) -> usize {
        each!(&self.typed, T, m => lock(m).tail_len())
    }

    #[getter]
    fn kernel_len(&self) -> usize {
        each!(&self.typed, T, m => lock(m).kernel_len())
    }

    #[getter]
    fn capacity(&self) -> usize {
        each!(&self.typed, T, m => lock(m).capacity())
    }

    #[getter]
    fn position(&self) -> usize {
        each!(&self.typed, T, m => lock(m).position())
    }

    fn copy(&self, py: Python<'_>) -> PyResult<Self> {
        let typed = each!(&self.typed, T, m => {
            let plan = py.detach(|| lock(m).try_clone()).map_err(conv_error)?;
            T::wrap::<Matrix>(plan)
        });
        Ok(StreamMatrix { typed })
    }

    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes =
            each!(&self.typed, T, m => py.detach(|| lock(m).save_state())).map_err(conv_error)?;
        state_bytes(py, &bytes)
    }

    fn set_state(&self, state: &Bound<'_, PyBytes>) -> PyResult<()> {
        let py = state.py();
        let bytes = state.as_bytes();
        each!(&self.typed, T, m => py.detach(|| lock(m).load_state(bytes)).map_err(conv_error))
    }
}
