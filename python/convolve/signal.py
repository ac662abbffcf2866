"""Drop-ins for scipy.signal's convolution functions, with scipy's signatures and defaults.

``convolve``, ``correlate``, ``fftconvolve``, ``oaconvolve``, ``convolve2d``, ``correlate2d``
and ``choose_conv_method`` give scipy's results (shapes, dtypes, cropping, the swap of inputs
in ``'valid'`` mode) and raise scipy's exception types for bad arguments. The result dtypes are
scipy's: numpy's result dtype for ``convolve``, ``correlate``, ``convolve2d`` and ``correlate2d``
(integer results exact for every method, including ``'fft'``, where scipy rounds a float64
transform); for ``fftconvolve`` and ``oaconvolve`` the inputs as scipy.fft transforms them (bool
and integers as float64, float16 as float32) promoted, so a uint8 image gives float64 and int8
with complex64 gives complex128. ``convolve2d`` and ``correlate2d`` also accept bool and
float16, which scipy's do not.

Examples
--------
>>> import numpy as np
>>> from convolve import signal
>>> signal.convolve2d([[1, 2], [3, 4]], [[1, -1]])
array([[ 1,  1, -2],
       [ 3,  1, -4]])
"""

from __future__ import annotations

import operator
import timeit

import numpy as np

from . import _core
from ._dtypes import cast_back, compute_dtype, scipy_dtypes

__all__ = [
    "choose_conv_method",
    "convolve",
    "convolve2d",
    "correlate",
    "correlate2d",
    "fftconvolve",
    "oaconvolve",
]

_MODES = ("full", "valid", "same")
_BOUNDARIES = {
    "fill": "fill",
    "pad": "fill",
    "wrap": "wrap",
    "circular": "wrap",
    "symm": "symm",
    "symmetric": "symm",
}


def _check_mode(mode):
    if mode not in _MODES:
        raise ValueError(f"Acceptable mode flags are 'valid', 'same', or 'full', not mode={mode}")


def _arrays(in1, in2, rt):
    """The inputs as arrays of the dtype the crate computes results of dtype ``rt`` in.

    Converted before convolving: uint8 inputs to fftconvolve are summed in float64, not uint8.
    """
    ct = compute_dtype(rt)
    return in1.astype(ct, copy=False), in2.astype(ct, copy=False)


def _same_ndim(in1, in2, what="in1 and in2"):
    if in1.ndim != in2.ndim:
        raise ValueError(f"{what} should have the same dimensionality")


def _nd(in1, in2, mode, method, correlate):
    volume, kernel = np.asarray(in1), np.asarray(in2)
    if volume.ndim == kernel.ndim == 0:
        # scipy conjugates complex kernels only (numpy's conj turns bool into int8).
        return volume * (np.conj(kernel) if correlate and kernel.dtype.kind == "c" else kernel)
    _same_ndim(volume, kernel, "volume and kernel")
    _check_mode(mode)
    if method not in ("auto", "direct", "fft"):
        raise ValueError("Acceptable method flags are 'auto', 'direct', or 'fft'.")
    rt = scipy_dtypes(volume.dtype, kernel.dtype)[0]
    a, v = _arrays(volume, kernel, rt)
    return cast_back(_core.convolve_nd(a, v, mode, method, correlate), rt)


def convolve(in1, in2, mode="full", method="auto"):
    """Convolve two N-dimensional arrays, as ``scipy.signal.convolve``.

    Parameters
    ----------
    in1 : array_like
        First input.
    in2 : array_like
        Second input, with as many dimensions as ``in1``.
    mode : {'full', 'valid', 'same'}, optional
        ``'full'`` (default): the whole result. ``'valid'``: only the points where one input
        covers the other completely (one must be at least as large as the other in every
        dimension). ``'same'``: the size of ``in1``, centred on the full result.
    method : {'auto', 'direct', 'fft'}, optional
        ``'auto'`` (default) lets the cost model choose (overlap-add included).

    Returns
    -------
    ndarray
        Of dtype ``numpy.result_type(in1, in2)`` (scipy's, for every method); integer results
        are exact, with numpy's wrap-around.

    Raises
    ------
    ValueError
        For inputs of different dimensionality, an empty input, a bad ``mode`` or ``method``,
        or ``'valid'`` shapes where neither input contains the other.

    Examples
    --------
    >>> from convolve import signal
    >>> signal.convolve([1, 2, 3], [0, 1, 0.5], mode='same')
    array([1. , 2.5, 4. ])
    """
    return _nd(in1, in2, mode, method, False)


