//! One lane: a long segment on one channel, its jobs, and the state they read and write.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::alloc::try_zeroed;
use crate::element::Element;
use crate::error::ConvError;

use super::super::input::InputRings;
use super::super::segment::{DelayLine, Scratch, Segment, add_limbs, ring_ranges};

/// One posted job: the period from `trigger` on, for `banks[..nbanks]`; `next` is the next
/// block to run (past the segment's last block when complete).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::stream) struct Job {
    pub trigger: usize,
    pub banks: [usize; 2],
    pub nbanks: usize,
    pub next: usize,
}

/// What a job reads and writes besides the ring.
pub(in crate::stream) struct Work<T: Element> {
    pub line: DelayLine<T>,
    /// Each input's `2·size` samples before the trigger, end to end, the one at time `u` at
    /// `u mod 2·size` of its part.
    pub window: Vec<T>,
    pub job: Option<Job>,
}

/// One segment on one channel.
pub(in crate::stream) struct Lane<T: Element> {
    pub(super) seg: usize,
    /// The channel whose input rings its jobs read.
    pub(super) channel: usize,
    /// Its jobs are the FFT head's tail sums (`Segment::tail_sum`): no window, no ring.
    pub(super) tail: bool,
    /// Its jobs run on the audio thread, workers or not (a small tail, see [`HANDOFF`]).
    pub(super) here: bool,
    pub(super) posted: AtomicUsize,
    pub(super) claimed: AtomicUsize,
    pub(super) done: AtomicUsize,
    /// Touched only by the thread holding the posted job's claim, or by the audio thread when
    /// no job is in flight (or no worker exists).
    pub(super) work: UnsafeCell<Work<T>>,
    /// The outputs, per slot (`bank · outs + output`), `ring_len` each: a job writes its range, the audio thread reads
    /// ranges whose jobs are done; they never overlap (see `ring_len`).
    pub(super) ring: Box<[UnsafeCell<T>]>,
    pub(in crate::stream) ring_len: usize,
}

impl<T: Element> Lane<T> {
    pub(super) fn new(
        seg: &Segment<T>,
        (index, tail, here): (usize, bool, bool),
        banks: usize,
        channel: usize,
    ) -> Result<Self, ConvError> {
        let size = seg.spec.size;
        // A job posted at T writes T - size + offset .. T + offset while the audio thread
        // reads from T on: `offset` apart at most, so a ring of `offset + size` (rounded to
        // whole periods) never has the two meet.
        let ring_len = if tail {
            0
        } else {
            (seg.spec.offset / size + 2) * size
        };
        let ring = try_zeroed::<T>(banks * seg.outs * ring_len)?;
        let window = if tail { 0 } else { seg.ins * 2 * size };
        Ok(Lane {
            seg: index,
            channel,
            tail,
            here,
            posted: AtomicUsize::new(0),
            claimed: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            work: UnsafeCell::new(Work {
                line: seg.new_line()?,
                window: try_zeroed(window)?,
                job: None,
            }),
            ring: ring.into_iter().map(UnsafeCell::new).collect(),
            ring_len,
        })
    }

    /// The ring's `len` outputs from time `first` on, in slot `slot` (`bank · outs + output`),
    /// as two ranges.
    ///
    /// # Safety
    /// No other thread may access these outputs while the slices live.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn range(&self, slot: usize, first: usize, len: usize) -> [&mut [T]; 2] {
        let base = slot * self.ring_len;
        ring_ranges(self.ring_len, first, len).map(|r| {
            let cells = &self.ring[base + r.start..base + r.end];
            // SAFETY: `UnsafeCell<T>` has `T`'s layout; the caller excludes other accesses.
            unsafe { std::slice::from_raw_parts_mut(UnsafeCell::raw_get(cells.as_ptr()), r.len()) }
        })
    }

    /// The whole ring.
    ///
    /// # Safety
    /// No other thread may access the ring while the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn whole(&self) -> &mut [T] {
        let len = self.ring.len();
        // SAFETY: as `range`.
        unsafe { std::slice::from_raw_parts_mut(UnsafeCell::raw_get(self.ring.as_ptr()), len) }
    }

    /// Runs the posted job's blocks up to `upto` (all of them for `usize::MAX`), the first
    /// one starting with the copy of its window out of `inputs`.
    ///
    /// # Safety
    /// The caller holds the job's claim, or no other thread touches the lane; the job is not
    /// complete before its lane's next trigger (`input.rs`).
    pub(super) unsafe fn advance(
        &self,
        seg: &Segment<T>,
        inputs: &InputRings<T>,
        upto: usize,
        p0: usize,
        scratch: &mut Scratch<T>,
    ) {
        // SAFETY: exclusive by the caller's contract.
        let work = unsafe { &mut *self.work.get() };
        let Some(job) = &mut work.job else { return };
        if self.tail {
            // One block of work, due at the head's next complete block.
            if job.next == 0 {
                seg.tail_sum(&mut work.line, job.trigger, &job.banks[..job.nbanks]);
                job.next = 1;
            }
            return;
        }
        let size = seg.spec.size;
        let first = job.trigger + seg.spec.offset - size;
        let slots = self.ring.len() / self.ring_len;
        while job.next <= upto.min(seg.last_block()) {
            if job.next == 0 {
                // SAFETY: the job's window, which the audio thread does not write before the
                // job is complete (the caller's contract).
                unsafe {
                    inputs.copy_window(self.channel, job.trigger, 2 * size, &mut work.window)
                };
                for slot in 0..slots {
                    // SAFETY: this job's range, which the audio thread reads only once done.
                    let [a, b] = unsafe { self.range(slot, first, size) };
                    a.fill(T::default());
                    b.fill(T::default());
                }
            }
            let t = job.trigger + job.next * p0;
            let out = |slot: usize, shift: u32, at: usize, values: &[_]| {
                debug_assert_eq!(at, first);
                // SAFETY: as above.
                let [a, b] = unsafe { self.range(slot, at, values.len()) };
                add_limbs(a, b, shift, values);
            };
            let banks = &job.banks[..job.nbanks];
            seg.step(&mut work.line, banks, t, p0, &work.window, out, scratch);
            job.next += 1;
        }
    }

    /// Claims the posted job if nobody has: the claim's owner runs it.
    pub(super) fn claim(&self) -> Option<usize> {
        let posted = self.posted.load(Ordering::Acquire);
        let claimed = self.claimed.load(Ordering::Acquire);
        (claimed < posted)
            .then(|| {
                self.claimed
                    .compare_exchange(claimed, claimed + 1, Ordering::AcqRel, Ordering::Acquire)
                    .ok()
            })
            .flatten()
    }

    pub(super) fn idle(&self) -> bool {
        self.done.load(Ordering::Acquire) == self.posted.load(Ordering::Acquire)
    }

    /// Whether a posted job is unclaimed, sequentially consistent with the audio thread's
    /// posting and its reading of [`Pace::parked`].
    pub(super) fn unclaimed(&self) -> bool {
        self.claimed.load(Ordering::SeqCst) < self.posted.load(Ordering::SeqCst)
    }
}
