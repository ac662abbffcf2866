//! The reusable plans: `Convolver` (one signal length, kernel spectrum computed once) and
//! `StreamConvolver` (block-by-block, for audio callbacks).
//!
//! Each holds the crate's plan for one element type behind a `Mutex`, taken only with the GIL
//! released: Python threads may share a plan (calls on it run one at a time) without ever
//! waiting for the GIL while holding the lock.

use std::sync::{Mutex, MutexGuard};

use convolve::num_complex::Complex;
use convolve::{Method, Mode};
use numpy::{PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::conv_error;
use crate::dtype::{Native, by_name, mismatch, name_of};
use crate::memory::{contiguous, zeros};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside the crate leaves the plan as it was before the call's writes: the
    // poison flag carries no information the next call needs.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One variant per element type.
pub(crate) enum Typed<P: Plan> {
    F64(Mutex<P::Of<f64>>),
    F32(Mutex<P::Of<f32>>),
    C64(Mutex<P::Of<Complex<f64>>>),
    C32(Mutex<P::Of<Complex<f32>>>),
    I64(Mutex<P::Of<i64>>),
    I32(Mutex<P::Of<i32>>),
}

pub(crate) trait Plan {
    type Of<T: Native>: Send;
}

struct OneShot;
impl Plan for OneShot {
    type Of<T: Native> = convolve::Convolver<T>;
}

struct Stream;
impl Plan for Stream {
    type Of<T: Native> = convolve::StreamConvolver<T>;
}

macro_rules! each {
    ($typed:expr, $t:ident, $m:ident => $body:expr) => {
        match $typed {
            Typed::F64($m) => {
                #[allow(dead_code)]
                type $t = f64;
                $body
            }
            Typed::F32($m) => {
                #[allow(dead_code)]
                type $t = f32;
                $body
            }
            Typed::C64($m) => {
                #[allow(dead_code)]
                type $t = Complex<f64>;
                $body
            }
            Typed::C32($m) => {
                #[allow(dead_code)]
                type $t = Complex<f32>;
                $body
            }
            Typed::I64($m) => {
                #[allow(dead_code)]
                type $t = i64;
                $body
            }
            Typed::I32($m) => {
                #[allow(dead_code)]
                type $t = i32;
                $body
            }
        }
    };
}

pub(crate) use each;

/// A saved state as Python bytes: `MemoryError` when they cannot be allocated (`new_with`
/// reports it; `PyBytes::new` would panic).
pub(crate) fn state_bytes<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    PyBytes::new_with(py, bytes.len(), |b| {
        b.copy_from_slice(bytes);
        Ok(())
    })
}

pub(crate) trait Wrap: Native {
    fn wrap<P: Plan>(plan: P::Of<Self>) -> Typed<P>;
}

macro_rules! wrap {
    ($t:ty, $v:ident) => {
        impl Wrap for $t {
            fn wrap<P: Plan>(plan: P::Of<Self>) -> Typed<P> {
                Typed::$v(Mutex::new(plan))
            }
        }
    };
}
wrap!(f64, F64);
wrap!(f32, F32);
wrap!(Complex<f64>, C64);
wrap!(Complex<f32>, C32);
wrap!(i64, I64);
wrap!(i32, I32);

/// Reads `x` as a 1-D array of `T` into a slice (copying only a non-contiguous view) and runs
/// `f` on it with the GIL released.
fn read<'py, T: Native, R: Send>(
    x: &Bound<'py, PyAny>,
    f: impl FnOnce(&[T]) -> PyResult<R> + Send,
) -> PyResult<R> {
    let py = x.py();
    let x = x
        .cast::<PyArray1<T>>()
        .map_err(|_| mismatch("the signal", name_of::<T>()))?
        .try_readonly()?;
    let xs = contiguous(x.as_array(), "an input")?;
    let xs = &xs[..];
    py.detach(|| f(xs))
}

