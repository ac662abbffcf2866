//! The N-D cost model behind `Method::Auto`: the direct kernel's multiply-adds against the
//! transforms' `N log2 N`, with per-element constants measured by `cargo bench --bench nd
//! --features ndarray` (docs/PERFORMANCE.md, "The N-D cost model's constants").

use crate::arith::ElementKind;
use crate::error::ConvError;
use crate::method::{Algorithm, Method};
use crate::profile::Scales;
use crate::strategy::Problem;

use super::fft::{lens, tiles as tiles_with};
use super::{blocked, direct};
use crate::fft::radix_factor;

/// Measured costs in nanoseconds of CPU time, fitted to `cargo bench --bench nd --features
/// ndarray` with `MALLOC_MMAP_THRESHOLD_` fixed (docs/PERFORMANCE.md, "The N-D cost model's
/// constants").
struct Costs {
    /// Per multiply-add of the direct kernel.
    per_mac: f64,
    /// Added per multiply-add for each axis beyond the second: a 3-D output row sums `k²`
    /// input rows from `k` planes, which the 2-D rate does not see (docs/PERFORMANCE.md).
    per_mac_outer: f64,
    /// Per output per kernel row.
    per_out_row: f64,
    /// The register-blocked 2-D kernel (`blocked.rs`): per output per kernel tap, with this
    /// CPU's register width (see [`blocked_width_factor`]).
    per_blocked_tap: f64,
    /// The blocked kernel per output: the padded ring rows and the stores.
    per_blocked_out: f64,
    /// Growth of `per_blocked_out` per doubling of the outputs beyond 2^18 (the image and
    /// result leave the caches).
    per_blocked_out_growth: f64,
    /// Per point per `log2` of the point count, for one N-D transform of up to 2^18 points.
    per_nlogn: f64,
    /// Growth of `per_nlogn` per doubling of the point count beyond 2^18.
    per_nlogn_growth: f64,
    /// Per 1-D line gathered from strided memory (3-D and up, see [`transform_ns`]).
    per_line: f64,
    /// Per overlap-add tile (its buffers' set-up).
    per_tile: f64,
    /// Per overlap-add tile point (zeroing the spectrum, adding into the result).
    per_tile_point: f64,
    /// Growth of `per_tile_point` per doubling of the larger input beyond 2^18 points (the
    /// result the tiles add into leaves the caches).
    per_tile_point_growth: f64,
    /// Fixed cost of a transform-based call (plans, allocation).
    overhead: f64,
}

/// The active profile's rates: the measured ones scaled to this CPU (`profile.rs`).
fn costs(kind: ElementKind) -> Costs {
    base_costs(kind).scaled(crate::profile::nd(kind))
}

impl Costs {
    /// These rates with each family multiplied by its factor.
    fn scaled(self, s: Scales) -> Costs {
        Costs {
            per_mac: self.per_mac * s.direct,
            per_mac_outer: self.per_mac_outer * s.direct,
            per_out_row: self.per_out_row * s.direct,
            per_blocked_tap: self.per_blocked_tap * s.direct,
            per_blocked_out: self.per_blocked_out * s.direct,
            per_blocked_out_growth: self.per_blocked_out_growth * s.direct,
            per_nlogn: self.per_nlogn * s.transform,
            per_nlogn_growth: self.per_nlogn_growth * s.transform,
            per_line: self.per_line * s.transform,
            per_tile: self.per_tile * s.product,
            per_tile_point: self.per_tile_point * s.product,
            per_tile_point_growth: self.per_tile_point_growth * s.product,
            overhead: self.overhead * s.product,
        }
    }
}

