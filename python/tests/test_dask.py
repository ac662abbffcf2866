"""convolve.dask against numpy/scipy: threaded scheduler, then a LocalCluster of worker processes.

The whole module is skipped when Dask is not installed (it is the optional `dask` extra).
The larger-than-worker-memory test runs 10^8 float32 samples by default (about a minute on two
cores); CONVOLVE_DASK_BIG_N sets another length (for example 1e9 on a bigger machine).
"""

from __future__ import annotations

import math
import os
import pickle

import numpy as np
import pytest

# Plain imports, not importorskip: the test environment always has the dask extra, and a dask
# that cannot import its distributed must fail the run, not skip it.
import dask
import dask.array as da
import distributed
import scipy.signal as scipy_signal
from conftest import NUMPY_REJECTS_MODE_SPELLINGS

import convolve.dask as cd

MODES = ("full", "same", "valid")

# (signal length, chunks, kernel length): uneven chunks, chunks shorter than the halo,
# a kernel longer than every chunk, a one-tap kernel, a kernel longer than the signal.
CASES_1D = [
    (40, (7, 3, 12, 1, 9, 8), 5),
    (40, (7, 3, 12, 1, 9, 8), 4),
    (57, 10, 13),
    (30, 4, 9),
    (30, (2, 2, 2, 24), 7),
    (30, (24, 2, 2, 2), 7),
    (50, 6, 31),
    (33, 5, 1),
    (9, 3, 2),
    (6, 2, 11),
    (1, 1, 3),
    (5, 1, 5),
]

FLOAT_DTYPES = ("float64", "float32", "complex128", "complex64")
INT_DTYPES = ("int64", "int32", "int16", "uint8")


def _rand(rng: np.random.Generator, shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -1000), min(info.max, 1000) + 1, shape).astype(dtype)


