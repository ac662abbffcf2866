from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

from numpy.typing import ArrayLike, DTypeLike, NDArray

_Mode: TypeAlias = Literal[
    "reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant", "grid-wrap"
]
_Output: TypeAlias = NDArray[Any] | DTypeLike | None
_Axes: TypeAlias = int | Sequence[int] | None

def correlate(
    input: ArrayLike,
    weights: ArrayLike,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: complex = 0.0,
    origin: int | Sequence[int] = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]: ...
def convolve(
    input: ArrayLike,
    weights: ArrayLike,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: complex = 0.0,
    origin: int | Sequence[int] = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]: ...
def correlate1d(
    input: ArrayLike,
    weights: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: complex = 0.0,
    origin: int = 0,
) -> NDArray[Any]: ...
def convolve1d(
    input: ArrayLike,
    weights: ArrayLike,
    axis: int = -1,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: complex = 0.0,
    origin: int = 0,
) -> NDArray[Any]: ...
def gaussian_filter1d(
    input: ArrayLike,
    sigma: float,
    axis: int = -1,
    order: int = 0,
    output: _Output = None,
    mode: _Mode = "reflect",
    cval: complex = 0.0,
    truncate: float = 4.0,
    *,
    radius: int | None = None,
) -> NDArray[Any]: ...
def gaussian_filter(
    input: ArrayLike,
    sigma: float | Sequence[float],
    order: int | Sequence[int] = 0,
    output: _Output = None,
    mode: _Mode | Sequence[_Mode] = "reflect",
    cval: complex = 0.0,
    truncate: float = 4.0,
    *,
    radius: int | Sequence[int | None] | None = None,
    axes: _Axes = None,
) -> NDArray[Any]: ...
def uniform_filter(
    input: ArrayLike,
    size: int | Sequence[int] = 3,
    output: _Output = None,
    mode: _Mode | Sequence[_Mode] = "reflect",
    cval: complex = 0.0,
    origin: int | Sequence[int] = 0,
    *,
    axes: _Axes = None,
) -> NDArray[Any]: ...
