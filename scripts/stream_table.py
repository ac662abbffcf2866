#!/usr/bin/env python3
"""Builds the real-time streaming table (docs/PERFORMANCE.md) from one run of the peers stream
bench: each engine's criterion mean per block (criterion's saved results) and, from the
bench's printed table (its output, on stdin), our engine's block-loop figures.

    cargo bench -p convolve-peers --bench stream_vs_fft_convolver -- \\
        --warm-up-time 0.5 --measurement-time 1 | tee /tmp/stream.txt
    python3 scripts/stream_table.py < /tmp/stream.txt
"""
import argparse
import sys

from criterion_json import results


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.parse_args()
    if sys.stdin.isatty():
        sys.exit("stream_table.py reads the bench's printed output on stdin (see --help)")
    crit = {}
    for r in results(r"stream/f32/ir="):
        ir = int(r.group.split("=")[1])
        crit[(ir, int(r.value), r.function)] = r.mean_ns / 1e3

    loop = {}
    for line in sys.stdin:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0].isdigit():
            ir, block, name = int(cells[0]), int(cells[1]), cells[2]
            loop[(ir, block, name)] = cells[3:9]
    if not loop:
        sys.exit("no block-loop table on stdin: pipe in the bench's output (see --help)")

    print("| IR taps | block | convolve µs | FFTConvolver µs | ratio | TwoStage µs | ratio "
          "| loop mean µs | scheduled worst µs | scheduled worst/mean | raw worst/mean "
          "| RTF @48 kHz |")
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


if __name__ == "__main__":
    main()
