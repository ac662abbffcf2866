"""Convolver and StreamConvolver against the one-shot functions, and threads."""

import copy
import pickle
import sys
import threading

import numpy as np
import pytest
from conftest import METHODS, MODES, assert_close, data

import convolve


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "complex128", "complex64", "int64", "int32"]
)
@pytest.mark.parametrize("method", METHODS)
def test_convolver_matches_one_shot_with_and_without_out(rng, dtype, method):
    for n, m in [(1, 1), (100, 3), (1000, 200), (64, 300), (5000, 700)]:
        k = data(rng, m, dtype)
        for mode in MODES:
            plan = convolve.Convolver(k, n, mode, method=method)
            assert plan.dtype == np.dtype(dtype)
            assert plan.method in {"direct", "fft", "overlap-add"}
            if method != "auto":
                # overlap-add cuts blocks from the signal: a kernel longer than it takes 'fft'.
                assert plan.method == method or (method == "overlap-add" and m > n)
            out = np.full(plan.output_len, 7, dtype=dtype)
            for _ in range(3):
                x = data(rng, n, dtype)
                want = np.convolve(x, k, mode)
                assert_close(plan(x), want, x, k)
                assert plan(x, out=out) is out
                assert_close(out, want, x, k)


def test_convolver_narrow_dtypes_and_lists(rng):
    k = data(rng, 20, "int8")
    plan = convolve.Convolver(k, 50)
    assert plan.dtype == np.int8
    x = data(rng, 50, "int8")
    np.testing.assert_array_equal(plan(x), np.convolve(x, k))
    out = np.empty(plan.output_len, np.int8)
    assert plan(x, out=out) is out
    np.testing.assert_array_equal(out, np.convolve(x, k))
    fplan = convolve.Convolver([1.0, 2.0], 3, "valid")
    np.testing.assert_array_equal(
        fplan([1, 2, 3]), np.convolve([1.0, 2.0, 3.0], [1.0, 2.0], "valid")
    )
    assert repr(fplan).startswith("Convolver(n=3")


def test_convolver_errors():
    plan = convolve.Convolver(np.ones(4), 10)
    with pytest.raises(ValueError, match="length"):
        plan(np.ones(9))
    with pytest.raises(ValueError):
        plan(np.ones((2, 5)))
    with pytest.raises(TypeError):
        plan(np.ones(10, dtype=np.complex128))  # would promote the plan's float64
    with pytest.raises(ValueError):
        plan(np.ones(10), out=np.empty(5))
    with pytest.raises(TypeError):
        plan(np.ones(10), out=np.empty(13, dtype=np.float32))
    with pytest.raises(ValueError):
        plan(np.ones(10), out=np.empty(26)[::2])
    with pytest.raises(ValueError):
        convolve.Convolver([], 10)
    with pytest.raises(ValueError):
        convolve.Convolver([1.0], 0)
    with pytest.raises(ValueError):
        convolve.Convolver([[1.0]], 3)
    with pytest.raises(ValueError):
        convolve.Convolver([1.0], 3, "middle")
    with pytest.raises(ValueError):
        convolve.Convolver([1.0], 3, method="slow")
    with pytest.raises(TypeError):
        convolve.Convolver(np.array(["a"]), 3)


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
@pytest.mark.parametrize("m, block", [(1, 1), (3, 2), (100, 16), (3000, 64), (40, 256)])
def test_stream_matches_one_shot(rng, dtype, m, block):
    k = data(rng, m, dtype)
    x = data(rng, 5000, dtype)
    s = convolve.StreamConvolver(k, block)
    assert s.latency == 0
    pieces, i = [], 0
    while i < x.size:
        step = int(rng.integers(0, 3 * block + 1))
        pieces.append(s.process(x[i : i + step]))
        i += step
    pieces.append(s.flush())
    got = np.concatenate(pieces)
    assert_close(got, np.convolve(x, k), x, k)


def test_stream_reset_set_kernel_and_out(rng):
    k = data(rng, 50, "float64")
    x = data(rng, 400, "float64")
    s = convolve.StreamConvolver(k, 32)
    first = s.process(x)
    s.reset()
    out = np.empty(400)
    assert s.process(x, out=out) is out
    np.testing.assert_array_equal(out, first)
    # A new kernel applies to the whole past signal from the next block on (within one
    # kernel length of the change).
    k2 = data(rng, 30, "float64")
    s.set_kernel(k2)
    y = data(rng, 400, "float64")
    got = s.process(y)
    want = np.convolve(np.concatenate([x, y]), k2)[400:800]
    assert_close(got[50:], want[50:], np.concatenate([x, y]), k2)
    with pytest.raises(ValueError):
        s.set_kernel(np.ones(51))
    with pytest.raises(ValueError):
        s.set_kernel([])
    with pytest.raises(ValueError):
        convolve.StreamConvolver([1.0], 0)
    with pytest.raises(ValueError):
        convolve.StreamConvolver([], 4)
    with pytest.raises(ValueError):
        s.process(np.ones(4), out=np.empty(5))


def test_stream_integers_exact(rng):
    k = data(rng, 40, "int16")
    x = data(rng, 300, "int16")
    s = convolve.StreamConvolver(k, 16)
    got = np.concatenate([s.process(x[:150]), s.process(x[150:]), s.flush()])
    assert got.dtype == np.int16
    np.testing.assert_array_equal(got, np.convolve(x, k))


