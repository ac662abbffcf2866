"""convolve.ndimage.gaussian_filter / uniform_filter against scipy.ndimage's.

    RAYON_NUM_THREADS=1 python python/benchmarks/separable_filters.py [--quick] [--markdown]

Per point (size² × dtype × filter parameter): our result checked against scipy's (within
64·eps of the data's scale), then the medians of 5 interleaved rounds of each call (calls
batched to at least 20 ms), and scipy / ours. Default mode ``reflect``, float32 and float64.
"""

from __future__ import annotations

import argparse
import math
import timeit

import numpy as np
import scipy.ndimage as sn

from convolve import ndimage


def seconds(f, floor=0.02):
    start = timeit.default_timer()
    f()
    once = timeit.default_timer() - start
    reps = 1 if once >= floor else max(1, int(floor / max(once, 1e-7)))
    start = timeit.default_timer()
    for _ in range(reps):
        f()
    return (timeit.default_timer() - start) / reps


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="512² and 2048² only")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    sizes = [512, 2048] if args.quick else [512, 2048, 4096]
    rng = np.random.default_rng(0)
    ratios = []
    print("| filter | image | dtype | ours | scipy | scipy / ours |")
    print("|---|---|---|---:|---:|---:|")
    for n in sizes:
        for dtype in ("float32", "float64"):
            a = rng.uniform(-1, 1, (n, n)).astype(dtype)
            eps = np.finfo(dtype).eps
            for name, kw, f_ours, f_scipy in (
                [(f"gaussian σ={s}", {"sigma": s}, ndimage.gaussian_filter, sn.gaussian_filter)
                 for s in (1, 2, 4, 8)]
                + [(f"uniform {k}", {"size": k}, ndimage.uniform_filter, sn.uniform_filter)
                   for k in (3, 9, 15, 31)]
            ):
                got, want = f_ours(a, **kw), f_scipy(a, **kw)
                assert got.dtype == want.dtype
                err = float(np.max(np.abs(got.astype(np.float64) - want)))
                assert err <= 64 * eps, (name, n, dtype, err)
                t = {"ours": [], "scipy": []}
                for _ in range(args.rounds):
                    t["ours"].append(seconds(lambda: f_ours(a, **kw)))
                    t["scipy"].append(seconds(lambda: f_scipy(a, **kw)))
                ours, theirs = np.median(t["ours"]), np.median(t["scipy"])
                ratios.append(theirs / ours)
                print(f"| {name} | {n}² | {dtype} | {ours * 1e3:.2f} ms | "
                      f"{theirs * 1e3:.2f} ms | {theirs / ours:.2f}x |", flush=True)
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"\ngeometric mean scipy / ours: {gm:.2f}x over {len(ratios)} points, "
          f"{sum(r < 1 for r in ratios)} lost (min {min(ratios):.2f}x)")


if __name__ == "__main__":
    main()
