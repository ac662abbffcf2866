//! A criterion measurement of the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
//!
//! The project machine has 2 cores shared with builds and other benchmarks; wall-clock medians
//! there move by 2x when the benchmark thread is descheduled. CPU time counts only the cycles
//! the thread ran, so single-threaded comparisons stay stable under load (cache and memory
//! bandwidth contention still show). Set `CONVOLVE_BENCH_WALL=1` to measure wall time instead.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

pub struct ThreadCpuTime;

/// The calling thread's CPU time so far (one system call: about 0.1-0.5 µs).
pub fn now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }
    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, as for wall time, so criterion's own formatter applies.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

/// True when the caller asked for wall-clock measurements.
#[allow(dead_code)]
pub fn wall_requested() -> bool {
    std::env::var_os("CONVOLVE_BENCH_WALL").is_some()
}
