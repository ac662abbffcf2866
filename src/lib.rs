#![doc = include_str!("../README.md")]
#![warn(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

mod alloc;
mod arith;
mod convolver;
mod direct;
mod element;
mod engine;
mod error;
mod exact;
mod fft;
mod finite;
mod interrupt;
mod method;
mod mode;
#[cfg(feature = "ndarray")]
pub mod nd;
mod overlap_add;
mod parallel;
mod profile;
mod simd;
mod strategy;
mod stream;
mod tune;

pub use num_complex;

pub use crate::convolver::Convolver;
pub use crate::element::Element;
pub use crate::error::ConvError;
pub use crate::interrupt::interruptible;
pub use crate::method::Method;
pub use crate::mode::{Mode, output_len};
pub use crate::profile::{Profile, Scales, cpu_name};
pub use crate::strategy::{choose_method, choose_method_for};
pub use crate::stream::{
    Head, Latency, Partitioning, PreparedKernel, StreamBuilder, StreamConvolver, StreamMatrix,
};
pub use crate::tune::{Effort, tune, tune_with};

use crate::engine::{full_slice, full_vec, reversed_conj};
use crate::mode::{Op, kept_range};

/// What the crate's own benchmarks time that the API does not offer; not part of the API.
#[doc(hidden)]
pub mod bench {
    pub use crate::fft::FftFloor;

    /// Writes the 1-D cost model's inputs for every point of the `methods` bench grid, one JSON
    /// object per line, for `scripts/fit_costs.py` (`cargo run --release --example
    /// model_inputs`).
    ///
    /// # Errors
    /// The writer's.
    pub fn model_inputs(out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::strategy::model_inputs(out)
    }

    /// Writes the N-D cost model's inputs and predictions for every point of the `auto_nd`
    /// and `auto_3d` groups of `benches/nd.rs`, one JSON object per line (`cargo run
    /// --release --features ndarray --example nd_model_inputs`).
    ///
    /// # Errors
    /// The writer's.
    #[cfg(feature = "ndarray")]
    pub fn nd_model_inputs(out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::nd::model_inputs::model_inputs(out)
    }

    pub use crate::direct::Isa;

    /// The full convolution of `x` and `y` into `out` (`x.len() + y.len() - 1` values) by the
    /// direct kernel built for `isa`, for the benchmarks that compare the instruction sets
    /// (`benches/methods.rs`, `direct_isa`; not part of the API). `Ok(false)` when this CPU
    /// cannot run `isa`.
    ///
    /// # Errors
    /// [`crate::ConvError::EmptyInput`] and [`crate::ConvError::OutputLength`].
    pub fn direct_isa<T: IsaElement>(
        isa: Isa,
        x: &[T],
        y: &[T],
        out: &mut [T],
    ) -> Result<bool, crate::ConvError> {
        let (x, y) = if x.len() >= y.len() { (x, y) } else { (y, x) };
        if y.is_empty() {
            return Err(crate::ConvError::EmptyInput { argument: "y" });
        }
        let expected = x.len() + y.len() - 1;
        if out.len() != expected {
            let got = out.len();
            return Err(crate::ConvError::OutputLength { expected, got });
        }
        Ok(T::direct_isa(isa, x, y, out))
    }

    /// `f32` and `f64`, the types [`direct_isa`] times.
    pub trait IsaElement: crate::Element {
        #[doc(hidden)]
        fn direct_isa(isa: Isa, x: &[Self], y: &[Self], out: &mut [Self]) -> bool;
    }

    impl IsaElement for f32 {
        fn direct_isa(isa: Isa, x: &[f32], y: &[f32], out: &mut [f32]) -> bool {
            crate::direct::f32_fma(isa, x, y, out)
        }
    }

    impl IsaElement for f64 {
        fn direct_isa(isa: Isa, x: &[f64], y: &[f64], out: &mut [f64]) -> bool {
            crate::direct::f64_fma(isa, x, y, out)
        }
    }

