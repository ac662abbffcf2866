"""The record format and seeded samples shared by scripts/golden_nd.py and
scripts/golden_ndimage.py (read by tests/common/golden.rs)."""
import numpy as np


def fmt_values(x, dtype):
    """Row-major values: floats with repr (round-trip exact), complex as `re:im`."""
    x = np.asarray(x).ravel()
    if dtype.startswith("complex"):
        return " ".join(f"{float(z.real)!r}:{float(z.imag)!r}" for z in x)
    if dtype.startswith("int"):
        return " ".join(str(int(z)) for z in x)
    return " ".join(repr(float(z)) for z in x)


def fmt_shape(s):
    """Comma-separated lengths, `-` for a 0-d array."""
    return ",".join(str(d) for d in s) if len(s) else "-"


def sampler(rng):
    """`sample(shape, dtype)` drawing from `rng`: integers in -9..9 (so that sums in float64
    stay exact), floats and complex components uniform in [-1, 1)."""
    def sample(shape, dtype):
        if dtype.startswith("int"):
            return rng.integers(-9, 10, size=shape).astype(dtype)
        if dtype.startswith("complex"):
            return (rng.uniform(-1, 1, size=shape)
                    + 1j * rng.uniform(-1, 1, size=shape)).astype(dtype)
        return rng.uniform(-1, 1, size=shape).astype(dtype)
    return sample
