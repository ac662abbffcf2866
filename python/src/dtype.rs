//! The element types the crate computes in, and the dispatch from a numpy array to one of them.

use convolve::num_complex::Complex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// numpy names of the crate's element types, in the order the dispatch tries them.
pub(crate) const NATIVE: [&str; 6] = [
    "float64",
    "float32",
    "complex128",
    "complex64",
    "int64",
    "int32",
];

/// An element type both the crate and rust-numpy know.
pub(crate) trait Native: convolve::Element + numpy::Element + Send + Sync {}
impl<T: convolve::Element + numpy::Element + Send + Sync> Native for T {}

/// Runs `$body` with `$t` bound to the element type of the array `$probe`, whose array type
/// is `$arr<$t>`; evaluates `$none` when it is none of them.
macro_rules! dispatch {
    ($probe:expr, $arr:ident, $t:ident => $body:expr, else $none:expr) => {{
        use ::convolve::num_complex::Complex;
        if $probe.cast::<$arr<f64>>().is_ok() {
            type $t = f64;
            $body
        } else if $probe.cast::<$arr<f32>>().is_ok() {
            type $t = f32;
            $body
        } else if $probe.cast::<$arr<Complex<f64>>>().is_ok() {
            type $t = Complex<f64>;
            $body
        } else if $probe.cast::<$arr<Complex<f32>>>().is_ok() {
            type $t = Complex<f32>;
            $body
        } else if $probe.cast::<$arr<i64>>().is_ok() {
            type $t = i64;
            $body
        } else if $probe.cast::<$arr<i32>>().is_ok() {
            type $t = i32;
            $body
        } else {
            $none
        }
    }};
}
pub(crate) use dispatch;

/// Runs `$body` with `$t` bound to the type named by the numpy dtype name `$name`.
macro_rules! by_name {
    ($name:expr, $t:ident => $body:expr) => {{
        use ::convolve::num_complex::Complex;
        match $name {
            "float64" => {
                type $t = f64;
                Ok($body)
            }
            "float32" => {
                type $t = f32;
                Ok($body)
            }
            "complex128" => {
                type $t = Complex<f64>;
                Ok($body)
            }
            "complex64" => {
                type $t = Complex<f32>;
                Ok($body)
            }
            "int64" => {
                type $t = i64;
                Ok($body)
            }
            "int32" => {
                type $t = i32;
                Ok($body)
            }
            other => Err($crate::dtype::unsupported(other)),
        }
    }};
}
pub(crate) use by_name;

pub(crate) fn unsupported(name: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "dtype {name} is not one of the computed types {}",
        NATIVE.join(", ")
    ))
}

/// The error for an argument that is not an array of the expected element type.
pub(crate) fn mismatch(what: &str, want: &str) -> PyErr {
    PyTypeError::new_err(format!("{what} must be a numpy array of dtype {want}"))
}

/// The numpy name of a native type, for messages.
pub(crate) fn name_of<T: 'static>() -> &'static str {
    use std::any::TypeId;
    let id = TypeId::of::<T>();
    if id == TypeId::of::<f64>() {
        "float64"
    } else if id == TypeId::of::<f32>() {
        "float32"
    } else if id == TypeId::of::<Complex<f64>>() {
        "complex128"
    } else if id == TypeId::of::<Complex<f32>>() {
        "complex64"
    } else if id == TypeId::of::<i64>() {
        "int64"
    } else {
        "int32"
    }
}
