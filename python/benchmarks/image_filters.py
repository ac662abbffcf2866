"""2-D image filtering against OpenCV (issue 23, item 1); prints one table and the geometric
means.

    RAYON_NUM_THREADS=1 python python/benchmarks/image_filters.py --threads 1 [--quick]

Every point is 'same' output with zero fill: ours is ``convolve.signal.convolve(image,
kernel, 'same')``; OpenCV's ``cv2.filter2D`` correlates, so it gets the flipped kernel, with
``BORDER_CONSTANT``; for the Gaussian kernels also ``cv2.sepFilter2D`` (the two factors) and
``cv2.GaussianBlur``. Each result is checked against ours (relative to the largest output).
Ratio = fastest peer's median / ours (above 1: we are faster). Needs opencv-python-headless
(the /work/venv-bench environment). Set RAYON_NUM_THREADS to --threads before starting: the
crate reads it once.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numpy as np

IMAGES = [512, 2048, 4096]
KERNELS = [3, 5, 9, 15, 31, 63]
# The issue's six rows: (image side, dtype, kernel side, gaussian).
ISSUE_ROWS = [
    (4096, np.float32, 3, False),
    (4096, np.float32, 9, False),
    (4096, np.float32, 5, True),
    (2048, np.float64, 15, True),
    (2048, np.float64, 31, True),
    (4096, np.float32, 31, False),
]


def median_time(f, repeat):
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def point(cv2, convolve, n, dtype, k, gaussian, repeat):
    rng = np.random.default_rng(n * 100 + k)
    image = rng.standard_normal((n, n)).astype(dtype)
    if gaussian:
        g = cv2.getGaussianKernel(k, (k - 1) / 6).astype(dtype)[:, 0]
        kernel = np.outer(g, g)
    else:
        kernel = rng.standard_normal((k, k)).astype(dtype)
    ours = convolve.signal.convolve(image, kernel, "same")
    flipped = np.ascontiguousarray(kernel[::-1, ::-1])
    border = cv2.BORDER_CONSTANT
    peers = {"filter2D": lambda: cv2.filter2D(image, -1, flipped, borderType=border)}
    if gaussian:
        peers["sepFilter2D"] = lambda: cv2.sepFilter2D(image, -1, g, g, borderType=border)
        peers["GaussianBlur"] = lambda: cv2.GaussianBlur(
            image, (k, k), (k - 1) / 6, borderType=border
        )
    scale = float(np.abs(ours).max())
    times = {"ours": median_time(lambda: convolve.signal.convolve(image, kernel, "same"), repeat)}
    for name, f in peers.items():
        err = float(np.abs(f().astype(np.float64) - ours).max()) / scale
        assert err < (1e-3 if dtype == np.float32 else 1e-9), (name, n, k, err)
        times[name] = median_time(f, repeat)
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="the issue's six rows only")
    args = p.parse_args()
    if os.environ.get("RAYON_NUM_THREADS") != str(args.threads):
        raise SystemExit(f"set RAYON_NUM_THREADS={args.threads} before starting")
    import cv2

    import convolve

    cv2.setNumThreads(args.threads)
    points = [(n, t, k, g) for (n, t, k, g) in ISSUE_ROWS]
    if not args.quick:
        points += [
            (n, t, k, g)
            for t in (np.float32, np.float64)
            for n in IMAGES
            for k in KERNELS
            for g in (False, True)
            if (n, t, k, g) not in ISSUE_ROWS
        ]
    print(f"threads={args.threads} cv2={cv2.__version__} repeat={args.repeat}")
    print("| image, dtype | kernel | ours | fastest peer | ratio |")
    print("|---|---|---|---|---|")
    ratios = {np.float32: [], np.float64: []}
    for n, t, k, g in points:
        times = point(cv2, convolve, n, t, k, g, args.repeat)
        ours = times.pop("ours")
        peer, best = min(times.items(), key=lambda kv: kv[1])
        ratio = best / ours
        ratios[t].append(ratio)
        kind = "Gaussian" if g else "random"
        print(
            f"| {n}², {np.dtype(t).name} | {kind} {k}×{k} | {ours * 1e3:.1f} ms "
            f"| {best * 1e3:.1f} ms ({peer}) | {ratio:.2f} |",
            flush=True,
        )
    if not args.quick:
        for t, r in ratios.items():
            gm = math.exp(sum(math.log(x) for x in r) / len(r))
            worst = min(r)
            lost = sum(x < 1 for x in r)
            print(f"{np.dtype(t).name}: geometric mean {gm:.2f}, worst {worst:.2f}, "
                  f"lost {lost} of {len(r)}")


if __name__ == "__main__":
    main()
