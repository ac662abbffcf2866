#!/usr/bin/env python3
"""Builds the README's real-time streaming table from one run of the peers stream bench: the
criterion mean per block of each engine (criterion's estimates under target/criterion) and,
from the bench's printed table (its output, on stdin), our engine's block loop figures.

    cargo bench -p convolve-peers --bench stream_vs_fft_convolver -- \
        --warm-up-time 0.5 --measurement-time 1 | tee /tmp/stream.txt
    python3 scripts/stream_table.py < /tmp/stream.txt
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
crit = {}
for est in root.glob("stream_f32_ir=*/*/*/new/estimates.json"):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    ir = int(bench["group_id"].split("=")[1])
    key = (ir, int(bench["value_str"]), bench["function_id"])
    crit[key] = json.loads(est.read_text())["mean"]["point_estimate"] / 1e3

loop = {}
for line in sys.stdin:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 10 and cells[0].isdigit():
        ir, block, name = int(cells[0]), int(cells[1]), cells[2]
        loop[(ir, block, name)] = cells[3:9]

print("| IR taps | block | convolve µs | FFTConvolver µs | ratio | TwoStage µs | ratio "
      "| loop mean µs | scheduled worst µs | scheduled worst/mean | raw worst/mean | RTF @48 kHz |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for ir, block in sorted({(k[0], k[1]) for k in loop}):
    ours = crit.get((ir, block, "convolve"))
    one = crit.get((ir, block, "fft-convolver"))
    two = crit.get((ir, block, "fft-convolver-2stage"))
    if None in (ours, one, two):
        continue
    mean, worst, worst_ratio, sched, sched_ratio, rtf = loop[(ir, block, "convolve")]
    print(f"| {ir} | {block} | {ours:.2f} | {one:.2f} | {one / ours:.2f}x | {two:.2f} | "
          f"{two / ours:.2f}x | {mean} | {sched} | {sched_ratio} | {worst_ratio} | {rtf} |")
