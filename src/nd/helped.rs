//! Bands shared between the calling thread and rayon's pool, the caller first.
//!
//! `rayon::join` or a parallel iterator called from outside the pool (Python's thread, any
//! caller's `main`) hands all the work to the pool and puts the caller to sleep until a pool
//! thread has woken up and done it. On a machine whose cores are busy, waking a thread can
//! take milliseconds: the fused Gaussian of a 512² `float64` image took 4 ms on two threads
//! against 0.33 ms on one (AMD EPYC Zen 4, 2 vCPUs shared with other work). Here the caller
//! offers every band but its first to the pool ([`rayon::spawn`]), runs bands itself until
//! none is left, and then waits only for bands a pool thread has already started. A pool
//! thread that wakes after the caller took every band finds nothing to do.
//!
//! Each band runs exactly once, on whichever thread claims it, so the results are those of one
//! thread. A panic in a band is caught and resumed on the caller once no band is running.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::error::ConvError;

/// What the pool's jobs own: the claims, and the count of finished bands the caller waits on.
struct Claims {
    next: AtomicUsize,
    bands: usize,
    finished: Mutex<usize>,
    done: Condvar,
}

impl Claims {
    /// Claims and runs bands with `work` until none is left.
    ///
    /// # Safety
    /// `work` is alive whenever a band is claimed (see `run`); it is not dereferenced
    /// otherwise, so a job that wakes after the caller returned touches only `self`.
    unsafe fn drain<'w>(&self, work: *const (dyn Fn(usize) + Sync + 'w)) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.bands {
                return;
            }
            // SAFETY: a band is claimed: the caller's contract.
            unsafe { (*work)(i) };
            let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
            *finished += 1;
            if *finished == self.bands {
                self.done.notify_all();
            }
        }
    }
}

/// A pointer to the caller's band closure that the pool's jobs may carry.
struct Work(*const (dyn Fn(usize) + Sync + 'static));

// SAFETY: the closure is `Sync`, and a job dereferences the pointer only while the caller
// waits for the band it claimed (see `run`).
unsafe impl Send for Work {}

/// A band not yet claimed: its first row and its rows.
type Band<'a, T> = Mutex<Option<(usize, &'a mut [T])>>;

/// What a band returned, or its panic; `None` until it has run.
type Outcome<R> = Option<std::thread::Result<Result<R, ConvError>>>;

/// `f(first, part)` on each band, the bands shared between this thread and the pool (see the
/// module); the values in band order.
pub(super) fn run<T: Send, R: Send>(
    parts: Vec<(usize, &mut [T])>,
    f: &(impl Fn(usize, &mut [T]) -> Result<R, ConvError> + Sync),
) -> Result<Vec<R>, ConvError> {
    let bands = parts.len();
    let parts: Vec<Band<'_, T>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let outcomes: Vec<Mutex<Outcome<R>>> = (0..bands).map(|_| Mutex::new(None)).collect();
    let band = |i: usize| {
        let taken = parts[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let (first, part) = taken.expect("each band is claimed once");
        let outcome = catch_unwind(AssertUnwindSafe(|| f(first, part)));
        *outcomes[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
    };
    let claims = Arc::new(Claims {
        next: AtomicUsize::new(1),
        bands,
        finished: Mutex::new(0),
        done: Condvar::new(),
    });
    let local: &(dyn Fn(usize) + Sync) = &band;
    // SAFETY: only the lifetime is erased. A job dereferences the pointer only after claiming
    // a band (`i < bands`), and this function returns only once every claimed band has
    // finished, so never after `band` (and what it borrows) is gone.
    let erased: *const (dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(local) };
    for _ in 1..bands {
        let (claims, work) = (Arc::clone(&claims), Work(erased));
        rayon::spawn(move || {
            let work = work;
            // SAFETY: see above: `drain` dereferences it only for a claimed band.
            unsafe { claims.drain(work.0) };
        });
    }
    band(0);
    {
        let mut finished = claims
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *finished += 1;
    }
    // SAFETY: `band` lives until this function returns.
    unsafe { claims.drain(local) };
    let mut finished = claims
        .finished
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    while *finished < bands {
        finished = claims
            .done
            .wait(finished)
            .unwrap_or_else(PoisonError::into_inner);
    }
    drop(finished);
    outcomes
        .into_iter()
        .map(|o| {
            let o = o.into_inner().unwrap_or_else(PoisonError::into_inner);
            match o.expect("every band ran") {
                Ok(r) => r,
                Err(panic) => resume_unwind(panic),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every band runs once, with its own rows, whatever thread takes it; errors and panics
    /// come back to the caller.
    #[test]
    fn each_band_runs_once_and_failures_return() {
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut out = vec![0usize; 40];
            let got = pool.install(|| {
                let parts: Vec<(usize, &mut [usize])> = out.chunks_mut(10).enumerate().collect();
                run(parts, &|first, part: &mut [usize]| {
                    part.iter_mut().for_each(|v| *v += first + 1);
                    Ok(first * 2)
                })
            });
            assert_eq!(got.unwrap(), [0, 2, 4, 6]);
            let want: Vec<usize> = (0..40).map(|i| i / 10 + 1).collect();
            assert_eq!(out, want);
            let mut out = [0u8; 30];
            let parts: Vec<(usize, &mut [u8])> = out.chunks_mut(10).enumerate().collect();
            let err = run(parts, &|first, _: &mut [u8]| {
                if first == 2 {
                    Err(ConvError::EmptyInput { argument: "band" })
                } else {
                    Ok(())
                }
            });
            assert!(err.is_err());
            let parts: Vec<(usize, &mut [u8])> = out.chunks_mut(10).enumerate().collect();
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                pool.install(|| {
                    run(parts, &|first, _: &mut [u8]| {
                        assert_ne!(first, 1, "band 1 fails");
                        Ok(())
                    })
                })
            }));
            assert!(panicked.is_err());
        }
    }
}
