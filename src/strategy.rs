//! The cost model behind `Method::Auto`.
//!
//! Each method's time is predicted from the lengths alone (plus, for integers, the exactness
//! guard, which needs the data's norms) and the cheapest is taken. The constants are per-element
//! costs measured with `cargo bench --bench methods` on the project machine (AMD EPYC, 2 cores,
//! AVX2+FMA); each one names the measurement that set it.

use crate::element::Kind;
use crate::element::private::Scalar;
use crate::fft::{cyclic_len, fast_lens_from};
use crate::mode::{Op, kept_range};
use crate::{Method, Mode};

/// Measured costs of one element family, in nanoseconds.
struct Costs {
    /// One multiply-accumulate of the direct kernel (`direct` rows, m = 64..1024).
    per_mac: f64,
    /// One real FFT of length L costs `per_nlogn · L · log2 L` (`fft_floor` group).
    per_nlogn: f64,
    /// Fixed cost of a transform-based call: planning lookup, allocation, setup.
    fft_overhead: f64,
}

fn costs(kind: Kind) -> Costs {
    match kind {
        Kind::F64 => Costs {
            per_mac: 0.070,
            per_nlogn: 0.45,
            fft_overhead: 1500.0,
        },
        Kind::F32 => Costs {
            per_mac: 0.036,
            per_nlogn: 0.30,
            fft_overhead: 1500.0,
        },
        Kind::ComplexF64 => Costs {
            per_mac: 0.40,
            per_nlogn: 0.90,
            fft_overhead: 1500.0,
        },
        Kind::ComplexF32 => Costs {
            per_mac: 0.25,
            per_nlogn: 0.60,
            fft_overhead: 1500.0,
        },
        Kind::I32 => Costs {
            per_mac: 0.10,
            per_nlogn: 0.45,
            fft_overhead: 1500.0,
        },
        Kind::I64 => Costs {
            per_mac: 0.30,
            per_nlogn: 0.45,
            fft_overhead: 1500.0,
        },
    }
}

/// What `Method::Auto` does for `f64` inputs of these lengths.
///
/// ```
/// use convolve::{choose_method, Method, Mode};
/// assert_eq!(choose_method(100, 3, Mode::Full), Method::Direct);
/// assert_eq!(choose_method(100_000, 100_000, Mode::Full), Method::Fft);
/// assert_eq!(choose_method(1_000_000, 5_000, Mode::Full), Method::OverlapAdd);
/// ```
pub fn choose_method(a_len: usize, v_len: usize, mode: Mode) -> Method {
    match kept_range(a_len, v_len, mode, Op::Convolve) {
        Ok((lo, len)) => {
            let (n, m) = (a_len.max(v_len), a_len.min(v_len));
            Plan::new(Kind::F64, n, m, lo, len).cheapest(true, true)
        }
        Err(_) => Method::Direct,
    }
}

/// The concrete method for `Auto` on these inputs (`x` the longer one).
pub(crate) fn select<T: Scalar>(x: &[T], y: &[T], lo: usize, len: usize) -> Method {
    if direct_is_obviously_cheapest(T::KIND, x.len(), y.len(), lo, len) {
        return Method::Direct;
    }
    let plan = Plan::new(T::KIND, x.len(), y.len(), lo, len);
    let fft_ok = plan.fft_len.is_some_and(|l| T::fft_is_exact(x, y, l));
    let oa_ok = T::fft_is_exact(x, y, plan.block_len);
    plan.cheapest(fft_ok, oa_ok)
}

/// Small problems: the direct sum costs less than a transform's fixed overhead, so the
/// other methods need not be costed at all (costing them takes about a microsecond).
fn direct_is_obviously_cheapest(kind: Kind, n: usize, m: usize, lo: usize, len: usize) -> bool {
    let c = costs(kind);
    macs(n, m, lo, lo + len) * c.per_mac < c.fft_overhead
}

