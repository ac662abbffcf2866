"""Drop-ins for scipy.ndimage's linear filters, with scipy's signatures and defaults.

``convolve``, ``correlate``, ``convolve1d``, ``correlate1d``, ``gaussian_filter``,
``gaussian_filter1d`` and ``uniform_filter`` give scipy.ndimage's results: output shaped like
the input and, by default, of its dtype; every boundary ``mode`` (``reflect``, ``constant`` with
``cval``, ``nearest``, ``mirror``, ``wrap``, ``grid-mirror``, ``grid-constant``, ``grid-wrap``);
``origin``; ``axes``. The boundary extension and the convolution are the crate's
(``nd::correlate_ndimage``), so a large kernel takes the FFT or overlap-add path that the cost
model picks instead of scipy's direct sum.

As in scipy, sums are taken in float64 (complex128 for complex data) and stored into the output
dtype with C's cast: an integer output truncates toward zero. Integer data with integer weights
is summed exactly in int64, which for scipy's range of exact doubles is the same value. With
fractional weights, the FFT's rounding (about 1e-16 of the data's scale) differs from scipy's
direct sum, so an integer output can differ by one where the exact result is an integer or
within rounding of one. ``uniform_filter`` sums integers exactly and divides once; float data
it filters with weights ``1 / size`` (scipy keeps a running sum in double; the two differ by a
few ulps of the data).

The 1-D filters (``correlate1d``, ``convolve1d``, ``gaussian_filter1d``) and the passes of the
separable ones (``gaussian_filter``, ``uniform_filter``, one pass per axis, each stored in the
output dtype as scipy stores it) go through ``nd::correlate1d_ndimage``: each line is extended
by the mode into a scratch buffer and summed by the vectorized direct kernel (across the rows
when the axis is not the last), without a padded or float64 copy of the array. float32 (and
complex64) data is read as it is and summed in double, each output rounded once to float32:
scipy's own arithmetic (its line buffers are double), so the results agree to the rounding of
the sums' order, not to float32 sums' larger error.

For float32 and float64 data stored in its own dtype, ``gaussian_filter`` and ``uniform_filter``
hand all their passes to ``nd::correlate_separable_ndimage`` in one call: the passes along the
last two axes run fused (the column pass a few rows at a time into a cache-resident strip, each
strip row rounded to the data's dtype as scipy stores the intermediate, padded by the mode and
filtered along the row), without the intermediate array.

Examples
--------
>>> import numpy as np
>>> from convolve import ndimage
>>> ndimage.correlate1d([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 0.0], mode="wrap")
array([4., 1., 2., 3.])
"""

from __future__ import annotations

import functools
import numbers
import operator

import numpy as np

from . import _core

__all__ = [
    "convolve",
    "convolve1d",
    "correlate",
    "correlate1d",
    "gaussian_filter",
    "gaussian_filter1d",
    "uniform_filter",
]

_MODES = frozenset(
    ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
     "grid-wrap"]
)


def _check_mode(mode):
    if not isinstance(mode, str) or mode not in _MODES:
        raise RuntimeError("boundary mode not supported")
    return mode


def _sequence(value, n):
    """``value`` repeated ``n`` times, or the sequence itself if it has ``n`` items (scipy's
    ``_normalize_sequence``)."""
    if isinstance(value, str) or not hasattr(value, "__len__"):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise RuntimeError("sequence argument must have length equal to input rank")
    return value


def _axes(axes, ndim):
    """The axes as non-negative, distinct ints; all of them for ``None`` (scipy's rules)."""
    if axes is None:
        return list(range(ndim))
    if isinstance(axes, numbers.Integral):
        axes = (axes,)
    out = []
    for ax in axes:
        ax = operator.index(ax)
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % ndim)
    if len(set(out)) != len(out):
        raise ValueError("axes must be unique")
    return out


