"""The image benchmark of ``python -m convolve.bench --images``: 2-D filters of ours against
OpenCV and scipy, on square images, with a markdown table ready for docs/PERFORMANCE.md.

Two problems per grid point (size² × dtype × kernel size k × kernel kind):

* ``random``: a k × k kernel of uniform(-1, 1), convolution with zero fill, the ``same`` crop.
  Ours: ``convolve.signal.convolve(a, w, 'same')``. Peers: ``cv2.filter2D`` (which
  correlates: it gets the kernel flipped, ``BORDER_CONSTANT``), ``scipy.signal.convolve``
  (method auto), ``scipy.signal.fftconvolve``, ``scipy.ndimage.convolve(mode='constant')``.
* ``gaussian``: the Gaussian of radius (k - 1) / 2 at sigma = (k - 1) / 8 (scipy's default
  truncate of 4), mode ``reflect``. Ours: ``convolve.ndimage.gaussian_filter``. Peers:
  ``cv2.GaussianBlur`` and ``cv2.sepFilter2D`` with scipy's 1-D kernel (``BORDER_REFLECT``,
  scipy's ``reflect``), ``scipy.ndimage.gaussian_filter``.

Before timing, every peer's result at the point is checked against ours (same shape; values
within 1e-4 (float32) or 1e-9 (float64) of max|a|·Σ|w|): a peer that computes something else
stops the run. Timing: each round calls every function once (batched to at least 20 ms),
rounds interleaved so that a slow spell of the shared machine hits all alike; the median of
the rounds. A peer whose predicted time (its time at 512², scaled by the pixel count) exceeds
the budget is not run ("cap" in the table). Thread counts run in child processes:
``RAYON_NUM_THREADS`` for ours (the pool is sized once per process), ``cv2.setNumThreads``
for OpenCV; scipy is single-threaded and timed in the one-thread child only. OpenCV is
optional: without it its columns say so.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import timeit

import numpy as np

SIZES, QUICK_SIZES = [512, 2048, 4096], [512, 2048]
KS, QUICK_KS = [3, 5, 9, 15, 31, 63], [3, 9, 31, 63]
KINDS = ["random", "gaussian"]
BASE = 512


def _cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


def gaussian_1d(k):
    """scipy's Gaussian of radius (k - 1) / 2 at sigma (k - 1) / 8, normalized."""
    r = (k - 1) // 2
    sigma = max((k - 1) / 8, 0.25)
    x = np.arange(-r, r + 1)
    g = np.exp(-0.5 * x**2 / sigma**2)
    return sigma, g / g.sum()


def functions(kind, a, k, threads):
    """(ours, {peer: call}, reference weights) for one point: no-argument callables."""
    import scipy.ndimage as sn
    import scipy.signal as ss

    import convolve.ndimage
    import convolve.signal

    cv2 = _cv2()
    rng = np.random.default_rng(k)
    scipy_too = threads == 1
    peers = {}
    if kind == "random":
        w = rng.uniform(-1, 1, (k, k)).astype(a.dtype)
        ours = lambda: convolve.signal.convolve(a, w, "same")  # noqa: E731
        if cv2 is not None:
            flipped = np.ascontiguousarray(w[::-1, ::-1])
            peers["cv2.filter2D"] = lambda: cv2.filter2D(
                a, -1, flipped, borderType=cv2.BORDER_CONSTANT)
        if scipy_too:
            peers["scipy.signal.convolve"] = lambda: ss.convolve(a, w, "same")
            peers["scipy.signal.fftconvolve"] = lambda: ss.fftconvolve(a, w, "same")
            peers["scipy.ndimage.convolve"] = lambda: sn.convolve(a, w, mode="constant")
        return ours, peers, w
    sigma, g = gaussian_1d(k)
    radius = (k - 1) // 2
    ours = lambda: convolve.ndimage.gaussian_filter(a, sigma, mode="reflect",  # noqa: E731
                                                    radius=radius)
    if cv2 is not None:
        gk = g.astype(a.dtype)
        peers["cv2.GaussianBlur"] = lambda: cv2.GaussianBlur(
            a, (k, k), sigma, borderType=cv2.BORDER_REFLECT)
        peers["cv2.sepFilter2D"] = lambda: cv2.sepFilter2D(
            a, -1, gk, gk, borderType=cv2.BORDER_REFLECT)
    if scipy_too:
        peers["scipy.ndimage.gaussian_filter"] = lambda: sn.gaussian_filter(
            a, sigma, mode="reflect", radius=radius)
    return ours, peers, np.outer(g, g)


def check(name, got, want, a, w, where):
    """A peer computes the same thing as ours (the comparison is fair), or the run stops."""
    tol = (1e-4 if a.dtype == np.float32 else 1e-9) * float(np.abs(a).max() * np.abs(w).sum())
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.shape == want.shape else None
    if err is None or not err <= tol:
        sys.exit(f"MISMATCH: {name} at {where}: error {err} > {tol} (shape {got.shape})")


