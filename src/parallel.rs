//! Multi-threading (cargo feature `rayon`, on by default).
//!
//! A large problem's kept outputs are cut into one contiguous range per thread of rayon's
//! current pool, and each range is computed by the same method as the whole would be: the
//! direct kernel on its outputs, overlap-add on the blocks that reach them (a block on a
//! boundary is computed by both sides, each keeping its own outputs).
//!
//! Results are identical to one thread's, bit for bit: ranges start at multiples of
//! [`ALIGN`] outputs, so the direct kernel forms the same register blocks in the same order,
//! and overlap-add's block grid is fixed by the input, not the range, so every output is the
//! same sum of the same (at most two) block contributions.
//!
//! The one-transform FFT method is not split; above the same threshold it computes its two
//! forward transforms at the same time on two threads, each the same operations on the same
//! values as on one thread.
//!
//! Only problems predicted to take longer than [`PARALLEL_MIN_NS`] on one thread are split:
//! waking the pool and joining costs a few microseconds, which a shorter problem would feel.
//!
//! A process forked after the pool started (Python's `multiprocessing` on Linux, gunicorn,
//! joblib) inherits rayon's global pool without its threads: anything handed to it would wait
//! forever. [`pool_threads`] is the one place every parallel decision asks, and in a forked
//! child it answers 1 outside a pool of the child's own, so every call runs on the calling
//! thread there, with the same results (docs/THREADS.md, "After fork").

#[cfg(feature = "rayon")]
use rayon::prelude::*;

use crate::error::ConvError;
use crate::method::Algorithm;
use crate::strategy::{self, Problem};

/// Every direct kernel's block width divides this (64 outputs: `f32` blocks of 64, `f64` of
/// 32, the others of 16).
pub(crate) const ALIGN: usize = 64;

/// Predicted single-thread time above which a problem is split, measured with `cargo bench
/// --bench methods -- threads/` (docs/PERFORMANCE.md, "Why problems under 100 µs run on one
/// thread").
pub(crate) const PARALLEL_MIN_NS: f64 = 100_000.0;

/// The threads a call may spread over: those of rayon's current pool (the global one outside a
/// pool), or 1 in a forked child outside a pool the child built itself (the global pool's
/// threads did not survive the fork), or 1 without the `rayon` feature.
#[cfg_attr(not(feature = "rayon"), allow(dead_code))]
pub(crate) fn pool_threads() -> usize {
    #[cfg(feature = "rayon")]
    if pool_alive() {
        return rayon::current_num_threads();
    }
    1
}

/// Whether work handed to rayon's current pool will run: false in a forked child outside a
/// pool of its own.
#[cfg(feature = "rayon")]
pub(crate) fn pool_alive() -> bool {
    !(fork::forked() && rayon::current_thread_index().is_none())
}

/// Fork detection: a child handler registered with `pthread_atfork` before the first parallel
/// decision (so before the pool can have started) or the first streaming worker thread
/// (`stream/workers.rs`), counting forks.
pub(crate) mod fork {
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static GENERATION: AtomicUsize = AtomicUsize::new(0);

    #[cfg(unix)]
    extern "C" fn in_child() {
        // Only an atomic add: the child of a multi-threaded process may run little else.
        GENERATION.fetch_add(1, Ordering::Relaxed);
    }

    /// How many forks separate this process from the first that asked: threads started in
    /// another generation do not exist here.
    pub(crate) fn generation() -> usize {
        static REGISTER: Once = Once::new();
        #[cfg(unix)]
        REGISTER.call_once(|| {
            // SAFETY: `in_child` is a plain `extern "C" fn()` that only adds to an atomic,
            // which is async-signal-safe as a fork handler must be; the other handlers are
            // null. A failure (ENOMEM) leaves fork undetected, as without this.
            unsafe {
                libc::pthread_atfork(None, None, Some(in_child));
            }
        });
        #[cfg(not(unix))]
        REGISTER.call_once(|| ());
        GENERATION.load(Ordering::Relaxed)
    }

