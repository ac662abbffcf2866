#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod convolver;
mod direct;
mod element;
mod error;
mod exact;
mod fft;
mod finite;
mod mode;
#[cfg(feature = "ndarray")]
pub mod nd;
mod overlap_add;
mod parallel;
mod strategy;
mod stream;

use std::mem::MaybeUninit;
use std::str::FromStr;

pub use num_complex;

pub use convolver::Convolver;
pub use element::Element;
pub use error::ConvError;
pub use mode::{Mode, output_len};
pub use strategy::{choose_method, choose_method_for};
pub use stream::{Head, Latency, Partitioning, StreamBuilder, StreamConvolver};

/// What the crate's own benchmarks time that the API does not offer; not part of the API.
#[doc(hidden)]
pub mod bench {
    pub use crate::fft::FftFloor;

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
        let mut out = crate::error::try_uninit(len)?;
        out.extend_from_slice(a);
        out.resize(len, T::default());
        Ok(out)
    }
}

use element::private::Scalar;
use error::try_zeroed;
use mode::{Op, kept_range};

/// How the result is computed. Every method returns the same values (up to floating-point
/// rounding; integers are exact with all of them).
///
/// ```
/// use convolve::{convolve_with, Method, Mode};
/// let a = [1.0f64, 2.0, 3.0, 4.0];
/// let v = [1.0, -1.0];
/// let d = convolve_with(&a, &v, Mode::Full, Method::Direct).unwrap();
/// let f = convolve_with(&a, &v, Mode::Full, Method::Fft).unwrap();
/// for (x, y) in d.iter().zip(&f) {
///     assert!((x - y).abs() < 1e-12);
/// }
/// assert_eq!("overlap-add".parse::<Method>().unwrap(), Method::OverlapAdd);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// Let the cost model pick one of the others (see [`choose_method`]).
    #[default]
    Auto,
    /// The O(n·m) sum, register-blocked and vectorized. Best for short kernels.
    Direct,
    /// One zero-padded FFT of each input. Best when both inputs are long.
    Fft,
    /// Blockwise FFT of the long input with the short one's spectrum computed once. Best for a
    /// long signal and a kernel of a few hundred taps or more.
    OverlapAdd,
}

impl FromStr for Method {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Method::Auto),
            "direct" => Ok(Method::Direct),
            "fft" => Ok(Method::Fft),
            "overlap-add" | "overlap_add" | "oa" => Ok(Method::OverlapAdd),
            _ => Err(ConvError::InvalidMethod { got: s.to_string() }),
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Auto => "auto",
            Method::Direct => "direct",
            Method::Fft => "fft",
            Method::OverlapAdd => "overlap-add",
        })
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
/// buffers (a plan that reuses them across calls is the allocation-free form).
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
    fft::release_pools();
    #[cfg(feature = "rayon")]
    rayon::broadcast(|_| fft::release_pools());
}

/// `conj(v[m-1]), …, conj(v[0])`: correlation is convolution with this.
fn reversed_conj<T: Scalar>(v: &[T]) -> Result<Vec<T>, ConvError> {
    let mut reversed = try_zeroed(v.len())?;
    for (r, &e) in reversed.iter_mut().zip(v.iter().rev()) {
        *r = e.conj();
    }
    Ok(reversed)
}

/// `out[k] = (a * v)[lo + k]`: the one computation every public function reduces to.
fn full_slice<T: Scalar>(
    a: &[T],
    v: &[T],
    lo: usize,
    out: &mut [T],
    method: Method,
) -> Result<(), ConvError> {
    Plan::new(a, v, lo, out.len(), method).run(lo, out)
}

