#!/usr/bin/env python3
"""Times scipy.signal (and reads ours from criterion) on the N-D benchmark grid and prints,
per point, each peer's median, ours per method, and best-peer / ours-Auto.

    export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296
    cargo bench --bench nd --features ndarray -- 'convolve_2d/f64/512'   # ours, first
    python3 scripts/nd_compare.py [--filter convolve_2d/f64/512] [--markdown]

Peers: scipy.signal.convolve (method auto, `same`), fftconvolve, oaconvolve, and convolve2d
(2-D only, boundary fill; its direct loop is skipped where predicted over ~5 s). All
single-threaded (scipy.fft is by default; BLAS/OpenMP pinned to one thread). Both sides are
measured as thread CPU time (ours: benches/support/cpu_time.rs; here time.thread_time), the
median of 5 batches of calls batched to >= 0.2 s. Ours is criterion's median
(scripts/criterion_json.py); points not benchmarked are left out.
"""
import os
import sys

# glibc's allocator adapts its mmap threshold to the program's history, which made the same
# call 2-5x slower or faster depending on what ran before it (page faults of fresh buffers).
# Both sides run with it fixed: the benches with these variables exported too.
MALLOC = {"MALLOC_MMAP_THRESHOLD_": "1073741824", "MALLOC_TRIM_THRESHOLD_": "4294967296"}
if any(os.environ.get(k) != v for k, v in MALLOC.items()):
    os.environ.update(MALLOC)
    os.execv(sys.executable, [sys.executable] + sys.argv)

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal as ss  # noqa: E402

from criterion_json import results  # noqa: E402

# (group, image shape, kernel edge, ndim), as in benches/nd.rs.
POINTS = [(f"convolve_2d/{t}/{n}", t, (n, n), k) for t in ("f64", "f32")
          for n in (512, 2048) for k in (3, 15, 63, 255)]
POINTS += [(f"convolve_3d/{t}/128", t, (128, 128, 128), 9) for t in ("f64", "f32")]
METHODS = ["direct", "fft", "overlap-add", "auto"]


def cpu_median(f, budget=0.2, batches=5):
    """Median thread CPU time of one call: calls batched to >= budget seconds."""
    t0 = time.thread_time()
    f()
    one = time.thread_time() - t0
    if one > 1.0:
        return one
    reps = max(1, int(budget / max(one, 1e-6)))
    times = []
    for _ in range(batches):
        t0 = time.thread_time()
        for _ in range(reps):
            f()
        times.append((time.thread_time() - t0) / reps)
    return statistics.median(times)


def fmt(t):
    if t is None:
        return "-"
    return f"{t * 1e3:.3g} ms" if t >= 1e-3 else f"{t * 1e6:.3g} µs"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("--filter", default="")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    ours = {(r.group, r.function, r.value): r.median_ns * 1e-9
            for r in results(r"convolve_[23]d/")}
    rng = np.random.default_rng(1)
    rows = []
    for group, t, shape, k in POINTS:
        if args.filter not in f"{group}/{k}":
            continue
        mine = {m: ours.get((group, m, str(k))) for m in METHODS}
        if mine["auto"] is None:
            continue
        dt = np.float64 if t == "f64" else np.float32
        a = rng.uniform(-0.5, 0.5, size=shape).astype(dt)
        v = rng.uniform(-0.5, 0.5, size=(k,) * len(shape)).astype(dt)
        peers = {
            "scipy convolve": lambda: ss.convolve(a, v, mode="same"),
            "fftconvolve": lambda: ss.fftconvolve(a, v, mode="same"),
            "oaconvolve": lambda: ss.oaconvolve(a, v, mode="same"),
        }
        # convolve2d is a plain direct loop: about 1 ns per multiply-add.
        if len(shape) == 2 and a.size * v.size < 5e9:
            peers["convolve2d"] = lambda: ss.convolve2d(a, v, mode="same")
        times = {name: cpu_median(f) for name, f in peers.items()}
        best_name = min(times, key=times.get)
        rows.append((f"{group}/k={k}", times, best_name, mine))
    peer_names = ["scipy convolve", "fftconvolve", "oaconvolve", "convolve2d"]
    head = ["point"] + peer_names + [f"ours {m}" for m in METHODS] + ["best peer / ours auto",
                                                                       "auto / best ours"]
    sep = " | " if args.markdown else "  "
    if args.markdown:
        print(f"scipy {scipy.__version__}, numpy {np.__version__}; thread CPU time\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print(sep.join(head))
    for point, times, best_name, mine in rows:
        best = times[best_name]
        ours_best = min(x for x in mine.values() if x is not None)
        cells = [point] + [fmt(times.get(n)) for n in peer_names] + [fmt(mine[m]) for m in METHODS]
        cells += [f"{best / mine['auto']:.2f}x ({best_name})", f"{mine['auto'] / ours_best:.2f}"]
        print(("| " + sep.join(cells) + " |") if args.markdown else sep.join(cells))


if __name__ == "__main__":
    main()
