"""convolve.convolve / correlate / choose_method against numpy.convolve / numpy.correlate."""

import re

import numpy as np
import pytest
from conftest import ALL, METHODS, MODES, NUMPY_REJECTS_MODE_SPELLINGS, assert_close, data

import convolve


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_random_cases_match_numpy(rng, dtype, method, op):
    ours, theirs = getattr(convolve, op), getattr(np, op)
    for _ in range(12):
        n, m = rng.integers(1, 200, 2)
        a, v = data(rng, n, dtype), data(rng, m, dtype)
        for mode in MODES:
            want = theirs(a, v, mode)
            got = ours(a, v, mode, method=method)
            if np.dtype(dtype) == np.float16:
                # numpy sums float16 products in float32 too; the order may differ by an ulp.
                assert got.dtype == want.dtype and got.shape == want.shape
                ref = theirs(a.astype(np.float64), v.astype(np.float64), mode)
                tol = 2 * float(np.finfo(np.float16).eps) * (np.abs(ref) + 1e-3)
                assert np.all(np.abs(got.astype(np.float64) - ref) <= tol)
            else:
                assert_close(got, want, a, v)


@pytest.mark.parametrize("method", METHODS)
def test_long_inputs_take_the_transforms(rng, method):
    # Long enough for 'auto' to choose a transform; overlap-add on a short kernel.
    for n, m in [(5000, 3000), (20000, 300), (300, 20000)]:
        for dtype in ["float64", "complex64"]:
            a, v = data(rng, n, dtype), data(rng, m, dtype)
            for op in ["convolve", "correlate"]:
                for mode in MODES:
                    want = getattr(np, op)(a, v, mode)
                    assert_close(getattr(convolve, op)(a, v, mode, method=method), want, a, v)


def test_defaults_are_numpys():
    a, v = [1.0, 2.0, 3.0, 4.0], [1.0, 0.5]
    assert convolve.convolve(a, v).shape == np.convolve(a, v).shape == (5,)
    assert convolve.correlate(a, v).shape == np.correlate(a, v).shape == (3,)
    np.testing.assert_array_equal(convolve.correlate(a, v), np.correlate(a, v))


@pytest.mark.parametrize("mode, name", [(0, "valid"), (1, "same"), (2, "full")])
def test_integer_modes(mode, name):
    a, v = np.arange(7.0), np.array([1.0, -2.0, 0.5])
    np.testing.assert_array_equal(convolve.convolve(a, v, mode), np.convolve(a, v, name))
    np.testing.assert_array_equal(convolve.correlate(a, v, mode), np.correlate(a, v, name))


@pytest.mark.parametrize("method", METHODS)
def test_int64_exact_beyond_2_53(rng, method):
    # Products near 2^60 and sums that wrap modulo 2^64: float64 transforms cannot hold them.
    for n, m in [(3000, 2000), (4000, 64), (50, 40)]:
        a = rng.integers(-(2**31), 2**31, n, dtype=np.int64)
        v = rng.integers(-(2**30), 2**30, m, dtype=np.int64)
        for op in ["convolve", "correlate"]:
            want = getattr(np, op)(a, v, "full")
            assert np.max(np.abs(want.astype(float))) > 2**53
            np.testing.assert_array_equal(getattr(convolve, op)(a, v, "full", method=method), want)
    a = np.array([2**62, 2**62 + 1, -(2**63)], dtype=np.int64)
    v = np.array([3, 5], dtype=np.int64)
    for other in METHODS:
        np.testing.assert_array_equal(convolve.convolve(a, v, method=other), np.convolve(a, v))


def test_uint64_wraps_as_numpy(rng):
    a = rng.integers(0, 2**64, 300, dtype=np.uint64)
    v = rng.integers(0, 2**64, 200, dtype=np.uint64)
    for method in METHODS:
        got = convolve.convolve(a, v, method=method)
        assert got.dtype == np.uint64
        np.testing.assert_array_equal(got, np.convolve(a, v))


def test_narrow_integers_wrap(rng):
    for dtype in ["int8", "uint8", "int16", "uint16", "int32", "uint32"]:
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, 500, endpoint=True).astype(dtype)
        v = rng.integers(info.min, info.max, 400, endpoint=True).astype(dtype)
        for method in METHODS:
            np.testing.assert_array_equal(
                convolve.correlate(a, v, "same", method=method), np.correlate(a, v, "same")
            )


@pytest.mark.parametrize("dtype", ["float64", "complex128", "int64", "float32", "int16"])
def test_strided_and_reversed_views(rng, dtype):
    base_a, base_v = data(rng, 301, dtype), data(rng, 40, dtype)
    views = [
        (base_a[::2], base_v[::3]),
        (base_a[::-1], base_v[::-1]),
        (base_a[10:200:7], base_v[::-2]),
        (np.asfortranarray(base_a), base_v[5:6]),
    ]
    for a, v in views:
        for op in ["convolve", "correlate"]:
            for mode in MODES:
                want = getattr(np, op)(a, v, mode)
                assert_close(getattr(convolve, op)(a, v, mode), want, a, v)


def test_read_only_inputs(rng):
    a, v = data(rng, 100, "float64"), data(rng, 10, "float64")
    a.flags.writeable = False
    v.flags.writeable = False
    assert_close(convolve.convolve(a, v), np.convolve(a, v), a, v)
    mem = memoryview(np.ascontiguousarray(a).tobytes())
    b = np.frombuffer(mem, dtype=np.float64)
    assert_close(convolve.convolve(b, v), np.convolve(b, v), b, v)


