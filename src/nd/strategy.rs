//! The N-D cost model behind `Method::Auto`: the direct kernel's multiply-adds against the
//! transforms' `N log2 N`, with per-element constants measured by `cargo bench --bench nd
//! --features ndarray` (see the table in `Costs`).

use crate::Method;
use crate::element::Kind;

use super::direct;
use super::fft::{lens, tiles};

/// Measured costs in nanoseconds of CPU time (thread CPU time, release build, the project
/// machine: AMD EPYC at 2.45 GHz, AVX2+FMA).
struct Costs {
    /// Per multiply-add of the direct kernel.
    per_mac: f64,
    /// Per kernel-row pair of an output row (slicing, block set-up and the row's edges).
    per_pair: f64,
    /// Per point per `log2` of the point count, for one N-D transform.
    per_nlogn: f64,
    /// Fixed cost of a transform-based call (plans, allocation).
    overhead: f64,
}

fn costs(kind: Kind) -> Costs {
    const F64: Costs = Costs {
        per_mac: 0.075,
        per_pair: 12.0,
        per_nlogn: 0.45,
        overhead: 3000.0,
    };
    const F32: Costs = Costs {
        per_mac: 0.04,
        per_pair: 10.0,
        per_nlogn: 0.32,
        overhead: 3000.0,
    };
    match kind {
        Kind::F64 => F64,
        Kind::F32 => F32,
        Kind::ComplexF64 => Costs {
            per_mac: 4.0 * F64.per_mac,
            per_nlogn: 2.0 * F64.per_nlogn,
            ..F64
        },
        Kind::ComplexF32 => Costs {
            per_mac: 4.0 * F32.per_mac,
            per_nlogn: 2.0 * F32.per_nlogn,
            ..F32
        },
        // The 1-D `exact_integers` rates; integer transforms are f64 ones.
        Kind::I32 => Costs {
            per_mac: 0.045,
            ..F64
        },
        Kind::I64 => Costs {
            per_mac: 0.21,
            ..F64
        },
    }
}

/// One transform of these lengths.
fn transform_ns(c: &Costs, lens: &[usize]) -> f64 {
    let points: f64 = lens.iter().map(|&l| l as f64).product();
    c.per_nlogn * points * points.log2().max(1.0)
}

/// Predicted nanoseconds of each method, `None` where the method cannot run.
pub(crate) struct Estimate {
    pub direct: f64,
    pub fft: Option<f64>,
    pub overlap_add: Option<f64>,
}

pub(crate) fn estimate(
    kind: Kind,
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> Estimate {
    let c = costs(kind);
    let d = x_shape.len();
    let pairs: f64 = len[..d - 1]
        .iter()
        .zip(&y_shape[..d - 1])
        .zip(&x_shape[..d - 1])
        .map(|((&l, &m), &n)| l.min(n.max(m)) as f64 * m.min(n) as f64)
        .product();
    let direct = direct::macs(x_shape, y_shape, lo, len) * c.per_mac + pairs * c.per_pair;
    let fft = lens(x_shape, y_shape, lo, len)
        .ok()
        .map(|l| 3.0 * transform_ns(&c, &l) + c.overhead);
    let overlap_add = tiles(x_shape, y_shape).ok().map(|(block, l)| {
        let count: f64 = x_shape
            .iter()
            .zip(&block)
            .map(|(&n, &b)| n.div_ceil(b) as f64)
            .product();
        (2.0 * count + 1.0) * transform_ns(&c, &l) + c.overhead
    });
    Estimate {
        direct,
        fft,
        overlap_add,
    }
}

impl Estimate {
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
