"""Ctrl-C during a long call raises ``KeyboardInterrupt`` within a second, leaves no thread
computing, and leaves the package (and the SIGINT handler) as they were.

Each case runs in a subprocess that sends itself SIGINT from a timer thread during a direct
convolution that would take minutes; the subprocess is killed after 60 s, so a call that cannot
be interrupted fails the test instead of running to its end.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the handler is Linux's")

PRELUDE = textwrap.dedent(
    """
    import os, resource, signal, threading, time
    import numpy as np
    import convolve

    rng = np.random.default_rng(0)
    a = rng.standard_normal(2 * 10**6)
    v = rng.standard_normal(10**6)          # 2e12 multiply-adds: minutes by the direct sum

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def interrupted_after(delay, call):
        sent = []
        def send():
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
        timer = threading.Timer(delay, send)
        timer.start()
        try:
            call()
        except KeyboardInterrupt:
            latency = time.monotonic() - sent[0]
        else:
            raise AssertionError("the call finished without KeyboardInterrupt")
        timer.join()
        return latency
    """
)

CASES = {
    "convolve": textwrap.dedent(
        """
        handler = signal.getsignal(signal.SIGINT)
        latency = interrupted_after(3.0, lambda: convolve.convolve(a, v, method="direct"))
        assert latency < 1.0, latency
        # no thread is still computing: the process uses (almost) no CPU while it sleeps
        before = cpu(); time.sleep(0.5); used = cpu() - before
        assert used < 0.1, used
        assert signal.getsignal(signal.SIGINT) is handler
        assert convolve.convolve([1, 2], [1, 1]).tolist() == [1, 3, 2]
        # and the next long call is interrupted the same way
        latency = interrupted_after(1.0, lambda: convolve.correlate(a, v, "same", method="direct"))
        assert latency < 1.0, latency
        print("ok")
        """
    ),
    "custom_handler": textwrap.dedent(
        """
        # A handler that does not raise: the call is not lost, it runs to its end.
        calls = []
        signal.signal(signal.SIGINT, lambda *args: calls.append(args[0]))
        x, k = a[:400_000], v[:20_000]
        timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        got = convolve.convolve(x, k, method="direct")
        timer.join()
        assert calls == [signal.SIGINT], calls
        np.testing.assert_allclose(got, np.convolve(x, k), rtol=0, atol=1e-9)
        print("ok")
        """
    ),
    "ignored": textwrap.dedent(
        """
        # SIGINT ignored: nothing to interrupt, the call completes.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        x, k = a[:400_000], v[:20_000]
        timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        got = convolve.convolve(x, k, method="direct")
        timer.join()
        assert got.shape == (419_999,)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        print("ok")
        """
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ctrl_c(name):
    run = subprocess.run(
        [sys.executable, "-c", PRELUDE + CASES[name]], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "ok"