    /// How [`direct_2d`] sums: the N-D row-pair kernel every element type runs, or the
    /// register-blocked 2-D kernel of `f32`/`f64` built for an instruction set.
    #[cfg(feature = "ndarray")]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Direct2d {
        /// `nd/direct.rs`: one output row at a time, from its row pairs.
        RowPairs,
        /// `nd/blocked.rs`, tiles of outputs in registers.
        Blocked(Isa),
    }

    /// The `same` box of the 2-D convolution of `x` (shape `xs`) with `y` (shape `ys`) into
    /// `out` (`xs[0] · xs[1]` values) on this thread by the direct kernel `how`, for the
    /// benchmarks that compare the 2-D direct kernels (`benches/nd.rs`, `direct_2d`; not part
    /// of the API). `Ok(false)` when this CPU cannot run it.
    ///
    /// # Errors
    /// [`crate::ConvError::KernelLength`] when `y` is empty or larger than the blocked kernel's
    /// bound on an axis; [`crate::ConvError::InputLength`] and
    /// [`crate::ConvError::OutputLength`] when a length disagrees with its shape.
    #[cfg(feature = "ndarray")]
    pub fn direct_2d<T: IsaElement>(
        how: Direct2d,
        x: &[T],
        xs: [usize; 2],
        y: &[T],
        ys: [usize; 2],
        out: &mut [T],
    ) -> Result<bool, crate::ConvError> {
        let bound = crate::nd::blocked::MAX_TAPS;
        let got = ys[0].max(ys[1]);
        if got > bound || ys.contains(&0) {
            return Err(crate::ConvError::KernelLength {
                capacity: bound,
                got,
            });
        }
        for (len, shape) in [(x.len(), xs), (y.len(), ys)] {
            if len != shape[0] * shape[1] {
                let expected = shape[0] * shape[1];
                return Err(crate::ConvError::InputLength { expected, got: len });
            }
        }
        if out.len() != x.len() {
            let (expected, got) = (x.len(), out.len());
            return Err(crate::ConvError::OutputLength { expected, got });
        }
        let isa = match how {
            Direct2d::RowPairs => None,
            Direct2d::Blocked(isa) => Some(isa),
        };
        Ok(crate::nd::blocked::same_2d(isa, x, xs, y, ys, out))
    }

    /// The memory floor of any convolution that returns a new vector of `len >= a.len()`
    /// outputs, for the benchmarks (not part of the API): a vector allocated as the results
    /// are (fresh pages of a large one zeroed by the OS on first touch), `a` copied into it
    /// and the rest zeroed, so one read of the input and one write of every output.
    /// `benches/methods.rs` (`memory_floor`) times it next to a short-kernel convolution.
    ///
    /// # Errors
    /// [`crate::ConvError::Allocation`] when the vector cannot be allocated.
    pub fn copy_floor<T: crate::Element>(a: &[T], len: usize) -> Result<Vec<T>, crate::ConvError> {
        let len = len.max(a.len());
        let mut out = crate::alloc::try_uninit(len)?;
        out.extend_from_slice(a);
        out.resize(len, T::default());
        Ok(out)
    }
}

/// Discrete linear convolution of `a` and `v`, as `numpy.convolve(a, v, mode)`.
///
/// ```
/// use convolve::{convolve, Mode};
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Full).unwrap(), vec![3, 19, 22, 10]);
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Same).unwrap(), vec![3, 19, 22]);
/// assert_eq!(convolve(&[1, 5], &[3, 4, 2], Mode::Valid).unwrap(), vec![19, 22]);
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] when either input is empty, [`ConvError::LengthOverflow`] or
/// [`ConvError::Allocation`] when the result cannot exist in memory.
pub fn convolve<T: Element>(a: &[T], v: &[T], mode: Mode) -> Result<Vec<T>, ConvError> {
    convolve_with(a, v, mode, Method::Auto)
}

/// Cross-correlation of `a` and `v`, as `numpy.correlate(a, v, mode)`:
/// `c[k] = Σ_n a[n + k] · conj(v[n])`, with numpy's cropping for `Same` and `Valid` and its
/// reversed result when `a` is shorter than `v`.
///
/// ```
/// use convolve::{correlate, Mode};
/// assert_eq!(correlate(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Valid).unwrap(), vec![3.5]);
/// assert_eq!(
///     correlate(&[1.0, 2.0, 3.0], &[0.0, 1.0, 0.5], Mode::Full).unwrap(),
///     vec![0.5, 2.0, 3.5, 3.0, 0.0]
/// );
/// ```
///
/// # Errors
/// As [`convolve`].
pub fn correlate<T: Element>(a: &[T], v: &[T], mode: Mode) -> Result<Vec<T>, ConvError> {
    correlate_with(a, v, mode, Method::Auto)
}

/// [`convolve`] with a chosen [`Method`].
///
/// `Method::Fft` and `Method::OverlapAdd` on integers whose result the `f64` transform cannot
/// be proven to round exactly split the inputs into narrower limbs whose products can (see the
/// crate docs), and use the direct sum only when no limb width is provably exact: the result is
/// always exact.
///
/// # Errors
/// As [`convolve`].
pub fn convolve_with<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Convolve)?;
    full_vec(a, v, lo, len, method)
}

