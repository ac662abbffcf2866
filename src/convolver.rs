//! A reusable convolver: one kernel applied to many signals of one length.
//!
//! Everything that depends only on the kernel, the signal length and the mode is done once in
//! the constructor: the method choice, the transform plans, the kernel's spectrum and the
//! working buffers. Each call then costs one
//! forward and one inverse transform per block (the one-shot functions pay a third for the
//! kernel) and allocates nothing.

use crate::alloc::try_zeroed;
use crate::element::Element;
use crate::engine::{reversed_conj, transform_applies, transform_slice};
use crate::error::ConvError;
use crate::fft::{self, SpectralKernel};
use crate::method::{Algorithm, Method};
use crate::mode::Mode;
use crate::mode::{Op, kept_range};
use crate::strategy::{self, Problem};

/// A convolver for convolving (or correlating) signals of one length with one kernel.
///
/// Built once from the kernel, the signal length, the mode and the method, it keeps the
/// kernel's spectrum, the FFT plans and all scratch space, so [`Convolver::process_into`]
/// performs no heap allocation. Results are those of [`crate::convolve_with`] (or
/// [`crate::correlate_with`] for a convolver from [`Convolver::new_correlation`]) with the signal
/// as `a` and the kernel as `v`, numpy's semantics included.
///
/// ```
/// use convolve::{Convolver, Method, Mode};
/// let kernel = [0.25, 0.5, 0.25];
/// let mut conv = Convolver::new(&kernel, 4, Mode::Same, Method::Auto)?;
/// let mut out = vec![0.0; conv.output_len()];
/// for signal in [[1.0, 0.0, 0.0, 0.0], [0.0, 4.0, 4.0, 0.0]] {
///     conv.process_into(&signal, &mut out)?;
///     assert_eq!(out, convolve::convolve(&signal, &kernel, Mode::Same)?);
/// }
/// assert_eq!(conv.process(&[4.0, 4.0, 4.0, 4.0])?, vec![3.0, 4.0, 4.0, 3.0]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// Allocation: none per call for floating-point and complex types. For `i32`/`i64` a call whose
/// data is too large for the convolver's `f64` transform to be provably exact computes the exact
/// result by the limb-split transform or the direct sum instead, as the free functions do, and
/// that path allocates.
pub struct Convolver<T: Element> {
    /// The operand as the product uses it: the kernel, or its conjugated reverse for a
    /// correlation.
    kernel: Vec<T>,
    signal_len: usize,
    /// The kept outputs are `lo .. lo + out_len` of the full product.
    lo: usize,
    out_len: usize,
    /// Never `Auto`: resolved at construction.
    method: Algorithm,
    /// The kernel's spectrum, for `Fft` and `OverlapAdd`.
    transform: Option<SpectralKernel<T>>,
}

impl<T: Element> Convolver<T> {
    /// A convolver for `convolve_with(signal, kernel, mode, method)` on signals of `signal_len`
    /// samples.
    ///
    /// `Method::Auto` is resolved here from the lengths. `Method::OverlapAdd` with a kernel
    /// longer than the signal runs as `Method::Fft` (the blocks would be cut from the kernel,
    /// whose spectrum is the part a convolver keeps).
    ///
    /// # Errors
    /// [`ConvError::EmptyInput`] for an empty kernel or a zero `signal_len`,
    /// [`ConvError::LengthOverflow`] or [`ConvError::Allocation`] when the buffers cannot exist.
    pub fn new(
        kernel: &[T],
        signal_len: usize,
        mode: Mode,
        method: Method,
    ) -> Result<Self, ConvError> {
        let (lo, out_len) = kept_range(signal_len, kernel.len(), mode, Op::Convolve)?;
        let mut owned = try_zeroed(kernel.len())?;
        owned.copy_from_slice(kernel);
        Self::build(owned, signal_len, lo, out_len, method)
    }

