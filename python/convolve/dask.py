"""Convolution and correlation of chunked Dask arrays.

``convolve.dask.convolve(x, v, mode)`` and ``convolve.dask.correlate(x, v, mode)`` take a
``dask.array.Array`` ``x`` and an in-memory kernel ``v`` and return a lazy ``dask.array.Array``
with the values :func:`convolve.convolve` / :func:`convolve.correlate` (1-D, numpy semantics) or
:func:`convolve.signal.convolve` / :func:`convolve.signal.correlate` (N-D, scipy semantics) give.

How it works (details and the memory bound in ``docs/DASK.md``):

* Every mode is the *valid* convolution of ``x`` zero-extended at its two ends. Each output
  block needs its input block plus ``m - 1`` neighbouring samples per axis (``m`` the kernel's
  length on that axis), split into a left and a right halo taken from the neighbouring blocks
  with Dask's own slicing (1-D) or :func:`dask.array.overlap.overlap` (N-D), so the graph is an
  ordinary Dask graph that any scheduler can run, spill and retry. The zeros beyond the
  array's ends are never materialised in 1-D and added inside the end tasks in N-D.
* 1-D tasks never copy their chunk into a window: by linearity the block is a slice of the
  chunk's full convolution plus the halos' short full convolutions added at its two ends.
* Output chunks follow the input's: interior chunks keep their length and the first and last
  chunk absorb the change of length of the mode (``full`` adds ``m - 1``, ``valid`` removes it).
  Along an axis whose chunks are shorter than the halo (``m - 1``), neighbouring chunks are
  merged first (a rechunk), keeping the input's boundaries that remain.
* The kernel is one key of the graph, not a constant inside every task, so a distributed
  scheduler ships it to each worker once.
* A 1-D chunk is convolved with a :class:`convolve.Convolver` planned for the chunk's length,
  kept in a small per-thread cache, so equal chunks reuse the plan (kernel spectrum and FFT
  plans) on a worker.

``convolve.dask.ndimage`` has scipy.ndimage's filters (``gaussian_filter``, ``correlate``, …)
with every boundary mode filling the halo (``convolve/dask_ndimage.py``).

Dask is an optional dependency (``pip install ./python[dask]``); ``import convolve`` never
imports this module.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from operator import getitem
from typing import Any, NamedTuple

import dask
import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.utils import apply

import convolve as _pkg
from convolve import dask_ndimage as ndimage

# ``import convolve.dask.ndimage`` and ``from convolve.dask.ndimage import gaussian_filter``
# find it here, as ``os.path`` is found: this module is not a package.
sys.modules[__name__ + ".ndimage"] = ndimage
from convolve import signal as _signal

__all__ = ["cache_info", "clear_cache", "convolve", "correlate", "ndimage"]

# Plans (Convolver objects) kept per worker thread, keyed by kernel and chunk length. An
# overlap-add plan holds O(kernel) memory, but an FFT plan (kernel within ~10x of the chunk)
# holds the kernel's spectrum at the chunk's transform length, so the cache stays small.
_CACHE_SIZE = 4


def convolve(x: Any, v: Any, mode: str = "full") -> da.Array:
    """Convolve a chunked Dask array with an in-memory kernel.

    Parameters
    ----------
    x : dask.array.Array
        The signal (1-D) or image/volume (N-D). Anything else is wrapped with
        :func:`dask.array.asarray` (one chunk).
    v : array_like
        The kernel, held in memory (a Dask array is computed first). Its number of
        dimensions must equal ``x.ndim`` when ``x`` is N-D.
    mode : {'full', 'same', 'valid'}, optional
        As :func:`numpy.convolve` for 1-D ``x`` and :func:`scipy.signal.convolve` for N-D.

    Returns
    -------
    dask.array.Array
        Lazy result with numpy's/scipy's shape and dtype. Its chunks follow ``x``'s: interior
        chunks keep their length, the first and last absorb the mode's change of length.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import convolve.dask
    >>> x = da.arange(10.0, chunks=4)
    >>> y = convolve.dask.convolve(x, [1.0, 1.0], mode="full")
    >>> y.chunks
    ((4, 4, 3),)
    >>> bool(np.allclose(y.compute(), np.convolve(np.arange(10.0), [1.0, 1.0])))
    True
    """
    return _build("convolve", x, v, mode)


def correlate(x: Any, v: Any, mode: str = "valid") -> da.Array:
    """Cross-correlate a chunked Dask array with an in-memory kernel.

    As :func:`convolve`, with :func:`numpy.correlate` semantics for 1-D ``x`` (default mode
    ``'valid'``, ``v`` conjugated) and :func:`scipy.signal.correlate` for N-D ``x``.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> import convolve.dask
    >>> x = da.from_array(np.array([1.0, 2.0, 3.0, 4.0]), chunks=2)
    >>> convolve.dask.correlate(x, [1.0, 0.5]).compute()
    array([2. , 3.5, 5. ])
    """
    return _build("correlate", x, v, mode)


def cache_info() -> dict:
    """Plan-cache counters of this process, summed over its threads.

    Returns ``{'hits': int, 'misses': int}``: a miss builds a :class:`convolve.Convolver`,
    a hit reuses one. Useful to check that a worker reuses plans across chunks.
    """
    with _STATS_LOCK:
        return dict(_STATS)


def clear_cache() -> None:
    """Forget the calling thread's plans and reset this process's counters."""
    _LOCAL.__dict__.pop("plans", None)
    with _STATS_LOCK:
        _STATS.update(hits=0, misses=0)


# ---------------------------------------------------------------------------------------------
# Graph construction


class _AxisPlan(NamedTuple):
    """How one axis is split: input chunks (after any merge), halos, ends, output chunks."""

    chunks: tuple[int, ...]
    left: int  # samples taken from the previous chunk
    right: int  # samples taken from the next chunk
    pad_first: int  # zeros before the first chunk (added inside its task)
    pad_last: int  # zeros after the last chunk
    out_chunks: tuple[int, ...]


def _merge_small(chunks: tuple[int, ...], minimum: int) -> tuple[int, ...]:
    """Merge neighbouring chunks until each holds at least ``minimum`` samples."""
    merged: list[int] = []
    acc = 0
    for c in chunks:
        acc += c
        if acc >= minimum:
            merged.append(acc)
            acc = 0
    if acc:
        if merged:
            merged[-1] += acc
        else:
            merged.append(acc)
    return tuple(merged)


def _plan_axis(chunks: tuple[int, ...], n: int, m: int, offset: int, length: int) -> _AxisPlan:
    """Split one axis of the valid convolution of the zero-extended input.

    Output sample ``k`` is full-convolution sample ``k + offset`` and reads input samples
    ``k + offset - (m - 1) ..= k + offset``. Output block ``i`` starts where input block ``i``
    starts, shifted by ``offset - delta`` for a ``delta`` in ``0..m`` chosen so that the first
    and last output blocks are not empty; block ``i`` then reads ``m - 1 - delta`` samples of
    its left neighbour and ``delta`` of its right one.
    """
    h = m - 1
    chunks = _merge_small(chunks, max(h, 1))
    grow = length - n  # change of length along this axis: m - 1 (full) .. -(m - 1) (valid)
    while len(chunks) > 1:
        lo = max(0, offset + 1 - chunks[0])
        hi = min(h, chunks[-1] + grow + offset - 1)
        if lo <= hi:
            delta = min(max(offset, lo), hi)
            out = (chunks[0] + delta - offset, *chunks[1:-1], chunks[-1] + grow + offset - delta)
            return _AxisPlan(chunks, h - delta, delta, h - offset, length + offset - n, out)
        # Both end chunks too short for 'valid': fold the last into its neighbour.
        chunks = (*chunks[:-2], chunks[-2] + chunks[-1])
    return _AxisPlan(chunks, 0, 0, h - offset, length + offset - n, (length,))


def _as_kernel(v: Any) -> np.ndarray:
    if isinstance(v, da.Array):
        v = v.compute()
    return np.asarray(v)


def _numpy_mode(mode: Any) -> str:
    """numpy's reading of ``mode``: the three names, or the integers 0, 1, 2; numpy's errors."""
    if isinstance(mode, str):
        if mode in ("full", "same", "valid"):
            return mode
        raise ValueError("Use one of 'valid', 'same', or 'full' for convolve/correlate mode")
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, (bool, np.bool_)):
        if 0 <= mode <= 2:
            return ("valid", "same", "full")[int(mode)]
        raise ValueError("integer convolve/correlate mode must be 0, 1, or 2")
    raise TypeError("convolve/correlate mode not understood")


def _build(op: str, x: Any, v: Any, mode: Any) -> da.Array:
    if not isinstance(x, da.Array):
        x = da.asarray(x)
    v = _as_kernel(v)
    if x.ndim <= 1:
        return _build_1d(op, x, v, mode)
    return _build_nd(op, x, v, mode)


def _build_1d(op: str, x: da.Array, v: np.ndarray, mode: Any) -> da.Array:
    one_shot = getattr(_pkg, op)
    mode = _numpy_mode(mode)
    if x.ndim == 0 or x.shape[0] == 0:
        # At most one sample: the package answers (or raises) exactly as for numpy arrays.
        return da.from_array(one_shot(x.compute(), v, mode))
    # A one-sample probe checks v and the dtypes exactly as the package does and gives the
    # result dtype numpy would.
    dtype = one_shot(np.zeros(1, x.dtype), v, mode).dtype
    v = v.reshape(-1)  # numpy reads a 0-d kernel as one tap
    n, m = x.shape[0], v.shape[0]
    if m > n:
        # numpy swaps the operands: the signal is shorter than the in-memory kernel, so it is
        # computed in one task.
        length = {"full": n + m - 1, "same": m, "valid": m - n + 1}[mode]
        return _whole(one_shot, x, v, mode, (length,), dtype)
    return _blocked_1d(op, x, v, _offset_length(mode, n, m), dtype)


def _build_nd(op: str, x: da.Array, v: np.ndarray, mode: Any) -> da.Array:
    one_shot = getattr(_signal, op)
    # The probe checks dimensions, mode and dtypes as scipy does and gives the result dtype.
    probe = one_shot(np.zeros((1,) * x.ndim, x.dtype), v, mode)
    dtype = probe.dtype
    if x.size == 0 or v.size == 0:
        # scipy answers an empty input with an empty array; there is nothing to chunk.
        return da.from_array(one_shot(np.zeros(x.shape, x.dtype), v, mode))
    if mode == "valid":
        x_ge = all(n >= m for n, m in zip(x.shape, v.shape))
        v_ge = all(m >= n for n, m in zip(x.shape, v.shape))
        if not (x_ge or v_ge):
            raise ValueError(
                "For 'valid' mode, one must be at least as large as the other in every dimension"
            )
        if not x_ge:
            # scipy swaps the operands: x is smaller than the in-memory kernel.
            shape = tuple(m - n + 1 for n, m in zip(x.shape, v.shape))
            return _whole(one_shot, x, v, mode, shape, dtype)
    axes = [_offset_length(mode, n, m) for n, m in zip(x.shape, v.shape)]
    return _blocked(op, x, v, axes, dtype)


def _offset_length(mode: str, n: int, m: int) -> tuple[int, int]:
    """Where the mode's output starts in the full convolution, and its length (scipy's, and
    numpy's for n >= m)."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (m - 1) // 2, n
    return m - 1, n - m + 1


