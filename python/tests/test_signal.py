"""convolve.signal against scipy.signal: N-D, axes, boundaries, dtypes and errors."""

import numpy as np
import pytest
import scipy.signal as ss
from conftest import MODES, assert_close, data

from convolve import signal

DTYPES = ["float64", "float32", "complex128", "complex64", "int64", "int32", "int8", "uint16"]


def _shapes(rng, ndim):
    s1 = tuple(int(x) for x in rng.integers(1, 9, ndim))
    s2 = tuple(int(x) for x in rng.integers(1, 6, ndim))
    return s1, s2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_nd_matches_scipy(rng, dtype, ndim, method, op):
    for _ in range(6):
        s1, s2 = _shapes(rng, ndim)
        if rng.integers(2):
            s1, s2 = s2, s1
        a, v = data(rng, 0, dtype, s1), data(rng, 0, dtype, s2)
        for mode in MODES:
            try:
                want = getattr(ss, op)(a, v, mode, method="direct")
            except ValueError:
                with pytest.raises(ValueError):
                    getattr(signal, op)(a, v, mode, method)
                continue
            assert_close(getattr(signal, op)(a, v, mode, method), want, a, v)


def test_nd_larger_inputs_take_the_transforms(rng):
    for s1, s2 in [((120, 90), (40, 30)), ((30, 20, 16), (9, 7, 5)), ((4000,), (900,))]:
        a, v = data(rng, 0, "float64", s1), data(rng, 0, "float64", s2)
        for mode in MODES:
            for op in ["convolve", "correlate"]:
                want = getattr(ss, op)(a, v, mode, method="direct")
                assert_close(getattr(signal, op)(a, v, mode), want, a, v)
    # An outer-product (separable) kernel.
    a = data(rng, 0, "float32", (200, 150))
    v = np.outer(data(rng, 9, "float32"), data(rng, 7, "float32"))
    assert_close(signal.convolve(a, v, "same"), ss.convolve(a, v, "same", method="direct"), a, v)


def test_nd_defaults_and_scalars():
    a, v = np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0]])
    np.testing.assert_array_equal(signal.convolve(a, v), ss.convolve(a, v))
    assert signal.convolve(3, 4) == ss.convolve(3, 4) == 12
    assert signal.correlate(np.array(2 + 1j), np.array(1j)) == ss.correlate(
        np.array(2 + 1j), np.array(1j)
    )
    np.testing.assert_array_equal(
        signal.correlate([1, 2, 3], [1, 1j]), ss.correlate([1, 2, 3], [1, 1j])
    )


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex64", "int16", "int64"])
def test_axes_match_scipy(rng, func, dtype):
    cases = [
        ((6, 30), (6, 7), [1]),
        ((6, 30), (1, 7), [-1]),
        ((5, 8, 9), (5, 3, 4), [1, 2]),
        ((5, 8, 9), (1, 3, 9), [1]),
        ((7, 9), (3, 4), None),
        ((7, 9), (3, 4), [0, 1]),
        ((3, 1), (1, 4), [1]),
        ((4, 20, 3), (4, 6, 1), (1,)),
        ((40,), (7,), 0),
    ]
    for s1, s2, axes in cases:
        a, v = data(rng, 0, dtype, s1), data(rng, 0, dtype, s2)
        for mode in MODES:
            got = getattr(signal, func)(a, v, mode, axes=axes)
            # Integers give float64, as scipy's transform does.
            assert_close(got, getattr(ss, func)(a, v, mode, axes=axes), a, v)


