"""convolve.ndimage against scipy.ndimage: modes x origins x dtypes x shapes, the separable
filters, output= and the errors."""

import inspect
import itertools

import numpy as np
import pytest
import scipy.ndimage as sn

from convolve import ndimage

MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
         "grid-wrap"]
DTYPES = ["float64", "float32", "complex128", "int16", "uint8"]
# (input shape, weights shape): 1-pixel axes, even kernels, kernels larger than the input.
SHAPES = [((1,), (3,)), ((6,), (4,)), ((3,), (7,)), ((2,), (5,)), ((4, 5), (3, 2)),
          ((1, 6), (2, 3)), ((5, 1), (4, 1)), ((3, 4), (6, 5)), ((3, 4, 5), (2, 3, 2))]


def sample(rng, shape, dtype, nonnegative=False):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        lo = 0 if nonnegative or dt.kind == "u" else -50
        return rng.integers(lo, 50, shape).astype(dt)
    x = rng.uniform(0 if nonnegative else -1, 1, shape)
    if dt.kind == "c":
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dt)


def assert_matches(got, want, reference, scale):
    """``got`` is scipy's ``want`` (same dtype and shape): within rounding of the data's
    ``scale`` for floats; for integers exactly, or one apart where scipy's float64 result
    ``reference`` is within rounding of an integer (truncation of ``k - ε`` or ``k + ε``)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "iu":
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        near = np.abs(reference - np.round(reference)) <= 1e-9 * max(scale, 1.0)
        assert np.all((diff == 0) | ((diff == 1) & near)), (got, want, reference)
    else:
        eps = np.finfo(want.dtype).eps
        tol = 64 * eps * max(scale, 1e-300)
        assert np.max(np.abs(got - want), initial=0.0) <= tol, (got, want)


def check(ours, theirs, a, w_abs_sum, *args, **kwargs):
    want = theirs(*args, **kwargs)
    got = ours(*args, **kwargs)
    reference = None
    if want.dtype.kind in "iu":
        reference = theirs(*args, **{**kwargs, "output": np.float64})
    scale = float(np.max(np.abs(a), initial=0.0) + abs(kwargs.get("cval", 0.0))) * w_abs_sum
    assert_matches(got, want, reference, scale)
    return got


def origins(wshape):
    lo = tuple(-(m // 2) for m in wshape)
    hi = tuple((m - 1) // 2 for m in wshape)
    return sorted({tuple(0 for _ in wshape), lo, hi})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["correlate", "convolve"])
def test_nd_modes_origins_shapes(dtype, op):
    rng = np.random.default_rng(23)
    count = 0
    for (s1, s2), mode in itertools.product(SHAPES, MODES):
        a = sample(rng, s1, dtype)
        w = sample(rng, s2, "float64", nonnegative=dtype == "uint8")
        for origin in origins(s2):
            check(getattr(ndimage, op), getattr(sn, op), a, np.abs(w).sum(), a, w,
                  mode=mode, cval=2.0, origin=list(origin))
            count += 1
    assert count >= 200


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["correlate1d", "convolve1d"])
def test_1d_along_every_axis(dtype, op):
    rng = np.random.default_rng(5)
    a = sample(rng, (3, 1, 6), dtype)
    for m, mode, axis in itertools.product([1, 2, 3, 4, 8], MODES, [0, 1, 2, -1]):
        w = sample(rng, (m,), "float64", nonnegative=dtype == "uint8")
        for origin in range(-(m // 2), (m - 1) // 2 + 1):
            check(getattr(ndimage, op), getattr(sn, op), a, np.abs(w).sum(), a, w,
                  axis=axis, mode=mode, cval=-1.5 if dtype != "uint8" else 1.5, origin=origin)


def test_integer_weights_are_exact_and_complex_weights_conjugated():
    rng = np.random.default_rng(7)
    a = rng.integers(-9, 10, (6, 7)).astype(np.int32)
    w = rng.integers(-3, 4, (3, 4)).astype(np.int64)
    for mode in MODES:
        for cval in [4, 2.5]:  # a fractional cval takes float64 sums, as scipy's
            np.testing.assert_array_equal(ndimage.correlate(a, w, mode=mode, cval=cval),
                                          sn.correlate(a, w, mode=mode, cval=cval))
    wc = w + 1j * rng.uniform(-1, 1, w.shape)
    for op in ["correlate", "convolve"]:
        got, want = getattr(ndimage, op)(a, wc), getattr(sn, op)(a, wc)
        assert got.dtype == want.dtype == np.complex128
        np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.skipif("axes" not in inspect.signature(sn.correlate).parameters,
                    reason="scipy.ndimage.correlate has axes from scipy 1.15")
def test_axes():
    rng = np.random.default_rng(11)
    a = rng.uniform(-1, 1, (4, 5, 6))
    w = rng.uniform(-1, 1, (3, 2))
    # scipy puts the weights' dimensions on the listed axes in increasing order and the
    # origins on the axes as listed (positionally when all are listed).
    w3 = rng.uniform(-1, 1, (3, 2, 4))
    for axes, weights in [((0, 2), w), ((2, 0), w), ((-1, 1), w), ((2, 1, 0), w3)]:
        for origin in itertools.product([-1, 0, 1], repeat=weights.ndim):
            try:
                want = sn.correlate(a, weights, axes=axes, origin=origin, mode="nearest")
            except ValueError:
                with pytest.raises(ValueError):
                    ndimage.correlate(a, weights, axes=axes, origin=origin, mode="nearest")
                continue
            got = ndimage.correlate(a, weights, axes=axes, origin=origin, mode="nearest")
            np.testing.assert_allclose(got, want, atol=1e-13)


def test_output():
    a = np.random.default_rng(13).uniform(-1, 1, (4, 5, 6))
    out = np.empty(a.shape, np.float32)
    got = ndimage.convolve(a, np.ones((2, 2, 2)), output=out, mode="wrap")
    assert got is out
    np.testing.assert_allclose(out, sn.convolve(a, np.ones((2, 2, 2)), mode="wrap",
                                                output=np.float32), atol=1e-5)
    got = ndimage.correlate1d(a, [0.5, 0.5], output=np.int8)
    assert got.dtype == np.int8
    assert ndimage.correlate(np.zeros((0, 3)), np.ones((1, 2))).shape == (0, 3)


def _per_axis(value, n):
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def _gaussian_passes(a, kw):
    """``gaussian_filter(a, **kw)`` as scipy defines it: ``gaussian_filter1d`` on each axis
    whose sigma exceeds 1e-15, each pass stored in the input's dtype."""
    axes = [ax % a.ndim for ax in kw.get("axes", range(a.ndim))]
    n = len(axes)
    out = a
    for ax, s, o, m, r in zip(axes, _per_axis(kw["sigma"], n), _per_axis(kw.get("order", 0), n),
                              _per_axis(kw.get("mode", "reflect"), n),
                              _per_axis(kw.get("radius"), n)):
        if s > 1e-15:
            out = ndimage.gaussian_filter1d(out, s, axis=ax, order=o, mode=m,
                                            cval=kw.get("cval", 0.0),
                                            truncate=kw.get("truncate", 4.0), radius=r)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8", "int16", "complex128"])
