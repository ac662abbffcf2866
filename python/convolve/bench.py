"""Times this package against numpy.convolve, scipy.signal.convolve, fftconvolve and oaconvolve.

    python -m convolve.bench [--quick] [--max-n 1e6] [--dtypes f64,f32] [--markdown]
                             [--overhead] [--threads] [--rust PATH]
    python -m convolve.bench --images [--quick] [--thread-counts 1,2] [--budget 2]
                                      [--kinds random,gaussian]

For each grid point (signal length n, kernel length m, mode, dtype) it prints each peer's
median time, ours (``convolve.convolve``, method auto) and best peer / ours. Timing is
``timeit``-style: calls batched to at least 0.1 s, median of 5 batches (a call over 1 s is timed
alone); peers predicted to take over ~2 s are skipped ("-"). Every point checks our result
against the peers' within 8·eps·log2(n+m)·‖a‖·‖v‖.

``--overhead`` times the per-call cost at 100 × 3 float64 (and 1000 × 16) against numpy's.
``--threads`` compares the throughput of two Python threads convolving at once with one's
(best of 7 runs each);
run it with ``RAYON_NUM_THREADS=1`` so that only the Python threads run in parallel.
``--rust PATH`` also times the same calls from Rust through the repository's
``compare_driver`` example (``cargo build --release --example compare_driver``) and prints
Python / Rust time and the share of Rust's ratio over the best peer that Python keeps.
``--images`` runs the image grid instead (2-D filters against OpenCV and scipy, see
``convolve._bench_images``) and prints a markdown table.
Set OMP/MKL/OPENBLAS_NUM_THREADS=1 for single-threaded peers (done here before numpy loads
when run as ``python -m convolve.bench``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import math
import subprocess
import sys
import threading
import timeit

import numpy as np

import convolve

from ._peers import PEERS, fmt, grid, time_call, time_peers


class Rust:
    """The repository's compare_driver: one process answering `n m dtype mode method`."""

    def __init__(self, path):
        self.proc = subprocess.Popen(
            [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def time(self, n, m, dtype, mode):
        self.proc.stdin.write(f"{n} {m} {dtype} {mode} auto\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"compare_driver: {answer['error']}")
        return answer["median_ns"] * 1e-9

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def run_grid(args):
    rng = np.random.default_rng(1)
    rust = Rust(args.rust) if args.rust else None
    rows = []
    for dtype in args.dtypes.split(","):
        npt = {"f64": np.float64, "f32": np.float32}[dtype]
        eps = float(np.finfo(npt).eps)
        for n, m, mode in grid(args.quick, args.max_n, args.min_n):
            a = rng.uniform(-1, 1, n).astype(npt)
            v = rng.uniform(-1, 1, m).astype(npt)
            ours = convolve.convolve(a, v, mode)
            tol = 8 * eps * math.log2(n + m) * np.linalg.norm(a) * np.linalg.norm(v)

            def check(peer, ref, ours=ours, tol=tol, where=f"n={n} m={m} {dtype} {mode}"):
                err = float(np.max(np.abs(ours.astype(np.float64) - ref)))
                if ours.shape != ref.shape or not err <= tol:
                    sys.exit(f"MISMATCH with {peer} at {where}: {err} > {tol}")

            times = time_peers(a, v, mode, check)
            t_ours = time_call(lambda a=a, v=v, mode=mode: convolve.convolve(a, v, mode))
            best = min(t for t in times.values() if t is not None)
            row = {"n": n, "m": m, "dtype": dtype, "mode": mode, "peers": times, "ours": t_ours}
            row["method"] = convolve.choose_method(n, m, mode, npt)
            row["ratio"] = best / t_ours
            if rust:
                row["rust"] = rust.time(n, m, dtype, mode)
                row["py_over_rust"] = t_ours / row["rust"]
                row["keeps"] = row["ratio"] / (best / row["rust"])
            rows.append(row)
            line = (
                f"{n:>9} {m:>6} {dtype} {mode:<5} "
                + " ".join(f"{fmt(times[p]):>9}" for p in PEERS)
                + f" | ours {fmt(t_ours):>9} ({row['method']:<11}) ratio {row['ratio']:6.2f}"
            )
            if rust:
                line += (
                    f" | rust {fmt(row['rust']):>9} py/rust {row['py_over_rust']:5.2f}"
                    f" keeps {row['keeps']:5.2f}"
                )
            print(line, flush=True, file=sys.stderr if args.markdown else sys.stdout)
    if rust:
        rust.close()
    if args.markdown:
        markdown(rows, bool(rust))
    return rows


def markdown(rows, with_rust):
    head = "| n | m | dtype | mode | numpy | scipy | fftconvolve | oaconvolve | convolve | best / ours |"
    sep = "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"
    if with_rust:
        head += " Rust | Python / Rust |"
        sep += "---:|---:|"
    print(head)
    print(sep)
    for r in rows:
        cells = [str(r["n"]), str(r["m"]), r["dtype"], r["mode"]]
        cells += [fmt(r["peers"][p]) for p in PEERS]
        cells += [f"{fmt(r['ours'])} ({r['method']})", f"{r['ratio']:.2f}x"]
        if with_rust:
            cells += [fmt(r["rust"]), f"{r['py_over_rust']:.2f}"]
        print("| " + " | ".join(cells) + " |")


def overhead():
    rng = np.random.default_rng(2)
    print("per-call time (median of 5 batches of >= 0.2 s):")
    for n, m in [(100, 3), (1000, 16)]:
        a, v = rng.uniform(-1, 1, n), rng.uniform(-1, 1, m)
        t_np = time_call(lambda a=a, v=v: np.convolve(a, v), 0.2)
        t_us = time_call(lambda a=a, v=v: convolve.convolve(a, v), 0.2)
        print(
            f"  {n} x {m} float64: numpy.convolve {fmt(t_np)}, convolve.convolve {fmt(t_us)}"
            f" ({t_np / t_us:.2f}x)"
        )


def threads(n=100_000, m=1000, calls=40):
    """Throughput of two Python threads over one, next to a GIL-free reference."""
    import hashlib

    rng = np.random.default_rng(3)
    pairs = [(rng.uniform(-1, 1, n), rng.uniform(-1, 1, m)) for _ in range(2)]
    blob = bytes(32 << 20)

    def conv(i):
        a, v = pairs[i]
        for _ in range(calls):
            convolve.convolve(a, v)

    def sha(_):
        hashlib.sha256(blob).digest()

    def timed(work, count):
        ts = [threading.Thread(target=work, args=(i,)) for i in range(count)]
        start = timeit.default_timer()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return timeit.default_timer() - start

    rayon = os.environ.get("RAYON_NUM_THREADS", "unset")
    print(f"two Python threads vs one (RAYON_NUM_THREADS={rayon}), best of 7 runs each:")
    for name, work in [(f"convolve {n} x {m} float64, {calls} calls", conv), ("sha256", sha)]:
        work(0)
        # The best of 7: on a shared machine the other load only ever slows a run down.
        one = min(timed(work, 1) for _ in range(7))
        two = min(timed(work, 2) for _ in range(7))
        print(f"  {name}: one {fmt(one)}, two {fmt(two)}, throughput {2 * one / two:.2f}x")
    print("  (hashlib.sha256 releases the GIL: its ratio is what the machine allows now)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small grid (n <= 1e5)")
    p.add_argument("--max-n", type=float, default=1e6, help="leave out longer signals")
    p.add_argument("--min-n", type=float, default=0, help="leave out shorter signals")
    p.add_argument("--dtypes", default="f64", help="comma-separated: f64, f32")
    p.add_argument("--markdown", action="store_true", help="print the grid as a table")
    p.add_argument("--overhead", action="store_true", help="only the per-call overhead")
    p.add_argument("--threads", action="store_true", help="only the two-thread throughput")
    p.add_argument("--rust", help="path of the compare_driver example, to time Rust too")
    p.add_argument("--json", help="also write the grid's rows to this file")
    p.add_argument("--images", action="store_true", help="the image grid (2-D filters)")
    p.add_argument("--thread-counts", default="1,2", help="images: our thread counts")
    p.add_argument("--budget", type=float, default=2.0,
                   help="images: skip peers predicted to take longer (seconds per call)")
    p.add_argument("--rounds", type=int, default=5, help="images: interleaved rounds")
    p.add_argument("--kinds", default="random,gaussian",
                   help="images: kernel kinds to run (random, gaussian)")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.images:
        from . import _bench_images as images

        if args.worker is not None:
            images.worker(args.worker, args.quick, args.budget, args.rounds,
                          args.kinds.split(","))
            return
        counts = [int(t) for t in args.thread_counts.split(",")]
        rows = images.run(args.quick, counts, args.budget, args.rounds, args.kinds.split(","))
        images.markdown(rows, images.cpu_name())
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rows, f, indent=1)
        return
    if args.overhead or args.threads:
        if args.overhead:
            overhead()
        if args.threads:
            threads()
        return
    rows = run_grid(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
