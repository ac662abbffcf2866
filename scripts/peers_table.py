#!/usr/bin/env python3
"""Reads criterion's results of the `one_shot` bench (peers/) and prints, per grid point, each
Rust peer's median time, ours, and peer / ours.

    cargo bench -p convolve-peers --bench one_shot -- --warm-up-time 1 --measurement-time 3
    python3 scripts/peers_table.py [--markdown]
"""
import json
import pathlib
import sys

PEERS = ["ndarray-conv", "ndarray-conv-fft", "sci-rs", "fft-convolver"]
root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
rows = {}
for est in root.glob("one_shot_*/*/*/new/estimates.json"):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    group, who, n = bench["group_id"], bench["function_id"], int(bench["value_str"])
    _, dtype, m = group.split("/")
    key = (dtype, n, int(m.split("=")[1]))
    rows.setdefault(key, {})[who] = json.loads(est.read_text())["median"]["point_estimate"]


def fmt(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


md = "--markdown" in sys.argv
head = ["dtype", "n", "m", "convolve"] + [f"{p} (x)" for p in PEERS]
print(("| " + " | ".join(head) + " |\n|" + "---|" * len(head)) if md else " ".join(head))
worst = {}
for (dtype, n, m), t in sorted(rows.items()):
    ours = t.get("convolve")
    if ours is None:
        continue
    cells = [dtype, str(n), str(m), fmt(ours)]
    for p in PEERS:
        if p in t:
            r = t[p] / ours
            worst[p] = min(worst.get(p, r), r)
            cells.append(f"{fmt(t[p])} ({r:.1f}x)")
        else:
            cells.append("-")
    print(("| " + " | ".join(cells) + " |") if md else "  ".join(cells))
print()
for p, r in worst.items():
    print(f"smallest {p} / convolve: {r:.2f}")
