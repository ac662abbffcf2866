"""Filter a long signal stored chunked on disk with a cluster of worker processes.

    python python/examples/dask_convolve.py --workers 2 --n 2e7 --taps 2049 --store zarr

Writes a seeded float32 signal to ``--dir`` once (a Zarr array, or an ``.npy`` file read back
through a memory map), then convolves it on a ``distributed.LocalCluster`` with ``--workers``
single-threaded worker processes. The result goes to a Zarr array when Zarr is installed and
``--out`` is given; otherwise it is reduced on the workers (its sum), so it is never gathered.
Prints the throughput. Needs ``pip install ./python[dask]`` (plus ``zarr`` for ``--store zarr``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def write_npy(path: str, n: int, chunk: int) -> None:
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n,))
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        out[start:stop] = np.random.default_rng(start).standard_normal(stop - start)
    out.flush()


def write_zarr(path: str, n: int, chunk: int) -> None:
    import zarr

    out = zarr.open_array(path, mode="w", shape=(n,), chunks=(chunk,), dtype="float32")
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        out[start:stop] = np.random.default_rng(start).standard_normal(stop - start)


def _read_npy(path: str, start: int, stop: int) -> np.ndarray:
    # Each task maps the file itself: only the path travels, never the data.
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def open_npy(path: str, chunk: int):
    import dask
    import dask.array as da

    n = np.load(path, mmap_mode="r").shape[0]
    blocks = [
        da.from_delayed(
            dask.delayed(_read_npy)(path, s, min(s + chunk, n)),
            (min(s + chunk, n) - s,),
            np.float32,
        )
        for s in range(0, n, chunk)
    ]
    return da.concatenate(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--n", type=float, default=2e7, help="signal length")
    parser.add_argument("--taps", type=int, default=2049, help="kernel length")
    parser.add_argument("--chunk", type=float, default=4e6, help="samples per chunk")
    parser.add_argument("--mode", default="same", choices=("full", "same", "valid"))
    parser.add_argument("--store", default="npy", choices=("npy", "zarr"))
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "convolve-dask"))
    parser.add_argument("--out", help="Zarr path for the result (default: only its sum)")
    parser.add_argument("--memory-limit", default="1GiB", help="per worker")
    args = parser.parse_args()
    n, chunk = int(args.n), int(args.chunk)

    # One core per worker: the workers are the parallelism.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    import dask.array as da
    import distributed

    import convolve.dask

    os.makedirs(args.dir, exist_ok=True)
    path = os.path.join(args.dir, f"signal-{n}-{chunk}.{args.store}")
    if not os.path.exists(path):
        t0 = time.perf_counter()
        (write_zarr if args.store == "zarr" else write_npy)(path, n, chunk)
        print(f"wrote {n:,} float32 samples to {path} in {time.perf_counter() - t0:.1f} s")

    kernel = np.hanning(args.taps).astype(np.float32)
    kernel /= kernel.sum()

    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Warm-up: the workers import the package before the clock starts.
        client.compute(convolve.dask.convolve(da.ones(8, chunks=4), kernel[:3])).result()
        x = da.from_zarr(path) if args.store == "zarr" else open_npy(path, chunk)
        y = convolve.dask.convolve(x, kernel, mode=args.mode)
        print(
            f"input chunks {len(x.chunks[0])}, output {y.shape[0]:,} samples in "
            f"{len(y.chunks[0])} chunks, {args.workers} worker(s)"
        )
        t0 = time.perf_counter()
        if args.out:
            y.to_zarr(args.out, overwrite=True, compute=True)
            what = f"written to {args.out}"
        else:
            total = client.compute(y.sum(dtype=np.float64)).result()
            what = f"sum {total:.6g}"
        elapsed = time.perf_counter() - t0
    print(
        f"{what}; {elapsed:.2f} s, {n / elapsed / 1e6:.1f} Msamples/s, "
        f"{x.nbytes / elapsed / 2**20:.0f} MiB/s of input"
    )


if __name__ == "__main__":
    main()
