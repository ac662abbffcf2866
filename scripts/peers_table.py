#!/usr/bin/env python3
"""Tabulates the `one_shot` bench of peers/ from criterion's results: per grid point each Rust
peer's median time, ours, and peer / ours.

    RAYON_NUM_THREADS=1 cargo bench -p convolve-peers --bench one_shot -- \\
        --warm-up-time 0.5 --measurement-time 1.5
    python3 scripts/peers_table.py [--markdown]
"""
import argparse

from criterion_json import fmt_ns, results

PEERS = ["ndarray-conv", "ndarray-conv-fft", "sci-rs", "fft-convolver"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    md = p.parse_args().markdown
    rows = {}
    for r in results(r"one_shot/"):
        _, dtype, m = r.group.split("/")
        rows.setdefault((dtype, int(r.value), int(m.split("=")[1])), {})[r.function] = r.median_ns
    head = ["dtype", "n", "m", "convolve"] + [f"{p} (x)" for p in PEERS]
    print(("| " + " | ".join(head) + " |\n|" + "---|" * len(head)) if md else " ".join(head))
    worst = {}
    for (dtype, n, m), t in sorted(rows.items()):
        ours = t.get("convolve")
        if ours is None:
            continue
        cells = [dtype, str(n), str(m), fmt_ns(ours)]
        for peer in PEERS:
            if peer in t:
                r = t[peer] / ours
                worst[peer] = min(worst.get(peer, r), r)
                cells.append(f"{fmt_ns(t[peer])} ({r:.1f}x)")
            else:
                cells.append("-")
        print(("| " + " | ".join(cells) + " |") if md else "  ".join(cells))
    print()
    for peer, r in worst.items():
        print(f"smallest {peer} / convolve: {r:.2f}")


if __name__ == "__main__":
    main()
