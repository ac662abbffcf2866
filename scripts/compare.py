#!/usr/bin/env python3
"""Times this crate against numpy and scipy in one run and prints, per grid point, each peer's
median time, ours (Method::Auto), and best-peer / ours.

    python3 scripts/compare.py [--quick] [--markdown] [--threads 1|2] [--dtypes f64,f32]

Ours is timed by the release example `compare_driver` (built here), one process for the whole
grid; the peers are numpy.convolve, scipy.signal.convolve (method auto), fftconvolve and
oaconvolve, single-threaded (OMP/MKL/OPENBLAS_NUM_THREADS=1; scipy.fft is single-threaded by
default). Both sides time `timeit`-style: calls batched to >= 0.1 s, median of 5 batches; a call
over 1 s is timed alone. Points where a peer is predicted to take over ~2 s are skipped for it
("-"). Every point also checks that our result equals numpy's (numpy.convolve where it is cheap,
else scipy's fftconvolve) within C·eps·log2(N)·||a||·||v||.
"""
import os

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal as ss  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
DRIVER = ROOT / "target" / "release" / "examples" / "compare_driver"
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _load_peers():
    """python/convolve/_peers.py, the grid and peer timing shared with ``python -m
    convolve.bench``, loaded by its path: the package need not be built."""
    path = ROOT / "python" / "convolve" / "_peers.py"
    spec = importlib.util.spec_from_file_location("convolve_peers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_peers = _load_peers()
PEERS, fmt, grid, time_peers = _peers.PEERS, _peers.fmt, _peers.grid, _peers.time_peers


def sample(seed, n):
    """The driver's data: splitmix64 of seed*2^32 + i mapped to [-1, 1) (53 bits)."""
    z = (np.uint64(seed) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 52) - 1.0


def build():
    subprocess.run(
        ["cargo", "build", "--release", "--example", "compare_driver"],
        cwd=ROOT,
        check=True,
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small grid (n <= 1e5)")
    p.add_argument("--markdown", action="store_true", help="print a README table")
    p.add_argument("--threads", type=int, default=1, help="RAYON_NUM_THREADS for ours")
    p.add_argument("--dtypes", default="f64,f32")
    p.add_argument("--max-n", type=float, default=1e7, help="leave out longer signals")
    p.add_argument("--min-n", type=float, default=0, help="leave out shorter signals")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--json", help="also write all rows to this file")
    args = p.parse_args()
    if not args.no_build:
        build()
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    driver = subprocess.Popen(
        [str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    tmp = tempfile.mkdtemp(prefix="compare-")
    rows = []
    for dtype in args.dtypes.split(","):
        npt = np.float64 if dtype == "f64" else np.float32
        eps = np.finfo(npt).eps
        for n, m, mode in grid(args.quick, args.max_n, args.min_n):
            a64, v64 = sample(1, n), sample(2, m)
            a, v = a64.astype(npt), v64.astype(npt)
            out_file = os.path.join(tmp, "out.bin")
            driver.stdin.write(f"{n} {m} {dtype} {mode} auto {out_file}\n")
            driver.stdin.flush()
            ours = json.loads(driver.stdout.readline())
            if "error" in ours:
                sys.exit(f"driver: {ours['error']}")
            got = np.fromfile(out_file, dtype=npt)
            # reference in f64 from the f32-rounded inputs (numpy on f32 accumulates in f32)
            ra, rv = a.astype(np.float64), v.astype(np.float64)
            ref = np.convolve(ra, rv, mode) if n * m <= 2e8 else ss.fftconvolve(ra, rv, mode)
            nfft = n + m
            tol = 8 * eps * math.log2(nfft) * np.linalg.norm(ra) * np.linalg.norm(rv)
            err = float(np.max(np.abs(got.astype(np.float64) - ref)))
            if got.shape != ref.shape or not err <= tol:
                sys.exit(f"MISMATCH n={n} m={m} {dtype} {mode}: max err {err:.3g} > tol {tol:.3g}")
            times = time_peers(a, v, mode)
            best = min(t for t in times.values() if t is not None)
            row = dict(
                n=n, m=m, dtype=dtype, mode=mode, peers=times, ours=ours["median_ns"] * 1e-9,
                chosen=ours["chosen"], best_peer=best, err=err, tol=tol,
            )
            row["ratio"] = best / row["ours"]
            rows.append(row)
            print(
                f"{n:>9} {m:>6} {dtype} {mode:<5} "
                + " ".join(f"{fmt(times[p]):>9}" for p in PEERS)
                + f" | ours {fmt(row['ours']):>9} ({row['chosen']:<11}) ratio {row['ratio']:6.2f}",
                flush=True,
                file=sys.stderr if args.markdown else sys.stdout,
            )
    driver.stdin.close()
    driver.wait()
    report(rows, args)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=1))


def report(rows, args):
    def gmean(xs):
        return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                machine = f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cpus"
                break
    except OSError:
        pass
    head = ["n", "m", "dtype", "mode", *PEERS, "ours (auto)", "Auto picks", "best peer / ours"]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            cells = [f"{r['n']:.0e}".replace("+0", ""), str(r["m"]), r["dtype"], r["mode"]]
            cells += [fmt(r["peers"][p]) for p in PEERS]
            cells += [fmt(r["ours"]), r["chosen"], f"{r['ratio']:.2f}"]
            print("| " + " | ".join(cells) + " |")
        print()
    big = [r for r in rows if r["best_peer"] >= 20e-6]
    print(f"machine: {machine}; numpy {np.__version__}, scipy {scipy.__version__}, "
          f"python {platform.python_version()}; ours with RAYON_NUM_THREADS={args.threads}")
    for dtype in sorted({r["dtype"] for r in rows}):
        sub = [r["ratio"] for r in rows if r["dtype"] == dtype]
        print(f"geometric mean best-peer/ours, {dtype}: {gmean(sub):.2f} over {len(sub)} points")
    print(f"geometric mean best-peer/ours, all: {gmean([r['ratio'] for r in rows]):.2f}")
    misses = [r for r in big if r["ratio"] < 1.5]
    print(f"points with best peer >= 20 µs: {len(big)}; below the 1.5x target: {len(misses)}")
    for r in misses:
        print(f"  n={r['n']} m={r['m']} {r['dtype']} {r['mode']}: ratio {r['ratio']:.2f} "
              f"(ours {fmt(r['ours'])} via {r['chosen']}, best peer {fmt(r['best_peer'])})")


if __name__ == "__main__":
    main()
