"""The image benchmark's bookkeeping (python -m convolve.bench --images), without timing
anything and without OpenCV: the table's ratios, geometric means and points lost, and the
fairness check that stops a run whose peer computes something else."""

import numpy as np
import pytest

from convolve import _bench_images as images


def test_table_takes_the_fastest_peer_and_summarizes(capsys):
    rows = [
        {"n": 512, "dtype": "float32", "k": 3, "kind": "random", "threads": 1, "capped": [],
         "times": {"ours": 2.0, "cv2.filter2D": 1.0, "scipy.signal.convolve": 8.0}},
        {"n": 512, "dtype": "float32", "k": 9, "kind": "random", "threads": 1,
         "capped": ["scipy.ndimage.convolve"],
         "times": {"ours": 1.0, "scipy.signal.convolve": 4.0}},
    ]
    images.markdown(rows, "test CPU")
    out = capsys.readouterr().out
    assert "test CPU" in out
    assert "| 0.50x |" in out and "| 4.00x |" in out
    assert "cap: scipy.ndimage.convolve" in out
    # Geometric mean of 0.5 and 4 is sqrt(2); one point lost.
    assert "| random | 1 | 2 | 1.41x | 1 |" in out


def test_no_opencv_column_is_said(capsys):
    rows = [{"n": 512, "dtype": "float64", "k": 3, "kind": "gaussian", "threads": 1,
             "capped": [], "times": {"ours": 1.0, "scipy.ndimage.gaussian_filter": 3.0}}]
    images.markdown(rows, "cpu")
    assert "OpenCV is not installed" in capsys.readouterr().out


def test_a_peer_computing_something_else_stops_the_run():
    a = np.random.default_rng(0).uniform(-1, 1, (16, 16))
    w = np.random.default_rng(1).uniform(-1, 1, (3, 3))
    from scipy.signal import convolve2d, correlate2d

    want = convolve2d(a, w, "same")
    images.check("same", convolve2d(a, w, "same"), want, a, w, "here")
    with pytest.raises(SystemExit):
        images.check("unflipped", correlate2d(a, w, "same"), want, a, w, "here")


def test_gaussian_matches_scipys_radius():
    for k in (3, 9, 31, 63):
        sigma, g = images.gaussian_1d(k)
        assert len(g) == k and int(4.0 * sigma + 0.5) == (k - 1) // 2
        assert abs(g.sum() - 1.0) < 1e-12
