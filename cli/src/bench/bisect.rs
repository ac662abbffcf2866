//! Where the fastest method changes as the kernel grows: located by bisection on a geometric
//! scale between two grid cells with different winners, rather than read off a ×4 grid.
//!
//! The routines here take the comparison as a closure, so that the search is tested on
//! synthetic costs and the timing lives with the caller.

use anyhow::Result;
use convolve::Method;

/// One change of the fastest method along the kernel length `m`, at signal length `n`.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossover {
    pub n: usize,
    pub from: Method,
    pub to: Method,
    /// The longest kernel measured where `from` still won.
    pub m_low: usize,
    /// The shortest kernel measured where `to` won: the crossover reported.
    pub m_high: usize,
    /// Where `choose_method_for` first leaves `from`, and for what: `to` when the model agrees
    /// (None: it never leaves `from` at this n).
    pub model: Option<(usize, Method)>,
}

/// The kernel length in `(lo, hi]` from which `to_wins` holds, given that it fails at `lo` and
/// holds at `hi`, as the bracket `(last failing, first holding)`: probes at the geometric
/// midpoint until `hi / lo <= 1 + precision` or the two are adjacent.
pub fn bisect(
    mut lo: usize,
    mut hi: usize,
    precision: f64,
    mut to_wins: impl FnMut(usize) -> Result<bool>,
) -> Result<(usize, usize)> {
    while hi > lo + 1 && hi as f64 > lo as f64 * (1.0 + precision) {
        let mid = ((lo as f64 * hi as f64).sqrt().round() as usize).clamp(lo + 1, hi - 1);
        if to_wins(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok((lo, hi))
}

/// The brackets `(m_low, m_high, from, to)` where the winner of consecutive cells of one
/// signal length (ordered by kernel length) differs.
pub fn changes(row: &[(usize, Method)]) -> Vec<(usize, usize, Method, Method)> {
    row.windows(2)
        .filter(|w| w[0].1 != w[1].1)
        .map(|w| (w[0].0, w[1].0, w[0].1, w[1].1))
        .collect()
}

/// Every kernel length in `1..=max_m` at which `pick` changes, exactly (`(m, before, after)`):
/// a scan in steps of 5 %, then integer bisection inside each step that changed. `pick` is
/// the cost model's choice, which costs nothing to ask.
pub fn model_changes(max_m: usize, pick: impl Fn(usize) -> Method) -> Vec<(usize, Method, Method)> {
    let mut out = Vec::new();
    let (mut m, mut at) = (1usize, pick(1));
    while m < max_m {
        let next = ((m as f64 * 1.05).ceil() as usize).max(m + 1).min(max_m);
        let there = pick(next);
        if there != at {
            let (mut lo, mut hi) = (m, next);
            while hi > lo + 1 {
                let mid = lo + (hi - lo) / 2;
                if pick(mid) == at { lo = mid } else { hi = mid }
            }
            // A change back and forth inside one 5 % step is reported as the first change only.
            out.push((hi, at, pick(hi)));
            at = pick(hi);
            if at != there {
                out.push((next, at, there));
            }
            at = there;
        }
        m = next;
    }
    out
}

/// The model's switch matching a measured `from -> to`: the first change from `from` to
/// `to`, else the first change away from `from` (to whatever the model prefers).
pub fn model_for(
    model: &[(usize, Method, Method)],
    from: Method,
    to: Method,
) -> Option<(usize, Method)> {
    let leaving = || model.iter().filter(move |&&(_, f, _)| f == from);
    leaving()
        .find(|&&(_, _, t)| t == to)
        .or_else(|| leaving().next())
        .map(|&(m, _, t)| (m, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Synthetic costs (no timing): direct n·m, overlap-add 10·n·log2(2m) + 20·m·log2(m), fft
    /// 8·(n+m)·log2(n+m) + 2·10⁶ of fixed cost; the winner is the cheapest.
    fn winner(n: usize, m: usize) -> Method {
        let (n, m) = (n as f64, m as f64);
        let costs = [
            (n * m, Method::Direct),
            (
                10.0 * n * (2.0 * m).log2() + 20.0 * m * m.log2(),
                Method::OverlapAdd,
            ),
            (8.0 * (n + m) * (n + m).log2() + 2e6, Method::Fft),
        ];
        costs
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("three")
            .1
    }

    #[test]
    fn bisection_brackets_a_synthetic_crossover_within_ten_percent() {
        let n = 100_000;
        let grid: Vec<(usize, Method)> = [4, 16, 64, 256, 1024, 4096, 16_384, 65_536]
            .iter()
            .map(|&m| (m, winner(n, m)))
            .collect();
        let found = changes(&grid);
        assert_eq!(
            found.iter().map(|c| (c.2, c.3)).collect::<Vec<_>>(),
            [
                (Method::Direct, Method::OverlapAdd),
                (Method::OverlapAdd, Method::Fft)
            ]
        );
        for (lo, hi, from, to) in found {
            let mut probes = 0;
            let (a, b) = bisect(lo, hi, 0.1, |m| {
                probes += 1;
                Ok(winner(n, m) == to)
            })
            .unwrap();
            assert!(b as f64 <= a as f64 * 1.1 || b == a + 1, "{a}..{b}");
            assert_eq!((winner(n, a), winner(n, b)), (from, to));
            // A ×4 bracket narrows to 10 % in a handful of probes, not a scan.
            assert!(probes <= 5, "{probes} probes");
        }
    }

    #[test]
    fn bisection_stops_at_adjacent_lengths() {
        // The switch is at 7: to_wins from 7 on.
        let (lo, hi) = bisect(4, 16, 0.0, |m| Ok(m >= 7)).unwrap();
        assert_eq!((lo, hi), (6, 7));
    }

    #[test]
    fn bisection_passes_on_errors() {
        assert!(bisect(4, 64, 0.1, |_| anyhow::bail!("timing failed")).is_err());
    }

    #[test]
    fn model_changes_are_exact() {
        let pick = |m: usize| {
            if m < 37 {
                Method::Direct
            } else if m < 5000 {
                Method::OverlapAdd
            } else {
                Method::Fft
            }
        };
        let found = model_changes(100_000, pick);
        assert_eq!(
            found,
            [
                (37, Method::Direct, Method::OverlapAdd),
                (5000, Method::OverlapAdd, Method::Fft)
            ]
        );
        assert_eq!(
            model_for(&found, Method::OverlapAdd, Method::Fft),
            Some((5000, Method::Fft))
        );
        assert_eq!(
            model_for(&found, Method::Direct, Method::Fft),
            Some((37, Method::OverlapAdd))
        );
        assert_eq!(model_for(&found, Method::Fft, Method::Direct), None);
        assert!(changes(&[(4, Method::Fft), (16, Method::Fft)]).is_empty());
    }
}