/// [`correlate`] with a chosen [`Method`].
///
/// # Errors
/// As [`convolve`].
pub fn correlate_with<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Correlate)?;
    full_vec(a, &reversed_conj(v)?, lo, len, method)
}

/// [`convolve_with`] into a caller's buffer of exactly [`output_len`] elements.
///
/// The result itself is not allocated; the transform methods still allocate their working
/// buffers (a [`Convolver`] that reuses them across calls is the allocation-free form).
///
/// ```
/// use convolve::{convolve_into, output_len, Method, Mode};
/// let (a, v) = ([1.0, 5.0], [3.0, 4.0, 2.0]);
/// let mut out = vec![0.0; output_len(a.len(), v.len(), Mode::Same)?];
/// convolve_into(&a, &v, Mode::Same, Method::Auto, &mut out)?;
/// assert_eq!(out, [3.0, 19.0, 22.0]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`], and [`ConvError::OutputLength`] when `out` has the wrong length.
pub fn convolve_into<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
    out: &mut [T],
) -> Result<(), ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Convolve)?;
    check_out_len(len, out)?;
    full_slice(a, v, lo, out, method)
}

/// [`correlate_with`] into a caller's buffer of exactly [`output_len`] elements.
///
/// ```
/// use convolve::{correlate_into, Method, Mode};
/// let mut out = [0; 2];
/// correlate_into(&[1, 5], &[3, 4, 2], Mode::Valid, Method::Auto, &mut out)?;
/// assert_eq!(out, [14, 23]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`convolve`], and [`ConvError::OutputLength`] when `out` has the wrong length.
pub fn correlate_into<T: Element>(
    a: &[T],
    v: &[T],
    mode: Mode,
    method: Method,
    out: &mut [T],
) -> Result<(), ConvError> {
    let (lo, len) = kept_range(a.len(), v.len(), mode, Op::Correlate)?;
    check_out_len(len, out)?;
    let reversed = reversed_conj(v)?;
    full_slice(a, &reversed, lo, out, method)
}

fn check_out_len<T>(expected: usize, out: &[T]) -> Result<(), ConvError> {
    if out.len() == expected {
        Ok(())
    } else {
        Err(ConvError::OutputLength {
            expected,
            got: out.len(),
        })
    }
}

/// Hands the transform buffers kept for reuse back to the allocator: the calling thread's and,
/// with the `rayon` feature, those of every thread of the current rayon pool (the global one
/// outside a pool).
///
/// The FFT methods keep their work buffers per thread for the next call, which saves the page
/// faults of fresh memory (a quarter of a 10^6 × 10^6 `f64` call): up to 16 MiB per thread and
/// float type in buffers of at most 4 MiB, and up to 256 MiB over the whole process in buffers
/// of up to 32 MiB. Call this after a burst of large transforms to return that memory.
///
/// ```
/// let big: Vec<f64> = (0..1 << 20).map(|i| (i % 7) as f64).collect();
/// let out = convolve::convolve(&big, &big, convolve::Mode::Full)?;
/// assert_eq!(out.len(), (2 << 20) - 1);
/// convolve::release_buffers();
/// # Ok::<(), convolve::ConvError>(())
/// ```
pub fn release_buffers() {
    crate::fft::release_pools();
    // (In a forked child the global pool has no threads to broadcast to, nor buffers.)
    #[cfg(feature = "rayon")]
    if crate::parallel::pool_alive() {
        rayon::broadcast(|_| crate::fft::release_pools());
    }
}

// The design notes' code examples compile and run as doctests (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../docs/METHODS.md")]
pub struct MethodsDoc;
#[cfg(doctest)]
#[doc = include_str!("../docs/EXACT_INTEGERS.md")]
pub struct ExactIntegersDoc;
#[cfg(doctest)]
#[doc = include_str!("../docs/NONFINITE.md")]
pub struct NonFiniteDoc;
#[cfg(doctest)]
#[doc = include_str!("../docs/ERRORS.md")]
pub struct ErrorsDoc;
#[cfg(doctest)]
#[doc = include_str!("../docs/STREAMING.md")]
pub struct StreamingDoc;
#[cfg(all(doctest, feature = "ndarray"))]
#[doc = include_str!("../docs/ND.md")]
pub struct NdDoc;