def _output(output, input, complex_output):
    """The array the result goes to: scipy's ``_get_output``."""
    if output is None:
        dt = input.dtype
        if complex_output:
            dt = np.promote_types(dt, np.complex64)
        return np.zeros(input.shape, dtype=dt)
    if isinstance(output, np.ndarray):
        if output.shape != input.shape:
            raise RuntimeError("output shape not correct")
        if complex_output and output.dtype.kind != "c":
            raise RuntimeError("output must have complex dtype")
        return output
    dt = np.dtype(output)
    if complex_output and dt.kind != "c":
        raise RuntimeError("output must have complex dtype")
    return np.zeros(input.shape, dtype=dt)


def _store(output, result):
    """``result`` into ``output`` with C's cast: truncation toward zero for integers."""
    if output.dtype.kind in "biu" and result.dtype.kind == "f":
        result = np.trunc(result)
    if output.dtype.kind != "c" and result.dtype.kind == "c":
        result = result.real
    np.copyto(output, result, casting="unsafe")


def _filter(input, weights, mode, cval, origins, axes, convolution):
    """The correlation (convolution) of ``input`` with ``weights`` over ``axes``, computed by
    the crate in float64 / complex128, or int64 for integer data and weights."""
    ndim = input.ndim
    work = _work_dtype(input, weights, cval)
    # scipy's expansion: the weights' dimensions go to the listed axes in increasing order,
    # the origins to the axes as listed (all axes listed: both positional).
    w, origin = weights, [int(o) for o in origins]
    if len(axes) < ndim:
        w = np.expand_dims(weights, tuple(ax for ax in range(ndim) if ax not in axes))
        origin = [0] * ndim
        for o, ax in zip(origins, axes):
            origin[ax] = int(o)
    w = np.ascontiguousarray(w, dtype=work)
    a = np.ascontiguousarray(input, dtype=work)
    c = np.array([cval], dtype=work)
    return _core.correlate_ndimage(a, w, mode, c, origin, convolution)


def _correlate_or_convolve(input, weights, output, mode, cval, origin, axes, convolution):
    input = np.asarray(input)
    weights = np.asarray(weights)
    if input.dtype.kind not in "biufc" or weights.dtype.kind not in "biufc":
        raise TypeError("convolve.ndimage supports boolean and numeric arrays only")
    complex_output = input.dtype.kind == "c" or weights.dtype.kind == "c"
    axes = _axes(axes, input.ndim)
    if weights.ndim != len(axes) or 0 in weights.shape:
        raise RuntimeError("filter weights array has incorrect shape.")
    origins = [operator.index(o) for o in _sequence(origin, len(axes))]
    mode = _check_mode(mode)
    output = _output(output, input, complex_output)
    if input.size == 0:
        return output
    _store(output, _filter(input, weights, mode, cval, origins, axes, convolution))
    return output


def correlate(input, weights, output=None, mode="reflect", cval=0.0, origin=0, *, axes=None):
    """Multidimensional correlation, as ``scipy.ndimage.correlate``.

    ``output[i] = sum_j conj(weights[j]) * input[i + j - (weights.shape // 2 + origin)]``, the
    input extended beyond its edges by ``mode`` (``cval`` for ``constant``). With ``axes``,
    ``weights`` has one dimension per listed axis and the others are not filtered.

    >>> import numpy as np
    >>> from convolve import ndimage
    >>> ndimage.correlate(np.arange(4.0), [1.0, 1.0, 1.0], mode="constant")
    array([1., 3., 6., 5.])
    """
    return _correlate_or_convolve(input, weights, output, mode, cval, origin, axes, False)


def convolve(input, weights, output=None, mode="reflect", cval=0.0, origin=0, *, axes=None):
    """Multidimensional convolution, as ``scipy.ndimage.convolve``: ``correlate`` with the
    weights reversed and the origin mirrored (one further on even axes).

    >>> import numpy as np
    >>> from convolve import ndimage
    >>> ndimage.convolve(np.array([1, 2, 4, 8]), np.array([1, -1]))
    array([1, 2, 4, 0])
    """
    return _correlate_or_convolve(input, weights, output, mode, cval, origin, axes, True)


