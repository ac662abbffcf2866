"""convolve.signal's result dtypes and values against scipy.signal's, for every dtype pair.

The oracle is the scipy installed, called in the same process: where scipy versions differ,
these tests follow the one installed, not a table. Every pair of bool, int8-int64,
uint8-uint64, float16, float32, float64, complex64 and complex128 is tried with each function
(and each method of convolve / correlate) on small seeded inputs.
"""

import numpy as np
import pytest
import scipy.signal as ss
from conftest import ALL, MODES, assert_close, data

from convolve import signal

PAIRS = [(d1, d2) for d1 in ALL for d2 in ALL]
PAIR_IDS = [f"{d1}-{d2}" for d1, d2 in PAIRS]
pairs = pytest.mark.parametrize("d1,d2", PAIRS, ids=PAIR_IDS)


def _scipy(name, *args, **kwargs):
    """scipy's answer: the array, or the exception it raised."""
    try:
        return getattr(ss, name)(*args, **kwargs)
    except Exception as exc:  # its type is the oracle
        return exc


def _widened(name, a, v, rt, *args, **kwargs):
    """scipy's direct sum on copies in a wide type, cast to ``rt`` as numpy casts.

    The exact oracle where scipy's own answer is not: integers and bool through its float64
    transform (it rounds, then casts out-of-range floats to the narrow type; bool turns the
    transform's rounding noise into True), and bool / float16 where its direct sum has no loop.
    """
    wide = np.float32 if rt.kind == "f" else np.int64
    out = getattr(ss, name)(a.astype(wide), v.astype(wide), *args, **kwargs)
    return out != 0 if rt.kind == "b" else out.astype(rt)


def _check(got, want, a, v, context):
    assert got.dtype == want.dtype, (context, got.dtype, want.dtype)
    assert_close(got, want, a, v)


# convolve / correlate: numpy's result dtype, whatever the method. The values are checked
# against scipy's direct sum: its transform is less exact (integers and bool above; a float32
# or float16 input transformed in float32 with a float64 one).
ND_SHAPES = [((9,), (4,)), ((3,), (7,)), ((5, 6), (3, 2))]


@pairs
@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_convolve_correlate(rng, op, method, d1, d2):
    for s1, s2 in ND_SHAPES:
        a, v = data(rng, 0, d1, s1), data(rng, 0, d2, s2)
        for mode in MODES:
            context = (s1, s2, mode)
            want = _scipy(op, a, v, mode, method=method)
            got = getattr(signal, op)(a, v, mode, method)
            rt = np.result_type(a, v)
            exact = _scipy(op, a, v, mode, method="direct")
            if isinstance(exact, Exception):
                # scipy's N-D direct sum has no bool or float16 loop; ours computes them.
                assert isinstance(exact, ValueError) and rt.char in "?e", (context, exact)
                exact = _widened(op, a, v, rt, mode, method="direct")
            if isinstance(want, Exception):
                assert method != "fft", (context, want)
                want = exact
            assert want.dtype == exact.dtype == rt, context
            _check(got, exact, a, v, context)


# fftconvolve / oaconvolve: each input as scipy.fft transforms it, promoted. The values are
# scipy's for the inputs converted to that dtype first, as ours are computed (scipy transforms
# a float16 or float32 input in float32 even when the result is float64).
FREQ_CASES = [
    ((40,), (7,), None),
    ((6, 9), (3, 4), None),
    ((6, 9), (6, 4), 1),
    ((200,), (5,), None),  # several overlap-add blocks in scipy's oaconvolve
    ((5, 1), (1, 3), None),  # no axis to transform: scipy multiplies, in numpy's dtype
    ((7, 4), (1, 4), 0),  # the same along the one axis asked for
]


@pairs
@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
def test_fftconvolve_oaconvolve(rng, func, d1, d2):
    for s1, s2, axes in FREQ_CASES:
        a, v = data(rng, 0, d1, s1), data(rng, 0, d2, s2)
        for mode in MODES:
            rt = getattr(ss, func)(a, v, mode, axes=axes).dtype
            want = getattr(ss, func)(a.astype(rt), v.astype(rt), mode, axes=axes)
            _check(getattr(signal, func)(a, v, mode, axes=axes), want, a, v, (s1, s2, mode))


# convolve2d / correlate2d: numpy's result dtype; scipy has no bool or float16 loop.
@pairs
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_2d(rng, op, d1, d2):
    for s1, s2 in [((5, 6), (3, 2)), ((2, 3), (4, 4))]:
        a, v = data(rng, 0, d1, s1), data(rng, 0, d2, s2)
        for mode in MODES:
            for boundary in ["fill", "wrap", "symm"]:
                context = (s1, s2, mode, boundary)
                want = _scipy(op, a, v, mode, boundary)
                got = getattr(signal, op)(a, v, mode, boundary)
                rt = np.result_type(a, v)
                if isinstance(want, Exception):
                    assert isinstance(want, ValueError) and rt.char in "?e", (context, want)
                    want = _widened(op, a, v, rt, mode, boundary)
                _check(got, want, a, v, context)


@pairs
def test_choose_conv_method(rng, d1, d2):
    for s1, s2 in [((9,), (4,)), ((5, 6), (3, 2))]:
        a, v = data(rng, 0, d1, s1), data(rng, 0, d2, s2)
        for mode in MODES:
            assert signal.choose_conv_method(a, v, mode) == ss.choose_conv_method(a, v, mode)


@pairs
def test_scalars(rng, d1, d2):
    a, v = data(rng, 1, d1)[0], data(rng, 1, d2)[0]
    a, v = np.asarray(a), np.asarray(v)
    for name in ["convolve", "correlate", "fftconvolve", "oaconvolve"]:
        want = getattr(ss, name)(a, v)
        got = getattr(signal, name)(a, v)
        assert got.dtype == want.dtype, name
        np.testing.assert_array_equal(got, want)


def test_uint8_image_sums_in_float64():
    img = np.full((6, 7), 200, np.uint8)
    ones = np.ones((3, 3), np.uint8)
    for func in ["fftconvolve", "oaconvolve"]:
        got, want = getattr(signal, func)(img, ones, "same"), getattr(ss, func)(img, ones, "same")
        assert got.dtype == want.dtype == np.float64
        assert got[3, 3] == 1800
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # convolve and convolve2d keep numpy's uint8, wrapping around as scipy's do: 1800 % 256.
    for got, want in [
        (signal.convolve(img, ones, "same"), ss.convolve(img, ones, "same")),
        (signal.convolve2d(img, ones, "same"), ss.convolve2d(img, ones, "same")),
    ]:
        assert got.dtype == want.dtype == np.uint8
        assert got[3, 3] == 1800 % 256
        np.testing.assert_array_equal(got, want)
