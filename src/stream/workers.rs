//! The long partitions, as jobs that background threads may run
//! ([`StreamBuilder::worker_threads`](super::StreamBuilder::worker_threads)).
//!
//! Every segment of at least [`BACKGROUND`] blocks is a *lane* per channel: its delay line, a
//! copy of the inputs its next transform reads, and a ring of its own outputs. At each of its
//! triggers `T` the audio thread posts a *job*: the whole period's work (the copy of the
//! inputs before `T` out of the channel's input rings, forward transform, multiply-adds,
//! inverse), with the banks running at `T`. The job writes its `size` outputs, from `T - size + offset` on, into the lane's ring; the audio
//! thread adds the rings to its output, lane by lane in a fixed order.
//!
//! The FFT head's tail (`layout::split_head`) is a lane too, of one block per period, with
//! neither window nor ring: the head hands it each block's spectra, its job sums its
//! partitions' products into its delay line's sums, and the head adds them to its own at the
//! end of the next block (`Background::head_parts`).
//!
//! Without workers the audio thread runs each job block by block, spread over the period as
//! the schedule says (`segment.rs`). With workers a job runs at once on a worker; one that is
//! not done when its first output is due (or at the lane's next trigger) is computed by the
//! audio thread if no worker has started it, or waited for. A job's result depends only on the
//! lane's state when it was posted, so the output is the same bits with any number of workers
//! and any scheduling.
//!
//! Synchronization is lock-free: per lane, three counters (`posted`, `claimed`, `done`). The
//! audio thread writes a job, then releases `posted`; whoever wins the compare-and-swap on
//! `claimed` runs it and releases `done`. Idle workers spin briefly, then sleep on a timer
//! until just after the next posting (`pace.rs`), so the audio thread wakes no one; only a
//! worker that sleeps without a timer (before the stream's rate is known, or after it has
//! stopped) is unparked, a `futex` wake system call. The audio thread waits only for a late
//! job a worker has started: it spins, then yields.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crate::alloc::{TryClone, try_copy};
use crate::element::Element;
use crate::error::ConvError;
use crate::parallel::fork;

use super::input::InputRings;
use super::pace::{Pace, Seen, Wait};
use super::segment::{DelayLine, Scratch, Segment};

mod lane;

pub(super) use lane::{Job, Lane, Work};

/// Segments of at least this many blocks per period are lanes: their jobs then have at least
/// `BACKGROUND - 1` blocks of slack (the layout's `offset >= 2·size - p0`).
pub(super) const BACKGROUND: usize = 2;

/// A head's tail (`layout::split_head`) whose job has fewer multiply-adds than this stays on
/// the audio thread even with workers: its sums would cross between cores, and the worker
/// wake once per block, for less work than that costs (docs/PERFORMANCE.md, "The head's
/// tail").
const HANDOFF: usize = 2048;

/// Spins of an idle worker before it parks, and of the audio thread waiting for a started job
/// before it yields.
const SPIN: usize = 200;

/// What the workers share with the audio thread.
pub(super) struct Shared<T: Element> {
    /// The lanes' segments (kernel spectra); changed only when no job is in flight.
    segments: Vec<UnsafeCell<Segment<T>>>,
    pub lanes: Vec<Lane<T>>,
    /// Written by the audio thread only; a job reads its window (`input.rs`).
    inputs: InputRings<T>,
    p0: usize,
    banks: usize,
    pace: Pace,
    stop: AtomicBool,
    /// Tests: microseconds a worker sleeps after claiming a job; `usize::MAX`: never claim.
    #[cfg(test)]
    pub stall: AtomicUsize,
}

// SAFETY: the cells are accessed as documented on `Lane` and `Shared`: a job's work and ring
// range by the one thread that claimed it (the counters' release/acquire order these accesses
// after the audio thread's writes and before its reads), the segments mutably only when no job
// is in flight and shared otherwise (`Segment` is `Sync`: plans behind `Arc<dyn Fft>`).
unsafe impl<T: Element> Sync for Shared<T> {}

/// The lanes of one convolver and its worker threads.
pub(super) struct Background<T: Element> {
    pub shared: Arc<Shared<T>>,
    threads: Vec<JoinHandle<()>>,
    /// The worker count asked for (the threads are gone in a forked child).
    pub workers: usize,
    /// The fork generation the threads were started in.
    generation: usize,
    /// Per lane, the trigger of a job posted to the workers and not yet seen done.
    pending: Vec<Option<usize>>,
    channels: usize,
}