/// The overlap-add transform length for these inputs: the even 7-smooth `L >= 2m` with the
/// least predicted work per output sample (two transforms and a product per `L - m + 1` new
/// samples), searched up to `64m` or the whole product, whichever is shorter.
pub(crate) fn block_len(kind: Kind, n: usize, m: usize) -> usize {
    let c = costs(kind);
    let full = n + m - 1;
    let limit = full.min(m.saturating_mul(64)).max(2 * m);
    let mut best = (f64::INFINITY, 0);
    for cand in fast_lens_from(2 * m) {
        let per_out =
            (2.0 * fft_ns(&c, cand) + 2.0 * cand as f64 * c.per_nlogn) / (cand - m + 1) as f64;
        if per_out < best.0 {
            best = (per_out, cand);
        }
        if cand >= limit {
            break;
        }
    }
    if best.1 == 0 {
        // Beyond the table (m > 2^51): a power of two, which the caller's allocation will refuse.
        best.1 = (2 * m).checked_next_power_of_two().unwrap_or(usize::MAX);
    }
    best.1
}

fn fft_ns(c: &Costs, len: usize) -> f64 {
    let l = len as f64;
    c.per_nlogn * l * l.log2().max(1.0)
}

/// The predicted costs of the three methods for one problem.
struct Plan {
    direct: f64,
    fft: f64,
    overlap_add: f64,
    fft_len: Option<usize>,
    block_len: usize,
}

impl Plan {
    fn new(kind: Kind, n: usize, m: usize, lo: usize, len: usize) -> Plan {
        let c = costs(kind);
        let direct = macs(n, m, lo, lo + len) * c.per_mac;

        let fft_len = cyclic_len(n, m, lo, lo + len).ok();
        let fft = fft_len.map_or(f64::INFINITY, |l| {
            3.0 * fft_ns(&c, l) + 2.0 * l as f64 * c.per_nlogn + c.fft_overhead
        });

        let block_len = block_len(kind, n, m);
        let step = block_len - m + 1;
        let first = lo.saturating_sub(m - 1) / step;
        let last = (lo + len).min(n).div_ceil(step);
        let blocks = last.saturating_sub(first) as f64;
        let overlap_add = (2.0 * blocks + 1.0) * fft_ns(&c, block_len)
            + blocks * 2.0 * block_len as f64 * c.per_nlogn
            + c.fft_overhead;

        Plan {
            direct,
            fft,
            overlap_add,
            fft_len,
            block_len,
        }
    }

    fn cheapest(&self, fft_ok: bool, oa_ok: bool) -> Method {
        let mut best = (self.direct, Method::Direct);
        if fft_ok && self.fft < best.0 {
            best = (self.fft, Method::Fft);
        }
        // Overlap-add only pays when the long input spans several blocks.
        if oa_ok && self.overlap_add < best.0 && self.block_len < self.fft_len.unwrap_or(usize::MAX)
        {
            best = (self.overlap_add, Method::OverlapAdd);
        }
        best.1
    }
}

/// Multiply-accumulates of the direct kernel for outputs `lo .. hi` of an `n`-by-`m` product
/// (`n >= m`): output `t` has `min(t, m-1) - max(0, t-n+1) + 1` taps.
pub(crate) fn macs(n: usize, m: usize, lo: usize, hi: usize) -> f64 {
    // Taps up to output t (exclusive), as a closed form in f64 (exact below 2^53).
    let prefix = |t: usize| -> f64 {
        let (t, n, m) = (t as f64, n as f64, m as f64);
        let rising = if t <= m {
            t * (t + 1.0) / 2.0
        } else {
            m * (m + 1.0) / 2.0 + (t - m) * m
        };
        let falling = if t <= n {
            0.0
        } else {
            (t - n) * (t - n + 1.0) / 2.0
        };
        rising - falling
    };
    prefix(hi) - prefix(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_count_matches_a_loop() {
        for n in 1..20usize {
            for m in 1..=n {
                for lo in 0..n + m - 1 {
                    for hi in lo..=n + m - 1 {
                        let count: usize = (lo..hi)
                            .map(|t| (m - 1).min(t) + 1 - (t + 1).saturating_sub(n))
                            .sum();
                        assert_eq!(macs(n, m, lo, hi), count as f64, "{n} {m} {lo} {hi}");
                    }
                }
            }
        }
    }

    #[test]
    fn block_len_exceeds_the_kernel() {
        for m in [1, 3, 64, 1000, 16384] {
            let b = block_len(Kind::F64, 10_000_000, m);
            assert!(b >= 2 * m && b <= 64 * m.max(2) * 2, "m={m} block={b}");
        }
    }
}
