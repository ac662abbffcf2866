"""The one reader of criterion's saved results, shared by the scripts that tabulate benchmarks.

criterion writes one directory per benchmark under `<target>/criterion/`, with
`new/benchmark.json` (the group, function and parameter as the bench named them) and
`new/estimates.json` (the statistics, in nanoseconds). `<target>` is `$CARGO_TARGET_DIR` when
set (as cargo does), else the repository's `target/`.

    from criterion_json import results, fmt_ns
    for r in results(r"convolve_1d/"):
        print(r.group, r.function, r.value, fmt_ns(r.median_ns))
"""
import json
import os
import pathlib
import re
from typing import NamedTuple, Optional

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Result(NamedTuple):
    """One benchmark's saved estimates: criterion's `group_id`, `function_id` and `value_str`
    (the `BenchmarkId` parameter, `None` when there is none), and its median and mean (ns)."""

    group: str
    function: str
    value: Optional[str]
    median_ns: float
    mean_ns: float


def criterion_dir() -> pathlib.Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    return (pathlib.Path(target) if target else ROOT / "target") / "criterion"


def results(group: str = "") -> list:
    """Every saved result whose group id matches the regular expression `group` at its start.

    Benchmarks still being measured (no `benchmark.json` yet) are skipped. Exits with a message
    when nothing matches, so that a table is never silently empty."""
    root = criterion_dir()
    if not root.is_dir():
        raise SystemExit(f"no criterion results in {root}: run the `cargo bench` command "
                         "in this script's help first (or set CARGO_TARGET_DIR)")
    pattern = re.compile(group)
    found = []
    for bench_file in sorted(root.glob("**/new/benchmark.json")):
        estimates = bench_file.parent / "estimates.json"
        if not estimates.exists():
            continue
        bench = json.loads(bench_file.read_text())
        if not pattern.match(bench["group_id"]):
            continue
        est = json.loads(estimates.read_text())
        found.append(Result(bench["group_id"], bench["function_id"], bench.get("value_str"),
                            est["median"]["point_estimate"], est["mean"]["point_estimate"]))
    if not found:
        raise SystemExit(f"no criterion results for groups matching {group!r} in {root}: run "
                         "the `cargo bench` command in this script's help first")
    return found


def fmt_ns(ns) -> str:
    """Three significant digits in the largest unit that keeps the number at least 1."""
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"
