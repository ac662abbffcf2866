#!/usr/bin/env python3
"""Tabulates a bench grid from criterion's results: for every grid point the median time of
each method, the fastest fixed method, and Auto's ratio to it. By default the `methods` bench's
1-D grid; with `--nd`, the N-D grid of `benches/nd.rs` (groups `auto_nd` and `auto_3d`, the
parameter being the kernel's taps per axis).

    export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
    cargo bench --bench methods -- 'convolve_1d/f64/full|convolve_1d/f32/full'
    python3 scripts/bench_table.py [--markdown]
    cargo bench --bench nd --features ndarray -- 'auto_nd|auto_3d'
    python3 scripts/bench_table.py --nd [--markdown]
"""
import argparse
import re

from criterion_json import fmt_ns, results

FIXED = ["direct", "fft", "overlap-add"]


def key(item):
    (group, n), _ = item
    if group.startswith("auto_"):
        # auto_nd/f32/512: by dimensions, element type, image side, kernel.
        dims, kind, side = group.split("/")
        return (dims, kind, int(side), n)
    m = re.search(r"m=(\d+|n)", group).group(1)
    return (group.split("/m=")[0], int(m) if m != "n" else 10**9, n)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    p.add_argument("--nd", action="store_true", help="the N-D grid of benches/nd.rs")
    args = p.parse_args()
    md = args.markdown
    rows = {}
    for r in results(r"auto_nd/|auto_3d/" if args.nd else r"convolve_1d/"):
        rows.setdefault((r.group, int(r.value)), {})[r.function] = r.median_ns
    header = ["group", "n", *FIXED, "auto", "best", "auto/best"]
    print(("| " + " | ".join(header) + " |") if md else "  ".join(f"{h:>14}" for h in header))
    if md:
        print("|" + "---|" * len(header))
    worst = 1.0
    for (group, n), times in sorted(rows.items(), key=key):
        present = {k: v for k, v in times.items() if k in FIXED}
        if not present or "auto" not in times:
            continue
        best = min(present, key=present.get)
        ratio = times["auto"] / present[best]
        worst = max(worst, ratio)
        cells = [group.replace("convolve_1d/", ""), str(n), *(fmt_ns(times.get(k)) for k in FIXED),
                 fmt_ns(times["auto"]), best, f"{ratio:.2f}"]
        print(("| " + " | ".join(cells) + " |") if md else "  ".join(f"{c:>14}" for c in cells))
    print(f"\nworst auto/best: {worst:.2f}")


if __name__ == "__main__":
    main()