def _weights_1d(weights):
    weights = np.asarray(weights)
    if weights.ndim != 1 or weights.shape[0] < 1:
        raise RuntimeError("no filter weights given")
    if weights.dtype.kind not in "biufc":
        raise TypeError("convolve.ndimage supports boolean and numeric arrays only")
    return weights


def _work_dtype(input, weights, cval):
    """The dtype the sums run in: scipy's double (complex128 for complex data), or int64 for
    integer data and weights with an integral cval (the same values, exactly)."""
    if input.dtype.kind == "c" or weights.dtype.kind == "c":
        return np.dtype(np.complex128)
    if (input.dtype.kind in "biu" and weights.dtype.kind in "biu"
            and float(cval).is_integer()):
        return np.dtype(np.int64)
    return np.dtype(np.float64)


# Input dtypes the crate reads as they are while summing in the work dtype: float32 and
# complex64 are widened line by line and each output rounded once, as scipy does.
_READS = {np.dtype(np.float64): np.dtype(np.float64),
          np.dtype(np.float32): np.dtype(np.float64),
          np.dtype(np.complex128): np.dtype(np.complex128),
          np.dtype(np.complex64): np.dtype(np.complex128)}


def _pass1d(input, weights, axis, mode, cval, origin, convolution, out_dtype):
    """One 1-D pass along ``axis`` (``nd::correlate1d_ndimage``). Returns the sums in the
    input's dtype when that is the output's and the crate can read it directly; otherwise
    in the work dtype, for ``_store`` to cast."""
    work = _work_dtype(input, weights, cval)
    # (`in` first: a dtype compares equal to None, which numpy reads as float64.)
    if input.dtype in _READS and _READS[input.dtype] == work and out_dtype == input.dtype:
        a = input
    else:
        a = input.astype(work, copy=False)
    w = np.ascontiguousarray(weights, dtype=work)
    c = np.array([cval], dtype=work)
    return _core.correlate1d_ndimage(a, w, axis, mode, c, int(origin), convolution)


def _filter1d(input, weights, axis, output, mode, cval, origin, convolution):
    input = np.asarray(input)
    weights = _weights_1d(weights)
    if input.dtype.kind not in "biufc":
        raise TypeError("convolve.ndimage supports boolean and numeric arrays only")
    complex_output = input.dtype.kind == "c" or weights.dtype.kind == "c"
    (axis,) = _axes(axis, input.ndim)
    origin = operator.index(origin)
    mode = _check_mode(mode)
    out = _output(output, input, complex_output)
    if input.size == 0:
        return out
    result = _pass1d(input, weights, axis, mode, cval, origin, convolution, out.dtype)
    if output is None and result.dtype == out.dtype:
        return result
    _store(out, result)
    return out


def correlate1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    """Correlation along one axis, as ``scipy.ndimage.correlate1d``.

    >>> from convolve import ndimage
    >>> ndimage.correlate1d([[1, 2, 3]], [1, 1], mode="nearest")
    array([[2, 3, 5]])
    """
    return _filter1d(input, weights, axis, output, mode, cval, origin, False)


def convolve1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    """Convolution along one axis, as ``scipy.ndimage.convolve1d``.

    >>> from convolve import ndimage
    >>> ndimage.convolve1d([[1, 2, 3]], [1, 1], mode="nearest")
    array([[3, 5, 6]])
    """
    return _filter1d(input, weights, axis, output, mode, cval, origin, True)