def _whole(
    one_shot: Callable, x: da.Array, v: np.ndarray, mode: str, shape: tuple, dtype: np.dtype
) -> da.Array:
    """The result as one task: only for an ``x`` smaller than the in-memory kernel."""
    x1 = x.rechunk(x.shape)
    kernel = dask.delayed(v, pure=True)
    name = f"convolve-whole-{tokenize(x1.name, one_shot.__name__, mode, tokenize(v))}"
    return x1.map_blocks(
        _whole_block,
        one_shot=one_shot,
        kernel=kernel,
        mode=mode,
        chunks=tuple((s,) for s in shape),
        dtype=dtype,
        meta=np.empty((0,) * len(shape), dtype),
        name=name,
    )


def _kernel(op: str, v: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, str]:
    """The kernel the blocks convolve with, in the result dtype, and its token."""
    if op == "correlate":
        # numpy/scipy: correlate(x, v) is convolve(x, conj(v) reversed on every axis).
        v = np.flip(np.conj(v) if np.iscomplexobj(v) else v)
    # numpy and scipy convert both operands to the result dtype; so do the blocks.
    w = np.ascontiguousarray(v, dtype=dtype)
    return w, tokenize(w)


def _blocked_1d(
    op: str, x: da.Array, v: np.ndarray, axis: tuple[int, int], dtype: np.dtype
) -> da.Array:
    """1-D: each chunk's full convolution, plus the halos' own (short) full convolutions.

    The valid convolution of ``[left halo | chunk | right halo]`` is, by linearity, a slice of
    the chunk's full convolution plus the halos' contributions at its two ends. So the chunk
    is convolved where it lies, never copied into a window (``dask.array.overlap`` would
    concatenate one, a copy of the whole array). The halos are slices of the neighbouring
    blocks, as ``dask.array.overlap`` takes them; the zeros beyond the array's ends contribute
    nothing.
    """
    w, token = _kernel(op, v, dtype)
    (off, length), n, m = axis, x.shape[0], w.shape[0]
    plan = _plan_axis(x.chunks[0], n, m, off, length)
    if plan.chunks != x.chunks[0]:
        x = x.rechunk((plan.chunks,))
    nb = len(plan.chunks)
    kernel = dask.delayed(w, pure=True, name=f"convolve-kernel-{token}")
    name = f"convolve-{op}-{tokenize(x.name, token, plan)}"
    tails, heads = f"{name}-tail", f"{name}-head"
    ends = (nb, plan.left, plan.right, plan.pad_first, plan.pad_last)
    # Three tasks per chunk, the getitem slices dask.array.overlap also builds but without its
    # concatenation: the tail of chunk i - 1 and the head of chunk i + 1 (each runs where its
    # chunk lives, so only the halo travels), and the block task, which takes them with
    # chunk i. Written as a plain graph: dask.array's collections would add an alias task
    # per halo (69 keys instead of 39 for ten chunks).
    empty = np.empty(0, x.dtype)
    graph: dict = {}
    for i in range(nb):
        args: list = [(x.name, i)]
        if plan.left:
            if i > 0:
                graph[(tails, i)] = (
                    getitem,
                    (x.name, i - 1),
                    slice(plan.chunks[i - 1] - plan.left, None),
                )
            args.append((tails, i) if i > 0 else empty)
        if plan.right:
            if i < nb - 1:
                graph[(heads, i)] = (getitem, (x.name, i + 1), slice(0, plan.right))
            args.append((heads, i) if i < nb - 1 else empty)
        kwargs = (
            dict,
            [["kernel", kernel.key], ["plan_key", token], ["ends", ends], ["block_id", (i,)]],
        )
        graph[(name, i)] = (apply, _block_1d, args, kwargs)
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[x, kernel])
    return da.Array(
        layers, name, chunks=(plan.out_chunks,), dtype=dtype, meta=np.empty((0,), dtype)
    )