/// [`full_slice`] into a new vector of `len` outputs. The direct kernel writes every output, so
/// its vector is never zeroed. The transform methods need initialized outputs: split problems
/// below [`error::FRESH_PAGES_BYTES`] zero each part on the thread that computes it, just
/// before computing it (zeroing the whole vector first would be a serial pass over memory);
/// the others take `calloc`'s zeroed memory, which costs nothing more for fresh pages.
fn full_vec<T: Scalar>(
    a: &[T],
    v: &[T],
    lo: usize,
    len: usize,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let plan = Plan::new(a, v, lo, len, method);
    let fresh = len.saturating_mul(std::mem::size_of::<T>()) >= error::FRESH_PAGES_BYTES;
    if plan.method != Method::Direct && (fresh || plan.chunk.is_none()) {
        let mut out = error::try_zeroed_output(len)?;
        plan.run(lo, &mut out)?;
        return Ok(out);
    }
    let mut out = error::try_uninit(len)?;
    plan.split(&mut out.spare_capacity_mut()[..len], |offset, part| {
        plan.compute_uninit(lo + offset, part)
    })?;
    // SAFETY: `compute_uninit` initialized every part of the first `len` elements.
    unsafe { out.set_len(len) };
    Ok(out)
}

/// How one problem is computed, decided once before it is split over threads.
struct Plan<'a, T: Scalar> {
    /// The longer input.
    x: &'a [T],
    /// The shorter input.
    y: &'a [T],
    /// The method `Auto` resolves to.
    method: Method,
    /// The output range length per thread when the problem is split.
    chunk: Option<usize>,
    /// The transform methods' [`fft::scan`]s of `x` and `y`, made once for all parts (split
    /// over threads too when the problem is), not once per part.
    scans: Option<[fft::Scan; 2]>,
}

impl<'a, T: Scalar> Plan<'a, T> {
    fn new(a: &'a [T], v: &'a [T], lo: usize, len: usize, method: Method) -> Self {
        // Convolution commutes: the longer input is the signal, the shorter the kernel.
        let (x, y) = if a.len() >= v.len() { (a, v) } else { (v, a) };
        let method = match method {
            Method::Auto => strategy::select(x, y, lo, len),
            fixed => fixed,
        };
        // Integers too wide for one exact transform take the limb split, which works on the
        // whole product: splitting the outputs would repeat it per range. Checked only for
        // problems large enough to split (it searches the block length and, for integers,
        // scans the data).
        let chunk = parallel::chunk_len(T::KIND, x.len(), y.len(), lo, len, method).filter(|_| {
            method != Method::OverlapAdd
                || T::fft_is_exact(x, y, strategy::block_len(T::KIND, x.len(), y.len()))
        });
        let scans = (method != Method::Direct).then(|| {
            let parallel = chunk.is_some() || joins(T::KIND, x.len(), y.len(), lo, len, method);
            [x, y].map(|v| fft::scan_split(v, parallel))
        });
        Plan {
            x,
            y,
            method,
            chunk,
            scans,
        }
    }

    /// `out[k] = (x * y)[lo + k]` for the planned range, split over threads if planned.
    fn run(&self, lo: usize, out: &mut [T]) -> Result<(), ConvError> {
        self.split(out, |offset, part| self.compute(lo + offset, part))
    }

    /// `f(offset, part)` on the planned parts of `out` in parallel, or on all of it.
    fn split<E: Send>(
        &self,
        out: &mut [E],
        f: impl Fn(usize, &mut [E]) -> Result<(), ConvError> + Sync,
    ) -> Result<(), ConvError> {
        match self.chunk {
            Some(chunk) => parallel::for_each_chunk(out, chunk, f),
            None => f(0, out),
        }
    }

    /// [`Plan::compute`] into outputs that need not be initialized, all of which it writes.
    fn compute_uninit(&self, lo: usize, out: &mut [MaybeUninit<T>]) -> Result<(), ConvError> {
        if self.method == Method::Direct {
            T::direct_uninit(self.x, self.y, lo, out);
            Ok(())
        } else {
            self.compute(lo, error::zero(out))
        }
    }