def test_byte_swapped_inputs(rng):
    a, v = data(rng, 50, "float64"), data(rng, 7, "float64")
    sa, sv = a.astype(">f8"), v.astype(">i4")
    got = convolve.convolve(sa, sv)
    assert got.dtype == np.float64
    assert_close(got, np.convolve(sa, sv).astype(np.float64), a, v)


@pytest.mark.parametrize(
    "da, dv",
    [
        ("int8", "float32"),
        ("int64", "float64"),
        ("uint64", "int64"),
        ("float32", "complex128"),
        ("bool", "int16"),
        ("float16", "float32"),
        ("uint8", "int8"),
        ("int32", "complex64"),
    ],
)
def test_mixed_dtypes(rng, da, dv):
    a, v = data(rng, 60, da), data(rng, 9, dv)
    for op in ["convolve", "correlate"]:
        want = getattr(np, op)(a, v, "full")
        got = getattr(convolve, op)(a, v, "full")
        assert got.dtype == want.dtype
        assert_close(got, want, a, v)


def test_lists_tuples_and_scalars():
    np.testing.assert_array_equal(
        convolve.convolve([1, 2, 3], (0, 1)), np.convolve([1, 2, 3], (0, 1))
    )
    assert convolve.convolve([1, 2, 3], (0, 1)).dtype == np.int64
    np.testing.assert_array_equal(convolve.convolve(3, [1, 2]), np.convolve(3, [1, 2]))
    np.testing.assert_array_equal(
        convolve.correlate([1j, 2, 3], [1, 1j]), np.correlate([1j, 2, 3], [1, 1j])
    )
    got = convolve.convolve([True, False], [True])
    np.testing.assert_array_equal(got, np.convolve([True, False], [True]))


def _both_raise(call_ours, call_numpy):
    with pytest.raises(Exception) as theirs:
        call_numpy()
    with pytest.raises(type(theirs.value)):
        call_ours()


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize(
    "args",
    [
        ([], [1.0]),
        ([1.0], []),
        (np.array([], dtype=np.int64), np.array([1, 2])),
        ([[1.0, 2.0]], [1.0]),
        ([1.0], np.ones((2, 2))),
        ([1.0, 2.0], [1.0], "middle"),
        ([1.0, 2.0], [1.0], "FULL"),
        ([1.0, 2.0], [1.0], 5),
        ([1.0, 2.0], [1.0], None),
        ([1.0, 2.0], [1.0], 2.0),
        ([[1, 2], [3]], [1.0]),
    ],
)
def test_errors_are_numpys(op, args):
    if args[2:] == ("FULL",) and not NUMPY_REJECTS_MODE_SPELLINGS:
        with pytest.raises(ValueError):
            getattr(convolve, op)(*args)
        return
    _both_raise(lambda: getattr(convolve, op)(*args), lambda: getattr(np, op)(*args))


def test_correlate_of_a_scalar_is_an_error():
    _both_raise(lambda: convolve.correlate(3, [1, 2]), lambda: np.correlate(3, [1, 2]))


@pytest.mark.parametrize(
    "bad",
    [
        np.array(["a", "b"]),
        np.array([1, 2], dtype=object),
        np.array(["2020-01-01"], dtype="M8[D]"),
        np.array([1, 2], dtype="m8[s]"),
        np.array([1.0], dtype=np.longdouble),
    ],
)
def test_unsupported_dtypes_raise_type_error_naming_them(bad):
    for op in [convolve.convolve, convolve.correlate]:
        with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
            op(bad, np.array([1.0]))
        with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
            op(np.array([1.0]), bad)


def test_bad_method():
    with pytest.raises(ValueError, match="unknown method"):
        convolve.convolve([1.0, 2.0], [1.0], method="fast")
    with pytest.raises(ValueError, match="unknown method"):
        convolve.convolve([1, 2], [1], method="fast")
    with pytest.raises(TypeError):
        convolve.convolve([1.0, 2.0], [1.0], method=3)
    with pytest.raises(TypeError):
        convolve.convolve([1.0], [1.0], "full", "auto")  # method is keyword-only


def test_choose_method():
    assert convolve.choose_method(100, 3) == "direct"
    assert convolve.choose_method(10**6, 10**6) == "fft"
    assert convolve.choose_method(10**7, 1000) == "overlap-add"
    for dtype in ["float32", "complex64", "int8", "uint64", "bool", "float16", np.int32]:
        assert convolve.choose_method(5000, 5000, "same", dtype) in {"direct", "fft", "overlap-add"}
    with pytest.raises(ValueError):
        convolve.choose_method(0, 3)
    with pytest.raises(ValueError):
        convolve.choose_method(3, 3, "middle")
    with pytest.raises(TypeError):
        convolve.choose_method(3, 3, dtype=object)
    # The choice is the one the call makes: a direct choice gives numpy's bits on integers.
    a = np.arange(1000.0)
    v = np.linspace(0, 1, 1000)
    method = convolve.choose_method(a.size, v.size)
    np.testing.assert_array_equal(convolve.convolve(a, v), convolve.convolve(a, v, method=method))
