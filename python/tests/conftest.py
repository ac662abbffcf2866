"""Shared helpers: seeded data and the tolerance that scales with the data."""

import math

import numpy as np
import pytest

FLOATS = ["float32", "float64", "complex64", "complex128"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ALL = ["bool", "float16", *FLOATS, *INTS]
METHODS = ["auto", "direct", "fft", "overlap-add"]
MODES = ["full", "same", "valid"]
# numpy 1.x accepted a mode's prefix or other case ("FULL", "f") with a DeprecationWarning;
# numpy 2 raises ValueError, and so does this package on every numpy.
NUMPY_REJECTS_MODE_SPELLINGS = int(np.__version__.split(".")[0]) >= 2


def data(rng, n, dtype, shape=None):
    """Seeded values of ``dtype``: small integers for exact types, [-1, 1) for floats."""
    dt = np.dtype(dtype)
    shape = n if shape is None else shape
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = max(info.min, -100), min(info.max, 100)
        return rng.integers(lo, hi, shape, endpoint=True).astype(dt)
    x = rng.uniform(-1, 1, shape)
    if dt.kind == "c":
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dt)


def eps(dtype):
    dt = np.dtype(dtype)
    if dt.kind in "fc":
        return float(np.finfo(dt).eps)
    return 0.0


def assert_close(got, want, a, v, dtype=None):
    """Equal for exact types; else within 8·eps·log2(N)·‖a‖·‖v‖ (the transforms' error bound)."""
    dtype = np.dtype(dtype or want.dtype)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
        return
    a = np.asarray(a, dtype=np.complex128)
    v = np.asarray(v, dtype=np.complex128)
    n = a.size + v.size
    bound = 8 * eps(dtype) * max(math.log2(n), 1) * np.linalg.norm(a) * np.linalg.norm(v)
    err = np.max(np.abs(got.astype(np.complex128) - want.astype(np.complex128)), initial=0)
    assert err <= bound, f"error {err} above bound {bound}"


@pytest.fixture
def rng(request):
    # One seed per test, fixed: the test's name.
    seed = sum(map(ord, request.node.name)) * 7919
    return np.random.default_rng(seed)