def _blocked(op: str, x: da.Array, v: np.ndarray, axes: list, dtype: np.dtype) -> da.Array:
    """N-D: the valid convolution of the zero-extended ``x`` with the (flipped) ``v``, one
    window (chunk + halos, from ``dask.array.overlap``) per task."""
    w, token = _kernel(op, v, dtype)
    plans = [
        _plan_axis(c, n, m, off, length)
        for c, n, m, (off, length) in zip(x.chunks, x.shape, w.shape, axes)
    ]
    merged = tuple(p.chunks for p in plans)
    if merged != x.chunks:
        x = x.rechunk(merged)
    depth = {ax: (p.left, p.right) for ax, p in enumerate(plans) if p.left or p.right}
    if depth:
        x = da.overlap.overlap(x, depth=depth, boundary="none", allow_rechunk=False)
    ends = tuple((len(p.chunks), p.pad_first, p.pad_last) for p in plans)
    kernel = dask.delayed(w, pure=True, name=f"convolve-kernel-{token}")
    return x.map_blocks(
        _block_nd,
        kernel=kernel,
        plan_key=token,
        ends=ends,
        dtype=dtype,
        chunks=tuple(p.out_chunks for p in plans),
        meta=np.empty((0,) * x.ndim, dtype),
        name=f"convolve-{op}-{tokenize(x.name, token, ends, [p.out_chunks for p in plans])}",
    )


