"""The peers' side of a comparison: the grid of sizes, the numpy/scipy calls and their timing.

Shared by ``python -m convolve.bench`` and the crate's ``scripts/compare.py``, which loads this
file by its path so that it runs without the package built: it imports only numpy, and scipy
when a scipy peer is called, never the rest of the package.
"""

from __future__ import annotations

import math
import timeit

import numpy as np

PEERS = ["numpy.convolve", "scipy.convolve", "fftconvolve", "oaconvolve"]


def grid(quick, max_n, min_n=0):
    """The comparison grid: (n, m, mode), full mode over n and m, then a same/valid sample."""
    ns = [10**2, 10**3, 10**4, 10**5] if quick else [10**k for k in range(2, 8)]
    ns = [n for n in ns if min_n <= n <= max_n]
    ms = [3, 64, 1024] if quick else [3, 16, 64, 256, 1024, 16384]
    points = []
    for n in ns:
        for m in ms + [n]:
            if m <= n and (n, m, "full") not in points:
                points.append((n, m, "full"))
    # same/valid sample: a short and a long kernel at a mid and a large length
    for n in [k for k in ([10**4] if quick else [10**4, 10**6]) if min_n <= k <= max_n]:
        for m in (64, 1024):
            for mode in ("same", "valid"):
                points.append((n, m, mode))
    return points


def predicted(peer, n, m):
    """Rough seconds of one peer call, to skip those over ~2 s: measured on the project machine
    within a factor ~3 (numpy's direct sum ~0.5 ns per multiply-add, scipy's FFT paths ~10 ns
    per (n+m)·log2(n+m))."""
    mac, fft = n * m, (n + m) * math.log2(n + m)
    return {
        "numpy.convolve": 0.5e-9 * mac,
        "scipy.convolve": min(0.5e-9 * mac, 1e-8 * fft),
        "fftconvolve": 1e-8 * fft,
        "oaconvolve": 1e-8 * fft,
    }[peer]


def peer_call(peer, a, v, mode):
    """A no-argument call of ``peer`` on (a, v, mode)."""
    import scipy.signal as ss

    return {
        "numpy.convolve": lambda: np.convolve(a, v, mode),
        "scipy.convolve": lambda: ss.convolve(a, v, mode, method="auto"),
        "fftconvolve": lambda: ss.fftconvolve(a, v, mode),
        "oaconvolve": lambda: ss.oaconvolve(a, v, mode),
    }[peer]


def time_call(f, batch=0.1):
    """Median seconds per call: batches of at least ``batch`` seconds, median of 5; a call over
    1 s is timed alone (once over 3 s, else median of 3)."""
    t = timeit.Timer(f)
    first = t.timeit(1)
    if first > 1.0:
        runs = t.repeat(repeat=1 if first > 3.0 else 3, number=1)
        return sorted(runs)[len(runs) // 2]
    number = 1
    while t.timeit(number) < batch:
        number *= 2
    runs = [r / number for r in t.repeat(repeat=5, number=number)]
    return sorted(runs)[len(runs) // 2]


def time_peers(a, v, mode, check=None):
    """Median seconds per call of every peer on (a, v, mode), ``None`` for those predicted to
    take over ~2 s (the fastest-predicted peer is always timed). ``check(peer, result)``, if
    given, first sees each timed peer's result."""
    n, m = max(len(a), len(v)), min(len(a), len(v))
    fastest = min(PEERS, key=lambda p: predicted(p, n, m))
    times = {}
    for peer in PEERS:
        if predicted(peer, n, m) > 2.0 and peer != fastest:
            times[peer] = None
            continue
        call = peer_call(peer, a, v, mode)
        if check is not None:
            check(peer, call())
        times[peer] = time_call(call)
    return times


def fmt(s):
    """Seconds in the unit that reads best, 3 significant digits; ``-`` for ``None``."""
    if s is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"
