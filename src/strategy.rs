//! The cost model behind `Method::Auto`.
//!
//! Each method's time is predicted from the lengths alone (plus, for integers, the exactness
//! guard, which needs the data's norms) and the cheapest is taken. The constants are per-element
//! costs fitted to `cargo bench --bench methods` (docs/PERFORMANCE.md, "The 1-D cost model's
//! constants").

use std::cell::Cell;

use crate::arith::ElementKind;
use crate::element::private::Scalar;
use crate::fft::{FastLen, cyclic_len, fast_len_table_from, radix_factor};
use crate::method::{Algorithm, Method};
use crate::mode::Mode;
use crate::mode::{Op, kept_range};
use crate::profile::Scales;

/// Measured costs of one element family, in nanoseconds of CPU time, fitted by
/// `scripts/fit_costs.py` to the grid of `cargo bench --bench methods` with glibc's `MALLOC_*`
/// thresholds fixed (the command and figures: docs/PERFORMANCE.md, "The 1-D cost model's
/// constants").
///
/// Complex rows are derived from the real ones by operation count (a complex multiply-add is
/// four real ones; a complex transform of L points is about two real ones), not measured
/// separately. Integer rows: the direct rate from the `exact_integers` group, transforms as f64.
struct Costs {
    /// Per multiply-accumulate of the direct kernel.
    per_mac: f64,
    /// Per multiply-accumulate in the triangular ends of the result (outputs with fewer than m
    /// taps), which run in narrow blocks and a scalar pass.
    per_edge_mac: f64,
    /// Per output of the direct kernel (loads, stores, block set-up).
    per_out: f64,
    /// Per output in the triangular ends, on top of `per_out` (each runs in a narrow block or
    /// the scalar pass; without it the model under-predicted short direct calls).
    per_edge_out: f64,
    /// Fixed cost of a direct call (dispatch, the edge passes' set-up).
    direct_overhead: f64,
    /// Per `L·log2 L` of one transform of length L <= 2^15.
    per_nlogn: f64,
    /// Growth of `per_nlogn` per doubling of L beyond 2^15.
    per_nlogn_growth: f64,
    /// Per spectrum bin: the product, the loads into and out of the padded buffers.
    per_bin: f64,
    /// Per overlap-add block beyond its transforms (the calls, the restore pass' set-up).
    per_block: f64,
    /// Fixed cost of a transform-based call.
    fft_overhead: f64,
}

/// The active profile's rates: the measured ones scaled to this CPU (`profile.rs`).
fn costs(kind: ElementKind) -> Costs {
    base_costs(kind).scaled(crate::profile::one_d(kind))
}

impl Costs {
    /// These rates with each family multiplied by its factor.
    fn scaled(self, s: Scales) -> Costs {
        Costs {
            per_mac: self.per_mac * s.direct,
            per_edge_mac: self.per_edge_mac * s.direct,
            per_out: self.per_out * s.direct,
            per_edge_out: self.per_edge_out * s.direct,
            direct_overhead: self.direct_overhead * s.direct,
            per_nlogn: self.per_nlogn * s.transform,
            per_nlogn_growth: self.per_nlogn_growth * s.transform,
            per_bin: self.per_bin * s.product,
            per_block: self.per_block * s.product,
            fft_overhead: self.fft_overhead * s.product,
        }
    }
}

