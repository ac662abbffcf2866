//! Interrupting a long call: [`interruptible`] gives the convolutions started inside it a flag
//! that they read between pieces of work (on every thread they run on), returning
//! [`ConvError::Interrupted`] soon after it is set.
//!
//! A call with a flag cuts each thread's outputs into pieces of about [`PIECE_NS`] of predicted
//! work, at the same boundaries a split over threads may use, so the results are the same bits
//! as without a flag. Which calls this covers is listed on [`interruptible`].

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::ConvError;

/// Predicted work between two reads of the flag: short enough that a set flag ends a call well
/// within a second, long enough that the extra boundaries (one overlap-add block each) cost
/// nothing measurable.
pub(crate) const PIECE_NS: f64 = 20e6;

thread_local! {
    /// The flag of the innermost [`interruptible`] running on this thread, or null.
    static CURRENT: Cell<*const AtomicBool> = const { Cell::new(ptr::null()) };
}

/// Runs `f`, during which the 1-D convolutions and correlations it calls on this thread stop
/// early with [`ConvError::Interrupted`] once `stop` is set (from another thread or a signal
/// handler: a store is all it takes). Nothing is left running: every thread the call used has
/// finished its piece before the call returns.
///
/// Covered: the free functions (`convolve`, `correlate`, their `_with` and `_into` forms) by the
/// direct and overlap-add methods, which are read between pieces of about 20 ms of predicted work. The
/// one-transform FFT method (one transform, read before it starts), the limb-split integer
/// transforms, the N-D functions and the plans ([`Convolver`](crate::Convolver),
/// [`StreamConvolver`](crate::StreamConvolver), whose calls are short by design) run to the
/// end. Results of calls that finish are identical to those made outside `interruptible`.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use convolve::{ConvError, Method, Mode, convolve_with, interruptible};
///
/// let stop = AtomicBool::new(true); // already set: the call stops at its first piece
/// let (a, v) = (vec![1.0f64; 1 << 20], vec![1.0f64; 1 << 12]);
/// let r = interruptible(&stop, || convolve_with(&a, &v, Mode::Full, Method::Direct));
/// assert_eq!(r, Err(ConvError::Interrupted));
///
/// stop.store(false, Ordering::Relaxed);
/// let r = interruptible(&stop, || convolve_with(&a[..1000], &v[..10], Mode::Full, Method::Direct));
/// assert_eq!(r.unwrap(), convolve_with(&a[..1000], &v[..10], Mode::Full, Method::Direct).unwrap());
/// ```
pub fn interruptible<R>(stop: &AtomicBool, f: impl FnOnce() -> R) -> R {
    /// Puts back the enclosing flag, also when `f` unwinds.
    struct Restore(*const AtomicBool);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(stop)));
    f()
}

/// The flag of the [`interruptible`] this thread is inside, if any.
#[derive(Clone, Copy)]
pub(crate) struct Stop(Option<&'static AtomicBool>);

impl Stop {
    /// This thread's flag. Read by a call when it starts, on its calling thread, and held only
    /// for that call.
    pub(crate) fn current() -> Self {
        let p = CURRENT.with(Cell::get);
        // SAFETY: a non-null pointer is the `&AtomicBool` of an `interruptible` frame still on
        // this thread's stack (it is reset when that frame ends); the `Stop` is only held by a
        // call made inside that frame, which returns before it ends.
        Stop(unsafe { p.as_ref() })
    }

    /// Whether this call has a flag at all (and so runs in pieces).
    pub(crate) fn is_some(self) -> bool {
        self.0.is_some()
    }

    /// `Err(Interrupted)` once the flag is set.
    pub(crate) fn check(self) -> Result<(), ConvError> {
        match self.0 {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(ConvError::Interrupted),
            _ => Ok(()),
        }
    }
}
