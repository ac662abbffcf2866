//! numpy's numeric dtypes as the tool reads and writes them, and numpy's promotion rule
//! (`np.result_type`) that decides the dtype of a result.

use std::fmt;

/// A numeric numpy dtype (the ones `numpy.convolve` accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `bool`, one byte, 0 or 1.
    Bool,
    /// Signed integer of this many bytes (1, 2, 4, 8).
    Int(u8),
    /// Unsigned integer of this many bytes (1, 2, 4, 8).
    Uint(u8),
    /// IEEE float of this many bytes (2, 4, 8).
    Float(u8),
    /// Complex of this many bytes in all (8: two float32, 16: two float64).
    Complex(u8),
}

/// How a result of a dtype is computed: the element type the library runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arithmetic {
    /// Exactly in `i64`, wrapping as numpy's fixed-width integers do.
    Integer,
    /// In floating point.
    Real,
    /// In complex floating point.
    Complex,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool => 1,
            Dtype::Int(b) | Dtype::Uint(b) | Dtype::Float(b) | Dtype::Complex(b) => usize::from(b),
        }
    }

    /// The arithmetic a result of this dtype needs.
    pub fn arithmetic(self) -> Arithmetic {
        match self {
            Dtype::Bool | Dtype::Int(_) | Dtype::Uint(_) => Arithmetic::Integer,
            Dtype::Float(_) => Arithmetic::Real,
            Dtype::Complex(_) => Arithmetic::Complex,
        }
    }

    /// Parses a `.npy` `descr` such as `'<f8'`, `'|u1'`, `'>i4'`, `'<c16'`, `'|b1'`; returns the
    /// dtype and whether its bytes are big-endian. `None` for anything else.
    pub fn from_descr(descr: &str) -> Option<(Dtype, bool)> {
        let mut chars = descr.chars();
        let order = chars.next()?;
        let big = match order {
            '<' | '|' | '=' => cfg!(target_endian = "big") && order == '=',
            '>' => true,
            _ => return None,
        };
        let kind = chars.next()?;
        let bytes: u8 = chars.as_str().parse().ok()?;
        let dtype = match (kind, bytes) {
            ('b', 1) | ('?', 1) => Dtype::Bool,
            ('i', 1 | 2 | 4 | 8) => Dtype::Int(bytes),
            ('u', 1 | 2 | 4 | 8) => Dtype::Uint(bytes),
            ('f', 2 | 4 | 8) => Dtype::Float(bytes),
            ('c', 8 | 16) => Dtype::Complex(bytes),
            _ => return None,
        };
        Some((dtype, big && dtype.size() > 1))
    }

    /// The little-endian `descr` numpy writes for this dtype.
    pub fn descr(self) -> String {
        match self {
            Dtype::Bool => "|b1".to_string(),
            Dtype::Int(1) => "|i1".to_string(),
            Dtype::Uint(1) => "|u1".to_string(),
            Dtype::Int(b) => format!("<i{b}"),
            Dtype::Uint(b) => format!("<u{b}"),
            Dtype::Float(b) => format!("<f{b}"),
            Dtype::Complex(b) => format!("<c{b}"),
        }
    }

    /// numpy's `np.promote_types(self, other)` for these dtypes: the smallest dtype that holds
    /// every value of both (int64 with uint64 is float64, as in numpy).
    pub fn promote(self, other: Dtype) -> Dtype {
        use Dtype::{Bool, Complex, Float, Int, Uint};
        // The smallest float that holds every value of an integer dtype.
        let float_for = |bytes: u8| match bytes {
            1 => 2,
            2 => 4,
            _ => 8,
        };
        match (self, other) {
            (Bool, x) | (x, Bool) => x,
            (Int(a), Int(b)) => Int(a.max(b)),
            (Uint(a), Uint(b)) => Uint(a.max(b)),
            (Int(s), Uint(u)) | (Uint(u), Int(s)) => {
                if s > u {
                    Int(s)
                } else if u < 8 {
                    Int(2 * u)
                } else {
                    Float(8)
                }
            }
            (Float(f), Int(i) | Uint(i)) | (Int(i) | Uint(i), Float(f)) => {
                Float(f.max(float_for(i)))
            }
            (Float(a), Float(b)) => Float(a.max(b)),
            (Complex(c), Float(f)) | (Float(f), Complex(c)) => Complex(c.max(2 * f.max(4))),
            (Complex(c), Int(i) | Uint(i)) | (Int(i) | Uint(i), Complex(c)) => {
                Complex(c.max(2 * float_for(i).max(4)))
            }
            (Complex(a), Complex(b)) => Complex(a.max(b)),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dtype::Bool => write!(f, "bool"),
            Dtype::Int(b) => write!(f, "int{}", 8 * b),
            Dtype::Uint(b) => write!(f, "uint{}", 8 * b),
            Dtype::Float(b) => write!(f, "float{}", 8 * b),
            Dtype::Complex(b) => write!(f, "complex{}", 8 * b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dtype::{self, Bool, Complex, Float, Int, Uint};

    /// Spot checks against `np.promote_types` (numpy 2.x).
    #[test]
    fn promotion_matches_numpy() {
        let cases: [(Dtype, Dtype, Dtype); 14] = [
            (Bool, Bool, Bool),
            (Bool, Int(1), Int(1)),
            (Int(1), Uint(1), Int(2)),
            (Int(4), Uint(4), Int(8)),
            (Int(8), Uint(8), Float(8)),
            (Int(8), Uint(4), Int(8)),
            (Uint(2), Uint(8), Uint(8)),
            (Float(2), Int(1), Float(2)),
            (Float(2), Int(2), Float(4)),
            (Float(4), Int(4), Float(8)),
            (Float(4), Float(2), Float(4)),
            (Complex(8), Float(8), Complex(16)),
            (Complex(8), Int(2), Complex(8)),
            (Complex(8), Uint(4), Complex(16)),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.promote(b), want, "{a} with {b}");
            assert_eq!(b.promote(a), want, "{b} with {a}");
        }
    }

    #[test]
    fn descr_round_trips() {
        for d in [
            Bool,
            Int(1),
            Int(2),
            Int(4),
            Int(8),
            Uint(1),
            Uint(2),
            Uint(4),
            Uint(8),
            Float(2),
            Float(4),
            Float(8),
            Complex(8),
            Complex(16),
        ] {
            assert_eq!(Dtype::from_descr(&d.descr()), Some((d, false)), "{d}");
        }
        assert_eq!(Dtype::from_descr(">f8"), Some((Float(8), true)));
        assert_eq!(Dtype::from_descr("|O"), None);
        assert_eq!(Dtype::from_descr("<U3"), None);
    }
}