/// The rates as measured (docs/PERFORMANCE.md, "The 1-D cost model's constants").
fn base_costs(kind: ElementKind) -> Costs {
    const F64: Costs = Costs {
        per_mac: 0.0454,
        per_edge_mac: 0.120,
        per_out: 0.103,
        per_edge_out: 1.60,
        direct_overhead: 40.0,
        per_nlogn: 0.0547,
        per_nlogn_growth: 0.0155,
        per_bin: 1.151,
        per_block: 14.0,
        fft_overhead: 252.0,
    };
    const F32: Costs = Costs {
        per_mac: 0.0231,
        per_edge_mac: 0.059,
        per_out: 0.053,
        per_edge_out: 2.92,
        direct_overhead: 53.0,
        per_nlogn: 0.0278,
        per_nlogn_growth: 0.0053,
        per_bin: 0.501,
        per_block: 59.0,
        fft_overhead: 259.0,
    };
    match kind {
        ElementKind::F64 => F64,
        ElementKind::F32 => F32,
        ElementKind::ComplexF64 => Costs {
            per_mac: 4.0 * F64.per_mac,
            per_nlogn: 2.0 * F64.per_nlogn,
            ..F64
        },
        ElementKind::ComplexF32 => Costs {
            per_mac: 4.0 * F32.per_mac,
            per_nlogn: 2.0 * F32.per_nlogn,
            ..F32
        },
        // Direct rates from `cargo bench --bench methods -- exact_integers` (docs/PERFORMANCE.md,
        // "The 1-D cost model's constants"); their transforms are f64 ones.
        ElementKind::I32 => Costs {
            per_mac: 0.045,
            ..F64
        },
        ElementKind::I64 => Costs {
            per_mac: 0.21,
            ..F64
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
            select_for_lengths(Problem::new(ElementKind::F64, a_len, v_len, lo, len)).into()
        }
        Err(_) => Method::Direct,
    }
}

/// What `Method::Auto` does for inputs of these lengths and element type `T` (the cost model
/// has constants per element type; integers are assumed to fit one exact transform, which the
/// call itself checks against the data).
///
/// ```
/// use convolve::{choose_method, choose_method_for, Method, Mode};
/// assert_eq!(choose_method_for::<f64>(100, 3, Mode::Full), choose_method(100, 3, Mode::Full));
/// assert_eq!(choose_method_for::<f32>(1_000_000, 5_000, Mode::Full), Method::OverlapAdd);
/// ```
pub fn choose_method_for<T: crate::element::Element>(
    a_len: usize,
    v_len: usize,
    mode: Mode,
) -> Method {
    match kept_range(a_len, v_len, mode, Op::Convolve) {
        Ok((lo, len)) => select_for_lengths(Problem::new(T::KIND, a_len, v_len, lo, len)).into(),
        Err(_) => Method::Direct,
    }
}

/// One problem as the cost model sees it: outputs `lo .. lo + len` of the product of an
/// `n`-long and an `m`-long input (`n >= m`) of `kind` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) kind: ElementKind,
    pub(crate) n: usize,
    pub(crate) m: usize,
    pub(crate) lo: usize,
    pub(crate) len: usize,
}

impl Problem {
    /// Outputs `lo .. lo + len` of the product of inputs `a_len` and `v_len` long, in either
    /// order.
    pub(crate) fn new(
        kind: ElementKind,
        a_len: usize,
        v_len: usize,
        lo: usize,
        len: usize,
    ) -> Problem {
        Problem {
            kind,
            n: a_len.max(v_len),
            m: a_len.min(v_len),
            lo,
            len,
        }
    }

    /// One past the last output wanted.
    fn hi(self) -> usize {
        self.lo + self.len
    }
}

/// The concrete method for `Auto` from the lengths alone, for a choice made before the data
/// exists: transforms are taken as exact, which [`select`] checks per call for integers.
pub(crate) fn select_for_lengths(p: Problem) -> Algorithm {
    // The remembered choice first: even the quick direct test is a share of a short call
    // (docs/PERFORMANCE.md, "Why Auto remembers its last choices").
    remembered(p, || {
        if direct_is_obviously_cheapest(p) {
            Algorithm::Direct
        } else {
            Estimates::new(p).cheapest(true, true)
        }
    })
}

/// The predicted single-threaded time of `method` (not `Auto`) on this problem, in
/// nanoseconds.
pub(crate) fn predicted_ns(p: Problem, method: Algorithm) -> f64 {
    match method {
        // The direct sum's cost needs no transform lengths: not the whole estimates (whose
        // block-length search costs about a microsecond) on every direct call.
        Algorithm::Direct => direct_ns(&costs(p.kind), p),
        Algorithm::Fft => Estimates::new(p).fft,
        Algorithm::OverlapAdd => Estimates::new(p).overlap_add,
    }
}