@pytest.mark.parametrize("boundary", ["fill", "pad", "wrap", "circular", "symm", "symmetric"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int64", "int32", "uint8"])
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_2d_boundaries_match_scipy(rng, boundary, dtype, op):
    for _ in range(5):
        s1, s2 = _shapes(rng, 2)
        a, v = data(rng, 0, dtype, s1), data(rng, 0, dtype, s2)
        for mode in MODES:
            for fill in [0, 3]:
                try:
                    want = getattr(ss, op)(a, v, mode, boundary, fill)
                except ValueError:
                    with pytest.raises(ValueError):
                        getattr(signal, op)(a, v, mode, boundary, fill)
                    continue
                assert_close(getattr(signal, op)(a, v, mode, boundary, fill), want, a, v)


def test_2d_defaults_fillvalue_types_and_extras(rng):
    a, v = data(rng, 0, "float64", (9, 7)), data(rng, 0, "float64", (3, 4))
    np.testing.assert_allclose(signal.convolve2d(a, v), ss.convolve2d(a, v), atol=1e-12)
    np.testing.assert_allclose(
        signal.correlate2d(a, v, "same", "fill", np.float32(2.5)),
        ss.correlate2d(a, v, "same", "fill", np.float32(2.5)),
        atol=1e-12,
    )
    c = a + 1j * a[::-1]
    np.testing.assert_allclose(
        signal.convolve2d(c, v, "same", fillvalue=1 - 2j),
        ss.convolve2d(c, v, "same", fillvalue=1 - 2j),
        atol=1e-12,
    )
    # A complex fill for real inputs is refused even without imaginary part, as in scipy.
    for module in (ss, signal):
        with pytest.raises(ValueError):
            module.convolve2d(a, v, "same", fillvalue=2 + 0j)
    # bool and float16, which scipy's convolve2d does not take, follow numpy's rules.
    b = rng.integers(0, 2, (6, 6)).astype(bool)
    got = signal.convolve2d(b, b[:2, :3])
    assert got.dtype == bool
    np.testing.assert_array_equal(got, ss.convolve2d(b.astype(int), b[:2, :3].astype(int)) != 0)
    h = a.astype(np.float16)
    got = signal.convolve2d(h, v.astype(np.float16))
    assert got.dtype == np.float16
    ref = ss.convolve2d(h.astype(np.float64), v.astype(np.float16).astype(np.float64))
    assert np.all(np.abs(got - ref) <= 2e-3 * (np.abs(ref) + 1))


def test_empty_inputs_match_scipy():
    for func in ["fftconvolve", "oaconvolve"]:
        got, want = getattr(signal, func)([], [1.0]), getattr(ss, func)([], [1.0])
        assert got.shape == want.shape and got.dtype == want.dtype
    for shape in [(0, 2), (3, 0)]:
        for mode in MODES:
            try:
                want = ss.convolve2d(np.zeros(shape), [[1.0, 2.0]], mode)
            except ValueError:
                with pytest.raises(ValueError):
                    signal.convolve2d(np.zeros(shape), [[1.0, 2.0]], mode)
                continue
            got = signal.convolve2d(np.zeros(shape), [[1.0, 2.0]], mode)
            assert got.shape == want.shape and got.dtype == want.dtype


ERROR_CASES = [
    ("convolve", ([1, 2], [[1]])),
    ("convolve", ([], [1])),
    ("convolve", ([1, 2], [1], "bad")),
    ("convolve", ([1, 2], [1], "full", "oa")),
    ("convolve", ([[1, 2]], [[1], [2]], "valid")),
    ("correlate", ([1, 2], [1], "full", "bad")),
    ("correlate", (np.ones((2, 3)), np.ones((3, 2)), "valid")),
    ("fftconvolve", ([1, 2], [1]), {"axes": []}),
    ("fftconvolve", ([1, 2], [1]), {"axes": [1]}),
    ("fftconvolve", ([1, 2], [1]), {"axes": [0, 0]}),
    ("fftconvolve", ([1, 2], [1]), {"axes": [0, -1]}),
    ("fftconvolve", ([[1, 2], [1, 2]], [[1], [2], [3]]), {"axes": [1]}),
    ("fftconvolve", ([1, 2], [[1]])),
    ("fftconvolve", ([1, 2], [1], "bad")),
    ("fftconvolve", (np.ones((2, 3)), np.ones((3, 2)), "valid")),
    ("oaconvolve", ([1, 2], [1]), {"axes": [2]}),
    ("oaconvolve", ([1, 2], [1], "bad")),
    ("convolve2d", ([1, 2], [1])),
    ("convolve2d", ([[1, 2]], [[1]]), {"boundary": "bad"}),
    ("convolve2d", ([[1, 2]], [[1]], "bad")),
    ("convolve2d", ([[1, 2]], [[1]]), {"fillvalue": [1, 2]}),
    ("convolve2d", ([[1.0, 2.0]], [[1.0]]), {"fillvalue": 1j}),
    ("correlate2d", (np.ones((2, 3)), np.ones((3, 2)), "valid")),
    ("correlate2d", ([[1, 2]], [[1]]), {"boundary": "reflect"}),
    ("choose_conv_method", ([1, 2], [1], "bad")),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: f"{c[0]}{c[1:]}")
def test_errors_are_scipys(case):
    name, args = case[0], case[1]
    kwargs = case[2] if len(case) > 2 else {}
    with pytest.raises(Exception) as theirs:
        getattr(ss, name)(*args, **kwargs)
    with pytest.raises(type(theirs.value)):
        getattr(signal, name)(*args, **kwargs)


def test_unsupported_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="object"):
        signal.convolve(np.array([1], dtype=object), np.array([1.0]))


def test_choose_conv_method(rng):
    assert signal.choose_conv_method([1, 2, 3], [1, 1]) == "direct"
    a, v = data(rng, 200000, "float64"), data(rng, 100000, "float64")
    assert signal.choose_conv_method(a, v) == "fft"
    method, times = signal.choose_conv_method(a[:300], v[:30], measure=True)
    assert method in ("direct", "fft") and set(times) == {"direct", "fft"}
    assert times[method] == min(times.values())
    assert signal.choose_conv_method(np.ones((3, 3)), np.ones((2, 2))) == "direct"