    /// Whether this process is a fork of one that registered the handler (a parent that made
    /// a parallel decision, and so may have started the pool).
    #[cfg(feature = "rayon")]
    pub(super) fn forked() -> bool {
        generation() > 0
    }
}

/// The output range length per thread for this problem, or `None` to run it on this thread.
#[cfg_attr(not(feature = "rayon"), allow(unused_variables))]
pub(crate) fn chunk_len(p: Problem, method: Algorithm) -> Option<usize> {
    #[cfg(feature = "rayon")]
    {
        let threads = pool_threads();
        if threads < 2 || method == Algorithm::Fft {
            return None;
        }
        if strategy::predicted_ns(p, method) < PARALLEL_MIN_NS {
            return None;
        }
        let chunk = p.len.div_ceil(threads).next_multiple_of(ALIGN);
        (chunk < p.len).then_some(chunk)
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = (strategy::predicted_ns, ALIGN, PARALLEL_MIN_NS);
        None
    }
}

/// Whether the one-transform FFT method runs its two forward transforms on two threads: with
/// at least two threads in the pool, above the same predicted time as a split.
#[cfg(feature = "rayon")]
pub(crate) fn joins_transforms(p: Problem) -> bool {
    pool_threads() >= 2 && strategy::predicted_ns(p, Algorithm::Fft) >= PARALLEL_MIN_NS
}

/// Runs `f(offset, part)` for consecutive `chunk`-long parts of `out`, in parallel.
pub(crate) fn for_each_chunk<T: Send>(
    out: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) -> Result<(), ConvError> + Sync,
) -> Result<(), ConvError> {
    #[cfg(feature = "rayon")]
    {
        out.par_chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, part)| f(i * chunk, part))
    }
    #[cfg(not(feature = "rayon"))]
    {
        out.chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, part)| f(i * chunk, part))
    }
}

#[cfg(all(test, feature = "rayon"))]
mod tests {
    use super::*;
    use crate::arith::ElementKind;

    fn f64_problem(n: usize, m: usize, lo: usize, len: usize) -> Problem {
        Problem::new(ElementKind::F64, n, m, lo, len)
    }

    /// The problems of `tests/threads.rs` are split (so that the test compares something), and
    /// small ones and the FFT method are not.
    #[test]
    fn large_problems_are_split_and_small_ones_not() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            for (n, m, method) in [
                (1_000_003, 3, Algorithm::Direct),
                (80_001, 64, Algorithm::Direct),
                (100_000, 700, Algorithm::OverlapAdd),
                (50_001, 3_000, Algorithm::OverlapAdd),
                (50_001, 3_000, Algorithm::Direct),
            ] {
                for kind in [
                    ElementKind::F32,
                    ElementKind::F64,
                    ElementKind::ComplexF64,
                    ElementKind::I64,
                ] {
                    let chunk = chunk_len(Problem::new(kind, n, m, m - 1, n - m + 1), method);
                    assert!(
                        chunk.is_some_and(|c| c % ALIGN == 0),
                        "{kind:?} {n}x{m} {method:?}"
                    );
                }
            }
            assert_eq!(
                chunk_len(f64_problem(1_000, 16, 0, 1_015), Algorithm::Direct),
                None
            );
            assert_eq!(
                chunk_len(f64_problem(1 << 20, 1 << 20, 0, 1 << 21), Algorithm::Fft),
                None
            );
            assert!(joins_transforms(f64_problem(60_001, 50_000, 0, 110_000)));
            assert!(!joins_transforms(f64_problem(1_000, 1_000, 0, 1_999)));
        });
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        one.install(|| {
            assert_eq!(
                chunk_len(f64_problem(60_001, 64, 0, 60_064), Algorithm::Direct),
                None
            )
        });
    }
}