/// The concrete method for `Auto` on these inputs (`x` the longer one).
pub(crate) fn select<T: Scalar>(x: &[T], y: &[T], lo: usize, len: usize) -> Algorithm {
    let p = Problem::new(T::KIND, x.len(), y.len(), lo, len);
    if !matches!(T::KIND, ElementKind::I32 | ElementKind::I64) {
        // Float transforms are always exact enough: the choice depends on the lengths alone.
        return select_for_lengths(p);
    }
    if direct_is_obviously_cheapest(p) {
        return Algorithm::Direct;
    }
    let estimates = Estimates::new(p);
    let fft_ok = estimates.fft_len.is_some_and(|l| T::fft_is_exact(x, y, l));
    let oa_ok = T::fft_is_exact(x, y, estimates.block_len);
    let mut method = estimates.cheapest(fft_ok, oa_ok);
    // Integers too wide for one exact transform: the limb split (`Algorithm::Fft` runs it) costs
    // its number of transforms, each like one of the plain method's three.
    // Planning the split scans the data once per limb width tried, so it is skipped when even
    // the cheapest split (two limbs each: 7 transforms) cannot win.
    let current = match method {
        Algorithm::OverlapAdd => estimates.overlap_add,
        _ => estimates.direct,
    };
    if !fft_ok && estimates.fft * 7.0 / 3.0 < current {
        let limbs = estimates.fft_len.and_then(|l| T::limb_transforms(x, y, l));
        if limbs.is_some_and(|transforms| estimates.fft * transforms as f64 / 3.0 < current) {
            method = Algorithm::Fft;
        }
    }
    method
}

/// `choose()`, or one of this thread's last two choices when it was for the same problem: a
/// program that calls with the same lengths again and again (frames, batches, `choose_method`,
/// the two passes of a separable N-D kernel) costs them once: costing a problem is a share of
/// a short call (docs/PERFORMANCE.md, "Why Auto remembers its last choices").
fn remembered(problem: Problem, choose: impl FnOnce() -> Algorithm) -> Algorithm {
    thread_local! {
        static LAST: Cell<[Option<(Problem, u32, Algorithm)>; 2]> =
            const { Cell::new([None; 2]) };
    }
    // A choice made under another profile is not this one's (`Profile::activate`).
    let generation = crate::profile::generation();
    LAST.with(|last| {
        let [newest, older] = last.get();
        match (newest, older) {
            (Some((p, g, method)), _) if p == problem && g == generation => method,
            (_, Some((p, g, method))) if p == problem && g == generation => {
                last.set([older, newest]);
                method
            }
            _ => {
                let method = choose();
                last.set([Some((problem, generation, method)), newest]);
                method
            }
        }
    })
}

/// Problems where the direct sum is cheaper than a lower bound of every transform method's
/// modelled cost, so that the others need not be costed at all (costing them searches the
/// overlap-add block lengths, about a microsecond). Both transform methods push at least `len`
/// samples through transforms of at least `2m` points (overlap-add) or of `L >= len >= m`
/// points, three of them (FFT), and multiply at least `len` bins: for `m >= 4` each costs at
/// least `fft_overhead + len · (2 · per_nlogn · log2(2m) + per_bin)`. Below 4 taps the direct
/// sum (under 1 ns per output) is always cheaper than the transforms' `per_bin` alone. The
/// choice is the one the full model would make, only sooner.
fn direct_is_obviously_cheapest(p: Problem) -> bool {
    if p.m < 4 {
        return true;
    }
    let c = costs(p.kind);
    let per_output = 2.0 * c.per_nlogn * ((2 * p.m) as f64).log2() + c.per_bin;
    direct_ns(&c, p) < c.fft_overhead + p.len as f64 * per_output
}

/// The overlap-add transform length for these inputs: the even 7-smooth `L >= 2m` with the
/// least predicted work per output sample (two transforms and a product per `L - m + 1` new
/// samples), searched up to `64m` or the whole product, whichever is shorter.
pub(crate) fn block_len(kind: ElementKind, n: usize, m: usize) -> usize {
    block_len_at(&costs(kind), n, m)
}

