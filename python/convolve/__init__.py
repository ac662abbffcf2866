"""Convolution and correlation with numpy's and scipy's exact semantics, computed in Rust.

``convolve.convolve`` and ``convolve.correlate`` are drop-ins for ``numpy.convolve`` and
``numpy.correlate``; ``convolve.signal`` holds drop-ins for scipy.signal's ``convolve``,
``correlate``, ``fftconvolve``, ``oaconvolve``, ``convolve2d``, ``correlate2d`` and
``choose_conv_method``. ``Convolver`` is a plan for many signals of one length, and
``StreamConvolver`` convolves a signal block by block (audio callbacks).

The method (direct sum, FFT, overlap-add) is chosen by a cost model unless ``method`` names
one; the GIL is released during every computation, so Python threads convolve in parallel.

Examples
--------
>>> import convolve
>>> convolve.convolve([1, 2, 3], [0, 1, 0.5])
array([0. , 1. , 2.5, 4. , 1.5])
>>> convolve.correlate([1, 2, 3], [0, 1, 0.5])
array([3.5])
"""

from __future__ import annotations

import operator

import numpy as np

from . import _core
from ._dtypes import cast_back, compute_dtype, result_dtype

__all__ = [
    "Convolver",
    "StreamConvolver",
    "choose_method",
    "convolve",
    "correlate",
    "profile",
    "tune",
]
__version__ = "0.1.0"

_MODES = ("valid", "same", "full")
_convolve1d = _core.convolve1d


def _mode_name(mode) -> str:
    """numpy's mode argument as a name: a string, or 0 / 1 / 2 for valid / same / full."""
    if isinstance(mode, str):
        if mode in _MODES:
            return mode
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, bool):
        if 0 <= mode <= 2:
            return _MODES[mode]
        raise ValueError("integer convolve/correlate mode must be 0, 1, or 2")
    raise TypeError("convolve/correlate mode not understood")


def _one_d(a, v, mode, method, correlate):
    """The general path: any input numpy accepts, converted to an array of a computed dtype."""
    mode = _mode_name(mode)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, not {type(method).__name__}")
    a, v = np.asarray(a), np.asarray(v)
    if correlate and (a.ndim == 0 or v.ndim == 0):
        raise ValueError("object of too small depth for desired array")
    if a.ndim > 1 or v.ndim > 1:
        raise ValueError("object too deep for desired array")
    rt = result_dtype(a.dtype, v.dtype)
    ct = compute_dtype(rt)
    a = a.reshape(-1).astype(ct, copy=False)
    v = v.reshape(-1).astype(ct, copy=False)
    return cast_back(_convolve1d(a, v, mode, method, correlate), rt)


def convolve(a, v, mode="full", *, method="auto"):
    """Discrete, linear convolution of two one-dimensional sequences, as ``numpy.convolve``.

    Parameters
    ----------
    a : (N,) array_like
        First one-dimensional input (a scalar counts as length 1, as in numpy).
    v : (M,) array_like
        Second one-dimensional input.
    mode : {'full', 'valid', 'same'} or {2, 0, 1}, optional
        ``'full'`` (default): length ``N + M - 1``. ``'same'``: length ``max(M, N)``.
        ``'valid'``: length ``max(M, N) - min(M, N) + 1``, only complete overlaps.
    method : {'auto', 'direct', 'fft', 'overlap-add'}, optional
        How to compute: ``'auto'`` (default) lets the cost model choose.

    Returns
    -------
    out : ndarray
        The convolution, of dtype ``numpy.result_type(a, v)``. Integer and bool results are
        exact (integers wrap around as numpy's do), whatever the method.

    Raises
    ------
    ValueError
        If an input is empty or has more than one dimension, or ``mode`` or ``method`` is not
        one of the names above.
    TypeError
        If the dtype is not numeric (object, str, datetime, longdouble).

    Examples
    --------
    >>> import convolve
    >>> convolve.convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve.convolve([1, 2, 3], [0, 1, 0.5], 'same')
    array([1. , 2.5, 4. ])
    """
    out = _convolve1d(a, v, mode, method, False)
    if out is None:
        out = _one_d(a, v, mode, method, False)
    return out


