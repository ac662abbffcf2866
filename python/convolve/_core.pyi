# The compiled module: the Python layer hands it arrays of one of NATIVE_DTYPES.
from typing import Any

import numpy as np

NATIVE_DTYPES: list[str]

def convolve1d(a: Any, v: Any, mode: Any, method: str, correlate: bool) -> np.ndarray | None: ...
def choose_method(n: int, m: int, mode: str, dtype: str) -> str: ...
def convolve_nd(
    a: np.ndarray, v: np.ndarray, mode: str, method: str, correlate: bool
) -> np.ndarray: ...
def convolve_axes(a: np.ndarray, v: np.ndarray, mode: str, axes: list[int]) -> np.ndarray: ...
def convolve2d(
    a: np.ndarray, v: np.ndarray, mode: str, boundary: str, fill: np.ndarray, correlate: bool
) -> np.ndarray: ...

class Convolver:
    def __init__(
        self,
        kernel: np.ndarray,
        n: int,
        mode: str,
        method: str,
        dtype: str,
        correlate: bool = False,
    ) -> None: ...
    method: str
    signal_len: int
    output_len: int
    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...

class StreamConvolver:
    def __init__(self, kernel: np.ndarray, block: int, dtype: str) -> None: ...
    latency: int
    tail_len: int
    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...
    def flush(self) -> np.ndarray: ...
    def reset(self) -> None: ...
    def set_kernel(self, kernel: np.ndarray) -> None: ...
