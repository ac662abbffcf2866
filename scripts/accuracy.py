#!/usr/bin/env python3
"""Our FFT error next to scipy.signal.fftconvolve's, on the same inputs, f64 and f32.

Runs examples/accuracy_driver.rs (which writes quantized inputs, their exact convolution and
our Method::Fft results), computes scipy.signal.fftconvolve on the same inputs, and prints the
largest error of each in units of eps * log2(N) * ||a||_2 * ||v||_2 (N the next power of two of
the full length), the statement the tests check with constant c = 2.

    python3 scripts/accuracy.py [--keep DIR]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.signal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="directory for the data (default: a temporary one)")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.keep or tempfile.mkdtemp(prefix="convolve-accuracy-")
    subprocess.run(
        ["cargo", "run", "--release", "--quiet", "--example", "accuracy_driver", "--", out],
        cwd=root, check=True, stdout=subprocess.DEVNULL,
    )
    print(f"{'n x m':>18} | {'ours f64':>9} {'scipy f64':>9} | {'ours f32':>9} {'scipy f32':>9}")
    worse = []
    for case in sorted(os.listdir(out), key=lambda c: tuple(int(x) for x in c.split("x"))):
        d = os.path.join(out, case)
        a = np.fromfile(os.path.join(d, "a.i64"), dtype="<i8")
        v = np.fromfile(os.path.join(d, "v.i64"), dtype="<i8")
        exact = np.fromfile(os.path.join(d, "exact.i64"), dtype="<i8")
        if len(a) * len(v) <= 10**8:
            assert np.array_equal(exact, np.convolve(a, v)), f"{case}: exact reference"
        truth = exact.astype(np.float64) / 2.0**20  # exact: |values| < 2^53
        af, vf = a / 1024.0, v / 1024.0
        n = 1 << int(np.ceil(np.log2(len(a) + len(v))))
        unit = np.log2(n) * np.linalg.norm(af) * np.linalg.norm(vf)
        row = []
        for dtype, eps, ours_file in [(np.float64, np.finfo(np.float64).eps, "ours.f64"),
                                      (np.float32, np.finfo(np.float32).eps, "ours.f32")]:
            ours = np.fromfile(os.path.join(d, ours_file), dtype=np.dtype(dtype).newbyteorder("<"))
            theirs = scipy.signal.fftconvolve(af.astype(dtype), vf.astype(dtype))
            assert theirs.dtype == dtype
            e_ours = np.max(np.abs(ours.astype(np.float64) - truth)) / (eps * unit)
            e_theirs = np.max(np.abs(theirs.astype(np.float64) - truth)) / (eps * unit)
            row += [e_ours, e_theirs]
            if e_ours > e_theirs * 1.5 and e_ours > 0.01:
                worse.append((case, dtype.__name__, e_ours, e_theirs))
        print(f"{case:>18} | {row[0]:9.4f} {row[1]:9.4f} | {row[2]:9.4f} {row[3]:9.4f}")
    print("errors in units of eps*log2(N)*||a||*||v||; the tests assert ours <= 2")
    for w in worse:
        print(f"ours more than 1.5x scipy's error: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
