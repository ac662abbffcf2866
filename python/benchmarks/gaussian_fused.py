"""convolve.ndimage.gaussian_filter with its fused passes against the passes one by one (the
path before nd::correlate_separable_ndimage) and cv2.sepFilter2D.

    RAYON_NUM_THREADS=1 python python/benchmarks/gaussian_fused.py [--sizes 512,2048,4096]
                                                                 [--ks 3,5,15,63]

Per point (size² × dtype × k; the Gaussian of radius (k - 1) / 2 at sigma (k - 1) / 8, mode
``reflect``): "before", one ``_core.correlate1d_ndimage`` pass per axis; "after",
``gaussian_filter``; OpenCV's ``sepFilter2D`` with ``BORDER_REFLECT`` (its float32 sums are
float32). The two of ours are checked against each other first. Medians of 5 interleaved
rounds, calls batched to at least 30 ms; a markdown row per point.
"""

from __future__ import annotations

import argparse
import timeit

import cv2
import numpy as np

from convolve import _core, ndimage
from convolve._bench_images import gaussian_1d


def per_axis(a, w):
    """gaussian_filter as it ran before the fused passes: one 1-D pass per axis."""
    c = np.array([0.0])
    out = _core.correlate1d_ndimage(a, w, 0, "reflect", c, 0, False)
    return _core.correlate1d_ndimage(out, w, 1, "reflect", c, 0, False)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="512,2048,4096")
    p.add_argument("--ks", default="3,5,15,63")
    args = p.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(0)
    print("| image | dtype | k | before | after | before / after | cv2.sepFilter2D "
          "| cv2 / after |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for n in [int(x) for x in args.sizes.split(",")]:
        for dt in ["float32", "float64"]:
            a = rng.uniform(-1, 1, (n, n)).astype(dt)
            for k in [int(x) for x in args.ks.split(",")]:
                sigma, g = gaussian_1d(k)
                r = (k - 1) // 2
                gk = g.astype(dt)
                w = np.ascontiguousarray(ndimage._gaussian_weights(sigma, 0, 4.0, r))
                f = {"before": lambda: per_axis(a, w),
                     "after": lambda: ndimage.gaussian_filter(a, sigma, mode="reflect",
                                                              radius=r),
                     "cv2": lambda: cv2.sepFilter2D(a, -1, gk, gk,
                                                    borderType=cv2.BORDER_REFLECT)}
                scale = 64 * np.finfo(a.dtype).eps
                assert np.abs(f["before"]().astype(float) - f["after"]()).max() <= scale
                ts = {x: [] for x in f}
                for _ in range(5):
                    for name, fn in f.items():
                        once = timeit.timeit(fn, number=1)
                        num = max(1, int(0.03 / once))
                        ts[name].append(timeit.timeit(fn, number=num) / num)
                m = {x: float(np.median(v)) for x, v in ts.items()}
                print(f"| {n}² | {dt} | {k} | {m['before'] * 1e3:.3g} ms | "
                      f"{m['after'] * 1e3:.3g} ms | {m['before'] / m['after']:.2f}x | "
                      f"{m['cv2'] * 1e3:.3g} ms | {m['cv2'] / m['after']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