def correlate(a, v, mode="valid", *, method="auto"):
    """Cross-correlation of two one-dimensional sequences, as ``numpy.correlate``.

    ``c[k] = sum_n a[n + k] * conj(v[n])``, cropped as numpy does (the default mode is
    ``'valid'``, and the result is reversed when ``a`` is shorter than ``v``).

    Parameters
    ----------
    a, v : array_like
        One-dimensional inputs (not scalars, as in numpy).
    mode : {'valid', 'same', 'full'} or {0, 1, 2}, optional
        As in :func:`convolve`; ``'valid'`` by default.
    method : {'auto', 'direct', 'fft', 'overlap-add'}, optional
        How to compute.

    Returns
    -------
    out : ndarray
        The correlation, of dtype ``numpy.result_type(a, v)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convolve`.

    Examples
    --------
    >>> import convolve
    >>> convolve.correlate([1, 2, 3], [0, 1, 0.5])
    array([3.5])
    >>> convolve.correlate([1, 2, 3], [0, 1, 0.5], 'full')
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    out = _convolve1d(a, v, mode, method, True)
    if out is None:
        out = _one_d(a, v, mode, method, True)
    return out


def _parse_profile(text, status, path=None):
    """A profile file's text as a dict: ``cpu``, ``created``, ``factors`` (name -> float),
    ``status`` (where it came from) and ``path``."""
    fields = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            fields[key.strip()] = value.strip()
    factors = {
        k: float(v) for k, v in fields.items() if k not in ("version", "cpu", "created")
    }
    return {
        "cpu": fields.get("cpu", ""),
        "created": int(fields.get("created", "0")),
        "factors": factors,
        "status": status,
        "path": path,
    }


def tune(quick=False, path=None, save=True):
    """Measure the cost model's rates on this CPU, so that ``method='auto'`` picks the fastest
    method here.

    ``auto`` chooses direct, FFT or overlap-add (and the N-D and streaming layouts) from a cost
    model whose rates were measured on the project's machines. This measures them on this CPU,
    on one thread, makes the result active in this process and saves it (a small text file)
    where every later process looks: this package, the Rust crate and the ``convolve``
    command. A profile is ignored on another CPU model; the environment variable
    ``CONVOLVE_PROFILE=none`` ignores it, ``CONVOLVE_PROFILE=path`` reads another file.

    Parameters
    ----------
    quick : bool, optional
        Measure fewer, smaller problems: a few seconds instead of under a minute.
    path : str or os.PathLike, optional
        Where to save it (default: ``convolve/profile-v1.txt`` in the user's cache directory).
    save : bool, optional
        ``False`` only activates it in this process.

    Returns
    -------
    dict
        ``cpu``, ``created`` (Unix time), ``factors`` (each family's factor on the cost
        models' base rates, fitted on an AMD Zen 3: 2.0 means twice as slow here), ``status``
        and ``path`` (where it was saved, or None).

    Examples
    --------
    >>> import convolve
    >>> p = convolve.tune(quick=True, save=False)  # doctest: +SKIP
    >>> sorted(p["factors"])[:3]  # doctest: +SKIP
    ['f32.direct', 'f32.product', 'f32.transform']
    """
    if not isinstance(quick, bool) or not isinstance(save, bool):
        raise TypeError("quick and save must be bools")
    text, written = _core.tune(quick, path, save)
    return _parse_profile(text, profile()["status"], None if written is None else str(written))


def profile():
    """The cost profile ``method='auto'`` uses now, as ``tune`` returns it (``path`` is None;
    ``status`` says where it came from, or why a profile found was not used)."""
    status, text = _core.profile_status()
    return _parse_profile(text, status)


def choose_method(n, m, mode="full", dtype="float64"):
    """The method ``method='auto'`` picks for inputs of lengths ``n`` and ``m``.

    Parameters
    ----------
    n, m : int
        The lengths of the two inputs (at least 1).
    mode : {'full', 'valid', 'same'}, optional
    dtype : dtype_like, optional
        The result dtype (``'float64'`` by default).

    Returns
    -------
    str
        ``'direct'``, ``'fft'`` or ``'overlap-add'``.

    Examples
    --------
    >>> import convolve
    >>> convolve.choose_method(100, 3)
    'direct'
    >>> convolve.choose_method(10**6, 10**6)
    'fft'
    """
    n, m = operator.index(n), operator.index(m)
    if n < 1 or m < 1:
        raise ValueError(f"lengths must be at least 1, got n={n} and m={m}")
    ct = compute_dtype(result_dtype(np.dtype(dtype)))
    return _core.choose_method(n, m, _mode_name(mode), ct.name)


def _kernel(kernel, what="kernel"):
    k = np.asarray(kernel)
    if k.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got {k.ndim} dimensions")
    rt = result_dtype(k.dtype)
    ct = compute_dtype(rt)
    return k.astype(ct, copy=False), rt, ct


def _signal(x, rt, ct, what="signal"):
    """``x`` as a 1-D array of the plan's computed dtype; TypeError if it would promote."""
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got {x.ndim} dimensions")
    _promotes(x.dtype, rt, what)
    return x.astype(ct, copy=False)


def _kernels(k):
    """An ``(inputs, outputs, M)`` kernel as the C-contiguous ``(inputs · outputs, M)`` rows the
    matrix plan takes, with its result and computed dtypes."""
    rt = result_dtype(k.dtype)
    ct = compute_dtype(rt)
    rows = np.ascontiguousarray(k, dtype=ct).reshape(k.shape[0] * k.shape[1], k.shape[2])
    return rows, rt, ct


def _promotes(dtype, rt, what):
    """TypeError when data of ``dtype`` would promote the plan's result dtype ``rt``."""
    if result_dtype(dtype, rt) != rt:
        raise TypeError(
            f"a {what} of dtype {dtype} would promote the result beyond the plan's dtype "
            f"{rt}; build the plan from a kernel of the result dtype"
        )


def _writable(out, shape, dtype):
    """Whether ``out`` is an array the plan can write in place: that shape and dtype,
    C-contiguous and writable."""
    return (
        isinstance(out, np.ndarray)
        and out.shape == shape
        and out.dtype == dtype
        and out.flags.c_contiguous
        and out.flags.writeable
    )


def _into(result, out):
    if out is None:
        return result
    if not isinstance(out, np.ndarray) or out.shape != result.shape or out.dtype != result.dtype:
        raise ValueError(f"out must be an array of shape {result.shape} and dtype {result.dtype}")
    out[...] = result
    return out


class Convolver:
    """A plan that convolves many signals of one length ``n`` with one kernel.

    The method, the kernel's spectrum and the FFT plans are computed once; each call then costs
    only the transforms of the signal. Called with ``out`` (a contiguous array of the result
    dtype and length, for the native dtypes float32/64, complex64/128, int32/64) a call
    allocates nothing on the Rust side. A plan may be shared between threads; calls on it run
    one at a time. Plans pickle (for ``multiprocessing`` and Dask's ``client.submit``) and
    copy; an unpickled plan runs the same method and gives the same results.

    Parameters
    ----------
    kernel : (M,) array_like
        The kernel; its dtype is the plan's (signals must not promote it).
    n : int
        The length of every signal.
    mode : {'full', 'valid', 'same'}, optional
        As :func:`convolve`.
    method : {'auto', 'direct', 'fft', 'overlap-add'}, optional

    Examples
    --------
    >>> import numpy as np, convolve
    >>> plan = convolve.Convolver([1.0, 1.0], 4, 'same')
    >>> plan(np.array([4.0, 4.0, 4.0, 4.0]))
    array([4., 8., 8., 8.])
    >>> out = np.empty(plan.output_len)
    >>> _ = plan(np.ones(4), out=out)
    >>> out
    array([1., 2., 2., 2.])
    """

    __slots__ = ("_ct", "_kernel", "_mode", "_plan", "_rt")

    def __init__(self, kernel, n, mode="full", *, method="auto"):
        k, self._rt, self._ct = _kernel(kernel)
        n = operator.index(n)
        if n < 1:
            raise ValueError(f"the signal length n must be at least 1, got {n}")
        self._mode = _mode_name(mode)
        self._plan = _core.Convolver(k, n, self._mode, method, self._ct.name)
        # Kept for pickling: a copy, so that later writes to the caller's array do not leak in.
        self._kernel = k.copy()

    def __reduce__(self):
        # The resolved method, so that the copy runs the same algorithm wherever it lands.
        args = (self._kernel, self.signal_len, self._mode, self.method, self._rt)
        return (_restore_convolver, args)

    @property
    def dtype(self) -> np.dtype:
        """The result dtype."""
        return self._rt

    @property
    def method(self) -> str:
        """The method the plan runs: ``'direct'``, ``'fft'`` or ``'overlap-add'``."""
        return self._plan.method

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def signal_len(self) -> int:
        """The length ``n`` every signal must have."""
        return self._plan.signal_len

    @property
    def output_len(self) -> int:
        """The length of each result."""
        return self._plan.output_len

    def __call__(self, x, out=None):
        """Convolve ``x`` (length ``n``) with the kernel, into ``out`` if given.

        Returns
        -------
        ndarray
            ``out`` when given, else a new array.
        """
        if type(x) is np.ndarray and x.ndim == 1 and x.dtype == self._ct and self._rt == self._ct:
            return self._plan(x, out)
        x = _signal(x, self._rt, self._ct)
        if self._rt == self._ct:
            return self._plan(x, out)
        return _into(cast_back(self._plan(x), self._rt), out)

    def __repr__(self):
        return (
            f"Convolver(n={self.signal_len}, mode={self._mode!r}, method={self.method!r}, "
            f"dtype={self._rt})"
        )


class StreamConvolver:
    """Convolves a signal that arrives block by block, as an audio callback needs.

    Each ``process(x)`` returns the next ``len(x)`` samples of the full convolution of all the
    input so far with the kernel (delayed by ``latency`` samples, 0 here), computed by
    partitioned FFTs that keep the cost per sample flat for any kernel length.

    Integer streams are exact, with numpy's wrap-around, as :func:`convolve` (the samples and
    the kernel are split into limbs whose transforms round exactly; about 3-7x the time of a
    float64 stream for int32 and 12-15x for int64).

    A stream pickles and copies with its history: a copy made mid-stream (``copy.copy``,
    ``copy.deepcopy`` or a pickle round trip) continues exactly, bit for bit, as the original
    would, and the two are independent afterwards.

    A kernel of shape ``(inputs, outputs, M)`` makes a matrix convolver (true-stereo reverbs,
    ambisonic decoders, crossovers): blocks are then 2-D, ``(inputs, n)`` in and
    ``(outputs, n)`` out, and output ``o`` is the sum over inputs ``i`` of input ``i``
    convolved with ``kernel[i, o]``. Each input is transformed once for all outputs and each
    output once for all inputs, so a 2 x 2 matrix costs far less than four convolvers.

    Parameters
    ----------
    kernel : (M,) or (inputs, outputs, M) array_like
        The kernel (or one per input and output pair); its dtype is the convolver's.
    block : int
        The usual number of samples per call (any length works; this one is fastest).
    worker_threads : int, optional
        Background threads that compute the long partitions while ``process`` does the short
        ones (default 0: all on the calling thread). The output is the same, bit for bit,
        with any number: a partition a worker has not finished in time is computed by
        ``process`` or waited for, never skipped. Each convolver (and each copy) owns its
        threads; in a forked child they are gone and ``process`` computes everything.

    Examples
    --------
    >>> import numpy as np, convolve
    >>> s = convolve.StreamConvolver([1.0, 2.0, 3.0], 2)
    >>> s.process(np.array([1.0, 0.0]))
    array([1., 2.])
    >>> s.process(np.array([0.0]))
    array([3.])
    >>> m = convolve.StreamConvolver([[[1.0], [0.5]], [[0.0], [2.0]]], 4)  # 2 in, 2 out
    >>> m.process(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[1. , 2. ],
           [6.5, 9. ]])
    """

    __slots__ = ("_block", "_ct", "_plan", "_ports", "_rt", "_workers")

    def __init__(self, kernel, block, *, worker_threads=0):
        block = operator.index(block)
        if block < 1:
            raise ValueError(f"block must be at least 1, got {block}")
        workers = operator.index(worker_threads)
        if workers < 0:
            raise ValueError(f"worker_threads must be at least 0, got {workers}")
        self._block, self._workers = block, workers
        kernel = np.asarray(kernel)
        if kernel.ndim == 3:
            k, self._rt, self._ct = _kernels(kernel)
            self._ports = kernel.shape[:2]
            self._plan = _core.StreamMatrix(k, *self._ports, block, self._ct.name, None, workers)
        else:
            k, self._rt, self._ct = _kernel(kernel)
            self._ports = None
            self._plan = _core.StreamConvolver(k, block, self._ct.name, None, workers)

    def __reduce__(self):
        state = self._plan.state()
        args = (self._block, self._plan.capacity, self._rt, state, self._workers, self._ports)
        return (_restore_stream, args)

    def __copy__(self):
        new = object.__new__(StreamConvolver)
        new._block, new._ct, new._rt = self._block, self._ct, self._rt
        new._workers, new._ports = self._workers, self._ports
        new._plan = self._plan.copy()
        return new

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __repr__(self):
        ports = "" if self._ports is None else f"inputs={self.inputs}, outputs={self.outputs}, "
        return (
            f"StreamConvolver({ports}kernel_len={self.kernel_len}, block={self._block}, "
            f"dtype={self._rt}, latency={self.latency}, position={self.position})"
        )

    @property
    def inputs(self) -> int:
        """The number of input signals (1 unless built from an (inputs, outputs, M) kernel)."""
        return 1 if self._ports is None else self._ports[0]

    @property
    def outputs(self) -> int:
        """The number of output signals (1 unless built from an (inputs, outputs, M) kernel)."""
        return 1 if self._ports is None else self._ports[1]

    @property
    def dtype(self) -> np.dtype:
        return self._rt

    @property
    def block(self) -> int:
        """The block length the convolver was built for."""
        return self._block

    @property
    def worker_threads(self) -> int:
        """The background threads the convolver was built with."""
        return self._workers

    @property
    def kernel_len(self) -> int:
        """The current kernel's length."""
        return self._plan.kernel_len

    @property
    def position(self) -> int:
        """Samples consumed since construction or :meth:`reset` (flushed zeros included)."""
        return self._plan.position

    @property
    def latency(self) -> int:
        """How many samples late the output is."""
        return self._plan.latency

    @property
    def tail_len(self) -> int:
        """The number of samples :meth:`flush` returns."""
        return self._plan.tail_len

    def process(self, x, out=None):
        """The next ``len(x)`` output samples for the input block ``x``, into ``out`` if given.

        For a matrix, ``x`` is ``(inputs, n)`` and the result ``(outputs, n)``.
        """
        if self._ports is not None:
            x = self._block2d(x)
            res = out if _writable(out, (self.outputs, x.shape[1]), self._ct) else None
            if res is None or self._rt != self._ct:
                res = np.empty((self.outputs, x.shape[1]), self._ct)
            self._plan.process(x, res)
            return res if res is out else _into(cast_back(res, self._rt), out)
        if type(x) is np.ndarray and x.ndim == 1 and x.dtype == self._ct and self._rt == self._ct:
            return self._plan.process(x, out)
        x = _signal(x, self._rt, self._ct, "block")
        if self._rt == self._ct:
            return self._plan.process(x, out)
        return _into(cast_back(self._plan.process(x), self._rt), out)

    def flush(self):
        """After the last input: the remaining ``tail_len`` samples of the full convolution
        (``(outputs, tail_len)`` for a matrix)."""
        if self._ports is not None:
            res = np.zeros((self.outputs, self.tail_len), self._ct)
            self._plan.flush(res)
            return cast_back(res, self._rt)
        return cast_back(self._plan.flush(), self._rt)

    def _block2d(self, x):
        """``x`` as a C-contiguous ``(inputs, n)`` array of the computed dtype."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] != self.inputs:
            raise ValueError(
                f"a block of this {self.inputs} x {self.outputs} convolver has shape "
                f"(inputs={self.inputs}, n), got {x.shape}"
            )
        _promotes(x.dtype, self._rt, "block")
        return np.ascontiguousarray(x, dtype=self._ct)

    def reset(self):
        """Forget all input: the next block starts a new signal."""
        self._plan.reset()

    def set_kernel(self, kernel):
        """Replace the kernel (same dtype, at most as long as the first one).

        The signal history is kept. Called after ``T`` input samples (:attr:`position`), every
        output from sample ``T + M`` on (``M`` the first kernel's length; often much sooner)
        is exactly the whole past signal convolved with the new kernel. The outputs in between
        blend the two kernels: the short partitions switch at once, while the outputs the
        longer partitions had already begun keep the old kernel's share of the taps they
        cover (a blend per partition and frequency, not a switch at one sample).
        """
        if self._ports is not None:
            kernel = np.asarray(kernel)
            if kernel.ndim != 3 or kernel.shape[:2] != self._ports:
                raise ValueError(
                    f"the kernels of this convolver have shape {self._ports + ('M',)}, got "
                    f"{kernel.shape}"
                )
            _promotes(kernel.dtype, self._rt, "kernel")
            self._plan.set_kernels(_kernels(kernel.astype(self._ct, copy=False))[0])
            return
        k = _signal(kernel, self._rt, self._ct, "kernel")
        self._plan.set_kernel(k)


def _restore_convolver(kernel, n, mode, method, rt):
    """Unpickles a :class:`Convolver` (``Convolver.__reduce__``)."""
    plan = object.__new__(Convolver)
    plan._rt, plan._ct, plan._mode, plan._kernel = rt, kernel.dtype, mode, kernel
    plan._plan = _core.Convolver(kernel, n, mode, method, kernel.dtype.name)
    return plan


def _restore_stream(block, capacity, rt, state, workers=0, ports=None):
    """Unpickles a :class:`StreamConvolver` (``StreamConvolver.__reduce__``): a convolver of
    the same layout, then its kernel and history from ``state``."""
    s = object.__new__(StreamConvolver)
    s._block, s._rt, s._ct, s._workers = block, rt, compute_dtype(rt), workers
    s._ports = None if ports is None else tuple(ports)
    if s._ports is None:
        s._plan = _core.StreamConvolver(np.zeros(1, s._ct), block, s._ct.name, capacity, workers)
    else:
        k = np.ones((s._ports[0] * s._ports[1], 1), s._ct)
        s._plan = _core.StreamMatrix(k, *s._ports, block, s._ct.name, capacity, workers)
    s._plan.set_state(state)
    return s


from . import signal  # noqa: F401  (convolve.signal without a separate import)
