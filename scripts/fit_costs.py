#!/usr/bin/env python3
"""Fits the cost model of `src/strategy.rs` (`Costs`) to the `methods` bench grid.

    export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
    cargo bench --bench methods -- 'convolve_1d/f64/full|convolve_1d/f32/full'
    python3 scripts/fit_costs.py [--inputs FILE]

It reads criterion's medians (thread CPU time) from target/criterion, gets the model's inputs
for each grid point (the kept outputs, multiply-accumulates, the FFT method's length and the
overlap-add block length and block count, each with its radix factor) from
`cargo run --release --example model_inputs` (or, with `--inputs FILE`, from that example's
output saved when the bench ran: the block lengths depend on the constants then in force, which a fit changes),
and fits each element type's constants by non-negative least squares on relative error:

    direct      = per_mac·(macs − edge) + per_edge_mac·edge + per_out·len
                  + per_edge_out·edge_outs + direct_overhead
    transform   = (per_nlogn + per_nlogn_growth·max(log2 L − 15, 0))·L·log2 L·factor(L)
    fft         = 3·transform(L) + per_bin·L + fft_overhead
    overlap-add = (2·blocks + 1)·transform(B) + per_bin·blocks·B + per_block·blocks + fft_overhead

then prints the constants and every point's measured/predicted ratio, and which method the
fitted model picks against the fastest measured one.
"""
import argparse
import json
import pathlib
import subprocess

import numpy as np
from scipy.optimize import nnls

from criterion_json import ROOT, results

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               epilog=__doc__)
ARGS.add_argument("--inputs", metavar="FILE",
                  help="the model_inputs example's output saved when the bench ran")
args = ARGS.parse_args()

times = {}
for r in results(r"convolve_1d/"):
    _, kind, mode, _ = r.group.split("/")
    m = r.group.split("m=")[1]
    n = int(r.value)
    m = n if m == "n" else int(m)
    times[(kind, mode, n, m, r.function)] = r.median_ns

if args.inputs:
    # The model's inputs saved when the bench ran: the overlap-add block lengths depend on the
    # constants in force then, which a fit changes.
    out = pathlib.Path(args.inputs).read_text()
else:
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "model_inputs"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
features = [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def transform_cols(length, factor, count):
    log = np.log2(length)
    size = count * length * log * factor
    return [size, size * max(log - 15.0, 0.0)]


def edge_outs(f):
    """Kept outputs in the triangular ends; inputs saved before the model had the term lack
    it, and are full mode (every output from 0 to n + m - 2 kept, n >= m)."""
    if "edge_outs" in f:
        return f["edge_outs"]
    assert f["mode"] == "full", f
    return 2 * (f["m"] - 1)


def fit(kind):
    rows = {"direct": ([], []), "transform": ([], [])}
    points = []
    for f in features:
        if f["kind"] != kind:
            continue
        key = (kind, f["mode"], f["n"], f["m"])
        measured = {meth: times.get(key + (meth,)) for meth in ("direct", "fft", "overlap-add", "auto")}
        if not any(measured.values()):
            continue
        points.append((f, measured))
        if measured["direct"]:
            a, b = rows["direct"]
            a.append([f["macs"] - f["edge"], f["edge"], f["len"], edge_outs(f), 1.0])
            b.append(measured["direct"])
        if measured["fft"]:
            a, b = rows["transform"]
            a.append(transform_cols(f["fft_len"], f["fft_factor"], 3) + [f["fft_len"], 0.0, 1.0])
            b.append(measured["fft"])
        if measured["overlap-add"]:
            a, b = rows["transform"]
            count = 2 * f["blocks"] + 1
            a.append(transform_cols(f["block"], f["block_factor"], count)
                     + [f["blocks"] * f["block"], f["blocks"], 1.0])
            b.append(measured["overlap-add"])
    consts = {}
    for name, (a, b) in rows.items():
        a, b = np.array(a, float), np.array(b, float)
        x, _ = nnls(a / b[:, None], np.ones(len(b)))
        consts[name] = x
    return consts, points


def predict(consts, f):
    per_mac, per_edge, per_out, per_edge_out, direct_overhead = consts["direct"]
    p, g, per_bin, per_block, overhead = consts["transform"]

    def transform(length, factor, count):
        c = transform_cols(length, factor, count)
        return p * c[0] + g * c[1]

    direct = (per_mac * (f["macs"] - f["edge"]) + per_edge * f["edge"] + per_out * f["len"]
              + per_edge_out * edge_outs(f) + direct_overhead)
    fft = transform(f["fft_len"], f["fft_factor"], 3) + per_bin * f["fft_len"] + overhead
    oa = (transform(f["block"], f["block_factor"], 2 * f["blocks"] + 1)
          + per_bin * f["blocks"] * f["block"] + per_block * f["blocks"] + overhead)
    return {"direct": direct, "fft": fft, "overlap-add": oa}


for kind in ("f64", "f32"):
    consts, points = fit(kind)
    if not points:
        continue
    d, t = consts["direct"], consts["transform"]
    print(f"{kind}: per_mac {d[0]:.4f}  per_edge_mac {d[1]:.3f}  per_out {d[2]:.3f}  "
          f"per_edge_out {d[3]:.2f}  direct_overhead {d[4]:.0f}  per_nlogn {t[0]:.4f}  per_nlogn_growth {t[1]:.4f}  "
          f"per_bin {t[2]:.3f}  per_block {t[3]:.0f}  fft_overhead {t[4]:.0f}")
    print(f"{'mode':>5} {'n':>8} {'m':>8}  measured/predicted: direct    fft     oa   pick      best  best/pick")
    worst = 1.0
    for f, measured in points:
        pred = predict(consts, f)
        ratio = {k: (measured[k] / pred[k] if measured[k] else float("nan")) for k in pred}
        pick = min(pred, key=pred.get)
        fixed = {k: v for k, v in measured.items() if v and k != "auto"}
        best = min(fixed, key=fixed.get)
        loss = measured[pick] / fixed[best] if measured[pick] else float("nan")
        worst = max(worst, loss) if loss == loss else worst
        print(f"{f['mode']:>5} {f['n']:>8} {f['m']:>8}  {ratio['direct']:>25.2f} {ratio['fft']:>6.2f}"
              f" {ratio['overlap-add']:>6.2f}  {pick:>6} {best:>11} {loss:>8.2f}")
    print(f"worst measured time of the fitted pick over the fastest: {worst:.2f}\n")
