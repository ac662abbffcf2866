"""A forked child (multiprocessing's default start method on Linux before Python 3.14, joblib,
gunicorn, DataLoader workers) computes after the parent has used the thread pool, with the
parent's results, instead of waiting forever for pool threads that did not survive the fork."""

from __future__ import annotations

import multiprocessing as mp
import sys
import warnings

import numpy as np
import pytest

import convolve
from convolve import signal

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or "fork" not in mp.get_all_start_methods(),
    reason="fork is a POSIX start method",
)


def _inputs():
    rng = np.random.default_rng(7)
    return rng.standard_normal(10**5), rng.standard_normal(10**3), rng.standard_normal((300, 400))


def _work(method):
    a, v, img = _inputs()
    return (
        convolve.convolve(a, v, method=method),
        convolve.correlate(a, v, "same", method=method),
        signal.convolve(img, img[:9, :9], mode="same"),
    )


def test_forked_pool_after_a_threaded_call():
    want = {m: _work(m) for m in ("auto", "direct", "overlap-add", "fft")}  # starts the pool
    with warnings.catch_warnings():
        # Python 3.12+ warns that fork() in a multi-threaded process may deadlock: that is the
        # situation this test makes on purpose.
        warnings.simplefilter("ignore", DeprecationWarning)
        pool = mp.get_context("fork").Pool(2)
    try:
        got = pool.map_async(_work, list(want)).get(timeout=120)
    except mp.TimeoutError:
        pytest.fail("a call in a forked child hung")
    finally:
        pool.terminate()
        pool.join()
    for (method, w), g in zip(want.items(), got):
        for x, y in zip(w, g):
            np.testing.assert_array_equal(x, y, err_msg=method)
    # and the parent still computes, with its pool
    for x, y in zip(want["auto"], _work("auto")):
        np.testing.assert_array_equal(x, y)