/// The rates as measured (docs/PERFORMANCE.md, "The N-D cost model's constants").
fn base_costs(kind: ElementKind) -> Costs {
    // Fitted by scripts/fit_nd_costs.py to the `auto_nd`/`auto_3d` grid on the AMD EPYC
    // (Zen 4) and divided by the shipped profile's N-D scales (docs/PERFORMANCE.md).
    const F64: Costs = Costs {
        per_mac: 0.07,
        per_mac_outer: 0.14,
        per_out_row: 0.3,
        per_blocked_tap: 0.032,
        per_blocked_out: 0.56,
        per_blocked_out_growth: 0.12,
        per_nlogn: 0.118,
        per_nlogn_growth: 0.0046,
        per_line: 50.0,
        per_tile: 6400.0,
        per_tile_point: 0.28,
        per_tile_point_growth: 0.31,
        overhead: 3000.0,
    };
    const F32: Costs = Costs {
        per_mac: 0.05,
        per_mac_outer: 0.17,
        per_out_row: 0.3,
        per_blocked_tap: 0.016,
        per_blocked_out: 0.27,
        per_blocked_out_growth: 0.12,
        per_nlogn: 0.053,
        per_nlogn_growth: 0.0057,
        per_line: 39.0,
        per_tile: 5000.0,
        per_tile_point: 0.32,
        per_tile_point_growth: 0.2,
        overhead: 3000.0,
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
        // The 1-D `exact_integers` rates; integer transforms are f64 ones.
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

/// One transform of these lengths: `N log2 N` at the radix factor of its lengths (each axis's
/// [`radix_factor`], weighted by its share of `log2 N`), and in 3-D and up each 1-D line that
/// `along_axis` gathers from strided memory (2-D transforms its columns in one call). The
/// line term is what made 3-D tiles of about 20³ cost 2-3x the `N log2 N` rate
/// (docs/PERFORMANCE.md, "The N-D cost model's constants").
fn transform_ns(c: &Costs, lens: &[usize]) -> f64 {
    let points: f64 = lens.iter().map(|&l| l as f64).product();
    let log = points.log2().max(1.0);
    let radix = 1.0
        + lens
            .iter()
            .map(|&l| (radix_factor(l) - 1.0) * (l.max(2) as f64).log2())
            .sum::<f64>()
            / log;
    let rate = c.per_nlogn + c.per_nlogn_growth * (log - 18.0).max(0.0);
    rate * radix * points * log + c.per_line * gathered_lines(lens)
}

/// The 1-D transforms [`transform_ns`] charges per line: in 3-D and up, the half spectrum's
/// lines along every axis but the last.
fn gathered_lines(lens: &[usize]) -> f64 {
    let d = lens.len();
    if d < 3 {
        return 0.0;
    }
    let rows: f64 = lens[..d - 1].iter().map(|&l| l as f64).product();
    let spectrum = rows * (lens[d - 1] / 2 + 1) as f64;
    lens[..d - 1].iter().map(|&l| spectrum / l as f64).sum()
}

/// Doublings of the element count of `shape` beyond 2^18 (a 512² image): the memory-bound
/// rates grow with them.
fn doublings(shape: &[usize]) -> f64 {
    let points: f64 = shape.iter().map(|&l| l as f64).product();
    (points.log2() - 18.0).max(0.0)
}

/// Tile factors tried for overlap-add: transforms of about `factor · m` points per axis.
pub(super) const TILE_FACTORS: [usize; 5] = [2, 4, 8, 16, 32];

fn overlap_add_ns(c: &Costs, x_shape: &[usize], (block, lens): &(Vec<usize>, Vec<usize>)) -> f64 {
    let count: f64 = x_shape
        .iter()
        .zip(block)
        .map(|(&n, &b)| n.div_ceil(b) as f64)
        .product();
    let points: f64 = lens.iter().map(|&l| l as f64).product();
    let per_point = c.per_tile_point + c.per_tile_point_growth * doublings(x_shape);
    (2.0 * count + 1.0) * transform_ns(c, lens)
        + count * (c.per_tile + points * per_point)
        + c.overhead
}

/// The overlap-add tiling with the least predicted cost (`x` the larger input).
pub(crate) fn tiles(
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
) -> Result<(Vec<usize>, Vec<usize>), ConvError> {
    let c = costs(kind);
    let mut best = tiles_with(x_shape, y_shape, TILE_FACTORS[0])?;
    let mut best_ns = overlap_add_ns(&c, x_shape, &best);
    for factor in &TILE_FACTORS[1..] {
        let t = tiles_with(x_shape, y_shape, *factor)?;
        let ns = overlap_add_ns(&c, x_shape, &t);
        if ns < best_ns {
            (best, best_ns) = (t, ns);
        }
    }
    Ok(best)
}

/// Predicted nanoseconds of each method, `None` where the method cannot run.
pub(crate) struct Estimate {
    pub direct: f64,
    pub fft: Option<f64>,
    pub overlap_add: Option<f64>,
}

pub(crate) fn estimate(
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> Estimate {
    estimate_at(&costs(kind), kind, x_shape, y_shape, lo, len)
}

/// The prediction of `method` at the measured rates, split by the profile's families:
/// `[direct, transform, product]` nanoseconds (overlap-add with the tiles the active profile
/// chooses, the ones a call runs). `tune.rs` fits the N-D scales with it.
pub(crate) fn parts(
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    method: Method,
) -> [f64; 3] {
    let only = |i: usize| {
        let mut x = [0.0; 3];
        x[i] = 1.0;
        let s = Scales {
            direct: x[0],
            transform: x[1],
            product: x[2],
        };
        let e = estimate_at(&base_costs(kind).scaled(s), kind, x_shape, y_shape, lo, len);
        e.of(method).unwrap_or(f64::INFINITY)
    };
    [only(0), only(1), only(2)]
}

/// The direct sum's part of [`estimate`] alone, without costing the transforms: what a caller
/// that only splits a direct pass into bands needs (the transforms' part took 3 % of a 512²
/// `f32` Gaussian on one thread).
pub(crate) fn estimate_direct(
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> f64 {
    direct_at(&costs(kind), kind, x_shape, y_shape, lo, len)
}

/// The direct sum's prediction at rates `c`.
fn direct_at(
    c: &Costs,
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> f64 {
    match blocked::kernel_side(kind, x_shape, y_shape) {
        Some(x_is_kernel) => {
            let kernel = if x_is_kernel { x_shape } else { y_shape };
            let outputs: f64 = len.iter().map(|&l| l as f64).product();
            let taps = kernel.iter().product::<usize>() as f64;
            let per_out = c.per_blocked_out + c.per_blocked_out_growth * doublings(len);
            outputs * (taps * c.per_blocked_tap * blocked_width_factor() + per_out)
        }
        None => {
            let macs = direct::macs(x_shape, y_shape, lo, len);
            let outer = x_shape.len().saturating_sub(2) as f64;
            macs * (c.per_mac + outer * c.per_mac_outer)
                + out_rows(x_shape, y_shape, lo, len) * c.per_out_row
        }
    }
}

/// [`estimate`] at rates `c` (overlap-add's tiles chosen at the active rates).
fn estimate_at(
    c: &Costs,
    kind: ElementKind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> Estimate {
    let direct = direct_at(c, kind, x_shape, y_shape, lo, len);
    let fft = lens(x_shape, y_shape, lo, len)
        .ok()
        .map(|l| 3.0 * transform_ns(c, &l) + c.overhead);
    let (big, small) = if x_shape.iter().product::<usize>() >= y_shape.iter().product() {
        (x_shape, y_shape)
    } else {
        (y_shape, x_shape)
    };
    let overlap_add = tiles(kind, big, small)
        .ok()
        .map(|t| overlap_add_ns(c, big, &t));
    Estimate {
        direct,
        fft,
        overlap_add,
    }
}

/// Outputs times the kernel rows that reach each (the row pairs of `direct.rs`, times the
/// row length).
pub(super) fn out_rows(x_shape: &[usize], y_shape: &[usize], lo: &[usize], len: &[usize]) -> f64 {
    let last = x_shape.len() - 1;
    direct::macs(
        &x_shape[..last],
        &y_shape[..last],
        &lo[..last],
        &len[..last],
    ) * len[last] as f64
}

/// Measured costs of the separable passes in nanoseconds (the column pass by strips at
/// `per_strip_out` per output plus `per_strip_mac` per multiply-add, a transpose at
/// `per_transposed` per element; the row pass is the 1-D model's), by a release-build probe of
/// the passes alone that is not a committed bench (docs/PERFORMANCE.md, "The separable passes'
/// constants").
struct SeparableCosts {
    per_strip_out: f64,
    per_strip_mac: f64,
    per_transposed: f64,
    /// The fused passes' column combine (`fused.rs`): per output and per multiply-add.
    per_fused_out: f64,
    per_fused_mac: f64,
}

/// The separable rates scaled by the active profile's factor (`profile.rs`).
fn separable_costs(kind: ElementKind) -> SeparableCosts {
    let s = crate::profile::separable(kind);
    let c = base_separable_costs(kind);
    SeparableCosts {
        per_strip_out: c.per_strip_out * s,
        per_strip_mac: c.per_strip_mac * s,
        per_transposed: c.per_transposed * s,
        per_fused_out: c.per_fused_out * s,
        per_fused_mac: c.per_fused_mac * s,
    }
}

/// The separable rates as measured.
fn base_separable_costs(kind: ElementKind) -> SeparableCosts {
    const F64: SeparableCosts = SeparableCosts {
        per_strip_out: 1.6,
        per_strip_mac: 0.11,
        per_transposed: 1.2,
        per_fused_out: FUSED_PER_OUT,
        per_fused_mac: 0.026,
    };
    const F32: SeparableCosts = SeparableCosts {
        per_strip_out: 1.3,
        per_strip_mac: 0.047,
        per_transposed: 1.0,
        per_fused_out: FUSED_PER_OUT,
        per_fused_mac: 0.013,
    };
    let c = match kind {
        ElementKind::F32 => F32,
        ElementKind::ComplexF32 => SeparableCosts {
            per_strip_mac: 4.0 * F32.per_strip_mac,
            per_fused_mac: 4.0 * F32.per_strip_mac,
            per_transposed: 2.0 * F32.per_transposed,
            ..F32
        },
        ElementKind::ComplexF64 => SeparableCosts {
            per_strip_mac: 4.0 * F64.per_strip_mac,
            per_fused_mac: 4.0 * F64.per_strip_mac,
            per_transposed: 2.0 * F64.per_transposed,
            ..F64
        },
        // Integers: not measured; the 2-D direct kernel's integer rates relative to f64.
        ElementKind::I32 | ElementKind::I64 => SeparableCosts {
            per_strip_mac: F64.per_strip_mac * base_costs(kind).per_mac
                / base_costs(ElementKind::F64).per_mac,
            per_fused_mac: F64.per_strip_mac * base_costs(kind).per_mac
                / base_costs(ElementKind::F64).per_mac,
            ..F64
        },
        ElementKind::F64 => F64,
    };
    // The fused combine's rates above are the AVX-512 kernel's; AVX2 registers hold half as
    // many lanes.
    SeparableCosts {
        per_fused_mac: c.per_fused_mac * if wide_registers() { 1.0 } else { 2.0 },
        ..c
    }
}

/// Per output of the fused passes' combine: writing the result (fresh pages) and the tap list.
const FUSED_PER_OUT: f64 = 0.4;

/// The blocked kernel's rate per tap here relative to its AVX-512 build, which
/// `per_blocked_tap` is: the AVX2 and portable builds as measured on the same CPU
/// (docs/PERFORMANCE.md, "The N-D cost model's constants").
fn blocked_width_factor() -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512() {
            return 1.0;
        }
        if crate::simd::has_avx2_fma() {
            return 1.4;
        }
    }
    3.5
}

/// Whether the fused combine runs in 512-bit registers here (`nd/combine_x86.rs`).
fn wide_registers() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::simd::has_avx512()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The separable row pass: `rows` 1-D convolutions of `n`-long rows with an `m`-tap kernel,
/// outputs `lo .. lo + len`, each by `method`, costed by the 1-D model.
pub(crate) fn row_pass_ns(
    kind: ElementKind,
    rows: usize,
    n: usize,
    m: usize,
    lo: usize,
    len: usize,
    method: Method,
) -> f64 {
    let algorithm = method.fixed().unwrap_or(Algorithm::Direct);
    let one = crate::strategy::predicted_ns(Problem::new(kind, n, m, lo, len), algorithm);
    rows as f64 * one
}

/// The separable column pass by strips: outputs `lo .. lo + len` along axis 0 of `n`-long
/// columns with an `m`-tap kernel, for `width` columns.
pub(crate) fn column_strips_ns(
    kind: ElementKind,
    n: usize,
    m: usize,
    lo: usize,
    len: usize,
    width: usize,
) -> f64 {
    let c = separable_costs(kind);
    let macs = crate::strategy::macs(n.max(m), n.min(m), lo, lo + len);
    width as f64 * (macs * c.per_strip_mac + len as f64 * c.per_strip_out)
}

/// The separable column pass by transposes: the `n × width` input and the `len × width`
/// result transposed, and `width` 1-D rows of `n` between them.
fn column_transposed_ns(
    kind: ElementKind,
    n: usize,
    m: usize,
    lo: usize,
    len: usize,
    width: usize,
    method: Method,
) -> f64 {
    let c = separable_costs(kind);
    ((n + len) * width) as f64 * c.per_transposed + row_pass_ns(kind, width, n, m, lo, len, method)
}

/// The fused passes (`fused.rs`): the row pass on the image rows that reach the kept rows,
/// the column combine on the kept box.
fn fused_ns(
    kind: ElementKind,
    [n0, n1]: [usize; 2],
    [m0, m1]: [usize; 2],
    lo: [usize; 2],
    len: [usize; 2],
) -> f64 {
    let c = separable_costs(kind);
    let first = lo[0].saturating_sub(m0 - 1);
    let last = (lo[0] + len[0] - 1).min(n0 - 1);
    let rows = (last + 1).saturating_sub(first);
    let row = row_pass_ns(kind, rows, n1, m1, lo[1], len[1], Method::Direct);
    let macs = crate::strategy::macs(n0.max(m0), n0.min(m0), lo[0], lo[0] + len[0]);
    row + len[1] as f64 * (macs * c.per_fused_mac + len[0] as f64 * c.per_fused_out)
}

/// How the separable passes run: which first, and whether the column pass transposes, or
/// both fused (rows first, `fused.rs`).
pub(crate) struct PassOrder {
    pub ns: f64,
    pub rows_first: bool,
    pub transposed: bool,
    pub fused: bool,
}

/// The cheapest way to run the two passes for an `x_shape` image and an `m0 × m1` rank-1
/// kernel (rows first: the row pass on all `n0` rows, the column pass on `len1` columns;
/// columns first: the column pass on `n1` columns, the row pass on `len0` rows; fused, when
/// the rows take the direct kernel), with the 1-D methods the rows of each pass take.
pub(crate) fn separable(
    kind: ElementKind,
    x_shape: [usize; 2],
    y_shape: [usize; 2],
    lo: [usize; 2],
    len: [usize; 2],
    [row_method, column_method]: [Method; 2],
) -> PassOrder {
    let [n0, n1] = x_shape;
    let [m0, m1] = y_shape;
    let rows = |count| row_pass_ns(kind, count, n1, m1, lo[1], len[1], row_method);
    let cols = |width| {
        let strips = column_strips_ns(kind, n0, m0, lo[0], len[0], width);
        let transposed = column_transposed_ns(kind, n0, m0, lo[0], len[0], width, column_method);
        if strips <= transposed {
            (strips, false)
        } else {
            (transposed, true)
        }
    };
    let mut best = PassOrder {
        ns: f64::INFINITY,
        rows_first: true,
        transposed: false,
        fused: false,
    };
    if row_method == Method::Direct {
        best.ns = fused_ns(kind, x_shape, y_shape, lo, len);
        best.fused = true;
    }
    for (rows_first, (r, (c, transposed))) in [
        (true, (rows(n0), cols(len[1]))),
        (false, (rows(len[0]), cols(n1))),
    ] {
        if r + c < best.ns {
            best = PassOrder {
                ns: r + c,
                rows_first,
                transposed,
                fused: false,
            };
        }
    }
    best
}

impl Estimate {
    /// The predicted time of `method` (`Auto` is not a method here: `None`).
    pub(crate) fn of(&self, method: Method) -> Option<f64> {
        match method {
            Method::Direct => Some(self.direct),
            Method::Fft => self.fft,
            Method::OverlapAdd => self.overlap_add,
            Method::Auto => None,
        }
    }

    /// The cheapest method among those allowed.
    pub(crate) fn cheapest(&self, transforms_ok: bool) -> Method {
        let mut best = (self.direct, Method::Direct);
        if transforms_ok {
            if let Some(f) = self.fft.filter(|&f| f < best.0) {
                best = (f, Method::Fft);
            }
            if let Some(o) = self.overlap_add.filter(|&o| o < best.0) {
                best = (o, Method::OverlapAdd);
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problems of `tests/nd_threads.rs` are split (so that the test compares something):
    /// predicted above the threshold, and overlap-add has several tile rows to share out.
    #[cfg(feature = "rayon")]
    #[test]
    fn the_threads_test_problems_are_split() {
        use crate::arith::ElementKind as Kind;
        use crate::mode::Mode;
        use crate::nd::parallel::bands;
        use crate::nd::{strategy, window::per_axis};
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            for (sa, sv) in [
                (&[301, 277][..], &[9, 7][..]),
                (&[801, 157], &[11, 9]),
                (&[240, 38, 41], &[5, 6, 4]),
            ] {
                for kind in [Kind::F32, Kind::F64, Kind::I64] {
                    let w = per_axis(sa, sv, Mode::Same);
                    let est = strategy::estimate(kind, sa, sv, &w.lo, &w.len);
                    assert_eq!(bands(est.direct), 2, "{kind:?} {sa:?}");
                    assert_eq!(bands(est.overlap_add.unwrap()), 2, "{kind:?} {sa:?}");
                    let (block, _) = strategy::tiles(kind, sa, sv).unwrap();
                    assert!(sa[0].div_ceil(block[0]) >= 3, "{kind:?} {sa:?} {block:?}");
                }
            }
            assert_eq!(bands(50_000.0), 1);
        });
    }

    use crate::mode::Mode;
    use crate::nd::window::per_axis;

    fn auto(kind: ElementKind, image: &[usize], kernel: &[usize]) -> Method {
        let w = per_axis(image, kernel, Mode::Same);
        estimate(kind, image, kernel, &w.lo, &w.len).cheapest(true)
    }

    #[test]
    fn auto_follows_the_measured_crossovers() {
        // The picks that matched the fastest measured method in `benches/nd.rs`.
        assert_eq!(auto(ElementKind::F64, &[512, 512], &[3, 3]), Method::Direct);
        assert_eq!(
            auto(ElementKind::F64, &[512, 512], &[15, 15]),
            Method::OverlapAdd
        );
        assert_eq!(
            auto(ElementKind::F64, &[512, 512], &[255, 255]),
            Method::Fft
        );
        assert_eq!(
            auto(ElementKind::F64, &[2048, 2048], &[3, 3]),
            Method::Direct
        );
        assert_eq!(
            auto(ElementKind::F64, &[2048, 2048], &[63, 63]),
            Method::OverlapAdd
        );
        assert_eq!(
            auto(ElementKind::F64, &[2048, 2048], &[255, 255]),
            Method::Fft
        );
        assert_eq!(
            auto(ElementKind::F32, &[128, 128, 128], &[9, 9, 9]),
            Method::OverlapAdd
        );
        // The `auto_nd`/`auto_3d` points the refit of issue 23 moved (docs/PERFORMANCE.md,
        // "The N-D cost model's constants"): 3-D tiles of 20³ and the 3-D direct sum were
        // priced at a third of their time, overlap-add at 2048² as if in cache.
        for image in [[64; 3], [128; 3]] {
            assert_eq!(auto(ElementKind::F32, &image, &[5; 3]), Method::Fft);
        }
        assert_eq!(auto(ElementKind::F32, &[64; 3], &[3; 3]), Method::Fft);
        assert_eq!(
            auto(ElementKind::F64, &[2048, 2048], &[13, 13]),
            Method::Direct
        );
        // Without transforms (non-finite data, inexact integers) only the direct sum is left.
        let w = per_axis(&[512, 512], &[255, 255], Mode::Same);
        let est = estimate(ElementKind::F64, &[512, 512], &[255, 255], &w.lo, &w.len);
        assert_eq!(est.cheapest(false), Method::Direct);
    }

    #[test]
    fn overlap_add_tiles_large_inputs_only() {
        let (block, lens) = tiles(ElementKind::F64, &[2048, 2048], &[15, 15]).unwrap();
        assert!(block.iter().all(|&b| b < 2048), "{block:?}");
        assert!(lens.iter().zip(&block).all(|(&l, &b)| l >= b + 14));
        // A kernel as large as the image: one transform over each axis.
        let (block, _) = tiles(ElementKind::F64, &[64, 64], &[60, 60]).unwrap();
        assert_eq!(block, [64, 64]);
    }
}
