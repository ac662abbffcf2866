//! Wall-clock timing in batches, and the spread of the batches: shared by `convolve bench`
//! (and meant for anything else that measures this machine).
//!
//! One number per call hides how noisy a shared machine is (a cell moved from 22 to 65 ms
//! between two runs and its winner flipped), so every measurement is several batches of
//! repeated calls, summarized as min / median / max seconds per call.

use std::time::{Duration, Instant};

use anyhow::Result;

/// Seconds per call over the batches of one measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Stats {
    /// The summary of per-call times (`None` for no samples). The median of an even count is
    /// the mean of the middle two.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let k = s.len();
        let median = match k {
            0 => return None,
            _ if k % 2 == 1 => s[k / 2],
            _ => (s[k / 2 - 1] + s[k / 2]) / 2.0,
        };
        Some(Stats {
            min: s[0],
            median,
            max: s[k - 1],
        })
    }

    /// max / min: 1.0 for a steady machine.
    pub fn spread(&self) -> f64 {
        self.max / self.min
    }

    /// Whether this median lies within `other`'s range of batches: on another run, the two
    /// could come out in either order.
    pub fn median_within(&self, other: &Stats) -> bool {
        other.min <= self.median && self.median <= other.max
    }
}

/// Seconds per call of `f`, calling it until `target` has elapsed (at least once).
pub fn per_call(target: Duration, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    let mut calls = 0u32;
    while calls == 0 || start.elapsed() < target {
        f()?;
        calls += 1;
    }
    Ok(start.elapsed().as_secs_f64() / f64::from(calls))
}

/// Times each closure in `batches` batches of at least `target`, the batches interleaved
/// (a, b, c, a, b, c, ...) so that a change in the machine's load falls on every closure
/// alike. Each closure is called once first, unmeasured, to warm caches and plans. (Closures
/// of different types go in as `Box<dyn FnMut() -> Result<()>>`.)
pub fn interleaved<F: FnMut() -> Result<()>>(
    batches: usize,
    target: Duration,
    fs: &mut [F],
) -> Result<Vec<Stats>> {
    for f in fs.iter_mut() {
        f()?;
    }
    let mut samples = vec![Vec::with_capacity(batches); fs.len()];
    for _ in 0..batches.max(1) {
        for (f, s) in fs.iter_mut().zip(&mut samples) {
            s.push(per_call(target, &mut *f)?);
        }
    }
    Ok(samples
        .iter()
        .map(|s| Stats::of(s).expect("at least one batch"))
        .collect())
}

/// "12.3 µs", "4.56 ms", "1.23 s".
pub fn fmt_seconds(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_odd_and_even_counts() {
        let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        let s = Stats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!((s.min, s.median, s.max), (1.0, 2.5, 4.0));
        assert_eq!(s.spread(), 4.0);
        assert!(Stats::of(&[]).is_none());
    }

    #[test]
    fn median_within_a_range() {
        let a = Stats::of(&[1.0, 2.0, 3.0]).unwrap();
        let b = Stats::of(&[2.5, 2.9, 9.0]).unwrap();
        let c = Stats::of(&[2.0, 3.1, 3.2]).unwrap();
        assert!(b.median_within(&a) && !c.median_within(&a));
        assert!(!a.median_within(&b));
    }

    #[test]
    fn interleaved_calls_each_closure_per_batch() {
        let (mut x, mut y) = (0, 0);
        let stats = {
            let mut fs: [Box<dyn FnMut() -> Result<()>>; 2] = [
                Box::new(|| {
                    x += 1;
                    Ok(())
                }),
                Box::new(|| {
                    y += 1;
                    Ok(())
                }),
            ];
            interleaved(3, Duration::ZERO, &mut fs).unwrap()
        };
        assert_eq!((stats.len(), x, y), (2, 4, 4));
        assert!(stats.iter().all(|s| s.min <= s.median && s.median <= s.max));
    }
}