def test_gaussian_filters(dtype):
    rng = np.random.default_rng(31)
    a = sample(rng, (7, 1, 9), dtype)
    cases = [dict(sigma=1.0), dict(sigma=0.6, mode="constant", cval=3.0),
             dict(sigma=[2.0, 0.0, 1.5], mode=["mirror", "wrap", "nearest"]),
             dict(sigma=1.2, truncate=2.0), dict(sigma=3.0, radius=[1, 2, 4]),
             dict(sigma=1.0, axes=(0, 2)), dict(sigma=5.0, mode="grid-wrap")]
    if dtype != "uint8":
        cases += [dict(sigma=1.0, order=1), dict(sigma=[1.5, 1.0, 0.8], order=[2, 0, 1])]
    for kw in cases:
        if np.dtype(dtype).kind in "iu":
            # Each pass truncates; a pass whose exact value is an integer may land one apart
            # from scipy's (checked pass by pass below), and the next pass carries that on.
            # So: the passes composed exactly as scipy composes them.
            np.testing.assert_array_equal(ndimage.gaussian_filter(a, **kw),
                                          _gaussian_passes(a, kw))
        else:
            # The weights sum to 1 (a derivative's absolute values to at most 2).
            check(ndimage.gaussian_filter, sn.gaussian_filter, a, 2.0, a, **kw)
    for axis, order, mode in itertools.product([0, 1, 2], [0, 1, 2], MODES):
        if dtype == "uint8" and order:
            continue
        for sigma in [0.7, 1.3, 4.0]:
            check(ndimage.gaussian_filter1d, sn.gaussian_filter1d, a, 2.0, a, sigma, axis=axis,
                  order=order, mode=mode)


