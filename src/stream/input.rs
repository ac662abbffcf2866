//! The channels' input rings: the audio thread writes each block into them, the segments it
//! runs read them, and a lane's job copies the window its transform reads out of them on
//! whichever thread runs it (`workers.rs`), not on the audio thread when it posts the job.
//!
//! A ring holds the last `len` inputs of one input of one channel, the one at time `u` at
//! `u mod len`. A job posted at its trigger `T` reads the `2·size` inputs before `T` and is
//! complete by `T + size` (the lane's next trigger at the latest), while the audio thread
//! writes the inputs from `T` on: with `len >= 3·size` the two never meet, so the writer and
//! the readers share the ring without a lock.

use std::cell::UnsafeCell;

use crate::alloc::{try_copy, try_zeroed};
use crate::error::ConvError;

/// Every channel's input rings, `ins` per channel, `len` samples each, end to end.
pub(super) struct InputRings<T> {
    cells: Box<[UnsafeCell<T>]>,
    ins: usize,
    len: usize,
}

impl<T: Copy + Default> InputRings<T> {
    pub fn new(channels: usize, ins: usize, len: usize) -> Result<Self, ConvError> {
        let zeros = try_zeroed::<T>(channels * ins * len)?;
        Ok(InputRings {
            cells: zeros.into_iter().map(UnsafeCell::new).collect(),
            ins,
            len,
        })
    }

    /// The samples of `range`, which the caller makes sure no other thread writes while the
    /// slice lives (and, for `&mut`, none reads).
    ///
    /// # Safety
    /// As above.
    #[allow(clippy::mut_from_ref)]
    unsafe fn cells(&self, range: std::ops::Range<usize>) -> &mut [T] {
        let cells = &self.cells[range];
        // SAFETY: `UnsafeCell<T>` has `T`'s layout; the caller excludes other accesses.
        unsafe { std::slice::from_raw_parts_mut(UnsafeCell::raw_get(cells.as_ptr()), cells.len()) }
    }

    /// Channel `c`'s rings, end to end, to read.
    ///
    /// # Safety
    /// Nothing writes them while the slice lives.
    pub unsafe fn channel(&self, c: usize) -> &[T] {
        let n = self.ins * self.len;
        // SAFETY: the caller's contract.
        unsafe { self.cells(c * n..(c + 1) * n) }
    }

    /// Channel `c`'s input `i`, the `len` samples from ring position `at` (not wrapping).
    ///
    /// # Safety
    /// No other thread reads or writes them while the slice lives: no job in flight reads
    /// them (they are at least `2·size` after its window, see the module's note).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn run_mut(&self, c: usize, i: usize, at: usize, len: usize) -> &mut [T] {
        let start = (c * self.ins + i) * self.len + at;
        // SAFETY: the caller's contract.
        unsafe { self.cells(start..start + len) }
    }

    /// Every ring, to reset or restore.
    ///
    /// # Safety
    /// No other thread touches them while the slice lives (no job is in flight).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn all_mut(&self) -> &mut [T] {
        // SAFETY: the caller's contract.
        unsafe { self.cells(0..self.cells.len()) }
    }

    /// Copies each of channel `c`'s inputs' `w` samples before time `t` into its part of
    /// `window` (`w` each, end to end, the one at time `u` at `u mod w`), in contiguous runs
    /// (at most four per input).
    ///
    /// # Safety
    /// Nothing writes those samples during the copy: `t` is a posted job's trigger whose job
    /// is not complete, and `w` at most twice its size (see the module's note).
    pub unsafe fn copy_window(&self, c: usize, t: usize, w: usize, window: &mut [T]) {
        let n = self.len;
        for (i, window) in window.chunks_exact_mut(w).enumerate() {
            let ring = (c * self.ins + i) * n;
            let (mut from, mut to, mut left) = ((t + n - w) % n, t % w, w);
            while left > 0 {
                let run = left.min(n - from).min(w - to);
                // SAFETY: the caller's contract; the run is within input `i`'s ring.
                let src = unsafe { self.cells(ring + from..ring + from + run) };
                window[to..to + run].copy_from_slice(src);
                (from, to, left) = ((from + run) % n, (to + run) % w, left - run);
            }
        }
    }

    /// A copy, which the caller makes sure no thread writes during the copy.
    ///
    /// # Safety
    /// As above.
    pub unsafe fn copy(&self) -> Result<Self, ConvError> {
        // SAFETY: the caller's contract; only read.
        let all = unsafe { self.all_mut() };
        Ok(InputRings {
            cells: try_copy(all)?.into_iter().map(UnsafeCell::new).collect(),
            ins: self.ins,
            len: self.len,
        })
    }
}
