#!/usr/bin/env python3
"""Writes tests/data/ndimage_golden.txt: scipy.ndimage correlate / convolve on small inputs.

Run from the repository root: `python3 scripts/golden_ndimage.py` (needs numpy and scipy). The
Rust tests (tests/ndimage_scipy.rs) read the file; they need no Python. Format, one record per
case:

    case <func> <dtype> <mode> <cval> <origins>
    input <shape> | <values>
    weights <shape> | <values>
    out <shape> | <values>        or        err <message>

<func> is correlate or convolve; <mode> one of scipy's eight names; <origins> comma-separated,
one per axis. Shapes are comma-separated; values are row-major, floats written with repr
(round-trip exact), complex values as `re:im`. Integer cases use small values, so that scipy's
float64 sum, cast back to the integer type, is the exact integer sum the crate computes.
"""
import argparse
import itertools
import pathlib

import numpy as np
import scipy
from golden_format import fmt_shape, fmt_values, sampler
from scipy import ndimage

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               epilog=__doc__)
ARGS.add_argument("--out", type=pathlib.Path,
                  default=ROOT / "tests" / "data" / "ndimage_golden.txt",
                  help="where to write (default: %(default)s); another path and `diff` against "
                       "the committed file show what a re-run would change")
args = ARGS.parse_args()

rng = np.random.default_rng(20261207)
MODES = ["reflect", "constant", "nearest", "mirror", "wrap",
         "grid-mirror", "grid-constant", "grid-wrap"]
DTYPES = ["float64", "int64", "float32", "complex128"]
CVAL = {"float64": 1.25, "float32": -0.5, "int64": 3, "complex128": 0.75}


sample = sampler(rng)


records = []
skipped = []


def source(i, n, mode):
    """Where index i of an axis of length n reads from under scipy's documented extension."""
    if 0 <= i < n:
        return i
    if mode in ("reflect", "grid-mirror"):
        k = i % (2 * n)
        return k if k < n else 2 * n - 1 - k
    if mode == "mirror":
        if n == 1:
            return 0
        k = i % (2 * n - 2)
        return k if k < n else 2 * n - 2 - k
    if mode == "nearest":
        return min(max(i, 0), n - 1)
    if mode in ("wrap", "grid-wrap"):
        return i % n
    return None


def documented(func, a, w, mode, cval, origin):
    """The result by scipy's documented definition, summed in float64 / complex128."""
    if func == "convolve":
        w = w[tuple(slice(None, None, -1) for _ in w.shape)]
        origin = [-o - (1 - m % 2) for o, m in zip(origin, w.shape)]
    else:
        w = np.conj(w)
    out = np.zeros(a.shape, dtype=np.result_type(a.dtype, w.dtype, np.float64))
    for i in np.ndindex(*a.shape):
        total = 0
        for j in np.ndindex(*w.shape):
            idx = [source(i[k] + j[k] - (w.shape[k] // 2 + origin[k]), a.shape[k], mode)
                   for k in range(a.ndim)]
            total += w[j] * (cval if None in idx else a[tuple(idx)])
        out[i] = total
    return out


def record(func, dtype, mode, origin, a, w):
    cval = CVAL[dtype]
    lines = [f"case {func} {dtype} {mode} {cval!r} {','.join(map(str, origin))}",
             f"input {fmt_shape(a.shape)} | {fmt_values(a, dtype)}",
             f"weights {fmt_shape(w.shape)} | {fmt_values(w, dtype)}"]
    f = ndimage.correlate if func == "correlate" else ndimage.convolve
    try:
        out = f(a, w, mode=mode, cval=cval, origin=list(origin))
        ref = documented(func, a, w, mode, cval, origin)
        tol = 1e-4 if dtype == "float32" else 1e-9
        if not np.allclose(out, ref, rtol=tol, atol=tol):
            # scipy reads outside its line buffer here (seen: the whole kernel on one side of
            # the centre, a pad several times the input); the result is not scipy's rule.
            skipped.append(f"{func} {dtype} {mode} origin {origin} input {a.shape} "
                           f"weights {w.shape}")
            return
        lines.append(f"out {fmt_shape(out.shape)} | {fmt_values(out, dtype)}")
    except (ValueError, RuntimeError) as e:
        lines.append(f"err {e}")
    records.append("\n".join(lines))


def origin_choices(wshape):
    """Zero, the lowest and the highest origin on every axis."""
    lo = tuple(-(m // 2) for m in wshape)
    hi = tuple((m - 1) // 2 for m in wshape)
    return sorted({tuple(0 for _ in wshape), lo, hi})


# 1-D: inputs of 1, 2 and 5 samples; odd and even kernels, longer than the input (the
# extension repeats).
SHAPES = [((n,), (m,)) for n in (1, 2, 5) for m in (1, 2, 3, 4, 7, 12)]
# 2-D and 3-D: 1-pixel axes, even kernels, a kernel larger than the input on some axes.
SHAPES += [((1, 4), (2, 3)), ((3, 5), (1, 1)), ((3, 5), (2, 3)), ((4, 1), (3, 2)),
           ((3, 4), (6, 7)), ((5, 6), (4, 4)),
           ((2, 3, 4), (2, 1, 3)), ((1, 2, 2), (3, 3, 3))]
cases = itertools.cycle(DTYPES)
for s1, s2 in SHAPES:
    for mode in MODES:
        dtype = next(cases)
        a, w = sample(s1, dtype), sample(s2, dtype)
        for origin in origin_choices(s2):
            for func in ("correlate", "convolve"):
                record(func, dtype, mode, origin, a, w)

# Every dtype on one 2-D case of each mode; and the errors: an origin out of range for
# correlate (and for convolve, whose even-axis mirroring moves the bound).
for dtype in DTYPES:
    a, w = sample((4, 5), dtype), sample((3, 2), dtype)
    for mode in MODES:
        record("correlate", dtype, mode, (1, -1), a, w)
        record("convolve", dtype, mode, (-1, 0), a, w)
a, w = sample((4, 5), "float64"), sample((3, 2), "float64")
for func, origin in [("correlate", (2, 0)), ("correlate", (0, 1)), ("convolve", (0, 1)),
                     ("convolve", (0, -2))]:
    record(func, "float64", "reflect", origin, a, w)

with open(args.out, "w") as f:
    f.write(f"# scipy {scipy.__version__}, numpy {np.__version__}; "
            "written by scripts/golden_ndimage.py\n")
    f.write(f"# {len(skipped)} cases left out: scipy's result differs from its documented "
            "extension (it reads outside its buffer):\n")
    f.writelines(f"#   {s}\n" for s in skipped)
    f.write("\n".join(records) + "\n")
print(len(records), "records;", len(skipped), "left out")
