//! Transform lengths: the even 7-smooth lengths and the cheapest one at or above a minimum.

use std::sync::OnceLock;

use crate::error::ConvError;

/// An even 7-smooth length with what the cost model's length searches need of it, computed once
/// (a `log2` per candidate per call was most of `Method::Auto`'s costing time).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastLen {
    pub len: usize,
    /// `max(log2 len, 1)`.
    pub log2: f64,
    /// [`radix_factor`]`(len)`.
    pub factor: f64,
}

impl FastLen {
    pub fn new(len: usize) -> Self {
        FastLen {
            len,
            log2: (len as f64).log2().max(1.0),
            factor: radix_factor(len),
        }
    }

    /// `len · log2 len`: a transform's work at the power-of-two rate.
    pub fn size(&self) -> f64 {
        self.len as f64 * self.log2
    }
}

/// Every even 7-smooth number (2^a·3^b·5^c·7^d) up to 2^52, ascending: about 25,000 entries,
/// built once. rustfft has dedicated butterflies for all four primes.
fn fast_lens() -> &'static [FastLen] {
    static TABLE: OnceLock<Vec<FastLen>> = OnceLock::new();
    TABLE.get_or_init(|| {
        const LIMIT: u64 = 1 << 52;
        let mut v = Vec::new();
        let mut p7 = 2u64;
        while p7 <= LIMIT {
            let mut p5 = p7;
            while p5 <= LIMIT {
                let mut p3 = p5;
                while p3 <= LIMIT {
                    let mut p2 = p3;
                    while p2 <= LIMIT {
                        v.push(FastLen::new(p2 as usize));
                        p2 *= 2;
                    }
                    p3 *= 3;
                }
                p5 *= 5;
            }
            p7 *= 7;
        }
        v.sort_unstable_by_key(|f| f.len);
        v
    })
}

