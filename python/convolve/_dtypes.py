"""Which element type the Rust crate computes a numpy dtype in, and the cast back.

The crate computes in float32, float64, complex64, complex128, int32 and int64. Every other
numeric dtype is computed in one of those and cast back to numpy's result dtype, which gives
numpy's values exactly: integer arithmetic is modular, so the low bits of a wider exact sum are
the narrow type's wrapped sum; bool is "any product nonzero"; float16 is computed in float32
and rounded once, as numpy's own float16 dot product does.
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
