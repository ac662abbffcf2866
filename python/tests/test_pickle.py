"""Plans that travel: pickle, copy and deepcopy of Convolver and StreamConvolver (a stream
carries its history and continues bit for bit), through multiprocessing and a Dask cluster;
and exact integer streams."""

import copy
import multiprocessing
import pickle

import numpy as np
import pytest
from conftest import ALL, data

import convolve

NATIVE = ["float64", "float32", "complex128", "complex64", "int64", "int32"]


def _blocks(s, x, rng, most):
    """``x`` through the stream ``s`` in random blocks of 0 ..= ``most`` samples."""
    pieces, i = [], 0
    while i < x.size:
        step = int(rng.integers(0, most + 1))
        pieces.append(s.process(x[i : i + step]))
        i += step
    return np.concatenate(pieces)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("m, block", [(1, 1), (7, 3), (300, 16), (2500, 64)])
def test_full_range_integer_streams_are_exact(rng, dtype, m, block):
    info = np.iinfo(dtype)
    k = rng.integers(info.min, info.max, m, dtype=dtype, endpoint=True)
    x = rng.integers(info.min, info.max, 4000, dtype=dtype, endpoint=True)
    s = convolve.StreamConvolver(k, block)
    got = np.concatenate([_blocks(s, x, rng, 3 * block), s.flush()])
    assert got.dtype == np.dtype(dtype)
    # numpy's integer convolution wraps around: the low bits of the exact sum.
    np.testing.assert_array_equal(got, np.convolve(x, k))


def test_set_kernel_settles_within_the_first_kernels_length(rng):
    # The docstring's claim: from position + len(first kernel) on, the output is the whole
    # past signal convolved with the new kernel; before, a blend (measured exactly on ints).
    k1, k2 = data(rng, 3000, "int64"), data(rng, 2000, "int64")
    x = data(rng, 20000, "int64")
    s = convolve.StreamConvolver(k1, 32)
    head = s.process(x[:8000])
    assert s.position == 8000
    s.set_kernel(k2)
    assert s.kernel_len == 2000
    got = np.concatenate([head, s.process(x[8000:])])
    want = np.convolve(x, k2)[: x.size]
    bad = np.flatnonzero(got[8000:] != want[8000:])
    assert bad.size > 0 and bad[-1] < 3000, bad[-1:]


@pytest.mark.parametrize("dtype", ALL)
def test_pickle_round_trips_every_dtype(rng, dtype):
    k = data(rng, 40, dtype)
    plan = convolve.Convolver(k, 300, "same")
    back = pickle.loads(pickle.dumps(plan))
    assert (back.dtype, back.method, back.mode, back.signal_len) == (
        plan.dtype,
        plan.method,
        plan.mode,
        plan.signal_len,
    )
    x = data(rng, 300, dtype)
    np.testing.assert_array_equal(back(x), plan(x))

    s = convolve.StreamConvolver(k, 16)
    x = data(rng, 500, dtype)
    s.process(x[:123])
    t = pickle.loads(pickle.dumps(s))
    assert repr(t) == repr(s) and t.dtype == s.dtype
    for part in (x[123:200], x[200:]):
        np.testing.assert_array_equal(t.process(part), s.process(part))
    np.testing.assert_array_equal(t.flush(), s.flush())


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
@pytest.mark.parametrize("dtype", NATIVE)
def test_a_copy_mid_stream_continues_bit_for_bit_and_independently(rng, how, dtype):
    make = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda s: pickle.loads(pickle.dumps(s)),
    }[how]
    k = data(rng, 700, dtype)
    x = data(rng, 3000, dtype)
    s = convolve.StreamConvolver(k, 32)
    s.process(x[:1000])
    s.set_kernel(k[:500])  # the copy must carry the current kernel
    s.process(x[1000:1111])
    c = make(s)
    assert c.position == s.position == 1111 and c.kernel_len == 500
    want = s.process(x[1111:])
    # Independent: the original moved on, the copy did not; and the reverse.
    assert c.position == 1111
    np.testing.assert_array_equal(c.process(x[1111:]), want)
    c.reset()
    assert s.position == 3000
    np.testing.assert_array_equal(c.flush(), convolve.StreamConvolver(k[:500], 32).flush())

    plan = convolve.Convolver(k, 100)
    p = make(plan)
    assert p is not plan and p._plan is not plan._plan
    np.testing.assert_array_equal(p(x[:100]), plan(x[:100]))


def test_stream_repr():
    s = convolve.StreamConvolver(np.ones(100, np.float32), 64)
    s.process(np.ones(10, np.float32))
    assert repr(s) == (
        "StreamConvolver(kernel_len=100, block=64, dtype=float32, latency=0, position=10)"
    )


def test_a_corrupted_state_is_a_value_error():
    s = convolve.StreamConvolver(np.ones(100), 64)
    state = s._plan.state()
    for bad in (b"", state[:-1], state + b"\0", b"x" + state[1:]):
        with pytest.raises(ValueError, match="not a saved state"):
            s._plan.set_state(bad)
    other = convolve.StreamConvolver(np.ones(100), 32)
    with pytest.raises(ValueError):
        other._plan.set_state(state)
    ints = convolve.StreamConvolver(np.ones(100, np.int64), 64)
    with pytest.raises(ValueError):
        ints._plan.set_state(state)
    s._plan.set_state(state)


def test_multiprocessing_spawn_maps_pickled_plans(rng):
    k = data(rng, 50, "float64")
    xs = [data(rng, 400, "float64") for _ in range(3)]
    plan = convolve.Convolver(k, 400)
    s = convolve.StreamConvolver(k, 16)
    s.process(xs[0])
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        got = pool.map(plan, xs)
        # Each task unpickles the stream as it was: all continue from the same history.
        streamed = pool.map(s.process, xs[1:])
    for g, x in zip(got, xs):
        np.testing.assert_array_equal(g, plan(x))
    for g, x in zip(streamed, xs[1:]):
        np.testing.assert_array_equal(g, copy.copy(s).process(x))


def test_dask_client_submit_runs_plans_on_a_worker_process(rng):
    distributed = pytest.importorskip("distributed")
    k = data(rng, 30, "int32")
    x = data(rng, 200, "int32")
    plan = convolve.Convolver(k, 200, "valid")
    s = convolve.StreamConvolver(k, 8)
    s.process(x[:77])
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = client.submit(plan, x).result()
        streamed = client.submit(s.process, x[77:]).result()
    np.testing.assert_array_equal(got, np.convolve(x, k, "valid"))
    np.testing.assert_array_equal(streamed, s.process(x[77:]))