@pytest.mark.parametrize("dtype", ["float64", "float32", "uint8", "int16", "complex128"])
def test_uniform_filter(dtype):
    rng = np.random.default_rng(37)
    a = sample(rng, (6, 1, 8), dtype)
    for size, mode in itertools.product([1, 2, 3, 4, 9, [2, 1, 5]], MODES):
        sizes = size if isinstance(size, list) else [size] * 3
        for origin in [0, [-(s // 2) for s in sizes], [(s - 1) // 2 for s in sizes]]:
            check(ndimage.uniform_filter, sn.uniform_filter, a, 1.0, a, size=size, mode=mode,
                  cval=1.0, origin=origin)
    check(ndimage.uniform_filter, sn.uniform_filter, a, 1.0, a, size=3, axes=(2,),
          mode=["reflect"])


def test_large_kernel_takes_the_transform():
    rng = np.random.default_rng(41)
    a = rng.uniform(-1, 1, (160, 140))
    w = rng.uniform(-1, 1, (31, 31))
    check(ndimage.correlate, sn.correlate, a, np.abs(w).sum(), a, w, mode="mirror")
    check(ndimage.gaussian_filter, sn.gaussian_filter, a, 1.0, a, 6.0)


def test_errors_are_scipys():
    a, w = np.ones((4, 4)), np.ones((3, 2))
    with pytest.raises(RuntimeError):
        ndimage.correlate(a, w, mode="symm")
    with pytest.raises(ValueError):
        ndimage.correlate(a, w, origin=(2, 0))
    with pytest.raises(ValueError):
        ndimage.convolve(a, w, origin=(0, 1))
    with pytest.raises(RuntimeError):
        ndimage.correlate(a, np.ones(3))
    with pytest.raises(RuntimeError):
        ndimage.correlate1d(a, [])
    with pytest.raises(RuntimeError):
        ndimage.uniform_filter(a, size=0)
    with pytest.raises(ValueError):
        ndimage.uniform_filter(a, size=3, origin=2)
    with pytest.raises(RuntimeError):
        ndimage.gaussian_filter(a, [1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError):
        ndimage.correlate(a, w, output=np.empty((3, 3)))


def test_float32_is_summed_in_double_as_scipy_does():
    # scipy sums float32 lines in double and rounds each output once; so does the 1-D pass.
    # The two orders of the double sum may round one output to a neighbouring float32, never
    # further; float32 sums would be several ulps off.
    rng = np.random.default_rng(43)
    a = rng.uniform(-1, 1, (64, 80)).astype(np.float32)
    for axis, sigma, mode in itertools.product([0, 1], [0.8, 3.0, 6.0], ["reflect", "wrap"]):
        got = ndimage.gaussian_filter1d(a, sigma, axis=axis, mode=mode)
        want = sn.gaussian_filter1d(a, sigma, axis=axis, mode=mode)
        assert got.dtype == np.float32
        assert np.all(np.abs(got - want) <= np.spacing(np.abs(want))), (axis, sigma, mode)
        assert np.mean(got == want) > 0.99, (axis, sigma, mode)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_separable_passes_match_scipy(dtype):
    # gaussian_filter / uniform_filter on float images run their last two axes fused
    # (nd::correlate_separable_ndimage): every mode, per-axis modes and origins, 1-pixel axes,
    # kernels longer than the axis, images wide enough to be cut into column tiles.
    rng = np.random.default_rng(47)
    for shape in [(1, 9), (9, 1), (5, 4), (37, 23), (24, 3000), (3, 6, 40)]:
        a = sample(rng, shape, dtype)
        for mode in MODES:
            check(ndimage.gaussian_filter, sn.gaussian_filter, a, 1.0, a, 1.5, mode=mode,
                  cval=0.5)
            check(ndimage.uniform_filter, sn.uniform_filter, a, 1.0, a, size=5, mode=mode,
                  cval=-1.0, origin=-2)
        check(ndimage.gaussian_filter, sn.gaussian_filter, a, 1.0, a, [3.0] * a.ndim,
              mode=["wrap"] * (a.ndim - 1) + ["mirror"], radius=[9] * a.ndim)
        check(ndimage.uniform_filter, sn.uniform_filter, a, 1.0, a,
              size=[4] * (a.ndim - 1) + [7], origin=[1] * (a.ndim - 1) + [-3], mode="nearest")
        out = np.empty_like(a)
        assert ndimage.gaussian_filter(a, 2.0, output=out) is out
        assert_matches(out, sn.gaussian_filter(a, 2.0), None, float(np.abs(a).max()))
    # Long kernels (over 128 taps) take the passes one by one.
    a = sample(rng, (50, 60), dtype)
    check(ndimage.gaussian_filter, sn.gaussian_filter, a, 1.0, a, 20.0, mode="reflect")


def test_fused_float32_rounds_each_pass_as_scipy_does():
    # scipy stores the column pass in float32 and sums the row pass in double; the fused
    # passes do the same in scipy's order, so the two differ only where the double sums'
    # order moves a value across a float32 rounding boundary: one step at most, rarely.
    rng = np.random.default_rng(53)
    a = rng.uniform(-1, 1, (96, 130)).astype(np.float32)
    for sigma, mode in itertools.product([0.8, 2.0, 5.0], ["reflect", "constant", "wrap"]):
        got = ndimage.gaussian_filter(a, sigma, mode=mode)
        want = sn.gaussian_filter(a, sigma, mode=mode)
        assert got.dtype == np.float32
        assert np.all(np.abs(got - want) <= np.spacing(np.abs(want))), (sigma, mode)
        assert np.mean(got == want) > 0.99, (sigma, mode)
