"""Benchmark of convolve.dask against its three targets (issue 18); prints one table.

    python python/benchmarks/dask_bench.py [--repeat 3] [--quick]

1. one worker: ``convolve.dask.convolve`` on the threaded scheduler against one
   ``convolve.convolve`` call on the same in-memory data (10^7 float64 x 2049 taps);
2. scaling: throughput of two worker processes against one (10^8 float32 x 2049 taps,
   chunks of 4*10^6; the input is generated on the workers, the result reduced there);
3. against the hand-written alternative: ``map_overlap`` around ``scipy.signal.oaconvolve``
   (mode 'same') on the same two-worker cluster and the same data.

Workers run with RAYON_NUM_THREADS=1 (one core each: the crate's own threads would otherwise
compete with the second worker). Each figure is the median of --repeat runs; min and max are
printed so that the noise of a shared machine shows. --quick divides every length by 10.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def _timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up: plans, imports, worker start-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _fmt(times: list[float]) -> str:
    return f"{statistics.median(times):8.3f} s  (min {min(times):.3f}, max {max(times):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="lengths divided by 10")
    parser.add_argument("--only", choices=("1", "2", "3"), action="append")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    only = set(args.only or ("1", "2", "3"))

    # Set before dask/distributed start worker processes, which inherit it.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    import dask.array as da
    import distributed
    import scipy.signal

    import convolve
    import convolve.dask as cd

    rng = np.random.default_rng(0)
    taps = 2049

    if "1" in only:
        n = 10**7 // scale
        a = rng.standard_normal(n)
        v = rng.standard_normal(taps)
        print(f"1. one worker, {n:.0e} float64 x {taps} taps, RAYON_NUM_THREADS="
              f"{os.environ['RAYON_NUM_THREADS']}")
        single = _timed(lambda: convolve.convolve(a, v), args.repeat)
        print(f"   convolve.convolve                      {_fmt(single)}")
        for chunk in (n // 10, n // 4):
            x = da.from_array(a, chunks=chunk)
            for workers in (1, 2):
                t = _timed(
                    lambda: cd.convolve(x, v).compute(scheduler="threads", num_workers=workers),
                    args.repeat,
                )
                ratio = statistics.median(t) / statistics.median(single)
                print(f"   dask threads={workers} chunk={chunk:.0e}          {_fmt(t)}  "
                      f"{ratio:.2f}x the single call")

    if "2" in only or "3" in only:
        n = 10**8 // scale
        chunk = 4 * 10**6 // scale
        v32 = rng.standard_normal(taps).astype(np.float32)

        def signal():
            gen = da.random.default_rng(1)
            return gen.standard_normal(n, chunks=chunk, dtype=np.float32)

        def run(client, make):
            return client.compute(make(signal()).sum(dtype=np.float64)).result()

        def ours(x):
            return cd.convolve(x, v32, "same")

        def hand_written(x):
            half = (taps - 1) // 2
            return x.map_overlap(
                lambda b: scipy.signal.oaconvolve(b, v32, mode="same"),
                depth=half,
                boundary=0,
                dtype=np.float32,
                meta=np.empty(0, np.float32),
            )

        def generate_only(x):
            return x

        results = {}
        for workers in (1, 2):
            with distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, memory_limit="2GiB",
            ) as cluster, distributed.Client(cluster) as client:
                cases = [("convolve.dask", ours), ("generation only", generate_only)]
                if workers == 2 and "3" in only:
                    cases.append(("map_overlap+oaconvolve", hand_written))
                for label, make in cases:
                    t = _timed(lambda make=make: run(client, make), args.repeat)
                    results[(workers, label)] = t
                    print(f"   {workers} worker(s) {label:24s} {_fmt(t)}  "
                          f"{n / statistics.median(t) / 1e6:7.1f} Msamples/s")
        one = statistics.median(results[(1, "convolve.dask")])
        two = statistics.median(results[(2, "convolve.dask")])
        print(f"2. two workers / one worker throughput, {n:.0e} float32 x {taps}, chunks "
              f"{chunk:.0e}: {one / two:.2f}x")
        if (2, "map_overlap+oaconvolve") in results:
            hand = statistics.median(results[(2, "map_overlap+oaconvolve")])
            print(f"3. map_overlap+scipy.signal.oaconvolve / convolve.dask on two workers: "
                  f"{hand / two:.2f}x")


if __name__ == "__main__":
    main()