def batched(f, floor=0.02):
    """Seconds per call of ``f``, calls batched to at least ``floor`` seconds."""
    start = timeit.default_timer()
    f()
    once = timeit.default_timer() - start
    if once >= floor:
        return once
    reps = max(1, int(floor / max(once, 1e-7)))
    start = timeit.default_timer()
    for _ in range(reps):
        f()
    return (timeit.default_timer() - start) / reps


def worker(threads, quick, budget, rounds, kinds=KINDS):
    """One child process: the grid at ``threads`` threads, rows as JSON lines on stdout."""
    cv2 = _cv2()
    if cv2 is not None:
        cv2.setNumThreads(threads)
    rng = np.random.default_rng(0)
    base = {}
    for n in QUICK_SIZES if quick else SIZES:
        for dtype in ("float32", "float64"):
            a = rng.uniform(-1, 1, (n, n)).astype(dtype)
            for k in QUICK_KS if quick else KS:
                for kind in kinds:
                    ours, peers, w = functions(kind, a, k, threads)
                    where = f"{n}² {dtype} {kind} k={k} threads={threads}"
                    want = ours().astype(np.float64)
                    run, capped = {"ours": ours}, []
                    for name, f in peers.items():
                        key = (name, dtype, k, kind)
                        if key in base and base[key] * (n / BASE) ** 2 > budget:
                            capped.append(name)
                            continue
                        check(name, f(), want, a, w, where)
                        run[name] = f
                    times = {name: [] for name in run}
                    for _ in range(rounds):
                        for name, f in run.items():
                            times[name].append(batched(f))
                    med = {name: float(np.median(t)) for name, t in times.items()}
                    if n == BASE:
                        for name in peers:
                            base[(name, dtype, k, kind)] = med[name]
                    row = {"n": n, "dtype": dtype, "k": k, "kind": kind, "threads": threads,
                           "times": med, "capped": capped}
                    print(json.dumps(row), flush=True)
                    print(f"  {where}: " + ", ".join(f"{p} {fmt(t)}" for p, t in med.items()),
                          file=sys.stderr, flush=True)


def fmt(t):
    if t is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"


def run(quick, thread_counts, budget, rounds, kinds=KINDS):
    """The grid in one child per thread count; the rows."""
    rows = []
    for threads in thread_counts:
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        cmd = [sys.executable, "-m", "convolve.bench", "--images", "--worker", str(threads),
               "--budget", str(budget), "--rounds", str(rounds), "--kinds", ",".join(kinds)]
        cmd += ["--quick"] if quick else []
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
        rows += [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    # scipy runs once (single-threaded): its times stand for every thread count.
    one = {(r["n"], r["dtype"], r["k"], r["kind"]): r for r in rows if r["threads"] == 1}
    for r in rows:
        src = one.get((r["n"], r["dtype"], r["k"], r["kind"]))
        if r["threads"] != 1 and src is not None:
            for name, t in src["times"].items():
                if name.startswith("scipy"):
                    r["times"].setdefault(name, t)
            r["capped"] = sorted(set(r["capped"]) | {c for c in src["capped"]
                                                     if c.startswith("scipy")})
    return rows


def markdown(rows, cpu):
    """The table: per point ours, the best OpenCV and scipy peers, fastest peer / ours; then
    geometric means and the points lost, per kind and thread count."""
    have_cv2 = any(name.startswith("cv2") for r in rows for name in r["times"])
    print(f"Machine: {cpu}. Times are medians of interleaved rounds; "
          "\"cap\" = not run, predicted over the budget from its 512² time.")
    if not have_cv2:
        print("OpenCV is not installed: its columns are empty.")
    print()
    print("| image | dtype | kernel | k | threads | ours | best OpenCV | best scipy "
          "| fastest peer / ours |")
    print("|---|---|---|---:|---:|---:|---|---|---:|")
    ratios = {}
    for r in rows:
        t = r["times"]

        def best(prefix, r=r, t=t):
            got = [(v, name) for name, v in t.items() if name.startswith(prefix)]
            capped = [c for c in r["capped"] if c.startswith(prefix)]
            if not got:
                return None, ("cap" if capped else "-")
            v, name = min(got)
            note = f" (cap: {', '.join(capped)})" if capped else ""
            return v, f"{fmt(v)} {name}{note}"

        cv, cv_cell = best("cv2")
        sp, sp_cell = best("scipy")
        peers = [v for v in (cv, sp) if v is not None]
        ratio = min(peers) / t["ours"] if peers else None
        if ratio is not None:
            ratios.setdefault((r["kind"], r["threads"]), []).append(ratio)
        print(f"| {r['n']}² | {r['dtype']} | {r['kind']} | {r['k']} | {r['threads']} | "
              f"{fmt(t['ours'])} | {cv_cell} | {sp_cell} | "
              + (f"{ratio:.2f}x" if ratio is not None else "-") + " |")
    print()
    print("| kernel | threads | points | geometric mean of fastest peer / ours | points lost |")
    print("|---|---:|---:|---:|---:|")
    for (kind, threads), rs in sorted(ratios.items()):
        gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
        lost = sum(1 for x in rs if x < 1)
        print(f"| {kind} | {threads} | {len(rs)} | {gm:.2f}x | {lost} |")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() + f", {os.cpu_count()} cores"
    except OSError:
        pass
    return "unknown CPU"