/// The even 7-smooth length of at least `min_len` with the least predicted transform time (see
/// [`radix_factor`]), or `None` when none fits in `usize` (beyond the table: the next power of
/// two). Not always the next one: 1000 points cost more per point than 1024.
///
/// Among lengths predicted within [`COST_TIE`] of the cheapest, the one with the fewest factors
/// of 3 wins: rustfft's radix-3 butterflies multiply by `cos(2π/3)` computed as
/// `-0.4999999999999998` (2.7 ulp from -1/2), so in `f64` every factor 3 adds rounding error
/// (docs/PERFORMANCE.md, "Why `fast_len` prefers fewer factors of 3").
pub(crate) fn fast_len(min_len: usize) -> Option<usize> {
    let mut cheapest: Option<f64> = None;
    for cand in fast_len_table_from(min_len) {
        let size = cand.size();
        if cheapest.is_some_and(|cost| size >= cost) {
            // Longer lengths cost more even at the power-of-two rate.
            break;
        }
        let cost = size * cand.factor;
        if cheapest.is_none_or(|c| cost < c) {
            cheapest = Some(cost);
        }
    }
    let Some(cheapest) = cheapest else {
        return min_len.max(2).checked_next_power_of_two();
    };
    let tie = cheapest * COST_TIE;
    let mut best: Option<(u32, f64, usize)> = None;
    for cand in fast_len_table_from(min_len) {
        let size = cand.size();
        if size > tie {
            break;
        }
        let cost = size * cand.factor;
        let key = (threes(cand.len), cost, cand.len);
        if cost <= tie && best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map(|(_, _, len)| len)
}

/// Predicted transform costs this close count as equal: the lengths this tie changes measured
/// faster or within noise, a wider tie made some slower (docs/PERFORMANCE.md, "Why the cost tie
/// is 0.5 %").
const COST_TIE: f64 = 1.005;

/// The number of factors 3 in `len`.
fn threes(mut len: usize) -> u32 {
    let mut count = 0;
    while len > 0 && len.is_multiple_of(3) {
        len /= 3;
        count += 1;
    }
    count
}

/// The smallest even 7-smooth length that is at least `min_len` (for latency, where the
/// shortest length matters more than the fastest), or `None` when it would not fit in `usize`.
pub(crate) fn next_fast_len(min_len: usize) -> Option<usize> {
    fast_lens_from(min_len)
        .next()
        .or_else(|| min_len.max(2).checked_next_power_of_two())
}

/// rustfft's time per `L·log2 L` for a real transform of length `len`, relative to a power of
/// two: each factor 3, 5 or 7 costs more per unit of `log2 L` than factors of 2 (radix-4/8
/// butterflies). The weights are rates fitted to the forward `f64` transform at 237 lengths, by
/// timings that are not a committed bench (docs/PERFORMANCE.md, "The radix factors").
pub(crate) fn radix_factor(len: usize) -> f64 {
    const EXTRA: [(usize, f64); 3] = [(3, 0.019 / 0.078), (5, 0.044 / 0.078), (7, 0.035 / 0.078)];
    let log = (len.max(2) as f64).log2();
    let mut extra = 0.0;
    for (p, weight) in EXTRA {
        let mut rest = len;
        while rest > 0 && rest.is_multiple_of(p) {
            rest /= p;
            extra += weight * (p as f64).log2();
        }
    }
    1.0 + extra / log
}

/// The even 7-smooth lengths from `min_len` upwards, ascending.
pub(crate) fn fast_lens_from(min_len: usize) -> impl Iterator<Item = usize> {
    fast_len_table_from(min_len).map(|f| f.len)
}

/// [`fast_lens_from`] with what the cost searches need of each length.
pub(crate) fn fast_len_table_from(min_len: usize) -> impl Iterator<Item = FastLen> {
    let table = fast_lens();
    let start = table.partition_point(|f| f.len < min_len);
    table[start..].iter().copied()
}

/// The cyclic length for keeping `lo .. hi` of an `n`-by-`m` product free of wrap-around.
pub(crate) fn cyclic_len(n: usize, m: usize, lo: usize, hi: usize) -> Result<usize, ConvError> {
    let full = n + m - 1;
    fast_len(hi.max(full - lo)).ok_or(ConvError::LengthOverflow { a_len: n, v_len: m })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_7_smooth(mut n: usize) -> bool {
        for p in [2, 3, 5, 7] {
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        n == 1
    }

    #[test]
    fn fast_len_is_the_cheapest_even_7_smooth_with_fewest_threes() {
        let cost = |l: usize| l as f64 * (l as f64).log2() * radix_factor(l);
        for k in 0..5000 {
            let l = fast_len(k).unwrap();
            assert!(
                l >= k && l.is_multiple_of(2) && is_7_smooth(l),
                "{k} -> {l}"
            );
            // No even 7-smooth length from k up to twice l is predicted cheaper beyond the tie,
            // and one cheaper within it has more factors 3.
            for j in k.max(2)..2 * l {
                if j.is_multiple_of(2) && is_7_smooth(j) {
                    assert!(
                        cost(j) * COST_TIE >= cost(l),
                        "{k} -> {l}, but {j} is cheaper"
                    );
                    if cost(j) < cost(l) {
                        assert!(threes(j) > threes(l), "{k} -> {l}, but {j} is as accurate");
                    }
                }
            }
        }
        // 1001 points: 1024 (a power of two) beats the next one, 1008 = 2^4·3^2·7.
        assert_eq!(fast_len(1001), Some(1024));
        assert_eq!(next_fast_len(1001), Some(1008));
        assert_eq!(fast_len(1024), Some(1024));
        // 1537 points: 1728 = 2^6·3^3 is predicted as fast as 1568 = 2^5·7^2, but less accurate.
        assert!((cost(1728) / cost(1568) - 1.0).abs() < 1e-3);
        assert_eq!(fast_len(1537), Some(1568));
        assert_eq!(fast_len(usize::MAX), None);
    }

    #[test]
    fn powers_of_two_have_no_radix_penalty() {
        assert_eq!(radix_factor(1 << 20), 1.0);
        assert!(radix_factor(1000) > radix_factor(1008));
        assert!(radix_factor(7 * 7 * 7 * 8) > 1.3);
    }
}
