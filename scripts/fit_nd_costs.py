#!/usr/bin/env python3
"""Fits the transform rates of the N-D cost model (`src/nd/strategy.rs`, `Costs`) to the
`auto_nd` and `auto_3d` groups of `benches/nd.rs`, and prints, per point, the measured time of
each method, the fitted model's pick and its measured time over the fastest method's.

    export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
    cargo run --release --features ndarray --example nd_model_inputs > nd_inputs.jsonl
    cargo bench --bench nd --features ndarray -- 'auto_nd|auto_3d'
    python3 scripts/fit_nd_costs.py nd_inputs.jsonl

The inputs (saved with the bench run: overlap-add's tiles depend on the constants in force)
give each point's transform lengths and the tiles overlap-add ran (`oa_pick`). The model:

    transform(L) = (per_nlogn + per_nlogn_growth·max(log2 P − 18, 0))·radix(L)·P·log2 P
                   + per_line·lines(L)         P = ∏L; lines: the 1-D lines a 3-D transform
                                               gathers (none in 2-D)
    fft          = 3·transform(L) + overhead
    overlap-add  = (2·tiles + 1)·transform(tile)
                   + tiles·(per_tile + P_tile·(per_tile_point + per_tile_point_growth·g))
                   + overhead                  g = max(log2(image points) − 18, 0)

fitted by non-negative least squares on relative error (`per_nlogn_outer`, a share of
`P·log2 P` per axis beyond two, is fitted to check that the line term leaves none). The rates
printed are this CPU's; the constants in the code are these divided by the shipped profile's
N-D scales (`profile.rs`). The direct kernels' rates are not fitted here: the pick uses the
model's own direct prediction from the inputs.
"""
import argparse
import json
import math

import numpy as np
from scipy.optimize import nnls

from criterion_json import fmt_ns, results

METHODS = ["direct", "fft", "overlap-add"]


def radix_factor(n):
    """`radix_factor` of src/fft/fast_len.rs: the time per `L·log2 L` relative to a power of 2."""
    extra = 0.0
    for prime, weight in ((3, 0.019 / 0.078), (5, 0.044 / 0.078), (7, 0.035 / 0.078)):
        while n % prime == 0:
            n //= prime
            extra += weight * math.log2(prime)
    return extra


def radix(lens):
    """The N-D transform's radix factor: each axis's, weighted by its share of `log2 P`."""
    log = math.log2(math.prod(lens))
    return 1.0 + sum(radix_factor(n) for n in lens) / log


def transform_cols(lens, count):
    """One N-D transform's terms: P·log2 P, its share on axes beyond two and beyond 2^18
    points, the rows (one 1-D real transform each) and the lines that `along_axis` gathers
    (the half spectrum's lines along every axis but the last, in 3-D and up; 2-D transforms its
    columns in one call)."""
    p = math.prod(lens)
    log = math.log2(p)
    outer = max(len(lens) - 2, 0)
    size = count * p * log * radix(lens)
    rows = p // lens[-1]
    spec = rows * (lens[-1] // 2 + 1)
    gathered = sum(spec // lens[a] for a in range(len(lens) - 1)) if outer else 0
    return [size, size * outer, size * max(log - 18.0, 0.0), count * gathered]


def columns(f, method):
    if method == "fft":
        return transform_cols(f["fft_lens"], 3) + [0.0, 0.0, 0.0, 1.0]
    count, lens = f["oa"][f["oa_pick"]]
    spread = count * math.prod(lens)
    beyond = max(math.log2(math.prod(f["image"])) - 18.0, 0.0)
    return transform_cols(lens, 2 * count + 1) + [count, spread, spread * beyond, 1.0]


NAMES = ["per_nlogn", "per_nlogn_outer", "per_nlogn_growth", "per_line", "per_tile",
         "per_tile_point", "per_tile_point_growth", "overhead"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("inputs", help="the nd_model_inputs example's output saved with the bench run")
    args = p.parse_args()
    times = {}
    for r in results(r"auto_nd/|auto_3d/"):
        _, kind, side = r.group.split("/")
        times[(kind, r.group.startswith("auto_3d"), int(side), int(r.value), r.function)] = \
            r.median_ns
    features = [json.loads(line) for line in open(args.inputs) if line.startswith("{")]
    for kind in ("f32", "f64"):
        points = []
        a, b = [], []
        for f in features:
            if f["kind"] != kind:
                continue
            key = (kind, len(f["image"]) == 3, f["image"][0], f["k"])
            measured = {m: times.get(key + (m,)) for m in METHODS + ["auto"]}
            if not any(measured.values()):
                continue
            points.append((f, measured))
            for m in ("fft", "overlap-add"):
                if measured[m]:
                    a.append(columns(f, m))
                    b.append(measured[m])
        if len(b) < len(NAMES):
            print(f"{kind}: {len(b)} measured transform points, too few to fit {len(NAMES)} rates")
            continue
        a, b = np.array(a), np.array(b)
        x, _ = nnls(a / b[:, None], np.ones(len(b)))
        print(kind + ": " + "  ".join(f"{n} {v:.4g}" for n, v in zip(NAMES, x)))
        print(f"{'image':>10} {'k':>3}  {'direct':>9} {'fft':>9} {'oa':>9} {'auto':>9}"
              f"  fit fft/oa  {'pick':>11} {'best':>11} pick/best auto/best")
        worst = 1.0
        for f, measured in points:
            pred = {m: float(np.dot(columns(f, m), x)) for m in ("fft", "overlap-add")}
            pred["direct"] = f["predicted"][0]
            pick = min(pred, key=pred.get)
            fixed = {m: measured[m] for m in METHODS if measured[m]}
            best = min(fixed, key=fixed.get)
            loss = measured[pick] / fixed[best] if measured[pick] else float("nan")
            worst = max(worst, loss) if loss == loss else worst
            auto = measured["auto"] / fixed[best] if measured["auto"] else float("nan")
            fit = [measured[m] / pred[m] if measured[m] else float("nan")
                   for m in ("fft", "overlap-add")]
            image = "x".join(map(str, f["image"][:1])) + f"^{len(f['image'])}"
            print(f"{image:>10} {f['k']:>3}  " + " ".join(f"{fmt_ns(measured[m]):>9}"
                                                      for m in METHODS + ["auto"])
                  + f"  {fit[0]:5.2f} {fit[1]:4.2f}  {pick:>11} {best:>11} {loss:9.2f}"
                  f" {auto:9.2f}")
        print(f"worst measured time of the fitted pick over the fastest: {worst:.2f}\n")


if __name__ == "__main__":
    main()