/// [`block_len`] at these rates.
fn block_len_at(c: &Costs, n: usize, m: usize) -> usize {
    let full = n + m - 1;
    let limit = full.min(m.saturating_mul(64)).max(2 * m);
    let mut best = (f64::INFINITY, 0);
    for cand in fast_len_table_from(2 * m) {
        // Every output costs more than two transforms' power-of-two rate per point plus the
        // product, which only grows with the length: past this, no candidate can win.
        if 2.0 * c.per_nlogn * cand.log2 + c.per_bin >= best.0 {
            break;
        }
        let transform = fft_ns_at(c, cand);
        let per_out = (2.0 * transform + cand.len as f64 * c.per_bin + c.per_block)
            / (cand.len - m + 1) as f64;
        if per_out < best.0 {
            best = (per_out, cand.len);
        }
        if cand.len >= limit {
            break;
        }
    }
    if best.1 == 0 {
        // Beyond the table (m > 2^51): a power of two, which the caller's allocation will refuse.
        best.1 = (2 * m).checked_next_power_of_two().unwrap_or(usize::MAX);
    }
    best.1
}

/// The direct kernel on the problem's outputs: full-width outputs at `per_mac`, the
/// triangular ends (outputs `t < m - 1` and `t >= n`) at `per_edge_mac`.
fn direct_ns(c: &Costs, p: Problem) -> f64 {
    let Problem { n, m, lo, len, .. } = p;
    let hi = p.hi();
    let edge = edge_macs(n, m, lo, hi);
    (macs(n, m, lo, hi) - edge) * c.per_mac
        + edge * c.per_edge_mac
        + len as f64 * c.per_out
        + edge_outs(n, m, lo, hi) * c.per_edge_out
        + c.direct_overhead
}

/// The multiply-accumulates of outputs `lo .. hi` in the triangular ends of the result (outputs
/// `t < m - 1` and `t >= n`).
fn edge_macs(n: usize, m: usize, lo: usize, hi: usize) -> f64 {
    macs(n, m, lo, hi.min(m - 1).max(lo)) + macs(n, m, lo.max(n).min(hi), hi)
}

/// The outputs of `lo .. hi` in the triangular ends of the result (`t < m - 1`, `t >= n`).
fn edge_outs(n: usize, m: usize, lo: usize, hi: usize) -> f64 {
    (hi.min(m - 1).saturating_sub(lo) + hi.saturating_sub(lo.max(n))) as f64
}

/// The overlap-add blocks of length `block_len` that reach the problem's outputs.
fn overlap_add_blocks(p: Problem, block_len: usize) -> usize {
    let step = block_len - p.m + 1;
    let first = p.lo.saturating_sub(p.m - 1) / step;
    let last = p.hi().min(p.n).div_ceil(step);
    last.saturating_sub(first)
}

/// One transform of `len` points: the power-of-two rate times the length's radix factor.
fn fft_ns(c: &Costs, len: usize) -> f64 {
    fft_ns_at(c, FastLen::new(len))
}

/// [`fft_ns`] for a length of the table, whose logarithm and radix factor are known.
fn fft_ns_at(c: &Costs, l: FastLen) -> f64 {
    (c.per_nlogn + c.per_nlogn_growth * (l.log2 - 15.0).max(0.0)) * l.size() * l.factor
}

/// The predicted costs of the three methods for one problem.
struct Estimates {
    direct: f64,
    fft: f64,
    overlap_add: f64,
    fft_len: Option<usize>,
    block_len: usize,
}

impl Estimates {
    fn new(p: Problem) -> Estimates {
        let c = costs(p.kind);
        Estimates::at(p, &c, block_len_at(&c, p.n, p.m))
    }

