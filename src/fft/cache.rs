//! Per-thread caches of the transforms: FFT plans by length, and the work buffers of
//! finished transforms for the next one (the pool).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};

use crate::alloc::ZeroBits;
use crate::error::ConvError;

use super::real::{EvenReal, RealFloat};

/// A floating-point type with a per-thread plan cache.
pub trait FftFloat: RealFloat {
    /// The largest `p` for which `2^p` and `2^-p` are both normal numbers of the type.
    const MAX_SCALE_EXP: i32;
    /// Bits of the significand.
    const MANTISSA_DIGITS: i32;
    fn real_plans(len: usize) -> RealPlans<Self>;
    fn complex_plans(len: usize) -> ComplexPlans<Self>;
    /// Runs `f` on this thread's [`Pool`] (not at all while the thread is being torn down).
    fn with_pool<R>(f: impl FnOnce(&mut Pool<Self>) -> R) -> Option<R>;
}

/// Forward and inverse real transforms of one length: [`EvenReal`] for even lengths
/// (all that the convolution paths use), realfft for odd ones.
#[derive(Clone)]
pub enum RealPlans<F: FftNum> {
    Even(Arc<EvenReal<F>>),
    Odd(Arc<dyn RealToComplex<F>>, Arc<dyn ComplexToReal<F>>),
}

/// Forward and inverse complex transforms of one length.
pub struct ComplexPlans<F: FftNum> {
    pub(super) forward: Arc<dyn Fft<F>>,
    pub(super) inverse: Arc<dyn Fft<F>>,
}

#[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
impl<F: FftNum> ComplexPlans<F> {
    /// The forward transform (for the N-D transform's axes other than the last).
    pub(crate) fn forward_fft(&self) -> &dyn Fft<F> {
        &*self.forward
    }
    /// The unnormalized inverse transform.
    pub(crate) fn inverse_fft(&self) -> &dyn Fft<F> {
        &*self.inverse
    }
}

impl<F: FftNum> Clone for ComplexPlans<F> {
    fn clone(&self) -> Self {
        ComplexPlans {
            forward: Arc::clone(&self.forward),
            inverse: Arc::clone(&self.inverse),
        }
    }
}

/// One thread's planners, and every real plan made (a repeated length costs a lookup; the
/// complex planner caches its own).
struct Planners<F: FftNum> {
    complex: FftPlanner<F>,
    real: HashMap<usize, RealPlans<F>>,
    odd: RealFftPlanner<F>,
}

impl<F: FftFloat> Planners<F> {
    fn new() -> Self {
        Planners {
            complex: FftPlanner::new(),
            real: HashMap::new(),
            odd: RealFftPlanner::new(),
        }
    }

    fn real(&mut self, len: usize) -> RealPlans<F> {
        let Planners { complex, real, odd } = self;
        real.entry(len)
            .or_insert_with(|| {
                if len.is_multiple_of(2) {
                    RealPlans::Even(Arc::new(EvenReal::new(len, complex)))
                } else {
                    RealPlans::Odd(odd.plan_fft_forward(len), odd.plan_fft_inverse(len))
                }
            })
            .clone()
    }

    fn complex(&mut self, len: usize) -> ComplexPlans<F> {
        ComplexPlans {
            forward: self.complex.plan_fft_forward(len),
            inverse: self.complex.plan_fft_inverse(len),
        }
    }
}

/// Work buffers of dropped [`SpectralKernel`](crate::fft::SpectralKernel)s (and of the N-D transforms), kept per thread and
/// float type for the next one: each one-shot call (and each thread of a split one) needs a
/// time buffer, two spectra and scratch, and fresh ones are page-faulted in on first touch.
/// With glibc's default thresholds the freed buffers go back to the system between calls, so
/// every call paid the faults again (docs/PERFORMANCE.md, "Why transform buffers are
/// pooled"). Buffers of at most [`MAX_BUFFER`] are kept up to
/// [`MAX_TOTAL`] per thread and float type; larger ones (up to [`MAX_POOLED`]) up to
/// [`MAX_LARGE`] over the whole process, so that the memory kept does not grow with the number
/// of threads.
/// [`crate::release_buffers`] hands them all back to the allocator.
#[derive(Default)]
pub struct Pool<F> {
    reals: Vec<Vec<F>>,
    complexes: Vec<Vec<Complex<F>>>,
    budget: Budget,
}

