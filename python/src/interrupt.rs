//! Ctrl-C during a long call: `KeyboardInterrupt` within a second instead of when the call ends.
//!
//! Python's own SIGINT handler only sets a flag that the interpreter reads between bytecodes, and
//! a call into the crate runs (with the GIL released) for as long as it takes. For the length of
//! a long call made on the main thread this module puts a handler in front of Python's: it sets
//! the crate's [`convolve::interruptible`] flag, which every thread of the call reads between
//! pieces of work, and then runs Python's handler as the signal would have. When the call comes
//! back interrupted, Python's handlers run (`check_signals`): the default raises
//! `KeyboardInterrupt`; a handler of the user's that does not raise gets the call run again.
//! A SIGINT that is ignored or left to the OS's default is left alone.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use convolve::ConvError;
use pyo3::prelude::*;

use crate::conv_error;

/// Calls whose `n · m` is below this run as before (two `sigaction` calls, about a
/// microsecond, are nothing next to a call this long, which takes at least a millisecond).
const LONG_CALL_WORK: usize = 1 << 24;

/// The interruption flag of the call running on the main thread.
static STOP: AtomicBool = AtomicBool::new(false);
/// The address of the SIGINT handler found when the call started, which [`on_sigint`] runs
/// after setting the flag.
static PREVIOUS_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` with the GIL released, as `py.detach(f)`, and for long calls (`work = n · m`) on
/// the main thread with SIGINT interrupting it as described above.
pub(crate) fn detach<R: Send>(
    py: Python<'_>,
    work: usize,
    mut f: impl FnMut() -> Result<R, ConvError> + Send,
) -> PyResult<R> {
    #[cfg(target_os = "linux")]
    if work >= LONG_CALL_WORK && is_main_thread() {
        while let Some(previous) = install() {
            STOP.store(false, Ordering::Relaxed);
            let r = py.detach(|| convolve::interruptible(&STOP, &mut f));
            restore(&previous);
            match r {
                Err(ConvError::Interrupted) => py.check_signals()?,
                r => return r.map_err(conv_error),
            }
        }
    }
    let _ = work;
    py.detach(f).map_err(conv_error)
}

#[cfg(target_os = "linux")]
fn is_main_thread() -> bool {
    // SAFETY: both calls only read the calling thread's and process's ids.
    unsafe { libc::gettid() == libc::getpid() }
}

/// Puts [`on_sigint`] in front of the current SIGINT handler and returns that handler's
/// action, or `None` (nothing changed) when there is no handler function to chain to.
#[cfg(target_os = "linux")]
fn install() -> Option<libc::sigaction> {
    // SAFETY: `sigaction` structs are plain data (all-zero is valid); the calls read the
    // current action and then install one whose handler is `on_sigint`, a valid
    // `extern "C" fn(c_int)` that only touches atomics and calls the previous handler.
    unsafe {
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGINT, std::ptr::null(), &mut previous) != 0
            || previous.sa_sigaction == libc::SIG_DFL
            || previous.sa_sigaction == libc::SIG_IGN
        {
            return None;
        }
        PREVIOUS_HANDLER.store(previous.sa_sigaction, Ordering::SeqCst);
        let mut ours: libc::sigaction = std::mem::zeroed();
        ours.sa_sigaction = if previous.sa_flags & libc::SA_SIGINFO != 0 {
            on_sigint_info as extern "C" fn(_, _, _) as usize
        } else {
            on_sigint as extern "C" fn(_) as usize
        };
        ours.sa_mask = previous.sa_mask;
        ours.sa_flags = previous.sa_flags;
        if libc::sigaction(libc::SIGINT, &ours, std::ptr::null_mut()) != 0 {
            return None;
        }
        Some(previous)
    }
}

#[cfg(target_os = "linux")]
fn restore(previous: &libc::sigaction) {
    // SAFETY: reinstalls the action read by `install`.
    unsafe {
        libc::sigaction(libc::SIGINT, previous, std::ptr::null_mut());
    }
}

/// Sets the flag, then runs the handler that was installed before (Python's), as the signal
/// would have: only async-signal-safe work.
#[cfg(target_os = "linux")]
extern "C" fn on_sigint(signum: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
    // SAFETY: `install` put this handler in place only in front of an action without
    // SA_SIGINFO whose handler is a function: a one-argument handler.
    let previous: extern "C" fn(libc::c_int) =
        unsafe { std::mem::transmute(PREVIOUS_HANDLER.load(Ordering::SeqCst)) };
    previous(signum);
}

/// [`on_sigint`] in front of a three-argument (SA_SIGINFO) handler, which gets the signal's
/// own information.
#[cfg(target_os = "linux")]
extern "C" fn on_sigint_info(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    STOP.store(true, Ordering::SeqCst);
    // SAFETY: `install` put this handler in place only in front of an SA_SIGINFO action whose
    // handler is a function: a three-argument handler.
    let previous: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
        unsafe { std::mem::transmute(PREVIOUS_HANDLER.load(Ordering::SeqCst)) };
    previous(signum, info, context);
}
