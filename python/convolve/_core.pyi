# The compiled module: the Python layer hands it arrays of one of NATIVE_DTYPES.
import os
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

def correlate_ndimage(
    input: np.ndarray,
    weights: np.ndarray,
    mode: str,
    cval: np.ndarray,
    origin: list[int],
    convolve: bool,
) -> np.ndarray: ...
def correlate1d_ndimage(
    input: np.ndarray,
    weights: np.ndarray,
    axis: int,
    mode: str,
    cval: np.ndarray,
    origin: int,
    convolve: bool,
) -> np.ndarray: ...

class Convolver:
    def __init__(
        self,
        kernel: np.ndarray,
        n: int,
        mode: str,
        method: str,
        dtype: str,
    ) -> None: ...
    method: str
    signal_len: int
    output_len: int
    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...

class StreamConvolver:
    def __init__(
        self,
        kernel: np.ndarray,
        block: int,
        dtype: str,
        capacity: int | None = None,
        worker_threads: int = 0,
    ) -> None: ...
    latency: int
    tail_len: int
    kernel_len: int
    capacity: int
    position: int
    def copy(self) -> StreamConvolver: ...
    def state(self) -> bytes: ...
    def set_state(self, state: bytes) -> None: ...
    def process(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray: ...
    def flush(self) -> np.ndarray: ...
    def reset(self) -> None: ...
    def set_kernel(self, kernel: np.ndarray) -> None: ...

class StreamMatrix:
    def __init__(
        self,
        kernels: np.ndarray,
        inputs: int,
        outputs: int,
        block: int,
        dtype: str,
        capacity: int | None = None,
        worker_threads: int = 0,
    ) -> None: ...
    inputs: int
    outputs: int
    latency: int
    tail_len: int
    kernel_len: int
    capacity: int
    position: int
    def copy(self) -> StreamMatrix: ...
    def state(self) -> bytes: ...
    def set_state(self, state: bytes) -> None: ...
    def process(self, x: np.ndarray, out: np.ndarray) -> None: ...
    def flush(self, out: np.ndarray) -> None: ...
    def reset(self) -> None: ...
    def set_kernels(self, kernels: np.ndarray) -> None: ...

def tune(quick: bool, path: str | os.PathLike[str] | None, save: bool) -> tuple[str, str | None]: ...
def profile_status() -> tuple[str, str]: ...
