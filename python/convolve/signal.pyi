from collections.abc import Sequence
from typing import Any, Literal, TypeAlias, overload

from numpy.typing import ArrayLike, NDArray

_Mode: TypeAlias = Literal["full", "same", "valid"]
_Method: TypeAlias = Literal["auto", "direct", "fft"]
_Boundary: TypeAlias = Literal["fill", "pad", "wrap", "circular", "symm", "symmetric"]

def convolve(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", method: _Method = "auto"
) -> NDArray[Any]: ...
def correlate(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", method: _Method = "auto"
) -> NDArray[Any]: ...
def fftconvolve(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", axes: int | Sequence[int] | None = None
) -> NDArray[Any]: ...
def oaconvolve(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", axes: int | Sequence[int] | None = None
) -> NDArray[Any]: ...
def convolve2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: _Mode = "full",
    boundary: _Boundary = "fill",
    fillvalue: Any = 0,
) -> NDArray[Any]: ...
def correlate2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: _Mode = "full",
    boundary: _Boundary = "fill",
    fillvalue: Any = 0,
) -> NDArray[Any]: ...
@overload
def choose_conv_method(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", measure: Literal[False] = False
) -> Literal["direct", "fft"]: ...
@overload
def choose_conv_method(
    in1: ArrayLike, in2: ArrayLike, mode: _Mode = "full", *, measure: Literal[True]
) -> tuple[Literal["direct", "fft"], dict[str, float]]: ...