/// Bytes a pool keeps: in buffers of at most [`MAX_BUFFER`], and in larger ones (its share
/// of [`LARGE_BYTES`]).
#[derive(Default)]
pub struct Budget {
    small: usize,
    large: usize,
}

impl Budget {
    /// Counts a buffer of `size` bytes in, if the limits allow; whether they did.
    fn admit(&mut self, size: usize) -> bool {
        if size <= MAX_BUFFER {
            let fits = self.small + size <= MAX_TOTAL;
            if fits {
                self.small += size;
            }
            return fits;
        }
        if size > MAX_POOLED {
            return false;
        }
        let fits = LARGE_BYTES
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |kept| {
                (kept + size <= MAX_LARGE).then_some(kept + size)
            })
            .is_ok();
        if fits {
            self.large += size;
        }
        fits
    }

    /// Counts a buffer of `size` bytes out.
    fn release(&mut self, size: usize) {
        if size <= MAX_BUFFER {
            self.small -= size;
        } else {
            self.large -= size;
            LARGE_BYTES.fetch_sub(size, Ordering::Relaxed);
        }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        LARGE_BYTES.fetch_sub(self.large, Ordering::Relaxed);
    }
}

/// Bytes in pooled buffers larger than [`MAX_BUFFER`], over all threads.
static LARGE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The most bytes the pools of all threads keep in buffers larger than [`MAX_BUFFER`]:
/// the buffers of a 10^6 × 10^6 `f64` call on two threads.
const MAX_LARGE: usize = 256 << 20;

/// The largest buffer a pool keeps. Larger ones are freed: kept, the buffers of one side of a
/// two-thread transform stayed resident while the other side finished, raising the peak memory
/// (docs/PERFORMANCE.md, "Why buffers over 32 MiB are not pooled"). glibc maps blocks this
/// large afresh anyway.
const MAX_POOLED: usize = 32 << 20;

/// The largest buffer a pool keeps within its own thread's budget.
const MAX_BUFFER: usize = 4 << 20;
/// The most bytes one pool keeps in buffers of at most [`MAX_BUFFER`].
const MAX_TOTAL: usize = 16 << 20;

impl<F> Pool<F> {
    /// Hands every kept buffer back to the allocator.
    fn clear(&mut self) {
        self.reals = Vec::new();
        self.complexes = Vec::new();
        // The old budget's drop gives its large bytes back to `LARGE_BYTES`.
        self.budget = Budget::default();
    }
}

/// A buffer element the pools keep: real or complex samples of one float type.
pub trait Pooled: Copy + Default + ZeroBits {
    type F: FftFloat;
    fn list(pool: &mut Pool<Self::F>) -> (&mut Vec<Vec<Self>>, &mut Budget);
}

impl<F: FftFloat> Pooled for F {
    type F = F;
    fn list(pool: &mut Pool<F>) -> (&mut Vec<Vec<F>>, &mut Budget) {
        (&mut pool.reals, &mut pool.budget)
    }
}

impl<F: FftFloat> Pooled for Complex<F> {
    type F = F;
    fn list(pool: &mut Pool<F>) -> (&mut Vec<Vec<Complex<F>>>, &mut Budget) {
        (&mut pool.complexes, &mut pool.budget)
    }
}

/// A buffer of `len` elements: the smallest pooled one that is large enough (its contents
/// unspecified, the callers overwrite them), else a new zeroed one.
pub(crate) fn take<E: Pooled>(len: usize) -> Result<Vec<E>, ConvError> {
    if len == 0 {
        return Ok(Vec::new());
    }
    // A small request never takes a large buffer, which would then circulate among small ones
    // while the next large request missed the pool.
    let size = |capacity: usize| capacity.saturating_mul(std::mem::size_of::<E>());
    let small = size(len) <= MAX_BUFFER;
    let pooled = E::F::with_pool(|pool| {
        let (list, budget) = E::list(pool);
        let (i, _) = list
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len && (!small || size(v.capacity()) <= MAX_BUFFER))
            .min_by_key(|(_, v)| v.capacity())?;
        let v = list.swap_remove(i);
        budget.release(size(v.capacity()));
        Some(v)
    })
    .flatten();
    match pooled {
        Some(mut v) => {
            v.resize(len, E::default());
            Ok(v)
        }
        // Zeroed by the allocator: a fresh buffer comes zero from the OS, so this skips a pass
        // over it.
        None => crate::alloc::try_zeroed_output(len),
    }
}

