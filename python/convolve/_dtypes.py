"""Which element type the Rust crate computes a numpy dtype in, and the cast back.

The crate computes in float32, float64, complex64, complex128, int32 and int64. Every other
numeric dtype is computed in one of those and cast back to numpy's result dtype, which gives
numpy's values exactly: integer arithmetic is modular, so the low bits of a wider exact sum are
the narrow type's wrapped sum; bool is "any product nonzero"; float16 is computed in float32
and rounded once, as numpy's own float16 dot product does.

scipy.signal's result dtypes (``scipy_dtypes``) are numpy's for its direct sums and, for
``fftconvolve`` / ``oaconvolve``, the promoted dtypes scipy.fft transforms the inputs in.
"""

from __future__ import annotations

import numpy as np

from . import _core

NATIVE = frozenset(np.dtype(name) for name in _core.NATIVE_DTYPES)

_WIDER = {
    np.dtype(np.bool_): np.dtype(np.int64),
    np.dtype(np.int8): np.dtype(np.int32),
    np.dtype(np.int16): np.dtype(np.int32),
    np.dtype(np.uint8): np.dtype(np.int32),
    np.dtype(np.uint16): np.dtype(np.int32),
    np.dtype(np.uint32): np.dtype(np.int64),
    np.dtype(np.uint64): np.dtype(np.int64),
    np.dtype(np.float16): np.dtype(np.float32),
}


def result_dtype(*dtypes: np.dtype) -> np.dtype:
    """numpy's result dtype of the inputs, in native byte order; TypeError if unsupported."""
    for dt in dtypes:
        if dt.kind not in "biufc":
            raise TypeError(f"convolve does not support arrays of dtype {dt}")
    rt = np.result_type(*dtypes)
    if rt.byteorder not in "=|":
        rt = rt.newbyteorder("=")
    if rt not in NATIVE and rt not in _WIDER:
        raise TypeError(f"convolve does not support arrays of dtype {rt}")
    return rt


_FLOAT64 = np.dtype(np.float64)
_FLOAT32 = np.dtype(np.float32)
_SCIPY: dict = {}


def _transformed(dt: np.dtype) -> np.dtype:
    """The dtype scipy.fft transforms an input of dtype ``dt`` in."""
    if dt.kind in "biu":
        return _FLOAT64
    return _FLOAT32 if dt.char == "e" else dt


def scipy_dtypes(d1: np.dtype, d2: np.dtype) -> tuple:
    """scipy.signal's result dtypes for inputs of dtypes ``d1``, ``d2``; TypeError if unsupported.

    ``(direct, transformed)``: numpy's result dtype, which ``convolve``, ``correlate``,
    ``convolve2d`` and ``correlate2d`` return, and the dtype ``fftconvolve`` and ``oaconvolve``
    return: each input as scipy.fft transforms it (bool and integers as float64, float16 as
    float32), promoted, so that ``uint8`` gives ``float64`` and ``int8`` with ``complex64``
    gives ``complex128``. Memoized: a dict lookup instead of ``numpy.result_type`` per call.
    """
    key = (d1, d2)
    pair = _SCIPY.get(key)
    if pair is None:
        direct = result_dtype(d1, d2)
        pair = _SCIPY[key] = (direct, result_dtype(_transformed(d1), _transformed(d2)))
    return pair


def compute_dtype(rt: np.dtype) -> np.dtype:
    """The crate's element type that computes results of dtype ``rt``."""
    return rt if rt in NATIVE else _WIDER[rt]


def cast_back(out: np.ndarray, rt: np.dtype) -> np.ndarray:
    """The computed ``out`` in the result dtype ``rt``, with numpy's wrap-around for integers."""
    if out.dtype == rt:
        return out
    if rt.kind == "b":
        return out != 0
    return out.astype(rt)