# ---------------------------------------------------------------------------------------------
# Tasks (run on the workers)

_LOCAL = threading.local()
_STATS = {"hits": 0, "misses": 0}
_STATS_LOCK = threading.Lock()


def _count(field: str) -> None:
    with _STATS_LOCK:
        _STATS[field] += 1


def _plan_for(
    kernel: np.ndarray, token: str, shape: tuple[int, ...], mode: str = "valid"
) -> Callable:
    """A convolver of ``kernel`` for blocks of ``shape`` in ``mode``, cached per thread.

    Per thread rather than per process: a plan owns scratch buffers, and tasks running at the
    same time on one worker should not queue behind one plan.
    """
    plans = _LOCAL.__dict__.setdefault("plans", OrderedDict())
    key = (token, shape, mode)
    plan = plans.get(key)
    if plan is not None:
        plans.move_to_end(key)
        _count("hits")
        return plan
    _count("misses")
    if len(shape) == 1:
        plan = _pkg.Convolver(kernel, shape[0], mode)
    else:
        plan = _NdPlan(kernel, mode)
    plans[key] = plan
    while len(plans) > _CACHE_SIZE:
        plans.popitem(last=False)
    return plan


class _NdPlan:
    """N-D blocks: the package has no reusable N-D plan, so each block is one scipy-style call."""

    def __init__(self, kernel: np.ndarray, mode: str) -> None:
        self.kernel = kernel
        self.mode = mode

    def __call__(self, window: np.ndarray) -> np.ndarray:
        return _signal.convolve(window, self.kernel, self.mode)