def _gaussian_kernel1d(sigma, order, radius):
    """scipy's ``_gaussian_kernel1d``: the normalized Gaussian on ``-radius ..= radius`` or its
    ``order``-th derivative."""
    if order < 0:
        raise ValueError("order must be non-negative")
    exponent_range = np.arange(order + 1)
    sigma2 = sigma * sigma
    x = np.arange(-radius, radius + 1)
    phi_x = np.exp(-0.5 / sigma2 * x**2)
    phi_x = phi_x / phi_x.sum()
    if order == 0:
        return phi_x
    # f(x) = q(x) * phi(x) = q(x) * exp(p(x)); f'(x) = (q'(x) + q(x) * p'(x)) * phi(x).
    q = np.zeros(order + 1)
    q[0] = 1
    d = np.diag(exponent_range[1:], 1)
    p = np.diag(np.ones(order) / -sigma2, -1)
    q_deriv = d + p
    for _ in range(order):
        q = q_deriv.dot(q)
    q = (x[:, None] ** exponent_range).dot(q)
    return q * phi_x


def _gaussian_weights(sigma, order, truncate, radius):
    sd = float(sigma)
    lw = int(truncate * sd + 0.5)
    if radius is not None:
        lw = radius
    if not isinstance(lw, numbers.Integral) or lw < 0:
        raise ValueError("Radius must be a nonnegative integer.")
    if type(sigma) in (float, int) and type(order) is int and type(lw) is int:
        return _cached_weights(sigma, order, lw)
    return _gaussian_kernel1d(sigma, order, lw)[::-1]


@functools.lru_cache(maxsize=64, typed=True)
def _cached_weights(sigma, order, radius):
    """The reversed kernel of ``_gaussian_kernel1d``, read-only, for Python number arguments
    (typed keys: each entry computed from an argument of that type). Computing it took 4 µs
    per axis, a quarter of a ``gaussian_filter`` call on a small image."""
    w = _gaussian_kernel1d(sigma, order, radius)[::-1]
    w.setflags(write=False)
    return w


def gaussian_filter1d(input, sigma, axis=-1, order=0, output=None, mode="reflect", cval=0.0,
                      truncate=4.0, *, radius=None):
    """1-D Gaussian filter (or a derivative of ``order`` 1, 2, …), as
    ``scipy.ndimage.gaussian_filter1d``: radius ``int(truncate * sigma + 0.5)`` unless given.

    >>> import numpy as np
    >>> from convolve import ndimage
    >>> ndimage.gaussian_filter1d(np.array([0.0, 0.0, 1.0, 0.0, 0.0]), 1.0, radius=1).round(3)
    array([0.   , 0.274, 0.452, 0.274, 0.   ])
    """
    weights = _gaussian_weights(sigma, order, truncate, radius)
    return correlate1d(input, weights, axis, output, mode, cval, 0)


def _separable(input, output, passes, cval):
    """Runs ``passes`` (axis, weights, mode, origin, divisor) one after the other, each
    stored into the output dtype as scipy stores it; copies the input when there are none.
    float32/float64 data stored in its own dtype takes ``_fused`` (all passes in one call);
    otherwise, without ``output``, a pass whose sums come back in the output dtype is kept."""
    input = np.asarray(input)
    first = passes[0][1] if passes else np.zeros(1)
    complex_output = input.dtype.kind == "c" or first.dtype.kind == "c"
    if output is None and passes and input.size and not complex_output:
        # The fused passes return the result in the input's dtype, scipy's default output:
        # no output array is allocated (and cleared) for nothing.
        fused = _fused(input, input.dtype, passes, cval)
        if fused is not None:
            return fused
    out = _output(output, input, complex_output)
    if not passes or input.size == 0:
        np.copyto(out, input, casting="unsafe")
        return out
    fused = _fused(input, out.dtype, passes, cval)
    if fused is not None:
        _store(out, fused)
        return out
    current = input
    for axis, weights, mode, origin, divisor in passes:
        if divisor != 1 and _work_dtype(current, weights, cval).kind != "i":
            # Float sums: the mean's weights, one pass (scipy's running sum divides in
            # double too); integer sums stay exact and are divided once below.
            weights, divisor = np.full(len(weights), 1.0 / divisor), 1
        result = _pass1d(current, weights, axis, mode, cval, origin, False, out.dtype)
        if divisor != 1:
            result = result / divisor
        if output is None and result.dtype == out.dtype:
            current = out = result
        else:
            _store(out, result)
            current = out
    return out