/// Returns `v` to this thread's pool if it fits there.
pub(crate) fn give<E: Pooled>(v: Vec<E>) {
    let size = v.capacity() * std::mem::size_of::<E>();
    if size == 0 {
        return;
    }
    E::F::with_pool(|pool| {
        let (list, budget) = E::list(pool);
        if budget.admit(size) {
            list.push(v);
        }
    });
}

/// Hands the calling thread's pooled buffers back to the allocator.
pub(crate) fn release_pools() {
    f32::with_pool(Pool::clear);
    f64::with_pool(Pool::clear);
}

macro_rules! fft_float {
    ($t:ty, $planners:ident, $pool:ident) => {
        thread_local! {
            static $planners: std::cell::RefCell<Planners<$t>> =
                std::cell::RefCell::new(Planners::new());
            static $pool: std::cell::RefCell<Pool<$t>> =
                std::cell::RefCell::new(Pool::default());
        }
        impl FftFloat for $t {
            const MAX_SCALE_EXP: i32 = <$t>::MAX_EXP - 2;
            const MANTISSA_DIGITS: i32 = <$t>::MANTISSA_DIGITS as i32;
            fn real_plans(len: usize) -> RealPlans<$t> {
                $planners.with(|p| p.borrow_mut().real(len))
            }
            fn complex_plans(len: usize) -> ComplexPlans<$t> {
                $planners.with(|p| p.borrow_mut().complex(len))
            }
            fn with_pool<R>(f: impl FnOnce(&mut Pool<$t>) -> R) -> Option<R> {
                $pool.try_with(|p| f(&mut p.borrow_mut())).ok()
            }
        }
    };
}
fft_float!(f32, PLANNERS_F32, POOL_F32);
fft_float!(f64, PLANNERS_F64, POOL_F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_reuses_the_smallest_buffer_that_fits_and_keeps_large_ones_within_the_budget() {
        // A fresh thread: its pool starts empty.
        std::thread::spawn(|| {
            let count = || f32::with_pool(|p| p.reals.len()).unwrap();
            give(Vec::<f32>::with_capacity(100));
            give(Vec::<f32>::with_capacity(1000));
            assert_eq!(count(), 2);
            let v: Vec<f32> = take(50).unwrap();
            assert_eq!((v.len(), v.capacity()), (50, 100));
            assert_eq!(count(), 1);
            let w: Vec<f32> = take(5000).unwrap();
            assert_eq!(w.len(), 5000);
            assert!(w.iter().all(|&x| x == 0.0));
            assert_eq!(count(), 1);
            // Complex buffers are a separate list of the same pool.
            give(Vec::<Complex<f32>>::with_capacity(10));
            assert_eq!(f32::with_pool(|p| p.complexes.len()), Some(1));
            let bytes = f32::with_pool(|p| p.budget.small).unwrap();
            assert_eq!(bytes, 1000 * 4 + 10 * 8);
            // Over the per-buffer cap: counted against the process-wide budget (which other
            // tests' threads share, so it may be full), and taken back out.
            let large = MAX_BUFFER / 4 + 1;
            give(Vec::<f32>::with_capacity(large));
            let kept = f32::with_pool(|p| p.budget.large).unwrap();
            assert!(kept == 0 || kept == large * 4);
            assert_eq!(count(), if kept > 0 { 2 } else { 1 });
            if kept > 0 {
                let v: Vec<f32> = take(large).unwrap();
                assert_eq!(v.capacity(), large);
                assert_eq!(f32::with_pool(|p| p.budget.large), Some(0));
                give(v);
            }
            // Released: nothing kept.
            release_pools();
            assert_eq!(count(), 0);
            assert_eq!(
                f32::with_pool(|p| (p.budget.small, p.budget.large)),
                Some((0, 0))
            );
        })
        .join()
        .unwrap();
    }
}
