//! One call, start to end: order the operands, resolve the method, split the outputs over
//! threads, run the chosen algorithm on each part, and keep what the mode keeps. Every public
//! 1-D function reduces to [`full_slice`] or [`full_vec`].

use std::mem::MaybeUninit;

use crate::alloc::{FRESH_PAGES_BYTES, try_uninit, try_zeroed, try_zeroed_output, zero};
use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::fft::{self, OperandStats};
use crate::interrupt::{PIECE_NS, Stop};
use crate::method::{Algorithm, Method};
use crate::strategy::{self, Problem};
use crate::{finite, overlap_add, parallel};

/// `conj(v[m-1]), …, conj(v[0])`: correlation is convolution with this.
pub(crate) fn reversed_conj<T: Scalar>(v: &[T]) -> Result<Vec<T>, ConvError> {
    let mut reversed = try_zeroed(v.len())?;
    for (r, &e) in reversed.iter_mut().zip(v.iter().rev()) {
        *r = e.conj();
    }
    Ok(reversed)
}

/// `out[k] = (a * v)[lo + k]`: the one computation every public function reduces to.
pub(crate) fn full_slice<T: Scalar>(
    a: &[T],
    v: &[T],
    lo: usize,
    out: &mut [T],
    method: Method,
) -> Result<(), ConvError> {
    Job::new(a, v, lo, out.len(), method).run(lo, out)
}

/// [`full_slice`] into a new vector of `len` outputs. The direct kernel writes every output, so
/// its vector is never zeroed. The transform methods need initialized outputs: split problems
/// below [`FRESH_PAGES_BYTES`] zero each part on the thread that computes it, just
/// before computing it (zeroing the whole vector first would be a serial pass over memory);
/// the others take `calloc`'s zeroed memory, which costs nothing more for fresh pages.
pub(crate) fn full_vec<T: Scalar>(
    a: &[T],
    v: &[T],
    lo: usize,
    len: usize,
    method: Method,
) -> Result<Vec<T>, ConvError> {
    let job = Job::new(a, v, lo, len, method);
    let fresh = len.saturating_mul(std::mem::size_of::<T>()) >= FRESH_PAGES_BYTES;
    if job.method != Algorithm::Direct && (fresh || job.chunk.is_none()) {
        let mut out = try_zeroed_output(len)?;
        job.run(lo, &mut out)?;
        return Ok(out);
    }
    let mut out = try_uninit(len)?;
    job.split(&mut out.spare_capacity_mut()[..len], |offset, part| {
        job.compute_uninit(lo + offset, part)
    })?;
    // SAFETY: `compute_uninit` initialized every part of the first `len` elements.
    unsafe { out.set_len(len) };
    Ok(out)
}

/// How one problem is computed, decided once before it is split over threads.
struct Job<'a, T: Scalar> {
    /// The longer input.
    x: &'a [T],
    /// The shorter input.
    y: &'a [T],
    /// The algorithm the method resolves to.
    method: Algorithm,
    /// The output range length per thread when the problem is split.
    chunk: Option<usize>,
    /// The transform methods' [`fft::scan`]s of `x` and `y`, made once for all parts (split
    /// over threads too when the problem is), not once per part.
    scans: Option<[OperandStats; 2]>,
    /// Whether the FFT method runs its forward transforms on two threads (never split, it
    /// always computes the whole range, so this is decided once here). Always false, and
    /// unread, without the `rayon` feature.
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    joins: bool,
    /// The flag of an enclosing [`interruptible`](crate::interruptible), and the length of the
    /// pieces each thread's outputs are then computed in, reading the flag before each.
    stop: Stop,
    piece: Option<usize>,
}

