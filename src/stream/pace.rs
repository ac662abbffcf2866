//! When the audio thread will post its next jobs, so that idle workers sleep on a timer until
//! just after, instead of being woken by the audio thread.
//!
//! Waking a parked thread is a `futex` system call, and on a virtual machine one that crosses
//! to an idle vCPU: 7-13 µs on average on the 2-vCPU AMD EPYC (Zen 4) KVM guest this was
//! measured on, with a tail several times that, on an audio thread whose whole block costs
//! 6-10 µs at 64 samples (docs/PERFORMANCE.md, "Workers that wake themselves"). Jobs are posted at
//! the lanes' triggers, every [`every`](Pace::every) samples (the smallest lane's size, which
//! every larger size is a multiple of), and none is due before [`lead`](Pace::lead) samples
//! after its trigger: a worker that knows the wall time of the last posting and the stream's
//! rate sleeps until the next posting plus a quarter of that lead, runs the jobs, and sleeps
//! again. The audio thread's share is one clock read (vDSO, no system call) and three stores
//! per posting, and a wake-up only for a worker that sleeps without a timer: before the rate is
//! known, once the stream has stopped for [`STOPPED`] intervals, and when blocks come faster
//! than a timer is precise (offline processing, where the audio thread has no deadline).
//!
//! A wrong guess costs time, never a sample: a job still unclaimed when its output is due is
//! run by the audio thread (`workers.rs`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Intervals without a posting after which the stream counts as stopped: idle workers then
/// park until the audio thread wakes them (a paused host costs one wake-up when it resumes).
const STOPPED: f64 = 4.0;

/// Naps shorter than this, or a quarter lead shorter than this, are not worth a timer (whose
/// slack is 50 µs for ordinary threads on Linux): blocks come faster than real time, and the
/// worker parks until a posting wakes it. (Yielding in a loop instead kept the worker awake
/// but gave it fewer of the jobs: offline, 10 s × 1024, the audio thread ran 211-217 of 288
/// jobs against 158 with parking, and its mean block rose from 62-65 to 72-85 µs.)
const MIN_NAP: Duration = Duration::from_micros(100);

/// The share of the lead a worker lets pass after the expected posting before it looks: late
/// enough that the posting has happened despite the audio thread's jitter, early enough to
/// leave the jobs most of their lead.
const LOOK: f64 = 0.25;

/// No posting recorded yet (or one being written).
const NONE: usize = usize::MAX;

/// The audio thread's postings, as the workers see them.
pub(super) struct Pace {
    epoch: Instant,
    /// The latest posting's boundary (samples), [`NONE`] while it is being written: a reader
    /// that finds the same value before and after reading `ns` has a consistent pair.
    t: AtomicUsize,
    /// When it was posted, ns since `epoch`.
    ns: AtomicU64,
    /// Per worker: asleep without a timer, so the audio thread must wake it.
    parked: Box<[AtomicBool]>,
    /// Samples between postings.
    every: usize,
    /// Samples from a trigger to the first output its jobs must have written.
    lead: usize,
}

/// What one worker has seen of the postings.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Seen {
    latest: Option<(usize, u64)>,
    /// The last two measured rates (ns per sample); the smaller one is used, so that one
    /// interval spanning a pause does not stretch the naps.
    rates: [Option<f64>; 2],
}

/// What an idle worker does next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Wait {
    /// Sleep this long (or until woken).
    Nap(Duration),
    /// No rate yet, the stream has stopped, or postings come faster than a timer: sleep
    /// until the audio thread wakes it.
    Park,
}

