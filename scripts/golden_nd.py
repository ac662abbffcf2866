#!/usr/bin/env python3
"""Writes tests/data/nd_golden.txt: scipy.signal N-D results for small inputs.

Run from the repository root: `python3 scripts/golden_nd.py` (needs numpy and scipy). The Rust
tests (tests/nd_scipy.rs) read the file; they need no Python. Format, one record per case:

    case <func> <dtype> <mode> <extra>
    a <shape> | <values>
    v <shape> | <values>
    out <shape> | <values>        or        err <message>

<func> is convolve, correlate, convolve2d, correlate2d or fftconvolve; <extra> is `-`, the
boundary (`fill:<value>`, `wrap`, `symm`) or the comma-separated axes. Shapes are
comma-separated (`-` for a 0-d array); values are row-major, floats written with repr
(round-trip exact), complex values as `re:im`.
"""
import argparse
import pathlib

import numpy as np
import scipy
from golden_format import fmt_shape, fmt_values, sampler
from scipy import signal

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               epilog=__doc__)
ARGS.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "data" / "nd_golden.txt",
                  help="where to write (default: %(default)s); another path and `diff` against "
                       "the committed file show what a re-run would change")
args = ARGS.parse_args()

rng = np.random.default_rng(20261127)
MODES = ["full", "same", "valid"]


sample = sampler(rng)


records = []


def record(func, dtype, mode, extra, a, v, compute):
    head = f"case {func} {dtype} {mode} {extra}"
    lines = [head,
             f"a {fmt_shape(a.shape)} | {fmt_values(a, dtype)}",
             f"v {fmt_shape(v.shape)} | {fmt_values(v, dtype)}"]
    try:
        out = np.asarray(compute())
        if dtype.startswith("int"):
            out = np.rint(out).astype(dtype)
        lines.append(f"out {fmt_shape(out.shape)} | {fmt_values(out, dtype)}")
    except ValueError as e:
        lines.append(f"err {e}")
    records.append("\n".join(lines))


# convolve / correlate: 1-D (both argument orders, even and odd lengths), 2-D, 3-D.
ND_SHAPES = [
    ((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((3,), (4,)), ((4,), (7,)), ((1,), (6,)),
    ((5, 4), (3, 2)), ((3, 2), (5, 4)), ((4, 6), (2, 3)), ((6, 3), (3, 5)), ((1, 7), (1, 2)),
    ((4, 3, 5), (2, 3, 2)), ((3, 3, 3), (4, 4, 4)), ((2, 5, 3), (3, 2, 4)), ((), ()),
]
for dtype in ["float64", "int64", "complex128", "float32", "int32"]:
    for s1, s2 in ND_SHAPES:
        if dtype in ("float32", "int32") and len(s1) != 2:
            continue
        a, v = sample(s1, dtype), sample(s2, dtype)
        for mode in MODES:
            # method="direct" keeps integers integer; floats agree with the FFT to rounding.
            record("convolve", dtype, mode, "-", a, v,
                   lambda: signal.convolve(a, v, mode=mode, method="direct"))
            record("correlate", dtype, mode, "-", a, v,
                   lambda: signal.correlate(a, v, mode=mode, method="direct"))

# convolve2d / correlate2d: odd and even kernels, a kernel larger than the image (repeated
# wrap / reflection), the valid swap.
SHAPES_2D = [((5, 6), (3, 3)), ((5, 6), (2, 4)), ((4, 5), (3, 2)), ((3, 4), (5, 6)),
             ((3, 3), (5, 6)), ((2, 7), (4, 3)), ((6, 6), (6, 1))]
for dtype, fill in [("float64", 2.5), ("int64", 3), ("complex128", 1.5 - 0.5j)]:
    for s1, s2 in SHAPES_2D:
        a, v = sample(s1, dtype), sample(s2, dtype)
        for mode in MODES:
            for boundary, fv in [("fill", 0), ("fill", fill), ("wrap", 0), ("symm", 0)]:
                extra = f"fill:{fmt_values([fv], dtype)}" if boundary == "fill" else boundary
                for func, f in [("convolve2d", signal.convolve2d),
                                ("correlate2d", signal.correlate2d)]:
                    record(func, dtype, mode, extra, a, v,
                           lambda: f(a, v, mode=mode, boundary=boundary, fillvalue=fv))

# fftconvolve(axes=...): batched equal axes, broadcast length-1 axes, listed axes with a
# length-1 side, and the errors.
AXES_CASES = [
    ((4, 5, 3), (4, 2, 3), [1]), ((4, 5, 3), (1, 2, 3), [1]), ((4, 5, 1), (1, 3, 3), [0, 1]),
    ((3, 5), (3, 2), [1]), ((5, 4), (2, 4), [0]), ((1, 5), (3, 2), [0, 1]),
    ((6, 2), (3, 4), [0]), ((3, 5), (2, 2), [1]), ((3, 6, 4), (2, 3, 4), [1, 0]),
    ((2, 3), (4, 5), [0, 1]), ((2, 6), (3, 4), [0, 1]),
]
for dtype in ["float64", "complex128"]:
    for s1, s2, axes in AXES_CASES:
        a, v = sample(s1, dtype), sample(s2, dtype)
        for mode in MODES:
            record("fftconvolve", dtype, mode, ",".join(map(str, axes)), a, v,
                   lambda: signal.fftconvolve(a, v, mode=mode, axes=axes))

with open(args.out, "w") as f:
    f.write(f"# scipy {scipy.__version__}, numpy {np.__version__}; written by scripts/golden_nd.py\n")
    f.write("\n".join(records) + "\n")
print(len(records), "records")