impl<'a, T: Scalar> Job<'a, T> {
    fn new(a: &'a [T], v: &'a [T], lo: usize, len: usize, method: Method) -> Self {
        // Convolution commutes: the longer input is the signal, the shorter the kernel.
        let (x, y) = if a.len() >= v.len() { (a, v) } else { (v, a) };
        let method = method
            .fixed()
            .unwrap_or_else(|| strategy::select(x, y, lo, len));
        let problem = Problem::new(T::KIND, x.len(), y.len(), lo, len);
        // Integers too wide for one exact transform take the limb split, which works on the
        // whole product: splitting the outputs would repeat it per range. Checked only for
        // problems large enough to split (it searches the block length and, for integers,
        // scans the data).
        let chunk = parallel::chunk_len(problem, method).filter(|_| {
            method != Algorithm::OverlapAdd
                || T::fft_is_exact(x, y, strategy::block_len(T::KIND, x.len(), y.len()))
        });
        let joins = joins_transforms(problem, method);
        let scans = (method != Algorithm::Direct)
            .then(|| [x, y].map(|v| fft::scan_split(v, chunk.is_some() || joins)));
        let stop = Stop::current();
        // Pieces start at multiples of the alignment, as the threads' ranges do, so the results
        // are the same bits; not for the one-transform method or the limb split (as above).
        let piece = stop
            .is_some()
            .then(|| {
                let per_output = strategy::predicted_ns(problem, method) / len.max(1) as f64;
                let outputs = (PIECE_NS / per_output.max(1e-3)).min(len as f64) as usize;
                outputs.next_multiple_of(parallel::ALIGN)
            })
            .filter(|&piece| {
                piece < len
                    && (method == Algorithm::Direct
                        || method == Algorithm::OverlapAdd
                            && T::fft_is_exact(
                                x,
                                y,
                                strategy::block_len(T::KIND, x.len(), y.len()),
                            ))
            });
        Job {
            x,
            y,
            method,
            chunk,
            scans,
            joins,
            stop,
            piece,
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
        self.stop.check()?;
        let f = |offset: usize, part: &mut [E]| match self.piece {
            None => f(offset, part),
            Some(piece) => part.chunks_mut(piece).enumerate().try_for_each(|(i, p)| {
                self.stop.check()?;
                f(offset + i * piece, p)
            }),
        };
        match self.chunk {
            Some(chunk) => parallel::for_each_chunk(out, chunk, f),
            None => f(0, out),
        }
    }

    /// [`Job::compute`] into outputs that need not be initialized, all of which it writes.
    fn compute_uninit(&self, lo: usize, out: &mut [MaybeUninit<T>]) -> Result<(), ConvError> {
        if self.method == Algorithm::Direct {
            T::direct_uninit(self.x, self.y, lo, out);
            Ok(())
        } else {
            self.compute(lo, zero(out))
        }
    }

    /// `out[k] = (x * y)[lo + k]` on this thread, `lo .. lo + out.len()` inside the planned
    /// range.
    fn compute(&self, lo: usize, out: &mut [T]) -> Result<(), ConvError> {
        let (x, y, method) = (self.x, self.y, self.method);
        match method {
            Algorithm::Direct => {
                T::direct(x, y, lo, out);
                Ok(())
            }
            Algorithm::Fft | Algorithm::OverlapAdd => {
                let len = if method == Algorithm::Fft {
                    fft::cyclic_len(x.len(), y.len(), lo, lo + out.len())?
                } else {
                    strategy::block_len(T::KIND, x.len(), y.len())
                };
                let [x_scan, y_scan] = self
                    .scans
                    .expect("Job::new scans the operands of the transform methods");
                if !transform_applies(x, y, [x_scan, y_scan], lo, out, len)? {
                    return Ok(());
                }
                #[cfg(feature = "rayon")]
                if self.joins {
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
fn joins_transforms(problem: Problem, method: Algorithm) -> bool {
    #[cfg(feature = "rayon")]
    {
        method == Algorithm::Fft && parallel::joins_transforms(problem)
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = (problem, method);
        false
    }
}

/// `out[k] = (signal * kernel)[lo + k]` through `transform`, the spectrum of `kernel`, by
/// `method` (`Fft`, or `OverlapAdd` with `signal` the longer input), non-finite samples'
/// products added back; [`transform_applies`] must have said yes. Allocates nothing.
pub(crate) fn transform_slice<T: Scalar>(
    transform: &mut fft::SpectralKernel<T>,
    method: Algorithm,
    signal: &[T],
    signal_scan: OperandStats,
    kernel: &[T],
    lo: usize,
    out: &mut [T],
) {
    if method == Algorithm::OverlapAdd {
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
    scans: [OperandStats; 2],
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
pub(crate) fn transform_applies<T: Scalar>(
    x: &[T],
    y: &[T],
    scans: [OperandStats; 2],
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::interruptible;
    use num_complex::Complex;

    fn piece<T: Scalar>(n: usize, m: usize, method: Method) -> Option<usize> {
        let (a, v) = (vec![T::default(); n], vec![T::default(); m]);
        let never = AtomicBool::new(false);
        let len = n + m - 1;
        interruptible(&never, || Job::new(&a, &v, 0, len, method).piece)
    }

    /// The problems of `tests/interrupt.rs` are cut into several pieces (so that the test
    /// compares something), at multiples of the alignment; without a flag nothing is.
    #[test]
    fn the_interrupt_test_problems_are_cut_into_pieces() {
        let cut = |p: Option<usize>, len: usize| {
            p.is_some_and(|p| p % parallel::ALIGN == 0 && p < len / 2)
        };
        assert!(cut(piece::<f64>(400_001, 2_500, Method::Direct), 402_500));
        assert!(cut(piece::<i64>(300_001, 2_000, Method::Direct), 302_000));
        assert!(cut(
            piece::<Complex<f32>>(400_001, 2_500, Method::Direct),
            402_500
        ));
        assert!(cut(
            piece::<f64>(16_000_001, 3_000, Method::OverlapAdd),
            16_003_000
        ));
        assert_eq!(piece::<f64>(400_001, 2_500, Method::Fft), None);
        let (a, v) = (vec![0.0f64; 400_001], vec![0.0f64; 2_500]);
        assert_eq!(Job::new(&a, &v, 0, 402_500, Method::Direct).piece, None);
    }
}
