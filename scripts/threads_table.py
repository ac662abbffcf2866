#!/usr/bin/env python3
"""Reads criterion's results (target/criterion) for the `threads` group of the `methods` bench
and prints, for every problem, the median wall time on one thread and on all threads and the
speed-up.

    cargo bench --bench methods -- threads/
    python3 scripts/threads_table.py [--markdown]
"""
import json
import pathlib
import sys

root = pathlib.Path("target/criterion/threads_f64")
rows = {}
for est in root.glob("*/*/new/estimates.json"):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    n, m = (int(s) for s in bench["value_str"].split("x"))
    median_ns = json.loads(est.read_text())["median"]["point_estimate"]
    rows.setdefault((n, m), {})[bench["function_id"]] = median_ns


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def size(k):
    exp = len(str(k)) - 1
    if k == 10**exp and exp >= 4:
        return f"10^{exp}"
    return str(k)


md = "--markdown" in sys.argv
if md:
    print("| n × m | 1 thread | 2 threads | speed-up |")
    print("|---|---|---|---|")
for (n, m), t in sorted(rows.items()):
    if "one_thread" not in t or "all_threads" not in t:
        continue
    one, all_ = t["one_thread"], t["all_threads"]
    cells = [f"{size(n)} × {size(m)}", fmt(one), fmt(all_), f"{one / all_:.2f}x"]
    print("| " + " | ".join(cells) + " |" if md else "  ".join(f"{c:>14}" for c in cells))