impl Pace {
    pub fn new(workers: usize, every: usize, lead: usize) -> Self {
        Pace {
            epoch: Instant::now(),
            t: AtomicUsize::new(NONE),
            ns: AtomicU64::new(0),
            parked: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            every: every.max(1),
            lead,
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The audio thread: jobs were posted at boundary `t`, now.
    pub fn stamp(&self, t: usize) {
        self.t.store(NONE, Ordering::SeqCst);
        self.ns.store(self.now(), Ordering::SeqCst);
        self.t.store(t.min(NONE - 1), Ordering::SeqCst);
    }

    fn latest(&self) -> Option<(usize, u64)> {
        let t = self.t.load(Ordering::SeqCst);
        let ns = self.ns.load(Ordering::SeqCst);
        (t != NONE && self.t.load(Ordering::SeqCst) == t).then_some((t, ns))
    }

    /// Worker `me` sleeps without a timer (`true`) or is awake again. The audio thread reads
    /// it after releasing a job, the worker writes it before looking for jobs a last time,
    /// both sequentially consistent: one of the two sees the other.
    pub fn set_parked(&self, me: usize, parked: bool) {
        self.parked[me].store(parked, Ordering::SeqCst);
    }

    pub fn parked(&self, worker: usize) -> bool {
        self.parked[worker].load(Ordering::SeqCst)
    }

    /// What idle worker `seen` does now.
    pub fn wait(&self, seen: &mut Seen) -> Wait {
        if let Some(latest) = self.latest() {
            seen.update(latest);
        }
        seen.wait(self.now(), self.every, self.lead)
    }
}

impl Seen {
    /// Takes posting `(t, ns)` in: a later boundary measures the rate since the one before.
    fn update(&mut self, (t, ns): (usize, u64)) {
        match self.latest {
            Some((t0, _)) if t0 == t => return,
            Some((t0, ns0)) if t0 < t && ns0 <= ns => {
                let rate = (ns - ns0) as f64 / (t - t0) as f64;
                self.rates = [self.rates[1], Some(rate)];
            }
            // The first, or the stream went back (reset): measure afresh.
            _ => self.rates = [None; 2],
        }
        self.latest = Some((t, ns));
    }

    /// At `now` (ns), with postings every `every` samples and jobs due `lead` samples after.
    fn wait(&self, now: u64, every: usize, lead: usize) -> Wait {
        let (Some((_, ns)), [Some(a), Some(b)]) = (self.latest, self.rates) else {
            return Wait::Park;
        };
        let rate = a.min(b);
        let interval = rate * every as f64;
        let next = ns as f64 + interval;
        let look = rate * lead as f64 * LOOK;
        let now = now as f64;
        if now > next + STOPPED * interval {
            return Wait::Park;
        }
        if look < MIN_NAP.as_nanos() as f64 {
            // Jobs are due sooner after their posting than a timer is precise (blocks come
            // faster than real time): a nap could overshoot their lead.
            return Wait::Park;
        }
        // Before the expected posting, until just after it; after it (the posting is late),
        // look again every `look`.
        let nap = if now < next + look {
            next + look - now
        } else {
            look
        };
        let nap = Duration::from_nanos(nap as u64);
        if nap < MIN_NAP {
            Wait::Park
        } else {
            Wait::Nap(nap)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    /// Postings every 256 samples at 48 kHz (5.33 ms), jobs due 192 samples after (4 ms).
    fn paced(postings: usize) -> Seen {
        let mut seen = Seen::default();
        for k in 0..postings {
            seen.update((256 * k, (256 * k) as u64 * 1_000_000_000 / 48_000));
        }
        seen
    }

    fn nap_ms(w: Wait) -> f64 {
        match w {
            Wait::Nap(d) => d.as_secs_f64() * 1e3,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parks_until_the_rate_is_known() {
        assert_eq!(paced(0).wait(0, 256, 192), Wait::Park);
        assert_eq!(paced(2).wait(6 * MS, 256, 192), Wait::Park);
    }

    #[test]
    fn naps_until_just_after_the_next_posting() {
        let seen = paced(3); // the last at 10.67 ms, the next due at 16 ms
        // 16 ms + a quarter of the 4 ms lead = 17 ms.
        assert!((nap_ms(seen.wait(11 * MS, 256, 192)) - 6.0).abs() < 1e-3);
        // A late posting: look again every quarter lead.
        assert!((nap_ms(seen.wait(18 * MS, 256, 192)) - 1.0).abs() < 1e-3);
        // Four intervals without one: stopped.
        assert_eq!(seen.wait(40 * MS, 256, 192), Wait::Park);
    }

    #[test]
    fn faster_than_a_timer_parks() {
        let mut seen = Seen::default();
        for k in 0..3u64 {
            seen.update((256 * k as usize, 20_000 * k)); // 20 µs per posting: offline
        }
        assert_eq!(seen.wait(45_000, 256, 192), Wait::Park);
        // The next posting is far, but its jobs would be due 37.5 µs after it.
        assert_eq!(seen.wait(45_000, 256 * 16, 192), Wait::Park);
    }

    #[test]
    fn a_pause_does_not_stretch_the_naps() {
        let mut seen = paced(3);
        let last = (512, 512 * 1_000_000_000 / 48_000);
        // Resumed after a 1 s pause, then paced again.
        seen.update((768, last.1 + 1_000 * MS));
        seen.update((1024, last.1 + 1_000 * MS + 5_333_333));
        let now = last.1 + 1_000 * MS + 6 * MS;
        assert!((nap_ms(seen.wait(now, 256, 192)) - 5.667).abs() < 0.01);
    }

    #[test]
    fn a_reset_measures_afresh() {
        let mut seen = paced(3);
        seen.update((0, 20 * MS));
        assert_eq!(seen.wait(21 * MS, 256, 192), Wait::Park);
    }

    #[test]
    fn stamps_read_back() {
        let pace = Pace::new(1, 256, 192);
        assert_eq!(pace.latest(), None);
        pace.stamp(512);
        assert_eq!(pace.latest().map(|l| l.0), Some(512));
        let mut seen = Seen::default();
        assert_eq!(pace.wait(&mut seen), Wait::Park);
        assert!(!pace.parked(0));
        pace.set_parked(0, true);
        assert!(pace.parked(0));
    }
}
