"""scipy.ndimage's linear filters on chunked Dask arrays, with every boundary mode.

``convolve.dask.ndimage`` (this module) has ``convolve``, ``correlate``, ``convolve1d``,
``correlate1d``, ``gaussian_filter``, ``gaussian_filter1d`` and ``uniform_filter`` with the
signatures of :mod:`convolve.ndimage` (scipy.ndimage's, without ``output``), and those of
``dask_image.ndfilters`` as a subset: a lazy ``dask.array.Array`` with scipy.ndimage's values,
shape and dtype, the chunks of the input.

The halo is filled by the mode, not by zeros. Each axis is first extended by the filter's
reach on both sides exactly as scipy extends it (``reflect`` repeats the edge sample,
``mirror`` does not, ``nearest``, ``wrap``, ``constant`` with ``cval``, repeated as far as the
reach goes, even past a short axis): the extension is a ``take`` of at most ``reach`` samples
from the array (``np.pad``'s ``symmetric``, ``reflect``, ``edge`` and ``wrap``; a ``full`` for
``constant``). Then :func:`dask.array.map_overlap` (``boundary='none'``) gives every block the
``reach`` neighbouring samples on each axis, rechunking axes whose chunks are shorter, and
the in-memory filter of :mod:`convolve.ndimage` runs on the window; the samples outside the
array are cropped at the end. Every kept output has its whole support inside its window, so
each is computed as the in-memory call on the whole array computes it.

Dask's own ``boundary`` options cover only some of scipy's modes (its ``reflect`` is scipy's
``reflect``, its ``periodic`` scipy's ``wrap``; scipy's ``mirror`` has no counterpart) and
need chunks at least as long as the halo on the edges; the extension here has neither limit.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import dask.array as da
import numpy as np

from . import ndimage as _nd

__all__ = list(_nd.__all__)


def _source(i: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Where extended indices ``i`` (possibly outside ``0 .. n``) read from under ``mode``
    (not ``constant``): scipy.ndimage's extension rules."""
    if mode == "nearest":
        return np.clip(i, 0, n - 1)
    if mode in ("wrap", "grid-wrap"):
        return np.mod(i, n)
    if mode in ("reflect", "grid-mirror"):
        k = np.mod(i, 2 * n)
        return np.where(k < n, k, 2 * n - 1 - k)
    # mirror: period 2n - 2, the edge samples not repeated.
    if n == 1:
        return np.zeros_like(i)
    p = 2 * n - 2
    k = np.mod(i, p)
    return np.where(k < n, k, p - k)


def _extend(x: da.Array, axis: int, reach: int, mode: str, cval: Any) -> da.Array:
    """``x`` extended by ``reach`` samples at both ends of ``axis`` by ``mode``."""
    if reach == 0:
        return x
    n = x.shape[axis]
    if mode in ("constant", "grid-constant"):
        shape = list(x.shape)
        shape[axis] = reach
        chunks = list(x.chunks)
        chunks[axis] = (reach,)
        pad = da.full(shape, cval, dtype=x.dtype, chunks=tuple(chunks))
        left = right = pad
    else:
        left = da.take(x, _source(np.arange(-reach, 0), n, mode), axis=axis)
        right = da.take(x, _source(np.arange(n, n + reach), n, mode), axis=axis)
    return da.concatenate([left, x, right], axis=axis)


def _modes(mode: Any, n: int) -> list:
    return [_nd._check_mode(m) for m in _nd._sequence(mode, n)]


def _reach(m: int, centre: int) -> int:
    """How far a kernel of length ``m`` centred at ``centre`` reaches on its longer side."""
    return max(centre, m - 1 - centre)


def _filtered(x: da.Array, reach: list, modes: list, cval: Any, block) -> da.Array:
    """``block`` (an in-memory filter) over ``x``, each axis extended by ``reach`` samples by
    its mode, the windows overlapping by ``reach``, the extension cropped."""
    if x.dtype.kind not in "biufc":
        raise TypeError("convolve.ndimage supports boolean and numeric arrays only")
    # One call on a single sample now: scipy's errors (origins, sizes, modes) are raised
    # here rather than at compute time, and it gives the output dtype.
    dtype = block(np.zeros((1,) * x.ndim, dtype=x.dtype)).dtype
    meta = np.empty((0,) * x.ndim, dtype=dtype)
    if x.size == 0:
        return x.map_blocks(block, dtype=dtype, meta=meta)
    ext = x
    for axis, (r, mode) in enumerate(zip(reach, modes)):
        ext = _extend(ext, axis, r, mode, cval)
    depth = {axis: r for axis, r in enumerate(reach)}
    out = ext.map_overlap(block, depth=depth, boundary="none", dtype=dtype, meta=meta)
    out = out[tuple(slice(r, r + n) for r, n in zip(reach, x.shape))]
    # Chunks shorter than the reach were merged for the overlap: back to the input's.
    return out if out.chunks == x.chunks else out.rechunk(x.chunks)