    /// `out[k] = (x * y)[lo + k]` on this thread, `lo .. lo + out.len()` inside the planned
    /// range.
    fn compute(&self, lo: usize, out: &mut [T]) -> Result<(), ConvError> {
        let (x, y, method) = (self.x, self.y, self.method);
        match method {
            Method::Direct | Method::Auto => {
                T::direct(x, y, lo, out);
                Ok(())
            }
            Method::Fft | Method::OverlapAdd => {
                let len = if method == Method::Fft {
                    fft::cyclic_len(x.len(), y.len(), lo, lo + out.len())?
                } else {
                    strategy::block_len(T::KIND, x.len(), y.len())
                };
                let [x_scan, y_scan] = self
                    .scans
                    .expect("Plan::new scans the operands of the transform methods");
                if !transform_applies(x, y, [x_scan, y_scan], lo, out, len)? {
                    return Ok(());
                }
                #[cfg(feature = "rayon")]
                if joins(T::KIND, x.len(), y.len(), lo, out.len(), method) {
                    fft::run_joined(x, x_scan, y, y_scan, len, lo, out)?;
                    add_nonfinite_products(x, y, [x_scan, y_scan], lo, out);
                    return Ok(());
                }
                let mut kernel = fft::SpectralKernel::new(y, y_scan, len)?;
                transform_slice(&mut kernel, method, x, x_scan, y, lo, out);
                Ok(())
            }
        }
    }
}

/// Whether the one-transform FFT method runs its forward transforms on two threads.
fn joins(kind: element::Kind, n: usize, m: usize, lo: usize, len: usize, method: Method) -> bool {
    #[cfg(feature = "rayon")]
    {
        method == Method::Fft && parallel::joins_transforms(kind, n, m, lo, len)
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = (kind, n, m, lo, len, method);
        false
    }
}

/// `out[k] = (signal * kernel)[lo + k]` through `transform`, the spectrum of `kernel`, by
/// `method` (`Fft`, or `OverlapAdd` with `signal` the longer input), non-finite samples'
/// products added back; [`transform_applies`] must have said yes. Allocates nothing.
fn transform_slice<T: Scalar>(
    transform: &mut fft::SpectralKernel<T>,
    method: Method,
    signal: &[T],
    signal_scan: fft::Scan,
    kernel: &[T],
    lo: usize,
    out: &mut [T],
) {
    if method == Method::OverlapAdd {
        overlap_add::run(transform, kernel.len(), signal, signal_scan, lo, out);
    } else {
        fft::run(transform, signal, signal_scan, lo, out);
    }
    add_nonfinite_products(
        signal,
        kernel,
        [signal_scan, transform.kernel_scan()],
        lo,
        out,
    );
}

/// Adds the products of non-finite samples, which the transforms took as zeros, when there are
/// any (`scans` those of `signal` and `kernel`).
fn add_nonfinite_products<T: Scalar>(
    signal: &[T],
    kernel: &[T],
    scans: [fft::Scan; 2],
    lo: usize,
    out: &mut [T],
) {
    if !(scans[0].finite && scans[1].finite) {
        finite::add_nonfinite_products(signal, kernel, lo, out);
    }
}

/// Whether a transform of length `len` can compute this product (`x` the longer input,
/// `scans` those of both inputs); when it cannot, computes the product exactly another way and
/// returns false: integers too wide for one exact `f64` transform take [`exact_fallback`],
/// floats so large that the transform's rounding error would overflow take the direct sum.
fn transform_applies<T: Scalar>(
    x: &[T],
    y: &[T],
    scans: [fft::Scan; 2],
    lo: usize,
    out: &mut [T],
    len: usize,
) -> Result<bool, ConvError> {
    if !T::fft_is_exact(x, y, len) {
        exact_fallback(x, y, lo, out)?;
        return Ok(false);
    }
    if !fft::error_stays_finite::<T>(scans[0], scans[1], len) {
        T::direct(x, y, lo, out);
        return Ok(false);
    }
    Ok(true)
}

/// Integers whose plain `f64` transform is not provably exact: the limb-split transform when
/// some limb width is, otherwise the exact direct sum.
fn exact_fallback<T: Scalar>(x: &[T], y: &[T], lo: usize, out: &mut [T]) -> Result<(), ConvError> {
    if !T::convolve_limbs(x, y, lo, out)? {
        T::direct(x, y, lo, out);
    }
    Ok(())
}