def correlate(in1, in2, mode="full", method="auto"):
    """Cross-correlate two N-dimensional arrays, as ``scipy.signal.correlate``.

    ``z[k] = sum_l in1[l] * conj(in2[l - k])`` over every dimension, cropped by ``mode`` as
    :func:`convolve`.

    Parameters
    ----------
    in1, in2, mode, method
        As :func:`convolve`.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from convolve import signal
    >>> signal.correlate([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    return _nd(in1, in2, mode, method, True)


def _axes(in1, in2, axes):
    """scipy's checks of ``axes``; the axes as non-negative ints."""
    ndim = in1.ndim
    if axes is None:
        return list(range(ndim))
    listed = np.atleast_1d(np.asarray(axes))
    if listed.size == 0:
        raise ValueError("when provided, axes cannot be empty")
    out = []
    for ax in listed.tolist():
        ax = operator.index(ax)
        if ax >= ndim or ax < -ndim:
            raise ValueError("axes exceeds dimensionality of input")
        out.append(ax % ndim)
    if len(set(out)) != len(out):
        raise ValueError("all axes must be unique")
    s1, s2 = in1.shape, in2.shape
    for ax in range(ndim):
        if ax not in out and not (s1[ax] == s2[ax] or s1[ax] == 1 or s2[ax] == 1):
            raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    return out


def _freq(in1, in2, mode, axes):
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if in1.ndim == in2.ndim == 0:
        return in1 * in2
    _same_ndim(in1, in2)
    if in1.size == 0 or in2.size == 0:
        return np.array([])
    listed = _axes(in1, in2, axes)
    _check_mode(mode)
    direct, rt = scipy_dtypes(in1.dtype, in2.dtype)
    if rt != direct and all(in1.shape[ax] == 1 or in2.shape[ax] == 1 for ax in listed):
        # No axis to transform (each has length 1 in an input): scipy multiplies the inputs,
        # in numpy's dtype.
        rt = direct
    a, v = _arrays(in1, in2, rt)
    return cast_back(_core.convolve_axes(a, v, mode, listed), rt)


def fftconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays along ``axes``, as ``scipy.signal.fftconvolve``.

    The method is the cost model's (an FFT method for the sizes this function is meant for).
    The inputs are converted to the result dtype first: a uint8 image is summed in float64.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions.
    mode : {'full', 'valid', 'same'}, optional
        As :func:`convolve`, per convolved axis.
    axes : int or sequence of int, optional
        The axes to convolve (all by default). Along the others the lengths must be equal
        (slice ``k`` with slice ``k``) or one of them 1 (broadcast).

    Returns
    -------
    ndarray
        Of scipy's dtype: each input as scipy.fft transforms it (bool and integers as float64,
        float16 as float32), promoted (float32 with complex64 gives complex64, int8 with
        complex64 complex128). Where no convolved axis is longer than 1 in both inputs, scipy
        multiplies them instead, and the dtype is ``numpy.result_type(in1, in2)``. An empty
        float64 array if an input is empty, as in scipy.

    Raises
    ------
    ValueError
        For inputs of different dimensionality, empty / repeated / out-of-range ``axes``,
        incompatible shapes along the other axes, a bad ``mode``, or ``'valid'`` shapes where
        neither input contains the other along the convolved axes.

    Examples
    --------
    >>> import numpy as np
    >>> from convolve import signal
    >>> signal.fftconvolve(np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 1]]), axes=1)
    array([[ 1.,  3.,  5.,  3.],
           [ 4.,  9., 11.,  6.]])
    """
    return _freq(in1, in2, mode, axes)


def oaconvolve(in1, in2, mode="full", axes=None):
    """Convolve two N-dimensional arrays along ``axes``, as ``scipy.signal.oaconvolve``.

    Same results as :func:`fftconvolve` (the method, overlap-add for a long signal and a short
    kernel, is the cost model's).

    Parameters
    ----------
    in1, in2, mode, axes
        As :func:`fftconvolve`.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from convolve import signal
    >>> signal.oaconvolve([1.0, 2.0, 3.0], [1.0, -1.0])
    array([ 1.,  1.,  1., -3.])
    """
    return _freq(in1, in2, mode, axes)


def _two_d(in1, in2, mode, boundary, fillvalue, correlate):
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if not in1.ndim == in2.ndim == 2:
        raise ValueError("convolve2d inputs must both be 2-D arrays")
    if mode not in _MODES:
        raise ValueError("Acceptable mode flags are 'valid', 'same', or 'full'.")
    if boundary not in _BOUNDARIES:
        raise ValueError(
            "Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), and "
            "'symmetric' (or 'symm')."
        )
    fill = np.asarray(fillvalue)
    if fill.size != 1:
        raise ValueError("`fillvalue` must be scalar or an array with one element.")
    rt = scipy_dtypes(in1.dtype, in2.dtype)[0]
    a, v = _arrays(in1, in2, rt)
    if np.iscomplexobj(fill) and a.dtype.kind != "c":
        raise ValueError(
            "could not cast `fillvalue` directly to the output type (it was first "
            "converted to complex)."
        )
    fill = fill.reshape(1).astype(a.dtype)
    if a.size == 0 or v.size == 0:
        return _empty_2d(a.shape, v.shape, mode, rt)
    return cast_back(_core.convolve2d(a, v, mode, _BOUNDARIES[boundary], fill, correlate), rt)


def _empty_2d(s1, s2, mode, rt):
    """scipy's result for an empty input: the mode's shape, no elements."""
    if mode == "same":
        shape = s1
    elif mode == "full":
        shape = tuple(max(p + q - 1, 0) for p, q in zip(s1, s2))
    else:
        if not (all(p >= q for p, q in zip(s1, s2)) or all(q >= p for p, q in zip(s1, s2))):
            raise ValueError(
                "For 'valid' mode, one must be at least as large as the other in every dimension"
            )
        shape = tuple(abs(p - q) + 1 for p, q in zip(s1, s2))
    return np.zeros(shape, dtype=rt)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Convolve two 2-D arrays, as ``scipy.signal.convolve2d``.

    Parameters
    ----------
    in1, in2 : array_like
        Two-dimensional inputs.
    mode : {'full', 'valid', 'same'}, optional
        As :func:`convolve`.
    boundary : {'fill', 'wrap', 'symm'}, optional
        How ``in1`` is extended beyond its edges: ``'fill'`` (default) with ``fillvalue``,
        ``'wrap'`` (or ``'circular'``) periodically, ``'symm'`` (or ``'symmetric'``) mirrored
        with the edge sample repeated.
    fillvalue : scalar, optional
        The value outside ``in1`` for ``boundary='fill'`` (0 by default).

    Returns
    -------
    ndarray
        Of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    ValueError
        For inputs that are not 2-D, a bad ``mode`` or ``boundary``, a ``fillvalue`` of more
        than one element or a complex one for real inputs.

    Examples
    --------
    >>> from convolve import signal
    >>> signal.convolve2d([[1, 2, 3]], [[1, 1, 1]], 'same', boundary='wrap')
    array([[6, 6, 6]])
    """
    return _two_d(in1, in2, mode, boundary, fillvalue, False)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Cross-correlate two 2-D arrays, as ``scipy.signal.correlate2d``.

    Parameters
    ----------
    in1, in2, mode, boundary, fillvalue
        As :func:`convolve2d`.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from convolve import signal
    >>> signal.correlate2d([[1, 2, 3]], [[1, 0, -1]], 'same')
    array([[-2, -2,  2]])
    """
    return _two_d(in1, in2, mode, boundary, fillvalue, True)


def choose_conv_method(in1, in2, mode="full", measure=False):
    """The faster of ``'direct'`` and ``'fft'`` for :func:`convolve` / :func:`correlate`.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs that would be passed to :func:`convolve`.
    mode : {'full', 'valid', 'same'}, optional
    measure : bool, optional
        If True, time both methods on these inputs and return the faster with the times.

    Returns
    -------
    method : str
        ``'direct'`` or ``'fft'`` (an overlap-add choice of the cost model is reported as
        ``'fft'``, the transform family scipy's name stands for).
    times : dict, optional
        With ``measure=True``: the median time of each method in seconds.

    Notes
    -----
    For 1-D inputs the answer is the crate's cost model (what ``method='auto'`` runs). For N-D
    inputs without ``measure`` it is the same model applied to the flattened sizes, an
    estimate: the N-D selector inside the crate also weighs separable kernels and per-axis
    transform lengths.

    Examples
    --------
    >>> from convolve import signal
    >>> signal.choose_conv_method([1, 2, 3], [1, 1])
    'direct'
    """
    volume, kernel = np.asarray(in1), np.asarray(in2)
    _check_mode(mode)
    if measure:
        times = {}
        for method in ("fft", "direct"):
            runs = timeit.repeat(
                lambda method=method: convolve(volume, kernel, mode, method), number=1, repeat=5
            )
            times[method] = float(np.median(runs))
        return min(times, key=times.get), times
    if volume.size == 0 or kernel.size == 0:
        return "direct"
    rt = scipy_dtypes(volume.dtype, kernel.dtype)[0]
    name = _core.choose_method(
        max(volume.size, 1), max(kernel.size, 1), mode, compute_dtype(rt).name
    )
    return "direct" if name == "direct" else "fft"
