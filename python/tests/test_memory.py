"""Allocation failures are ``MemoryError`` with the size, as numpy raises, never an abort of the
interpreter or a ``PanicException``, and the interpreter stays usable afterwards.

Each case runs in a subprocess whose address space is limited (``RLIMIT_AS``) to what it has
after start-up plus 1.5 GiB, so the inputs are views that would need far more to copy
(broadcast, strided, transposed) or outputs that cannot fit.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc are Linux's")

PRELUDE = textwrap.dedent(
    """
    import re, resource
    import numpy as np
    import dask.array as da
    import convolve
    import convolve.dask as cd
    from convolve import signal

    def vm_bytes():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

    # The pool's threads exist before the limit (their stacks are address space too).
    convolve.convolve(np.ones(10**5), np.ones(10**3))
    limit = vm_bytes() + (3 << 29)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    huge = np.broadcast_to(1.0, (2**36,))          # 512 GiB as a contiguous copy
    huge2d = np.broadcast_to(1.0, (2**18, 2**18))  # the same in 2-D
    column = np.broadcast_to(np.arange(3.0), (2**34, 3))[:, 1]  # a column of a 2-D array
    transposed = np.broadcast_to(1.0, (2**17, 2**19)).T

    def check(name, call):
        try:
            call()
        except MemoryError as e:
            msg = str(e)
            assert re.search(r"\\d+(\\.\\d*)? ?(bytes|KiB|MiB|GiB|TiB|PiB|EiB)", msg), (name, msg)
        else:
            raise AssertionError(f"{name}: no MemoryError")
        # the interpreter is usable afterwards
        assert convolve.convolve([1, 2], [1, 1]).tolist() == [1, 3, 2]
        print("ok", name)
    """
)

CASES = {
    "convolve": "convolve.convolve(huge, [1.0, 2.0])",
    "correlate": "convolve.correlate(huge, [1.0, 2.0], 'same')",
    "convolve_column": "convolve.convolve(column, [1.0])",
    "convolve_kernel": "convolve.convolve([1.0, 2.0], huge)",
    "signal_convolve": "signal.convolve(huge2d, np.ones((3, 3)))",
    "signal_correlate_transposed": "signal.correlate(transposed, np.ones((3, 3)), method='direct')",
    "fftconvolve": "signal.fftconvolve(huge2d, np.ones((3, 3)))",
    "oaconvolve": "signal.oaconvolve(huge2d, np.ones((3, 3)))",
    "convolve2d": "signal.convolve2d(huge2d, np.ones((3, 3)))",
    "correlate2d": "signal.correlate2d(transposed, np.ones((3, 3)), boundary='symm')",
    "convolver_kernel": "convolve.Convolver(huge, 16)",
    "convolver_plan": "convolve.Convolver(np.ones(2**20), 2**40, method='fft')",
    "convolver_signal": "convolve.Convolver([1.0, 2.0], 2**36, method='direct')(huge)",
    "convolver_output": (
        "p = convolve.Convolver(np.ones(2), 2**26, method='direct'); x = np.zeros(2**26);"
        " big = np.ones(2**26 + 2**25); p(x)"
    ),
    "stream_kernel": "convolve.StreamConvolver(huge, 64)",
    "stream_block": "convolve.StreamConvolver([1.0, 2.0], 64).process(huge)",
    "dask_kernel": "cd.convolve(da.ones(100, chunks=10), huge).compute()",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_allocation_failure_is_a_memory_error(name):
    code = PRELUDE + f"\ncheck({name!r}, lambda: exec({CASES[name]!r}))\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stderr[-3000:]}"
    assert run.stdout.strip().endswith(f"ok {name}")
