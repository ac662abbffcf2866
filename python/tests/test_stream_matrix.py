"""A StreamConvolver built from an (inputs, outputs, M) kernel: each output is the sum over
inputs of numpy's full convolutions with the pair's kernel, streamed in random blocks, for
every native dtype (integers exact); copies and pickles continue bit for bit; bad shapes
and promoting dtypes are errors."""

import copy
import pickle

import numpy as np
import pytest

import convolve


def oracle(xs, kernels):
    """Output o = sum over i of numpy.convolve(xs[i], kernels[i, o]), full length."""
    inputs, outputs, m = kernels.shape
    n = xs.shape[1]
    out = np.zeros((outputs, n + m - 1), dtype=np.result_type(xs, kernels))
    for o in range(outputs):
        for i in range(inputs):
            out[o] += np.convolve(xs[i], kernels[i, o])
    return out


def stream(conv, xs, rng, max_block):
    parts, at = [], 0
    while at < xs.shape[1]:
        n = int(rng.integers(1, max_block + 1))
        parts.append(conv.process(xs[:, at : at + n]))
        at += n
    parts.append(conv.flush())
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (2, 2), (3, 2), (4, 4)])
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
def test_matches_numpy_sums(shape, dtype):
    rng = np.random.default_rng(sum(shape) * 31 + len(dtype))
    inputs, outputs = shape
    m, n = 700, 3000
    kernels = rng.standard_normal((inputs, outputs, m))
    xs = rng.standard_normal((inputs, n))
    if dtype.startswith("complex"):
        kernels = kernels + 1j * rng.standard_normal(kernels.shape)
        xs = xs + 1j * rng.standard_normal(xs.shape)
    kernels, xs = kernels.astype(dtype), xs.astype(dtype)
    conv = convolve.StreamConvolver(kernels, 64)
    assert (conv.inputs, conv.outputs) == shape
    got = stream(conv, xs, rng, 200)
    want = oracle(xs.astype(np.complex128), kernels.astype(np.complex128))
    eps = np.finfo(dtype).eps
    tol = 4 * eps * np.log2(n + m) * np.linalg.norm(xs) * np.linalg.norm(kernels)
    assert got.shape == want.shape and got.dtype == np.dtype(dtype)
    assert np.max(np.abs(got - want)) <= tol


@pytest.mark.parametrize("dtype", ["int32", "int64", "int16", "uint8"])
def test_integers_are_exact(dtype):
    rng = np.random.default_rng(5)
    info = np.iinfo(dtype)
    kernels = rng.integers(info.min, info.max, (2, 3, 400), dtype=dtype, endpoint=True)
    xs = rng.integers(info.min, info.max, (2, 2000), dtype=dtype, endpoint=True)
    conv = convolve.StreamConvolver(kernels, 32)
    got = stream(conv, xs, rng, 100)
    want = oracle(xs, kernels)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_workers_copies_and_pickles_continue_exactly():
    rng = np.random.default_rng(7)
    kernels = rng.standard_normal((2, 2, 20_000)).astype(np.float32)
    xs = rng.standard_normal((2, 6000)).astype(np.float32)
    one = convolve.StreamConvolver(kernels, 128)
    many = convolve.StreamConvolver(kernels, 128, worker_threads=1)
    a, b = one.process(xs[:, :2500]), many.process(xs[:, :2500])
    assert a.tobytes() == b.tobytes()
    twins = [copy.copy(one), copy.deepcopy(many), pickle.loads(pickle.dumps(one))]
    rest = one.process(xs[:, 2500:])
    for t in twins:
        assert (t.inputs, t.outputs, t.worker_threads) in [(2, 2, 0), (2, 2, 1)]
        assert t.process(xs[:, 2500:]).tobytes() == rest.tobytes()


def test_out_and_set_kernel():
    rng = np.random.default_rng(9)
    kernels = rng.standard_normal((2, 1, 50))
    conv = convolve.StreamConvolver(kernels, 16)
    xs = rng.standard_normal((2, 40))
    out = np.empty((1, 40))
    assert conv.process(xs, out=out) is out
    np.testing.assert_allclose(out, oracle(xs, kernels)[:, :40], atol=1e-12)
    conv.reset()
    new = rng.standard_normal((2, 1, 30))
    conv.set_kernel(new)
    assert conv.kernel_len == 30
    got = conv.process(xs)
    np.testing.assert_allclose(got, oracle(xs, new)[:, :40], atol=1e-12)


def test_bad_shapes_and_dtypes():
    conv = convolve.StreamConvolver(np.ones((2, 3, 8)), 16)
    with pytest.raises(ValueError, match="inputs=2"):
        conv.process(np.ones(8))
    with pytest.raises(ValueError, match="inputs=2"):
        conv.process(np.ones((3, 8)))
    with pytest.raises(TypeError, match="promote"):
        conv.process(np.ones((2, 8), np.complex128))
    with pytest.raises(ValueError, match="shape"):
        conv.set_kernel(np.ones((3, 2, 8)))
    with pytest.raises(ValueError):
        conv.set_kernel(np.ones((2, 3, 9)))  # beyond the capacity
    with pytest.raises(ValueError):
        convolve.StreamConvolver(np.ones((2, 3, 0)), 16)
    with pytest.raises(ValueError):
        convolve.StreamConvolver(np.ones((0, 3, 4)), 16)
    assert conv.position == 0