def _fused(input, out_dtype, passes, cval):
    """All ``passes`` in one call of ``nd::correlate_separable_ndimage`` (the last two axes
    fused, docs/ND.md), for float32 / float64 data stored in its own dtype and real weights;
    ``None`` for what it does not take (the passes then run one by one)."""
    if (input.dtype not in (np.dtype(np.float32), np.dtype(np.float64))
            or out_dtype != input.dtype or isinstance(cval, complex)):
        return None
    weights = []
    for axis, w, mode, origin, divisor in passes:
        if w.dtype.kind not in "biuf":
            return None
        w = np.full(len(w), 1.0 / divisor) if divisor != 1 else w
        weights.append(np.ascontiguousarray(w, dtype=np.float64))
    return _core.correlate_separable_ndimage(
        input, weights, [p[0] for p in passes], [p[2] for p in passes],
        np.array([cval], dtype=np.float64), [int(p[3]) for p in passes])


def gaussian_filter(input, sigma, order=0, output=None, mode="reflect", cval=0.0, truncate=4.0,
                    *, radius=None, axes=None):
    """Multidimensional Gaussian filter, as ``scipy.ndimage.gaussian_filter``: one
    ``gaussian_filter1d`` pass per axis whose sigma exceeds 1e-15; ``sigma``, ``order``,
    ``mode`` and ``radius`` may be given per axis.

    >>> import numpy as np
    >>> from convolve import ndimage
    >>> ndimage.gaussian_filter(np.eye(3), 1.0, mode="constant").round(3)
    array([[0.221, 0.206, 0.102],
           [0.206, 0.276, 0.206],
           [0.102, 0.206, 0.221]])
    """
    input = np.asarray(input)
    axes = _axes(axes, input.ndim)
    n = len(axes)
    orders, sigmas = _sequence(order, n), _sequence(sigma, n)
    modes, radii = _sequence(mode, n), _sequence(radius, n)
    passes = []
    for ax, s, o, m, r in zip(axes, sigmas, orders, modes, radii):
        if s > 1e-15:
            passes.append((ax, _gaussian_weights(s, o, truncate, r), _check_mode(m), 0, 1))
    return _separable(input, output, passes, cval)


def uniform_filter(input, size=3, output=None, mode="reflect", cval=0.0, origin=0, *,
                   axes=None):
    """Multidimensional uniform (box) filter, as ``scipy.ndimage.uniform_filter``: the mean
    over ``size`` samples per axis, one 1-D pass per axis of size above 1; ``size``, ``mode``
    and ``origin`` may be given per axis.

    >>> from convolve import ndimage
    >>> ndimage.uniform_filter([3.0, 6.0, 9.0, 3.0], size=3, mode="constant")
    array([3., 6., 6., 4.])
    """
    input = np.asarray(input)
    axes = _axes(axes, input.ndim)
    n = len(axes)
    sizes, modes, origins = _sequence(size, n), _sequence(mode, n), _sequence(origin, n)
    passes = []
    for ax, s, m, o in zip(axes, sizes, modes, origins):
        s, o = operator.index(s), operator.index(o)
        if s < 1:
            raise RuntimeError("incorrect filter size")
        if s // 2 + o < 0 or s // 2 + o >= s:
            raise ValueError("invalid origin")
        if s > 1:
            # The sum, then one division: exact integer sums (in int64) divided once give
            # scipy's truncated means, where weights of 1 / size would round below k.
            passes.append((ax, np.ones(s, dtype=np.int64), _check_mode(m), o, s))
    return _separable(input, output, passes, cval)