    /// The estimates at rates `c`, overlap-add's blocks `block_len` long.
    fn at(p: Problem, c: &Costs, block_len: usize) -> Estimates {
        let direct = direct_ns(c, p);

        let fft_len = cyclic_len(p.n, p.m, p.lo, p.hi()).ok();
        let fft = fft_len.map_or(f64::INFINITY, |l| {
            3.0 * fft_ns(c, l) + l as f64 * c.per_bin + c.fft_overhead
        });

        let blocks = overlap_add_blocks(p, block_len) as f64;
        let overlap_add = (2.0 * blocks + 1.0) * fft_ns(c, block_len)
            + blocks * (block_len as f64 * c.per_bin + c.per_block)
            + c.fft_overhead;

        Estimates {
            direct,
            fft,
            overlap_add,
            fft_len,
            block_len,
        }
    }

    fn cheapest(&self, fft_ok: bool, oa_ok: bool) -> Algorithm {
        let mut best = (self.direct, Algorithm::Direct);
        if fft_ok && self.fft < best.0 {
            best = (self.fft, Algorithm::Fft);
        }
        // Overlap-add only pays when the long input spans several blocks.
        if oa_ok && self.overlap_add < best.0 && self.block_len < self.fft_len.unwrap_or(usize::MAX)
        {
            best = (self.overlap_add, Algorithm::OverlapAdd);
        }
        best.1
    }
}

/// The prediction of `method` on `p` at the measured rates, split by the profile's families:
/// `[direct, transform, product]` nanoseconds, which the active profile's [`Scales`] multiply
/// (overlap-add at the block length the active profile chooses, the one a call runs).
/// `tune.rs` fits the scales to measured times with it.
pub(crate) fn parts(p: Problem, method: Algorithm) -> [f64; 3] {
    let block = block_len(p.kind, p.n, p.m);
    let family = |s: Scales| {
        let e = Estimates::at(p, &base_costs(p.kind).scaled(s), block);
        match method {
            Algorithm::Direct => e.direct,
            Algorithm::Fft => e.fft,
            Algorithm::OverlapAdd => e.overlap_add,
        }
    };
    let only = |i: usize| {
        let mut x = [0.0; 3];
        x[i] = 1.0;
        family(Scales {
            direct: x[0],
            transform: x[1],
            product: x[2],
        })
    };
    [only(0), only(1), only(2)]
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

/// The model's inputs for every point of the `methods` bench grid, one JSON object per line,
/// for `scripts/fit_costs.py`, which fits [`Costs`] to the measured times
/// (`cargo run --release --example model_inputs`).
pub(crate) fn model_inputs(out: &mut impl std::io::Write) -> std::io::Result<()> {
    const NS: [usize; 5] = [100, 1_000, 10_000, 100_000, 1_000_000];
    const MS: [usize; 7] = [3, 16, 64, 256, 1_024, 16_384, 0];
    for (kind, name) in [(ElementKind::F64, "f64"), (ElementKind::F32, "f32")] {
        for mode in [Mode::Full, Mode::Same, Mode::Valid] {
            for (m, n) in MS.iter().flat_map(|&m| NS.iter().map(move |&n| (m, n))) {
                let m = if m == 0 { n } else { m };
                if m > n {
                    continue;
                }
                let (lo, len) = kept_range(n, m, mode, Op::Convolve).expect("grid sizes are valid");
                let hi = lo + len;
                let edge = edge_macs(n, m, lo, hi);
                let fft_len = cyclic_len(n, m, lo, hi).expect("grid sizes fit");
                let block = block_len(kind, n, m);
                let blocks = overlap_add_blocks(Problem::new(kind, n, m, lo, len), block);
                writeln!(
                    out,
                    "{{\"kind\":\"{name}\",\"mode\":\"{mode}\",\"n\":{n},\"m\":{m},\
                     \"len\":{len},\"macs\":{},\"edge\":{edge},\"edge_outs\":{},\
                     \"fft_len\":{fft_len},\
                     \"fft_factor\":{},\"block\":{block},\"block_factor\":{},\
                     \"blocks\":{blocks}}}",
                    macs(n, m, lo, hi),
                    edge_outs(n, m, lo, hi),
                    radix_factor(fft_len),
                    radix_factor(block),
                )?;
            }
        }
    }
    Ok(())
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
            let b = block_len(ElementKind::F64, 10_000_000, m);
            assert!(b >= 2 * m && b <= 64 * m.max(2) * 2, "m={m} block={b}");
        }
    }
}