def _assert_matches(got: np.ndarray, want: np.ndarray, a: np.ndarray, v: np.ndarray) -> None:
    """Exact for integers; for floats within eps * log2(N) * |a| * |v| (scales with the data)."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
        return
    eps = np.finfo(want.dtype).eps
    size = max(a.size + v.size, 2)
    norm = np.linalg.norm(a.astype(np.complex128)) * np.linalg.norm(v.astype(np.complex128))
    tol = 8 * eps * math.log2(size) * max(norm, 1.0)
    err = np.max(np.abs(got.astype(np.complex128) - want.astype(np.complex128)), initial=0.0)
    assert err <= tol, f"max error {err} > {tol}"


# ---------------------------------------------------------------------------------------------
# Threaded scheduler (the default, no set-up)


@pytest.mark.parametrize("n,chunks,m", CASES_1D)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ("convolve", "correlate"))
def test_1d_float64_every_shape(n, chunks, m, mode, op):
    rng = np.random.default_rng(n * 1000 + m)
    a = _rand(rng, n, "float64")
    v = _rand(rng, m, "float64")
    x = da.from_array(a, chunks=chunks)
    got = getattr(cd, op)(x, v, mode).compute(scheduler="threads")
    _assert_matches(got, getattr(np, op)(a, v, mode), a, v)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ("convolve", "correlate"))
def test_1d_dtypes(dtype, mode, op):
    rng = np.random.default_rng(7)
    a = _rand(rng, 200, dtype)
    v = _rand(rng, 17, dtype)
    x = da.from_array(a, chunks=(30, 11, 50, 9, 100))
    got = getattr(cd, op)(x, v, mode).compute()
    _assert_matches(got, getattr(np, op)(a, v, mode), a, v)


def test_1d_int64_exact_beyond_2_53():
    rng = np.random.default_rng(3)
    a = rng.integers(-(2**40), 2**40, 500)
    v = rng.integers(-(2**20), 2**20, 9)
    x = da.from_array(a, chunks=37)
    got = cd.convolve(x, v).compute()
    np.testing.assert_array_equal(got, np.convolve(a, v))
    assert np.abs(got).max() > 2**53


def test_1d_integer_wraps_like_numpy():
    a = np.full(64, 100, dtype=np.int8)
    v = np.full(5, 3, dtype=np.int8)
    got = cd.convolve(da.from_array(a, chunks=10), v).compute()
    np.testing.assert_array_equal(got, np.convolve(a, v))
    assert got.dtype == np.int8


@pytest.mark.parametrize(
    "xdtype,vdtype", [("int16", "float32"), ("float32", "complex128"), ("uint8", "int64")]
)
def test_1d_mixed_dtypes(xdtype, vdtype):
    rng = np.random.default_rng(11)
    a = _rand(rng, 90, xdtype)
    v = _rand(rng, 6, vdtype)
    got = cd.correlate(da.from_array(a, chunks=13), v, "full").compute()
    _assert_matches(got, np.correlate(a, v, "full"), a, v)


def test_1d_numpy_mode_spellings():
    a = np.arange(20.0)
    v = np.array([1.0, -2.0, 0.5])
    x = da.from_array(a, chunks=6)
    for mode in (0, 1, 2):
        _assert_matches(cd.convolve(x, v, mode).compute(), np.convolve(a, v, mode), a, v)
    for mode, error in (
        ("FULL", ValueError),
        ("f", ValueError),
        (3, ValueError),
        (None, TypeError),
    ):
        if NUMPY_REJECTS_MODE_SPELLINGS or not isinstance(mode, str):
            with pytest.raises(error):
                np.convolve(a, v, mode)
        with pytest.raises(error):
            cd.convolve(x, v, mode)


def test_1d_chunks_follow_the_input():
    x = da.zeros(100, chunks=(10, 20, 30, 40))
    assert cd.convolve(x, np.ones(5), "full").chunks == ((10, 20, 30, 44),)
    assert cd.convolve(x, np.ones(5), "same").chunks == ((10, 20, 30, 40),)
    assert cd.correlate(x, np.ones(5), "valid").chunks == ((10, 20, 30, 36),)
    # chunks shorter than the halo are merged with their neighbours
    y = cd.convolve(da.zeros(100, chunks=(2, 2, 46, 50)), np.ones(9))
    assert y.chunks == ((50, 58),)
    # N-D: every axis the same way
    z = da.zeros((30, 15), chunks=((10, 20), (5, 5, 5)))
    assert cd.convolve(z, np.ones((3, 5)), "same").chunks == z.chunks
    assert cd.convolve(z, np.ones((3, 5)), "full").chunks == ((10, 22), (5, 5, 9))
    assert cd.correlate(z, np.ones((3, 5)), "valid").chunks == ((10, 18), (5, 5, 1))


def test_1d_is_lazy():
    calls = []

    def make(block):
        calls.append(1)
        return block

    x = da.ones(1000, chunks=100).map_blocks(make, dtype=float, meta=np.empty(0))
    y = cd.convolve(x, np.ones(7), "same")
    assert calls == []
    assert y.numblocks == (10,)
    assert y.dtype == np.float64
    y.compute()
    assert len(calls) == 10


def test_kernel_is_one_key_of_the_graph():
    kernel = np.random.default_rng(0).standard_normal(50_000)
    x = da.zeros(2_000_000, chunks=100_000)
    y = cd.convolve(x, kernel)
    graph = dict(y.__dask_graph__())
    kernel_keys = [k for k in graph if str(k).startswith("convolve-kernel-")]
    assert len(kernel_keys) == 1
    # 20 tasks would hold 20 copies if the kernel were embedded in each of them.
    assert len(pickle.dumps(graph)) < 1.5 * kernel.nbytes


def test_block_tasks_receive_only_their_chunk_and_halos():
    from dask.core import get_dependencies

    x = da.zeros(1000, chunks=100)
    y = cd.convolve(x, np.ones(31), "same")
    graph = dict(y.__dask_graph__())
    for i in range(y.numblocks[0]):
        deps = get_dependencies(graph, (y.name, i))
        chunks = {d for d in deps if isinstance(d, tuple) and d[0] == x.name}
        assert chunks == {(x.name, i)}
        halos = {d for d in deps - chunks if isinstance(d, tuple)}
        assert len(halos) == (i > 0) + (i < y.numblocks[0] - 1)
        for d in halos:  # a slice of a neighbour: 15 samples each side for 31 taps
            assert get_dependencies(graph, d) <= {(x.name, i - 1), (x.name, i + 1)}
            assert dask.get(graph, d).shape == (15,)


def test_plans_are_reused_across_chunks():
    cd.clear_cache()
    a = np.random.default_rng(5).standard_normal(10_000)
    v = np.random.default_rng(6).standard_normal(33)
    x = da.from_array(a, chunks=500)
    got = cd.convolve(x, v, "same").compute(scheduler="single-threaded")
    _assert_matches(got, np.convolve(a, v, "same"), a, v)
    info = cd.cache_info()
    # 20 chunks of one length: the first block builds the plan and the 19 others reuse it.
    assert info == {"hits": 19, "misses": 1}


# 2-D and 3-D: scipy.signal semantics.
CASES_ND = [
    ((23, 17), ((5, 8, 10), (4, 4, 9)), (4, 3)),
    ((20, 20), 3, (7, 5)),
    ((12, 30), ((12,), (1, 1, 28)), (3, 6)),
    ((6, 9), 2, (8, 4)),
    ((5, 6), 2, (7, 8)),
    ((11, 9, 7), ((4, 7), (2, 3, 4), 7), (3, 2, 4)),
]


@pytest.mark.parametrize("shape,chunks,kshape", CASES_ND)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ("convolve", "correlate"))
def test_nd_against_scipy(shape, chunks, kshape, mode, op):
    rng = np.random.default_rng(sum(shape) * 31 + sum(kshape))
    a = _rand(rng, shape, "float64")
    v = _rand(rng, kshape, "float64")
    oracle = getattr(scipy_signal, op)
    if mode == "valid" and not (
        all(n >= m for n, m in zip(shape, kshape)) or all(m >= n for n, m in zip(shape, kshape))
    ):
        with pytest.raises(ValueError):
            oracle(a, v, mode)
        with pytest.raises(ValueError):
            getattr(cd, op)(da.from_array(a, chunks=chunks), v, mode)
        return
    got = getattr(cd, op)(da.from_array(a, chunks=chunks), v, mode).compute()
    _assert_matches(got, oracle(a, v, mode), a, v)


@pytest.mark.parametrize("dtype", ("complex128", "float32", "int64", "int16"))
@pytest.mark.parametrize("mode", MODES)
def test_nd_dtypes(dtype, mode):
    rng = np.random.default_rng(21)
    a = _rand(rng, (19, 14, 6), dtype)
    v = _rand(rng, (3, 5, 2), dtype)
    x = da.from_array(a, chunks=((4, 8, 7), (5, 9), (3, 3)))
    for op in ("convolve", "correlate"):
        want = getattr(scipy_signal, op)(a, v, mode, method="direct")
        _assert_matches(getattr(cd, op)(x, v, mode).compute(), want, a, v)


def test_errors():
    x = da.ones(10, chunks=3)
    with pytest.raises(ValueError):
        cd.convolve(x, np.ones(3), "middle")
    with pytest.raises(ValueError):
        cd.convolve(x, np.ones(0))
    with pytest.raises(ValueError):
        cd.convolve(da.ones(0, chunks=1), np.ones(3))
    with pytest.raises(TypeError):
        cd.convolve(x, np.array(["a", "b"], dtype=object))
    with pytest.raises(ValueError):
        cd.convolve(da.ones((4, 4), chunks=2), np.ones(3))


def test_scalar_kernel_convolves_as_one_tap():
    a = np.arange(12.0)
    got = cd.convolve(da.from_array(a, chunks=5), 2.5, "same").compute()
    np.testing.assert_array_equal(got, np.convolve(a, 2.5, "same"))


def test_dask_kernel_and_numpy_signal_are_accepted():
    a = np.arange(12.0)
    v = np.array([1.0, 2.0, 3.0])
    got = cd.convolve(a, da.from_array(v)).compute()
    _assert_matches(got, np.convolve(a, v), a, v)


def test_importing_convolve_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, convolve, convolve.signal; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# A LocalCluster of worker processes with a memory limit


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="600MiB",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize("op", ("convolve", "correlate"))
@pytest.mark.parametrize("mode", MODES)
def test_cluster_1d(client, op, mode):
    rng = np.random.default_rng(42)
    a = _rand(rng, 5000, "complex128")
    v = _rand(rng, 301, "complex128")
    x = da.from_array(a, chunks=(700, 200, 1500, 100, 2500))
    got = client.compute(getattr(cd, op)(x, v, mode)).result()
    _assert_matches(got, getattr(np, op)(a, v, mode), a, v)


def test_cluster_int_and_nd(client):
    rng = np.random.default_rng(43)
    a = _rand(rng, 3000, "int32")
    v = _rand(rng, 40, "int32")
    got = client.compute(cd.convolve(da.from_array(a, chunks=250), v, "same")).result()
    np.testing.assert_array_equal(got, np.convolve(a, v, "same"))

    b = _rand(rng, (40, 33, 5), "float32")
    w = _rand(rng, (5, 4, 3), "float32")
    y = cd.correlate(da.from_array(b, chunks=(9, 11, 5)), w, "full")
    _assert_matches(client.compute(y).result(), scipy_signal.correlate(b, w, "full"), b, w)


def test_cluster_workers_reuse_plans(client):
    client.run(cd.clear_cache)
    rng = np.random.default_rng(44)
    a = rng.standard_normal(40_000)
    v = rng.standard_normal(65)
    y = cd.convolve(da.from_array(a, chunks=1000), v, "valid")
    _assert_matches(client.compute(y).result(), np.convolve(a, v, "valid"), a, v)
    infos = client.run(cd.cache_info).values()
    # 40 chunks of one length on two single-threaded workers: one plan built per worker.
    assert sum(i["misses"] for i in infos) <= 2
    assert sum(i["hits"] + i["misses"] for i in infos) == 40


BIG_N = int(float(os.environ.get("CONVOLVE_DASK_BIG_N", "1e8")))


def test_larger_than_worker_memory():
    """BIG_N float32 through two workers of 300 MiB: 10^8 samples are 381 MiB, more than one
    worker may hold; the result is checked by pieces and by its sum, never gathered."""
    m, chunk = 2049, 4_000_000
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="300MiB",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        limit = min(w["memory_limit"] for w in client.scheduler_info()["workers"].values())
        x = da.random.default_rng(2026).standard_normal(BIG_N, chunks=chunk, dtype=np.float32)
        assert x.nbytes > limit
        v = np.random.default_rng(1).standard_normal(m).astype(np.float32)
        y = cd.convolve(x, v, "full")
        assert y.shape == (BIG_N + m - 1,) and y.dtype == np.float32

        # The whole result streams through the workers: sum(x * v) = sum(x) * sum(v).
        total, xsum = client.compute([y.sum(dtype=np.float64), x.sum(dtype=np.float64)])
        total, xsum = total.result(), xsum.result()
        want = xsum * float(v.astype(np.float64).sum())
        # Rounding errors of the samples are independent, so their sum grows like sqrt(N):
        # a lost or doubled chunk moves the sum by ~sqrt(chunk) * sum(v), far above this.
        eps = np.finfo(np.float32).eps
        bound = 4 * eps * math.log2(m) * math.sqrt(BIG_N * m) * float(np.abs(v).sum())
        assert abs(total - want) <= bound, (total, want, bound)

        # Pieces: the start, a chunk boundary in the middle, the end.
        mid = (BIG_N // chunk // 2) * chunk
        pieces = [(0, 5000), (mid - 3000, mid + 3000), (BIG_N - 4000, BIG_N + m - 1)]
        for start, stop in pieces:
            lo = max(start - (m - 1), 0)
            a = client.compute(x[lo : min(stop, BIG_N)]).result()
            want = np.convolve(a.astype(np.float64), v.astype(np.float64), "full")
            got = client.compute(y[start:stop]).result()
            _assert_matches(got, want[start - lo : stop - lo].astype(np.float32), a, v)