/// `out`, checked to be a writable contiguous 1-D array of `T`, or a new zeroed one of `len`.
fn output<'py, T: Native>(
    py: Python<'py>,
    out: Option<&Bound<'py, PyAny>>,
    len: usize,
) -> PyResult<Bound<'py, PyArray1<T>>> {
    match out {
        None => zeros::<T>(py, len),
        Some(o) => {
            let o = o
                .cast::<PyArray1<T>>()
                .map_err(|_| mismatch("out", name_of::<T>()))?;
            if !o.is_c_contiguous() {
                return Err(PyValueError::new_err("out must be C-contiguous"));
            }
            Ok(o.clone())
        }
    }
}

/// The compiled plan of `convolve.Convolver`; built by the Python class from a 1-D kernel of a
/// native dtype.
#[pyclass(frozen, module = "convolve._core", name = "Convolver")]
pub(crate) struct Convolver {
    typed: Typed<OneShot>,
    signal_len: usize,
    output_len: usize,
    method: Method,
}

fn build_convolver<T: Native + Wrap>(
    kernel: &Bound<'_, PyAny>,
    n: usize,
    mode: Mode,
    method: Method,
) -> PyResult<Convolver> {
    let plan = read::<T, _>(kernel, |k| {
        convolve::Convolver::new(k, n, mode, method).map_err(conv_error)
    })?;
    Ok(Convolver {
        signal_len: plan.signal_len(),
        output_len: plan.output_len(),
        method: plan.method(),
        typed: T::wrap::<OneShot>(plan),
    })
}

#[pymethods]
impl Convolver {
    #[new]
    fn new(
        kernel: &Bound<'_, PyAny>,
        n: usize,
        mode: &str,
        method: &str,
        dtype: &str,
    ) -> PyResult<Self> {
        let mode: Mode = mode.parse().map_err(conv_error)?;
        let method: Method = method.parse().map_err(conv_error)?;
        by_name!(dtype, T => build_convolver::<T>(kernel, n, mode, method))?
    }

    /// The concrete method the plan runs: `direct`, `fft` or `overlap-add`.
    #[getter]
    fn method(&self) -> String {
        self.method.to_string()
    }

    #[getter]
    fn signal_len(&self) -> usize {
        self.signal_len
    }

    #[getter]
    fn output_len(&self) -> usize {
        self.output_len
    }

    /// Convolves `x` (a 1-D array of the plan's dtype and length) into `out` (a contiguous
    /// array of the plan's dtype and output length, written in place and returned) or into a
    /// new array.
    #[pyo3(signature = (x, out=None))]
    fn __call__<'py>(
        &self,
        x: &Bound<'py, PyAny>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        each!(&self.typed, T, m => {
            let o = output::<T>(py, out, self.output_len)?;
            {
                let mut w = o.try_readwrite()?;
                let os = w.as_slice_mut()?;
                read::<T, _>(x, |xs| lock(m).process_into(xs, os).map_err(conv_error))?;
            }
            Ok(o.into_any())
        })
    }
}

/// The compiled plan of `convolve.StreamConvolver`.
#[pyclass(frozen, module = "convolve._core", name = "StreamConvolver")]
pub(crate) struct StreamConvolver {
    typed: Typed<Stream>,
}

fn build_stream<T: Native + Wrap>(
    kernel: &Bound<'_, PyAny>,
    block: usize,
    capacity: Option<usize>,
    workers: usize,
) -> PyResult<StreamConvolver> {
    let plan = read::<T, _>(kernel, |k| {
        let b = convolve::StreamBuilder::new(block).worker_threads(workers);
        let b = match capacity {
            Some(c) => b.capacity(c),
            None => b,
        };
        b.build(k).map_err(conv_error)
    })?;
    Ok(StreamConvolver {
        typed: T::wrap::<Stream>(plan),
    })
}