def _block_nd(
    window: np.ndarray,
    *,
    kernel: np.ndarray,
    plan_key: str,
    ends: tuple,
    block_id: tuple[int, ...] | None = None,
) -> np.ndarray:
    """One output block: zero-extend the first/last block, convolve 'valid'."""
    assert block_id is not None  # map_blocks always passes it
    pads = [
        (pad_first if i == 0 else 0, pad_last if i == nb - 1 else 0)
        for i, (nb, pad_first, pad_last) in zip(block_id, ends)
    ]
    if any(a or b for a, b in pads):
        window = np.pad(window.astype(kernel.dtype, copy=False), pads)
    else:
        window = np.ascontiguousarray(window, dtype=kernel.dtype)
    return _plan_for(kernel, plan_key, window.shape)(window)


def _block_1d(
    chunk: np.ndarray,
    *halos: np.ndarray,
    kernel: np.ndarray,
    plan_key: str,
    ends: tuple[int, int, int, int, int],
    block_id: tuple[int] = (0,),
) -> np.ndarray:
    """One 1-D output block: a slice of the chunk's full convolution, halos added at its ends.

    With ``a`` samples before the chunk (left halo, or the zeros before the array) and ``b``
    after it, the block is the valid convolution of the ``a + c + b`` window: full-convolution
    samples ``h - a ..`` of the chunk (``h = m - 1``), plus the left halo's full convolution
    (from its sample ``h``) on its first ``a`` samples and the right halo's on its last ``b``.
    """
    nb, left, right, pad_first, pad_last = ends
    i = block_id[0]
    halos_it = iter(halos)
    left_halo = next(halos_it) if left else None
    right_halo = next(halos_it) if right else None
    a = pad_first if i == 0 else left
    b = pad_last if i == nb - 1 else right
    h = kernel.shape[0] - 1
    c = chunk.shape[0]
    chunk = chunk.astype(kernel.dtype, copy=False)
    full = _plan_for(kernel, plan_key, (c,), "full")(chunk)
    out = full[h - a : h - a + a + c + b - h]
    if i > 0 and a > 0:
        head = _pkg.convolve(left_halo.astype(kernel.dtype, copy=False), kernel)
        out[:a] += head[h : h + a]
    if i < nb - 1 and b > 0:
        tail = _pkg.convolve(right_halo.astype(kernel.dtype, copy=False), kernel)
        out[a + c - h :] += tail[:b]
    return out


def _whole_block(
    block: np.ndarray, *, one_shot: Callable, kernel: np.ndarray, mode: str
) -> np.ndarray:
    return one_shot(block, kernel, mode)