def _run_threads(target, count):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("method", ["direct", "fft", "overlap-add"])
def test_threads_share_one_convolver(method):
    rng = np.random.default_rng(17)
    k = rng.uniform(-1, 1, 300)
    plan = convolve.Convolver(k, 4000, method=method)
    signals = [rng.uniform(-1, 1, 4000) for _ in range(6)]
    wants = [np.convolve(x, k) for x in signals]

    def work(i):
        out = np.empty(plan.output_len)
        for _ in range(20):
            assert_close(plan(signals[i]), wants[i], signals[i], k)
            plan(signals[i], out=out)
            assert_close(out, wants[i], signals[i], k)

    _run_threads(work, 6)


def test_threads_with_separate_convolvers_and_free_functions():
    rng = np.random.default_rng(18)
    k = rng.uniform(-1, 1, 200)
    signals = [rng.uniform(-1, 1, 3000) for _ in range(4)]

    def work(i):
        plan = convolve.Convolver(k, 3000, "same")
        for _ in range(20):
            want = np.convolve(signals[i], k, "same")
            assert_close(plan(signals[i]), want, signals[i], k)
            assert_close(convolve.convolve(signals[i], k, "same"), want, signals[i], k)
            big = convolve.correlate(signals[i], signals[(i + 1) % 4], "full", method="fft")
            assert_close(big, np.correlate(signals[i], signals[(i + 1) % 4], "full"), signals[i], k)

    _run_threads(work, 4)


def test_threads_on_one_stream_convolver_do_not_crash():
    s = convolve.StreamConvolver(np.ones(64), 16)
    x = np.ones(1000)

    def work(_):
        for _ in range(50):
            assert s.process(x).shape == (1000,)

    _run_threads(work, 4)


@pytest.mark.parametrize("call", ["numpy", "signal", "plan"])
def test_the_gil_is_released_during_the_computation(call):
    # With a switch interval far above the call's length, Python switches threads only where
    # a thread lets go of the GIL itself. This thread sees `inside` set only if the worker
    # released the GIL between setting and clearing it, i.e. during the computation.
    rng = np.random.default_rng(19)
    a, v = rng.uniform(-1, 1, 400_000), rng.uniform(-1, 1, 100_000)
    plan = convolve.Convolver(v, a.size, method="fft")
    work = {
        "numpy": lambda: convolve.convolve(a, v, method="fft"),
        "signal": lambda: convolve.signal.fftconvolve(a, v),
        "plan": lambda: plan(a),
    }[call]
    state = {"inside": False, "done": False}

    def run():
        state["inside"] = True
        work()
        state["inside"] = False
        state["done"] = True

    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        t = threading.Thread(target=run)
        t.start()
        seen = 0
        while not state["done"]:
            if state["inside"]:
                seen += 1
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert seen > 0


def test_narrow_dtype_plans(rng):
    k = data(rng, 9, "float16")
    s = convolve.StreamConvolver(k, 4)
    x = data(rng, 30, "float16")
    got = np.concatenate([s.process(x), s.flush()])
    assert got.dtype == np.float16
    ref = np.convolve(x.astype(np.float64), k.astype(np.float64))
    assert np.all(np.abs(got.astype(np.float64) - ref) <= 2e-3 * (np.abs(ref) + 1))
    b = convolve.Convolver(np.array([True, False, True]), 5)
    x = np.array([False, True, False, False, True])
    np.testing.assert_array_equal(b(x), np.convolve(x, [True, False, True]))
    out = np.empty(7, dtype=bool)
    assert b(x, out=out) is out
    np.testing.assert_array_equal(out, np.convolve(x, [True, False, True]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int32"])
@pytest.mark.parametrize("workers", [1, 2])
def test_stream_workers_give_the_same_bits(rng, dtype, workers):
    k = data(rng, 6000, dtype)
    x = data(rng, 20_000, dtype)
    one = convolve.StreamConvolver(k, 32)
    many = convolve.StreamConvolver(k, 32, worker_threads=workers)
    assert (one.worker_threads, many.worker_threads) == (0, workers)
    a, b, i = [], [], 0
    while i < x.size:
        step = int(rng.integers(1, 100))
        a.append(one.process(x[i : i + step]))
        b.append(many.process(x[i : i + step]))
        i += step
        if len(a) == 60:
            # Copies and pickles keep their workers and continue exactly.
            many = pickle.loads(pickle.dumps(copy.copy(many)))
            assert many.worker_threads == workers
        if len(a) == 120:
            k2 = data(rng, 3000, dtype)
            one.set_kernel(k2)
            many.set_kernel(k2)
    a.append(one.flush())
    b.append(many.flush())
    a, b = np.concatenate(a), np.concatenate(b)
    assert a.tobytes() == b.tobytes()


def test_stream_workers_match_one_shot_and_reject_negatives(rng):
    k = data(rng, 9000, "float64")
    x = data(rng, 12_000, "float64")
    s = convolve.StreamConvolver(k, 64, worker_threads=1)
    got = np.concatenate([s.process(c) for c in np.array_split(x, 150)] + [s.flush()])
    assert_close(got, np.convolve(x, k), x, k)
    with pytest.raises(ValueError, match="worker_threads"):
        convolve.StreamConvolver(k, 64, worker_threads=-1)
    with pytest.raises(TypeError):
        convolve.StreamConvolver(k, 64, worker_threads=1.5)