def _per_axis(ndim: int, axes: list, reaches: list, mode: Any) -> tuple[list, list]:
    """The reach and mode of every axis: the listed ``axes`` get ``reaches`` and ``mode``
    (one, or one per listed axis), the others reach 0."""
    reach, modes = [0] * ndim, ["reflect"] * ndim
    for ax, r, m in zip(axes, reaches, _modes(mode, len(axes))):
        reach[ax], modes[ax] = r, m
    return reach, modes


def _as_dask(x: Any) -> da.Array:
    return x if isinstance(x, da.Array) else da.asarray(x)


def _centre(m: int, origin: int, convolution: bool) -> int:
    """scipy's centre of a kernel of length ``m`` (after ``convolve``'s mirroring); the range
    check is the in-memory call's."""
    if convolution:
        origin = -origin - (1 - m % 2)
    return min(max(m // 2 + origin, 0), m - 1)


def _correlate_or_convolve(x, weights, mode, cval, origin, convolution):
    x = _as_dask(x)
    weights = np.asarray(weights)
    if weights.ndim != x.ndim or 0 in weights.shape:
        raise RuntimeError("filter weights array has incorrect shape.")
    origins = [operator.index(o) for o in _nd._sequence(origin, x.ndim)]
    reach = [_reach(m, _centre(m, o, convolution)) for m, o in zip(weights.shape, origins)]
    modes = _modes(mode, 1) * x.ndim
    f = _nd.convolve if convolution else _nd.correlate

    def block(a):
        return f(a, weights, mode="constant", cval=cval, origin=origins)

    return _filtered(x, reach, modes, cval, block)


def correlate(image: Any, weights: Any, mode: str = "reflect", cval: float = 0.0,
              origin: Any = 0) -> da.Array:
    """``scipy.ndimage.correlate`` of a chunked array (``dask_image.ndfilters.correlate``).

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.arange(6.0), chunks=2)
    >>> ndimage.correlate(x, [1.0, 0.0, 0.0], mode="wrap").compute()
    array([5., 0., 1., 2., 3., 4.])
    """
    return _correlate_or_convolve(image, weights, mode, cval, origin, False)


def convolve(image: Any, weights: Any, mode: str = "reflect", cval: float = 0.0,
             origin: Any = 0) -> da.Array:
    """``scipy.ndimage.convolve`` of a chunked array (``dask_image.ndfilters.convolve``).

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.array([1.0, 2.0, 4.0, 8.0]), chunks=1)
    >>> ndimage.convolve(x, [1.0, -1.0], mode="mirror").compute()
    array([ 1.,  2.,  4., -4.])
    """
    return _correlate_or_convolve(image, weights, mode, cval, origin, True)


def _filter1d(x, weights, axis, mode, cval, origin, convolution):
    x = _as_dask(x)
    weights = _nd._weights_1d(weights)
    (axis,) = _nd._axes(axis, x.ndim)
    origin = operator.index(origin)
    reach = [0] * x.ndim
    reach[axis] = _reach(len(weights), _centre(len(weights), origin, convolution))
    f = _nd.convolve1d if convolution else _nd.correlate1d

    def block(a):
        return f(a, weights, axis=axis, mode="constant", cval=cval, origin=origin)

    return _filtered(x, reach, _modes(mode, 1) * x.ndim, cval, block)


def correlate1d(input: Any, weights: Any, axis: int = -1, mode: str = "reflect",
                cval: float = 0.0, origin: int = 0) -> da.Array:
    """``scipy.ndimage.correlate1d`` of a chunked array.

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.arange(5.0), chunks=2)
    >>> ndimage.correlate1d(x, [1.0, 1.0, 1.0], mode="nearest").compute()
    array([ 1.,  3.,  6.,  9., 11.])
    """
    return _filter1d(input, weights, axis, mode, cval, origin, False)


def convolve1d(input: Any, weights: Any, axis: int = -1, mode: str = "reflect",
               cval: float = 0.0, origin: int = 0) -> da.Array:
    """``scipy.ndimage.convolve1d`` of a chunked array.

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.array([1.0, 2.0, 4.0]), chunks=1)
    >>> ndimage.convolve1d(x, [1.0, -1.0], mode="constant").compute()
    array([ 1.,  2., -4.])
    """
    return _filter1d(input, weights, axis, mode, cval, origin, True)


def _gaussian_radius(sigma, truncate, radius) -> int:
    if float(sigma) <= 1e-15:
        return 0
    r = int(truncate * float(sigma) + 0.5) if radius is None else radius
    if not isinstance(r, numbers.Integral) or r < 0:
        raise ValueError("Radius must be a nonnegative integer.")
    return int(r)


def gaussian_filter1d(input: Any, sigma: float, axis: int = -1, order: int = 0,
                      mode: str = "reflect", cval: float = 0.0, truncate: float = 4.0, *,
                      radius: int | None = None) -> da.Array:
    """``scipy.ndimage.gaussian_filter1d`` of a chunked array.

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.array([0.0, 0.0, 1.0, 0.0, 0.0]), chunks=2)
    >>> ndimage.gaussian_filter1d(x, 1.0, radius=1).compute().round(3)
    array([0.   , 0.274, 0.452, 0.274, 0.   ])
    """
    x = _as_dask(input)
    (axis,) = _nd._axes(axis, x.ndim)
    reach = [0] * x.ndim
    reach[axis] = int(truncate * float(sigma) + 0.5) if radius is None else radius

    def block(a):
        return _nd.gaussian_filter1d(a, sigma, axis=axis, order=order, mode="constant",
                                     cval=cval, truncate=truncate, radius=radius)

    return _filtered(x, reach, _modes(mode, 1) * x.ndim, cval, block)


def gaussian_filter(image: Any, sigma: Any, order: Any = 0, mode: Any = "reflect",
                    cval: float = 0.0, truncate: float = 4.0, *, radius: Any = None,
                    axes: Any = None) -> da.Array:
    """``scipy.ndimage.gaussian_filter`` of a chunked array
    (``dask_image.ndfilters.gaussian_filter``); ``sigma``, ``order``, ``mode`` and ``radius``
    may be given per axis.

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.eye(3), chunks=1)
    >>> ndimage.gaussian_filter(x, 1.0, mode="constant").compute().round(3)
    array([[0.221, 0.206, 0.102],
           [0.206, 0.276, 0.206],
           [0.102, 0.206, 0.221]])
    """
    x = _as_dask(image)
    axes = _nd._axes(axes, x.ndim)
    n = len(axes)
    reaches = [_gaussian_radius(s, truncate, r)
               for s, r in zip(_nd._sequence(sigma, n), _nd._sequence(radius, n))]
    reach, modes = _per_axis(x.ndim, axes, reaches, mode)

    def block(a):
        return _nd.gaussian_filter(a, sigma, order=order, mode="constant", cval=cval,
                                   truncate=truncate, radius=radius, axes=axes)

    return _filtered(x, reach, modes, cval, block)


def uniform_filter(image: Any, size: Any = 3, mode: Any = "reflect", cval: float = 0.0,
                   origin: Any = 0, *, axes: Any = None) -> da.Array:
    """``scipy.ndimage.uniform_filter`` of a chunked array
    (``dask_image.ndfilters.uniform_filter``); ``size``, ``mode`` and ``origin`` may be given
    per axis.

    >>> import dask.array as da, numpy as np
    >>> from convolve.dask import ndimage
    >>> x = da.from_array(np.array([3.0, 6.0, 9.0, 3.0]), chunks=1)
    >>> ndimage.uniform_filter(x, size=3, mode="constant").compute()
    array([3., 6., 6., 4.])
    """
    x = _as_dask(image)
    axes = _nd._axes(axes, x.ndim)
    n = len(axes)
    reaches = [_reach(s, _centre(s, o, False)) if s >= 1 else 0
               for s, o in zip(map(operator.index, _nd._sequence(size, n)),
                               map(operator.index, _nd._sequence(origin, n)))]
    reach, modes = _per_axis(x.ndim, axes, reaches, mode)

    def block(a):
        return _nd.uniform_filter(a, size=size, mode="constant", cval=cval, origin=origin,
                                  axes=axes)

    return _filtered(x, reach, modes, cval, block)
