#!/usr/bin/env python3
"""Reads criterion's results (target/criterion) for the `methods` bench and prints, for every
grid point, the median time of each method, the fastest fixed method, and Auto's ratio to it.

    cargo bench --bench methods -- 'f64/full'   # or no filter for the whole grid
    python3 scripts/bench_table.py [--markdown]
"""
import json
import pathlib
import re
import sys

root = pathlib.Path("target/criterion")
rows = {}
for est in root.glob("convolve_1d*/*/*/new/estimates.json"):
    if not (est.parent / "benchmark.json").exists():
        continue  # still being measured
    bench = json.loads((est.parent / "benchmark.json").read_text())
    group, method, n = bench["group_id"], bench["function_id"], int(bench["value_str"])
    median_ns = json.loads(est.read_text())["median"]["point_estimate"]
    rows.setdefault((group, n), {})[method] = median_ns


def fmt(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def key(item):
    (group, n), _ = item
    m = re.search(r"m=(\d+|n)", group).group(1)
    return (group.split("/m=")[0], int(m) if m != "n" else 10**9, n)


md = "--markdown" in sys.argv
fixed = ["direct", "fft", "overlap-add"]
header = ["group", "n", *fixed, "auto", "best", "auto/best"]
print(("| " + " | ".join(header) + " |") if md else "  ".join(f"{h:>14}" for h in header))
if md:
    print("|" + "---|" * len(header))
worst = 1.0
for (group, n), times in sorted(rows.items(), key=key):
    present = {k: v for k, v in times.items() if k in fixed}
    if not present or "auto" not in times:
        continue
    best = min(present, key=present.get)
    ratio = times["auto"] / present[best]
    worst = max(worst, ratio)
    cells = [group.replace("convolve_1d/", ""), str(n), *(fmt(times.get(k)) for k in fixed),
             fmt(times["auto"]), best, f"{ratio:.2f}"]
    print(("| " + " | ".join(cells) + " |") if md else "  ".join(f"{c:>14}" for c in cells))
print(f"\nworst auto/best: {worst:.2f}")
