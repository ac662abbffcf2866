"""The built wheel installs and works where there is no Rust toolchain.

scripts/test builds the wheel once and passes its path in ``CONVOLVE_WHEEL`` and the lock file of
the running environment in ``CONVOLVE_LOCK``; this test installs the wheel (with that lock's numpy,
scipy and dask) into a fresh virtual environment whose PATH holds no
``cargo`` or ``rustc``, then calls every public function there. pip is told to take binaries
only, so a wheel it would not accept fails the install instead of falling back to a source build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WHEEL = os.environ.get("CONVOLVE_WHEEL")
LOCK = os.environ.get(
    "CONVOLVE_LOCK", str(Path(__file__).resolve().parents[1] / "requirements-lock.txt")
)

SMOKE = textwrap.dedent(
    """
    import copy, pickle, shutil
    import numpy as np
    import convolve
    from convolve import ndimage, signal
    import convolve.dask as cd
    import dask.array as da

    assert shutil.which("cargo") is None and shutil.which("rustc") is None
    assert "site-packages" in convolve.__file__, convolve.__file__
    a, v = np.arange(1.0, 6.0), np.array([1.0, -1.0, 0.5])
    assert np.allclose(convolve.convolve(a, v), np.convolve(a, v))
    assert np.allclose(convolve.correlate(a, v, "full"), np.correlate(a, v, "full"))
    assert convolve.convolve([1, 2], [3, 4]).tolist() == [3, 10, 8]
    assert convolve.choose_method(100, 3) == "direct"
    plan = convolve.Convolver(v, 5, "same")
    assert np.allclose(plan(a), np.convolve(a, v, "same"))
    s = convolve.StreamConvolver(v, 2)
    out = np.concatenate([s.process(a[:2]), s.process(a[2:]), s.flush()])
    assert np.allclose(out, np.convolve(a, v))
    img = np.arange(16.0).reshape(4, 4)
    k = np.array([[0.0, 1.0], [1.0, -1.0]])
    for f in (signal.convolve, signal.correlate, signal.fftconvolve, signal.oaconvolve,
              signal.convolve2d, signal.correlate2d):
        assert f(img, k).shape == (5, 5), f
    assert signal.choose_conv_method(img, k) in ("direct", "fft")
    for f in (ndimage.convolve, ndimage.correlate, ndimage.uniform_filter):
        assert f(img, k if f is not ndimage.uniform_filter else 3).shape == (4, 4), f
    for f in (ndimage.convolve1d, ndimage.correlate1d):
        assert f(img, [1.0, 2.0]).shape == (4, 4), f
    assert ndimage.gaussian_filter(img, 1.0).shape == ndimage.gaussian_filter1d(img, 1.0).shape
    x = da.from_array(np.arange(20.0), chunks=6)
    assert np.allclose(cd.convolve(x, v).compute(), np.convolve(np.arange(20.0), v))
    print("smoke ok")
    """
)


def _no_toolchain_path() -> str:
    """PATH without any directory that holds cargo or rustc."""
    keep = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and not any(os.path.exists(os.path.join(d, t)) for t in ("cargo", "rustc")):
            keep.append(d)
    return os.pathsep.join(keep)


@pytest.mark.skipif(WHEEL is None, reason="scripts/test passes the built wheel in CONVOLVE_WHEEL")
def test_wheel_installs_and_runs_without_a_rust_toolchain(tmp_path):
    path = _no_toolchain_path()
    assert shutil.which("cargo", path=path) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP", "PYTHON"))}
    env.update(PATH=path, CARGO_HOME=str(tmp_path / "none"), RUSTUP_HOME=str(tmp_path / "none"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    py = str(venv / "bin" / "python")
    subprocess.run(
        [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
         "--only-binary", ":all:", "-c", LOCK, f"{WHEEL}[dask]", "scipy"],
        check=True,
        env=env,
    )
    run = subprocess.run(
        [py, "-c", SMOKE], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "smoke ok"