    /// A convolver for `correlate_with(signal, kernel, mode, method)` on signals of `signal_len`
    /// samples: `c[k] = Σ_n signal[n + k] · conj(kernel[n])`, numpy's cropping included.
    ///
    /// ```
    /// use convolve::{Convolver, Method, Mode};
    /// let mut conv = Convolver::new_correlation(&[3, 4, 2], 2, Mode::Valid, Method::Fft)?;
    /// assert_eq!(conv.process(&[1, 5])?, convolve::correlate(&[1, 5], &[3, 4, 2], Mode::Valid)?);
    /// # Ok::<(), convolve::ConvError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Convolver::new`].
    pub fn new_correlation(
        kernel: &[T],
        signal_len: usize,
        mode: Mode,
        method: Method,
    ) -> Result<Self, ConvError> {
        let (lo, out_len) = kept_range(signal_len, kernel.len(), mode, Op::Correlate)?;
        Self::build(reversed_conj(kernel)?, signal_len, lo, out_len, method)
    }

    fn build(
        kernel: Vec<T>,
        signal_len: usize,
        lo: usize,
        out_len: usize,
        method: Method,
    ) -> Result<Self, ConvError> {
        let m = kernel.len();
        let (long, short) = (signal_len.max(m), signal_len.min(m));
        let method = method.fixed().unwrap_or_else(|| {
            strategy::select_for_lengths(Problem::new(T::KIND, long, short, lo, out_len))
        });
        // After resolving Auto too: the blocks would be cut from the kernel.
        let method = if method == Algorithm::OverlapAdd && m > signal_len {
            Algorithm::Fft
        } else {
            method
        };
        let transform_len = match method {
            Algorithm::Fft => Some(fft::cyclic_len(long, short, lo, lo + out_len)?),
            Algorithm::OverlapAdd => Some(strategy::block_len(T::KIND, long, short)),
            Algorithm::Direct => None,
        };
        let transform = transform_len
            .map(|len| SpectralKernel::new(&kernel, fft::scan(&kernel), len))
            .transpose()?;
        Ok(Convolver {
            kernel,
            signal_len,
            lo,
            out_len,
            method,
            transform,
        })
    }

    /// The method this convolver runs (never `Auto`).
    pub fn method(&self) -> Method {
        self.method.into()
    }

    /// The signal length the convolver was built for.
    pub fn signal_len(&self) -> usize {
        self.signal_len
    }

    /// The length of every result: [`crate::output_len`] of the signal and kernel lengths.
    pub fn output_len(&self) -> usize {
        self.out_len
    }

    /// The result for `signal`, in a new vector.
    ///
    /// # Errors
    /// [`ConvError::InputLength`] when `signal` does not have the convolver's length,
    /// [`ConvError::Allocation`] when the result cannot be allocated.
    pub fn process(&mut self, signal: &[T]) -> Result<Vec<T>, ConvError> {
        let mut out = try_zeroed(self.out_len)?;
        self.process_into(signal, &mut out)?;
        Ok(out)
    }

    /// The result for `signal`, written to `out`; no heap allocation (see the type's docs for
    /// the one integer exception).
    ///
    /// # Errors
    /// [`ConvError::InputLength`] when `signal` does not have the convolver's length,
    /// [`ConvError::OutputLength`] when `out` does not have [`Convolver::output_len`] elements.
    pub fn process_into(&mut self, signal: &[T], out: &mut [T]) -> Result<(), ConvError> {
        if signal.len() != self.signal_len {
            return Err(ConvError::InputLength {
                expected: self.signal_len,
                got: signal.len(),
            });
        }
        if out.len() != self.out_len {
            return Err(ConvError::OutputLength {
                expected: self.out_len,
                got: out.len(),
            });
        }
        let (kernel, lo) = (&self.kernel[..], self.lo);
        let (long, short) = if signal.len() >= kernel.len() {
            (signal, kernel)
        } else {
            (kernel, signal)
        };
        let Some(transform) = self.transform.as_mut() else {
            T::direct(long, short, lo, out);
            return Ok(());
        };
        let signal_scan = fft::scan(signal);
        let scans = [signal_scan, transform.kernel_scan()];
        if transform_applies(long, short, scans, lo, out, transform.len())? {
            transform_slice(transform, self.method, signal, signal_scan, kernel, lo, out);
        }
        Ok(())
    }
}
