#!/usr/bin/env python3
"""Tabulates the `threads` group of the `methods` bench from criterion's results: for every
problem the median wall time on one thread and on all threads, and the speed-up.

    cargo bench --bench methods -- threads/
    python3 scripts/threads_table.py [--markdown]
"""
import argparse

from criterion_json import fmt_ns, results


def size(k):
    exp = len(str(k)) - 1
    if k == 10**exp and exp >= 4:
        return f"10^{exp}"
    return str(k)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    md = p.parse_args().markdown
    rows = {}
    for r in results(r"threads/f64$"):
        n, m = (int(s) for s in r.value.split("x"))
        rows.setdefault((n, m), {})[r.function] = r.median_ns
    if md:
        print("| n × m | 1 thread | 2 threads | speed-up |")
        print("|---|---|---|---|")
    for (n, m), t in sorted(rows.items()):
        if "one_thread" not in t or "all_threads" not in t:
            continue
        one, all_ = t["one_thread"], t["all_threads"]
        cells = [f"{size(n)} × {size(m)}", fmt_ns(one), fmt_ns(all_), f"{one / all_:.2f}x"]
        print("| " + " | ".join(cells) + " |" if md else "  ".join(f"{c:>14}" for c in cells))


if __name__ == "__main__":
    main()
