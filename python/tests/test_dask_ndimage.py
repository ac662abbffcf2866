"""convolve.dask.ndimage against scipy.ndimage on chunked arrays: every mode, origins, chunks
shorter than the filter's reach, uneven chunks, kernels longer than the array, dtypes."""

import numpy as np
import pytest
import scipy.ndimage as sn

da = pytest.importorskip("dask.array")
from convolve.dask import ndimage  # noqa: E402

MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
         "grid-wrap"]
# (shape, chunks): uneven chunks, chunks of 1 and 2 (shorter than every reach below).
CHUNKED = [((13, 11), ((5, 1, 7), (2, 2, 2, 2, 3))), ((9, 7), (1, 3)), ((4, 17), (2, (9, 8)))]


def assert_matches(got, want, scale):
    """Same dtype and shape, values within rounding of the data's ``scale`` (integers: one
    apart at most, where a pass truncates ``k - ε`` or ``k + ε``)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "iu":
        assert np.max(np.abs(got.astype(np.int64) - want.astype(np.int64)), initial=0) <= 1
    else:
        tol = 64 * np.finfo(want.dtype).eps * max(scale, 1e-300)
        assert np.max(np.abs(got - want), initial=0.0) <= tol


def data(shape, dtype="float64", seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, shape)
    if np.dtype(dtype).kind in "iu":
        x = np.round(x * 50 + 50)
    return x.astype(dtype)


@pytest.mark.parametrize("shape,chunks", CHUNKED)
@pytest.mark.parametrize("mode", MODES)
def test_correlate_and_convolve_fill_the_halo_by_the_mode(shape, chunks, mode):
    x = data(shape)
    w = np.random.default_rng(1).uniform(-1, 1, (4, 5))
    xd = da.from_array(x, chunks=chunks)
    scale = np.abs(w).sum() * max(1.0, np.abs(x).max())
    for origin in [0, (-2, 2), (1, -1)]:
        for ours, theirs in [(ndimage.correlate, sn.correlate), (ndimage.convolve, sn.convolve)]:
            got = ours(xd, w, mode=mode, cval=0.7, origin=origin)
            assert isinstance(got, da.Array) and got.chunks == xd.chunks
            want = theirs(x, w, mode=mode, cval=0.7, origin=origin)
            assert_matches(got.compute(), want, scale + 0.7 * np.abs(w).sum())


@pytest.mark.parametrize("mode", MODES)
def test_separable_filters_per_mode(mode):
    x = data((13, 11))
    xd = da.from_array(x, chunks=((5, 1, 7), (2, 2, 2, 2, 3)))
    cases = [
        (ndimage.gaussian_filter, sn.gaussian_filter, (1.5,), {}),
        (ndimage.gaussian_filter, sn.gaussian_filter, ([0.8, 2.5],), {"order": [0, 1]}),
        (ndimage.gaussian_filter1d, sn.gaussian_filter1d, (2.0,), {"axis": 0}),
        (ndimage.uniform_filter, sn.uniform_filter, (), {"size": [3, 4], "origin": [1, -2]}),
        (ndimage.correlate1d, sn.correlate1d, ([1.0, -2.0, 0.5, 3.0],), {"axis": 0,
                                                                         "origin": -2}),
        (ndimage.convolve1d, sn.convolve1d, ([1.0, -2.0, 0.5],), {"origin": 1}),
    ]
    for ours, theirs, args, kw in cases:
        got = ours(xd, *args, mode=mode, cval=-0.4, **kw).compute()
        want = theirs(x, *args, mode=mode, cval=-0.4, **kw)
        assert_matches(got, want, 8.0)


def test_per_axis_modes_and_axes():
    x = data((8, 9, 10), seed=3)
    xd = da.from_array(x, chunks=(3, 2, 4))
    got = ndimage.gaussian_filter(xd, [1.0, 0.0, 2.0], mode=["mirror", "wrap", "nearest"])
    want = sn.gaussian_filter(x, [1.0, 0.0, 2.0], mode=["mirror", "wrap", "nearest"])
    assert_matches(got.compute(), want, 1.0)
    got = ndimage.uniform_filter(xd, size=5, mode=["wrap", "constant"], axes=(0, 2), cval=2.0)
    want = sn.uniform_filter(x, size=5, mode=["wrap", "constant"], axes=(0, 2), cval=2.0)
    assert_matches(got.compute(), want, 2.0)


@pytest.mark.parametrize("mode", MODES)
def test_kernels_longer_than_the_array_repeat_the_rule(mode):
    # The reach (9) exceeds the axis (4): the extension repeats as scipy's does.
    x = data((4, 6), seed=4)
    xd = da.from_array(x, chunks=(1, 4))
    w = np.random.default_rng(5).uniform(-1, 1, 19)
    got = ndimage.correlate1d(xd, w, axis=0, mode=mode, cval=1.5)
    want = sn.correlate1d(x, w, axis=0, mode=mode, cval=1.5)
    assert_matches(got.compute(), want, 1.5 * np.abs(w).sum())


@pytest.mark.parametrize("dtype", ["float32", "uint8", "int16", "complex128"])
def test_dtypes_follow_scipy(dtype):
    x = data((10, 12), dtype, seed=6)
    if dtype == "complex128":
        x = x + 1j * data((10, 12), seed=7)
    xd = da.from_array(x, chunks=(3, 5))
    scale = float(np.abs(x).max())
    for mode in ["reflect", "mirror", "wrap"]:
        got = ndimage.gaussian_filter(xd, 1.2, mode=mode)
        assert got.dtype == x.dtype
        assert_matches(got.compute(), sn.gaussian_filter(x, 1.2, mode=mode), scale)
        got = ndimage.uniform_filter(xd, 3, mode=mode)
        assert_matches(got.compute(), sn.uniform_filter(x, 3, mode=mode), scale)


def test_errors_are_raised_when_the_graph_is_built():
    xd = da.ones((6, 6), chunks=2)
    with pytest.raises(RuntimeError):
        ndimage.correlate(xd, np.ones((3, 3)), mode="symm")
    with pytest.raises(ValueError):
        ndimage.correlate(xd, np.ones((3, 3)), origin=2)
    with pytest.raises(RuntimeError):
        ndimage.uniform_filter(xd, size=0)
    with pytest.raises(RuntimeError):
        ndimage.correlate(xd, np.ones(3))


def test_a_constant_image_stays_constant_under_the_extending_modes():
    # Any zero in a halo (dask's boundary='none' or a missed extension) would show.
    x = da.ones((40, 40), chunks=5)
    for mode in ["reflect", "nearest", "mirror", "wrap"]:
        y = ndimage.gaussian_filter(x, 3.0, mode=mode)
        assert y.chunks == x.chunks
        np.testing.assert_allclose(y.compute(), 1.0, rtol=1e-12)
        np.testing.assert_allclose(ndimage.uniform_filter(x, 7, mode=mode).compute(), 1.0,
                                   rtol=1e-12)


def test_the_submodule_imports_by_its_dotted_name():
    import importlib
    import subprocess
    import sys

    # in a fresh interpreter: the first import of the dotted name must work
    code = (
        "import convolve.dask.ndimage as n; from convolve.dask.ndimage import gaussian_filter; "
        "assert gaussian_filter is n.gaussian_filter"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert importlib.import_module("convolve.dask.ndimage") is ndimage
