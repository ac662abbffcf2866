"""Benchmark of convolve.dask against its three targets (issue 18); prints one table.

    python python/benchmarks/dask_bench.py [--repeat 3] [--quick]

1. one worker: ``convolve.dask.convolve`` on the threaded scheduler against one
   ``convolve.convolve`` call on the same in-memory data (10^7 float64 x 2049 taps);
2. scaling: throughput of two worker processes against one (10^8 float32 x 2049 taps,
   chunks of 4*10^6; the input (arange) is generated on the workers, the result reduced
   there);
3. against the hand-written alternative: ``map_overlap`` around ``scipy.signal.oaconvolve``
   (mode 'same') on the same two-worker cluster and the same data.

Target 1 runs with the caller's RAYON_NUM_THREADS (run it with and without =1); the worker
processes of targets 2 and 3 run with RAYON_NUM_THREADS=1 (one core each: the crate's own
threads would otherwise compete with the second worker). Each figure is the median of
--repeat runs; min and max are printed so that the noise of a shared machine shows. --quick
divides every length by 10. "0." (--only mem) is the peak memory of one block task.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
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


def _kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def task_memory(cd, chunk: int, taps: int, dtype) -> tuple[float, float, str]:
    """Peak memory of one 1-D block task beyond the chunk and halos Dask hands it, in units of
    (chunk + halo) * itemsize: for the first task of a worker thread (which builds the plan
    and fills the crate's buffer pool) and for the next one (plan reused). An interior block
    of mode 'same' (both halos). Linux only: resets and reads the process's peak RSS."""
    dtype = np.dtype(dtype)
    h = taps - 1
    rng = np.random.default_rng(3)
    kernel = rng.standard_normal(taps).astype(dtype)
    chunk_data = rng.standard_normal(chunk).astype(dtype)
    left, right = h - h // 2, h // 2
    halos = (rng.standard_normal(left).astype(dtype), rng.standard_normal(right).astype(dtype))
    ends = (4, left, right, left, right)
    unit = (chunk + h) * dtype.itemsize
    peaks = []
    for _ in range(2):
        base = _kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current RSS
        out = cd._block_1d(
            chunk_data, *halos, kernel=kernel, plan_key="mem", ends=ends, block_id=(1,)
        )
        peaks.append((_kib("VmHWM") - base) * 1024 / unit)
        del out
    plan = cd._LOCAL.plans[("mem", (chunk,), "full")]
    return peaks[0], peaks[1], getattr(plan, "method", "?")


def _cpu_seconds() -> float:
    """User + system CPU time of the calling process (run on each worker)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _task_memory_fresh(dtype: str, chunk: int, taps: int) -> tuple[float, float, str]:
    """task_memory in a fresh process whose malloc returns every large block to the system
    (glibc otherwise keeps freed blocks mapped, and the peak would not show them)."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    cmd = [sys.executable, __file__, "--mem-one", dtype, str(chunk), str(taps)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), out[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="lengths divided by 10")
    parser.add_argument("--only", choices=("mem", "1", "2", "3"), action="append")
    parser.add_argument("--mem-one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mem_one:
        import convolve.dask as cd

        dtype, chunk, taps = args.mem_one
        print(*task_memory(cd, int(chunk), int(taps), dtype))
        return
    scale = 10 if args.quick else 1
    only = set(args.only or ("mem", "1", "2", "3"))

    import dask.array as da
    import distributed
    import scipy.signal

    import convolve
    import convolve.dask as cd

    rng = np.random.default_rng(0)
    taps = 2049

    if "mem" in only:
        print("0. peak memory of a block task beyond its inputs, in (chunk + halo) * itemsize:")
        print("   first task of a thread (builds the plan) / next task (reuses it)")
        for dtype in ("float32", "float64", "complex128"):
            for chunk in (10**6 // scale, 4 * 10**6 // scale):
                for m in (65, taps, 2**17 + 1):
                    first, next_, method = _task_memory_fresh(dtype, chunk, m)
                    print(
                        f"   {dtype:10s} chunk={chunk:.0e} taps={m:6d} ({method:11s}) "
                        f"{first:5.2f} / {next_:5.2f}"
                    )

    if "1" in only:
        n = 10**7 // scale
        a = rng.standard_normal(n)
        v = rng.standard_normal(taps)
        rayon = os.environ.get("RAYON_NUM_THREADS", "all cores")
        print(f"1. one worker, {n:.0e} float64 x {taps} taps, RAYON_NUM_THREADS={rayon}")
        single = _timed(lambda: convolve.convolve(a, v), args.repeat)
        print(f"   convolve.convolve                      {_fmt(single)}")
        for chunk in (n // 10, n // 4):
            x = da.from_array(a, chunks=chunk)
            for workers in (1, 2):
                t = _timed(
                    lambda x=x, w=workers: cd.convolve(x, v).compute(
                        scheduler="threads", num_workers=w
                    ),
                    args.repeat,
                )
                ratio = statistics.median(t) / statistics.median(single)
                print(
                    f"   dask threads={workers} chunk={chunk:.0e}          {_fmt(t)}  "
                    f"{ratio:.2f}x the single call"
                )

    if "2" in only or "3" in only:
        n = 10**8 // scale
        chunk = 4 * 10**6 // scale
        v32 = rng.standard_normal(taps).astype(np.float32)

        def signal():
            # Cheap to generate (a random generator took 2/3 of one worker's time); the
            # convolution's cost does not depend on the values.
            return da.arange(n, chunks=chunk, dtype=np.float32)

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

        # Worker processes inherit it: one core each, the workers are the parallelism.
        os.environ["RAYON_NUM_THREADS"] = "1"
        results, cpus = {}, {}
        for workers in (1, 2):
            with (
                distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    memory_limit="2GiB",
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                cases = [("convolve.dask", ours), ("generation only", generate_only)]
                if workers == 2 and "3" in only:
                    cases.append(("map_overlap+oaconvolve", hand_written))
                for label, make in cases:
                    cpu0 = sum(client.run(_cpu_seconds).values())
                    t = _timed(lambda make=make: run(client, make), args.repeat)
                    cpu = (sum(client.run(_cpu_seconds).values()) - cpu0) / (args.repeat + 1)
                    results[(workers, label)] = t
                    cpus[(workers, label)] = cpu
                    print(
                        f"   {workers} worker(s) {label:24s} {_fmt(t)}  "
                        f"{n / statistics.median(t) / 1e6:7.1f} Msamples/s, "
                        f"workers' CPU {cpu:6.2f} s"
                    )
        one = statistics.median(results[(1, "convolve.dask")])
        two = statistics.median(results[(2, "convolve.dask")])
        cpu_ratio = cpus[(2, "convolve.dask")] / cpus[(1, "convolve.dask")]
        print(
            f"2. two workers / one worker throughput, {n:.0e} float32 x {taps}, chunks "
            f"{chunk:.0e}: {one / two:.2f}x wall clock. Workers' CPU per run: two workers "
            f"{cpu_ratio:.2f}x one's, so on two free cores, split evenly: {2 / cpu_ratio:.2f}x"
        )
        if (2, "map_overlap+oaconvolve") in results:
            hand = statistics.median(results[(2, "map_overlap+oaconvolve")])
            print(
                f"3. map_overlap+scipy.signal.oaconvolve / convolve.dask on two workers: "
                f"{hand / two:.2f}x"
            )


if __name__ == "__main__":
    main()