impl<T: Element> Shared<T> {
    /// The state shared by `lanes` (of `segments`) and `workers` threads.
    fn new(
        segments: Vec<UnsafeCell<Segment<T>>>,
        lanes: Vec<Lane<T>>,
        inputs: InputRings<T>,
        (p0, banks): (usize, usize),
        workers: usize,
    ) -> Self {
        // The lanes workers run. SAFETY: not shared yet.
        let specs = lanes
            .iter()
            .filter(|l| !l.here)
            .map(|l| unsafe { (*segments[l.seg].get()).spec });
        let every = specs.clone().map(|s| s.size).min().unwrap_or(p0);
        let lead = specs
            .map(|s| s.offset.saturating_sub(s.size))
            .min()
            .unwrap_or(p0);
        Shared {
            segments,
            lanes,
            inputs,
            p0,
            banks,
            pace: Pace::new(workers, every, lead),
            stop: AtomicBool::new(false),
            #[cfg(test)]
            stall: AtomicUsize::new(0),
        }
    }

    /// Runs lane `i`'s job if it can claim it.
    fn run_claimed(&self, i: usize, scratch: &mut Scratch<T>) -> bool {
        let lane = &self.lanes[i];
        let Some(claim) = lane.claim() else {
            return false;
        };
        #[cfg(test)]
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("convolve-stream"))
        {
            let micros = self.stall.load(Ordering::Relaxed).min(1_000_000) as u64;
            std::thread::sleep(std::time::Duration::from_micros(micros));
        }
        // SAFETY: segments are only changed with no job in flight, and this one is.
        let seg = unsafe { &*self.segments[lane.seg].get() };
        // SAFETY: we hold the claim.
        unsafe { lane.advance(seg, &self.inputs, usize::MAX, self.p0, scratch) };
        lane.done.store(claim + 1, Ordering::Release);
        true
    }

    /// Makes lane `i`'s posted job complete: with `here`, runs the rest of it on this thread;
    /// otherwise as [`finish`](Self::finish).
    ///
    /// # Safety
    /// With `here`, no worker may touch the lane: none exists, or it is never posted to them.
    unsafe fn complete(&self, i: usize, here: bool, scratch: &mut Scratch<T>) {
        if !here {
            return self.finish(i, scratch);
        }
        let lane = &self.lanes[i];
        // SAFETY: segments change only with no job in flight, through `Background`'s
        // `&mut self`.
        let seg = unsafe { &*self.segments[lane.seg].get() };
        // SAFETY: no other thread touches the lane (the caller's contract).
        unsafe { lane.advance(seg, &self.inputs, usize::MAX, self.p0, scratch) };
    }

    /// Makes lane `i`'s posted job complete: runs it here unless a worker has started it,
    /// then waits for that worker.
    fn finish(&self, i: usize, scratch: &mut Scratch<T>) {
        let lane = &self.lanes[i];
        let mut spins = 0;
        while !lane.idle() {
            if self.run_claimed(i, scratch) {
                continue;
            }
            spins += 1;
            if spins < SPIN {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// A worker: runs the jobs it can claim, its own lanes (`i mod n == me`) first.
    fn work(&self, me: usize, n: usize) {
        // SAFETY: only read for their sizes, which never change.
        let segs = self.segments.iter().map(|s| unsafe { &*s.get() });
        let Ok(mut scratch) = Scratch::new(segs, 0) else {
            return; // the audio thread runs the jobs
        };
        let lanes = self.lanes.len();
        let mut idle = 0;
        let mut seen = Seen::default();
        while !self.stop.load(Ordering::Acquire) {
            #[cfg(test)]
            if self.stall.load(Ordering::Relaxed) == usize::MAX {
                std::thread::park();
                continue;
            }
            let mut ran = false;
            for k in 0..lanes {
                let i = (k + me) % lanes;
                if (i % n == me || idle > 0) && self.run_claimed(i, &mut scratch) {
                    ran = true;
                }
            }
            if ran {
                idle = 0;
            } else if idle < SPIN {
                idle += 1;
                std::hint::spin_loop();
            } else {
                idle = 0;
                match self.pace.wait(&mut seen) {
                    Wait::Nap(d) => std::thread::park_timeout(d),
                    Wait::Park => {
                        self.pace.set_parked(me, true);
                        if !self.lanes.iter().any(Lane::unclaimed) {
                            std::thread::park();
                        }
                        self.pace.set_parked(me, false);
                    }
                }
            }
        }
    }
}

impl<T: Element> Background<T> {
    /// Lanes for `segments` on `channels` channels, with `workers` threads, reading `inputs`;
    /// with `tail`, `segments[0]` is the FFT head's tail.
    pub fn new(
        segments: Vec<Segment<T>>,
        tail: bool,
        inputs: InputRings<T>,
        channels: usize,
        (p0, banks): (usize, usize),
        workers: usize,
    ) -> Result<Self, ConvError> {
        let mut lanes = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            let tail = tail && i == 0;
            let macs = seg.spec.count * seg.bins() * seg.ins * seg.outs;
            let here = tail && macs < HANDOFF;
            for c in 0..channels {
                lanes.push(Lane::new(seg, (i, tail, here), banks, c)?);
            }
        }
        let segments = segments.into_iter().map(UnsafeCell::new).collect();
        let shared = Shared::new(segments, lanes, inputs, (p0, banks), workers);
        Ok(Self::start(shared, channels, workers))
    }

    fn start(shared: Shared<T>, channels: usize, workers: usize) -> Self {
        let pending = vec![None; shared.lanes.len()];
        let shared = Arc::new(shared);
        let generation = fork::generation();
        let n = if shared.lanes.is_empty() { 0 } else { workers };
        let threads = (0..n)
            .map_while(|me| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("convolve-stream-{me}"))
                    .spawn(move || shared.work(me, n))
                    .ok()
            })
            .collect();
        // Threads that could not start leave their lanes to the others (or the audio thread).
        Background {
            shared,
            threads,
            workers,
            generation,
            pending,
            channels,
        }
    }

    /// The lanes' segments, after [`settle`](Self::settle).
    pub fn segments_mut(&mut self) -> impl Iterator<Item = &mut Segment<T>> {
        // SAFETY: settled: no job is in flight, and none is posted while `self` is borrowed.
        self.shared
            .segments
            .iter()
            .map(|s| unsafe { &mut *s.get() })
    }

    /// The lanes' segments, read-only.
    pub fn segments(&self) -> impl Iterator<Item = &Segment<T>> {
        // SAFETY: segments change only through `segments_mut`, which needs `&mut self`.
        self.shared.segments.iter().map(|s| unsafe { &*s.get() })
    }

    /// Channel `c`'s input rings, end to end (`input.rs`).
    pub fn input(&self, c: usize) -> &[T] {
        // SAFETY: only `input_run` and `inputs_mut` write them, which need `&mut self`.
        unsafe { self.shared.inputs.channel(c) }
    }

    /// Channel `c`'s input `i` at ring positions `at .. at + len`, to write the block at
    /// time `t` with `t mod len == at`: the jobs in flight read only the windows before
    /// their triggers, which these samples never reach (`input.rs`).
    pub fn input_run(&mut self, c: usize, i: usize, at: usize, len: usize) -> &mut [T] {
        // SAFETY: as above; the audio thread (`&mut self`) is the only writer.
        unsafe { self.shared.inputs.run_mut(c, i, at, len) }
    }

    /// Every input ring, after [`settle`](Self::settle).
    pub fn inputs_mut(&mut self) -> &mut [T] {
        // SAFETY: settled: no job is in flight, and none is posted while `self` is borrowed.
        unsafe { self.shared.inputs.all_mut() }
    }

    /// The worker threads running (`StreamConvolver::running_workers`).
    pub fn running(&self) -> usize {
        if self.forked() { 0 } else { self.threads.len() }
    }

    /// Whether this process is a child forked since the threads started (they are not here).
    fn forked(&self) -> bool {
        fork::generation() != self.generation
    }

    /// Whether jobs run here (no worker threads: none asked for, or a forked child).
    fn inline(&mut self) -> bool {
        if !self.threads.is_empty() && self.forked() {
            // A forked child: the threads did not survive, and a job one had claimed may be
            // half done. Jobs restart cleanly (their ranges and sums are rewritten), so run
            // them all again here and carry on without workers.
            for lane in &self.shared.lanes {
                // SAFETY: this is the child's only thread that knows the lanes.
                let work = unsafe { &mut *lane.work.get() };
                if !lane.idle() {
                    if let Some(job) = &mut work.job {
                        job.next = 0;
                    }
                    work.line.clear_sums();
                }
                lane.claimed
                    .store(lane.posted.load(Ordering::Relaxed), Ordering::Relaxed);
                lane.done
                    .store(lane.posted.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            std::mem::forget(std::mem::take(&mut self.threads));
        }
        self.threads.is_empty()
    }

    /// Channel `c`'s lanes at block boundary `t` (after the chunk before it): posts the jobs
    /// of the lanes triggering at `t` (with `banks`), then runs this block's share of each job
    /// here, or, with workers, completes the jobs whose first outputs are due at `t`.
    pub fn boundary(&mut self, c: usize, t: usize, banks: &[usize], scratch: &mut Scratch<T>) {
        let inline = self.inline();
        let p0 = self.shared.p0;
        let mut posted = false;
        for i in (c..self.shared.lanes.len()).step_by(self.channels) {
            let shared = &*self.shared;
            let lane = &shared.lanes[i];
            // A lane never posted to the workers is as good as without them.
            let inline = inline || lane.here;
            // SAFETY: segments change only with no job in flight, through `&mut self`.
            let seg = unsafe { &*shared.segments[lane.seg].get() };
            let size = seg.spec.size;
            if t.is_multiple_of(size) {
                // Inline, complete already (a job restarted in a forked child catches up block
                // by block, its last block before this trigger), unless a layout's offset
                // exceeds `2·size - p0`: then it completes here, before it is replaced.
                // SAFETY: inline, no worker exists or none runs this lane (never posted).
                unsafe { shared.complete(i, inline, scratch) };
                self.pending[i] = None;
                // SAFETY: no job is in flight on this lane (finished, or none posted).
                let work = unsafe { &mut *lane.work.get() };
                // The window is copied by whoever runs the job, not here: for the largest
                // partitions 32,768 samples per input, which were the audio thread's spikes.
                let mut b = [0; 2];
                b[..banks.len()].copy_from_slice(banks);
                work.job = Some(Job {
                    trigger: t,
                    banks: b,
                    nbanks: banks.len(),
                    next: 0,
                });
                if !inline {
                    lane.posted.fetch_add(1, Ordering::SeqCst);
                    self.pending[i] = Some(t);
                    posted = true;
                    let home = i % self.threads.len();
                    if shared.pace.parked(home) {
                        self.threads[home].thread().unpark();
                    }
                }
            }
            if inline {
                // SAFETY: as above.
                let block = unsafe { (*lane.work.get()).job.map(|j| (t - j.trigger) / p0) };
                if let Some(block) = block {
                    // SAFETY: as above.
                    unsafe { lane.advance(seg, &shared.inputs, block, p0, scratch) };
                }
            } else if let Some(trigger) = self.pending[i]
                && trigger + seg.spec.offset - size <= t
            {
                shared.finish(i, scratch);
                self.pending[i] = None;
            }
        }
        if posted && c == 0 {
            self.shared.pace.stamp(t);
        }
    }

    /// Channel `c`'s input rings (as [`input`](Self::input)) and, when the block completes
    /// (`full`) and the FFT head has a tail, the tail's delay line with this block's job
    /// complete: run here, or waited for if a worker has started it.
    pub fn head_parts(
        &mut self,
        c: usize,
        full: bool,
        scratch: &mut Scratch<T>,
    ) -> (&[T], Option<&mut DelayLine<T>>) {
        let tail = full && self.shared.lanes.first().is_some_and(|l| l.tail);
        if tail {
            let here = self.inline() || self.shared.lanes[c].here;
            // SAFETY: with `here`, no worker exists or none runs this lane (never posted).
            unsafe { self.shared.complete(c, here, scratch) };
            self.pending[c] = None;
        }
        let shared = &*self.shared;
        // SAFETY: only `input_run` and `inputs_mut` write the rings, which need `&mut self`.
        let input = unsafe { shared.inputs.channel(c) };
        // SAFETY: the lane's job is complete and no other is posted while `self` is borrowed.
        let line = tail.then(|| unsafe { &mut (*shared.lanes[c].work.get()).line });
        (input, line)
    }

    /// Adds channel `c`'s lanes' outputs at times `t .. t + out.len()` of slot `slot`
    /// (`bank · outs + output`) to `out` (a chunk within one block), lane by lane.
    pub fn add_output(&self, c: usize, slot: usize, t: usize, out: &mut [T]) {
        let lanes = self.shared.lanes.iter().skip(c).step_by(self.channels);
        for lane in lanes.filter(|l| !l.tail) {
            // SAFETY: the jobs writing these outputs are done (`boundary` completes a job by
            // its first output's block), and later jobs write other ranges (`ring_len`).
            let [a, b] = unsafe { lane.range(slot, t, out.len()) };
            debug_assert!(b.is_empty());
            for (o, &r) in out.iter_mut().zip(a.iter()) {
                *o = T::add(*o, r);
            }
        }
    }

    /// With workers, completes every job in flight (here, or by waiting for the worker that
    /// has started it); without, leaves them as they are (they are part of the state). In a
    /// forked child it does neither: [`lanes`](Self::lanes) says which jobs to restart.
    pub fn quiesce(&self, scratch: &mut Scratch<T>) {
        if self.threads.is_empty() || self.forked() {
            return;
        }
        for i in 0..self.shared.lanes.len() {
            self.shared.finish(i, scratch);
        }
    }

    /// Completes every job in flight, with or without workers.
    pub fn settle(&mut self, scratch: &mut Scratch<T>) {
        if self.inline() {
            self.run_all_here(scratch);
        } else {
            self.quiesce(scratch);
        }
        self.pending.fill(None);
    }

    /// Every lane's work and ring (all banks), after [`settle`](Self::settle).
    pub fn lanes_mut(&mut self) -> impl Iterator<Item = (&mut Work<T>, &mut [T])> {
        self.shared.lanes.iter().map(|lane| {
            // SAFETY: the caller has settled and holds `&mut self`: no job is in flight or
            // can be posted.
            unsafe { (&mut *lane.work.get(), lane.whole()) }
        })
    }

    /// Every lane's work and ring (all banks), after [`quiesce`](Self::quiesce), and whether
    /// its job must restart (one a worker had claimed before this process forked).
    pub fn lanes(&self) -> impl Iterator<Item = (&Work<T>, &[T], bool)> {
        let forked = !self.threads.is_empty() && self.forked();
        self.shared.lanes.iter().map(move |lane| {
            // SAFETY: the caller has quiesced and holds `&self`: no job is in flight (or, in
            // a forked child, the thread that ran it is gone) and none can be posted.
            let (work, ring) = unsafe { (&*lane.work.get(), &*lane.whole()) };
            (work, ring, forked && !lane.idle())
        })
    }

    /// Runs to the end, here, the jobs of a state loaded unfinished (saved by a convolver
    /// without workers) when this one has workers: theirs start from the first block.
    pub fn complete_loaded(&mut self, scratch: &mut Scratch<T>) {
        if !self.inline() {
            self.run_all_here(scratch);
        }
    }

    /// Runs every lane's job to the end on this thread. The caller makes sure no worker
    /// holds a job: none exists, or every posted job is done (`&mut self` posts no more).
    fn run_all_here(&mut self, scratch: &mut Scratch<T>) {
        for i in 0..self.shared.lanes.len() {
            // SAFETY: no other thread touches the lane (the caller's contract).
            unsafe { self.shared.complete(i, true, scratch) };
        }
    }

    /// A copy with its own workers (the jobs in flight completed first).
    pub fn try_clone(&self) -> Result<Self, ConvError> {
        let mut scratch = Scratch::new(self.segments(), 0)?;
        self.quiesce(&mut scratch);
        let mut lanes = Vec::new();
        for (lane, (work, ring, restart)) in self.shared.lanes.iter().zip(self.lanes()) {
            let mut line = work.line.try_clone()?;
            let mut job = work.job;
            if restart {
                line.clear_sums();
                job.iter_mut().for_each(|j| j.next = 0);
            }
            lanes.push(Lane {
                seg: lane.seg,
                channel: lane.channel,
                tail: lane.tail,
                here: lane.here,
                posted: AtomicUsize::new(0),
                claimed: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
                work: UnsafeCell::new(Work {
                    line,
                    window: try_copy(&work.window)?,
                    job,
                }),
                ring: try_copy(ring)?.into_iter().map(UnsafeCell::new).collect(),
                ring_len: lane.ring_len,
            });
        }
        let segments = self
            .segments()
            .map(|s| s.try_clone().map(UnsafeCell::new))
            .collect::<Result<_, _>>()?;
        // SAFETY: only the audio thread writes the rings, through `&mut self`.
        let inputs = unsafe { self.shared.inputs.copy()? };
        let shared = Shared::new(
            segments,
            lanes,
            inputs,
            (self.shared.p0, self.shared.banks),
            self.workers,
        );
        Ok(Self::start(shared, self.channels, self.workers))
    }
}

impl<T: Element> Drop for Background<T> {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if self.forked() {
            std::mem::forget(std::mem::take(&mut self.threads));
            return;
        }
        for t in &self.threads {
            t.thread().unpark();
        }
        for t in self.threads.drain(..) {
            // A worker that panicked has nothing left to release.
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
