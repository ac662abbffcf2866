//! The two element types the tool computes in (`--dtype f32|f64`).

use std::fmt::Display;
use std::ops::{Add, Mul};

use convolve::Element;

/// A real floating-point element: what every format is read into and written from.
pub trait Real:
    Element + Copy + Default + PartialOrd + Display + Add<Output = Self> + Mul<Output = Self>
{
    /// Rounds to this type.
    fn from_f64(x: f64) -> Self;
    /// Exact conversion from `f32`.
    fn from_f32(x: f32) -> Self;
    /// Exact widening to `f64`.
    fn to_f64(self) -> f64;
    /// `self` rounded to `f32`.
    fn to_f32(self) -> f32;
}

impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn from_f32(x: f32) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn to_f32(self) -> f32 {
        self
    }
}

impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn from_f32(x: f32) -> Self {
        f64::from(x)
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
}