#[pymethods]
impl StreamConvolver {
    /// `capacity`: the longest kernel `set_kernel` takes (the kernel's length by default);
    /// `worker_threads`: background threads for the long partitions (0: none).
    #[new]
    #[pyo3(signature = (kernel, block, dtype, capacity=None, worker_threads=0))]
    fn new(
        kernel: &Bound<'_, PyAny>,
        block: usize,
        dtype: &str,
        capacity: Option<usize>,
        worker_threads: usize,
    ) -> PyResult<Self> {
        by_name!(dtype, T => build_stream::<T>(kernel, block, capacity, worker_threads))?
    }

    /// Samples of delay between input and output (0: the output answers every input sample
    /// in the same call).
    #[getter]
    fn latency(&self) -> usize {
        each!(&self.typed, T, m => lock(m).latency())
    }

    /// Samples `flush` returns after the last input to complete the full convolution.
    #[getter]
    fn tail_len(&self) -> usize {
        each!(&self.typed, T, m => lock(m).tail_len())
    }

    /// The next `len(x)` output samples, into `out` or a new array.
    #[pyo3(signature = (x, out=None))]
    fn process<'py>(
        &self,
        x: &Bound<'py, PyAny>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        each!(&self.typed, T, m => {
            let len = x.cast::<PyArray1<T>>().map_err(|_| mismatch("x", name_of::<T>()))?.len();
            let o = output::<T>(py, out, len)?;
            {
                let mut w = o.try_readwrite()?;
                let os = w.as_slice_mut()?;
                read::<T, _>(x, |xs| lock(m).process(xs, os).map_err(conv_error))?;
            }
            Ok(o.into_any())
        })
    }

    /// Feeds zeros for `tail_len` samples and returns what comes out: after the last input,
    /// the rest of the full convolution.
    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        each!(&self.typed, T, m => {
            let len = lock(m).tail_len();
            let o = zeros::<T>(py, len)?;
            {
                let mut w = o.try_readwrite()?;
                let os = w.as_slice_mut()?;
                py.detach(|| lock(m).flush(os)).map_err(conv_error)?;
            }
            Ok(o.into_any())
        })
    }

    /// Forgets the past input: the next call starts as a fresh convolver.
    fn reset(&self, py: Python<'_>) {
        each!(&self.typed, T, m => py.detach(|| lock(m).reset()))
    }

    /// Replaces the kernel (of the plan's dtype and at most its original length).
    fn set_kernel(&self, kernel: &Bound<'_, PyAny>) -> PyResult<()> {
        each!(&self.typed, T, m => {
            read::<T, _>(kernel, |k| lock(m).set_kernel(k).map_err(conv_error))
        })
    }

    /// The current kernel's length.
    #[getter]
    fn kernel_len(&self) -> usize {
        each!(&self.typed, T, m => lock(m).kernel_len())
    }

    /// The longest kernel `set_kernel` takes.
    #[getter]
    fn capacity(&self) -> usize {
        each!(&self.typed, T, m => lock(m).capacity())
    }

    /// Samples consumed since construction or `reset` (flushed zeros included).
    #[getter]
    fn position(&self) -> usize {
        each!(&self.typed, T, m => lock(m).position())
    }

    /// An independent copy that continues exactly as this one would.
    fn copy(&self, py: Python<'_>) -> PyResult<Self> {
        let typed = each!(&self.typed, T, m => {
            let plan = py.detach(|| lock(m).try_clone()).map_err(conv_error)?;
            T::wrap::<Stream>(plan)
        });
        Ok(StreamConvolver { typed })
    }

    /// The kernel and the signal history as bytes, for `set_state` (pickling).
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes =
            each!(&self.typed, T, m => py.detach(|| lock(m).save_state())).map_err(conv_error)?;
        state_bytes(py, &bytes)
    }

    /// Restores `state()` of a convolver of the same dtype, block and capacity; `ValueError`
    /// for any other bytes, leaving this one unchanged.
    fn set_state(&self, state: &Bound<'_, PyBytes>) -> PyResult<()> {
        let py = state.py();
        let bytes = state.as_bytes();
        each!(&self.typed, T, m => py.detach(|| lock(m).load_state(bytes)).map_err(conv_error))
    }
}
