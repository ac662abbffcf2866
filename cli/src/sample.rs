//! The element types the tool computes in: `f32`/`f64` (real data, `--dtype`), `i64` (every
//! integer and bool dtype, exact with numpy's wrap-around) and complex `f32`/`f64`.

use std::io::{self, Write};
use std::ops::{Add, Mul};

use convolve::Element;
use convolve::num_complex::Complex;

/// An element every format is read into and written from.
pub trait Sample:
    Element + Copy + Default + Send + Sync + Add<Output = Self> + Mul<Output = Self> + 'static
{
    /// Whether this is the exact integer type (`i64`).
    const INTEGER: bool;
    /// Rounds (or, for `i64`, truncates) to this type.
    fn from_f64(x: f64) -> Self;
    /// Converts; `i64` keeps it exactly, floats round.
    fn from_i64(x: i64) -> Self;
    /// From a complex value; real types keep the real part (only complex data carries an
    /// imaginary part, and complex data is computed in a complex type).
    fn from_complex(re: f64, im: f64) -> Self;
    /// The real part as `f64`.
    fn to_f64(self) -> f64;
    /// The value as numpy's `astype(int64)` would give it (integers wrap exactly).
    fn to_i64(self) -> i64;
    /// Real and imaginary parts.
    fn to_complex(self) -> (f64, f64);
    /// `|x|`, for peak normalization.
    fn magnitude(self) -> f64;
    /// `x * s`.
    fn scaled(self, s: f64) -> Self;
    /// `self + other`, wrapping for `i64` as numpy's integers do.
    fn plus(self, other: Self) -> Self {
        self + other
    }
    /// Writes the value as text that reads back to the same number.
    fn write_text(self, w: &mut dyn Write) -> io::Result<()>;
}

impl Sample for f32 {
    const INTEGER: bool = false;
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn from_i64(x: i64) -> Self {
        x as f32
    }
    fn from_complex(re: f64, _: f64) -> Self {
        re as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn to_complex(self) -> (f64, f64) {
        (f64::from(self), 0.0)
    }
    fn magnitude(self) -> f64 {
        f64::from(self.abs())
    }
    fn scaled(self, s: f64) -> Self {
        (f64::from(self) * s) as f32
    }
    fn write_text(self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{self}")
    }
}

impl Sample for f64 {
    const INTEGER: bool = false;
    fn from_f64(x: f64) -> Self {
        x
    }
    fn from_i64(x: i64) -> Self {
        x as f64
    }
    fn from_complex(re: f64, _: f64) -> Self {
        re
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn to_complex(self) -> (f64, f64) {
        (self, 0.0)
    }
    fn magnitude(self) -> f64 {
        self.abs()
    }
    fn scaled(self, s: f64) -> Self {
        self * s
    }
    fn write_text(self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{self}")
    }
}

impl Sample for i64 {
    const INTEGER: bool = true;
    fn from_f64(x: f64) -> Self {
        x as i64
    }
    fn from_i64(x: i64) -> Self {
        x
    }
    fn from_complex(re: f64, _: f64) -> Self {
        re as i64
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn to_i64(self) -> i64 {
        self
    }
    fn to_complex(self) -> (f64, f64) {
        (self as f64, 0.0)
    }
    fn magnitude(self) -> f64 {
        (self as f64).abs()
    }
    fn scaled(self, s: f64) -> Self {
        (self as f64 * s) as i64
    }
    fn plus(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
    fn write_text(self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{self}")
    }
}

macro_rules! complex_sample {
    ($f:ty) => {
        impl Sample for Complex<$f> {
            const INTEGER: bool = false;
            fn from_f64(x: f64) -> Self {
                Complex::new(x as $f, 0.0)
            }
            fn from_i64(x: i64) -> Self {
                Complex::new(x as $f, 0.0)
            }
            fn from_complex(re: f64, im: f64) -> Self {
                Complex::new(re as $f, im as $f)
            }
            fn to_f64(self) -> f64 {
                f64::from(self.re)
            }
            fn to_i64(self) -> i64 {
                self.re as i64
            }
            fn to_complex(self) -> (f64, f64) {
                (f64::from(self.re), f64::from(self.im))
            }
            fn magnitude(self) -> f64 {
                f64::from(self.re).hypot(f64::from(self.im))
            }
            fn scaled(self, s: f64) -> Self {
                Complex::new(
                    (f64::from(self.re) * s) as $f,
                    (f64::from(self.im) * s) as $f,
                )
            }
            // numpy's spelling, which `complex(...)` in Python and numpy.loadtxt read back.
            fn write_text(self, w: &mut dyn Write) -> io::Result<()> {
                let sign = if self.im.is_sign_negative() { "-" } else { "+" };
                write!(w, "({}{sign}{}j)", self.re, self.im.abs())
            }
        }
    };
}

complex_sample!(f32);
complex_sample!(f64);
