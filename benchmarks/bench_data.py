"""Loading a large CSV, side by side with pandas + numpy doing the same job.

    pip install -e '.[bench]'          # pandas, the reference
    python benchmarks/bench_data.py                 # 1,000,000 and 10,000,000 rows
    python benchmarks/bench_data.py --rows 1000000  # just one size

The job, for both: parse a file of x,y rows (with a header), hold out a random
20% for testing, and compute what training needs of each part: the means,
the sums of squared deviations and cross products, and the best line's
residual. nanoneuron does it with the same call as `--data FILE.csv`
(`build_data`), which also checks every cell strictly.

Each load runs in a fresh process, with its libraries imported first, so the
figures are the load alone: wall time, and peak resident memory above what
the process had before the load. "numbers" is the size of the parsed values
(16 bytes a row). Then an epoch on the loaded data is timed against an epoch
on the article's 100 points, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = """
import math, resource, sys, time
import numpy as np, pandas as pd
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) * 1024
before = rss()
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
x, y = frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1].to_numpy()
del frame
order = np.random.default_rng(0).permutation(len(x))
n_test = round(len(x) * 0.2)
parts = [(x[order[n_test:]], y[order[n_test:]]), (x[order[:n_test]], y[order[:n_test]])]
for xs, ys in parts:
    dx, dy = xs - xs.mean(), ys - ys.mean()
    sxx, sxy = dx @ dx, dx @ dy
    residual = dy - (sxy / sxx) * dx
    residual = residual @ residual
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(seconds, peak - before)
"""

NANONEURON = """
import resource, sys, time
import numpy, polars
from nanoneuron_tui.core import csv_data
from nanoneuron_tui.core.data import DataSpec, build_data
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) * 1024
before = rss()
start = time.perf_counter()
data = build_data(DataSpec(csv=sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
assert len(data.x_train) + len(data.x_test) == int(sys.argv[2])
print(seconds, peak - before)
"""

IMPORT_COST = """
import time
start = time.perf_counter()
import numpy, polars
from nanoneuron_tui.core import csv_data
print(time.perf_counter() - start)
"""


def write_csv(path: Path, rows: int) -> None:
    """km,miles rows with noise, written in blocks (numpy formats them quickly)."""
    import numpy as np

    rng = np.random.default_rng(0)
    with path.open("w") as file:
        file.write("km,miles\n")
        for start in range(0, rows, 1_000_000):
            count = min(1_000_000, rows - start)
            x = rng.uniform(0, 1000, count)
            y = 0.621371 * x + rng.normal(0, 0.5, count)
            np.savetxt(file, np.column_stack([x, y]), fmt="%.17g", delimiter=",")


def run(code: str, *args: object) -> list[float]:
    # One BLAS thread: its spinning threads would make the reference's dot products
    # crawl on a busy machine, flattering nanoneuron (which does not use BLAS).
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True, env=env
    )
    return [float(value) for value in result.stdout.split()]


def side_by_side(repeats: int, path: Path, rows: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(seconds, peak memory) for nanoneuron and for pandas+numpy: the fastest of ``repeats``
    fresh-process runs each, taken in turns so a busy moment hits both alike; the largest memory seen."""
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(run(NANONEURON, path, rows))
        theirs.append(run(REFERENCE, path))
    return tuple((min(s for s, _ in runs), max(m for _, m in runs)) for runs in (ours, theirs))


def epoch_ratio(path: Path) -> tuple[float, float]:
    """Seconds per epoch's cost on the loaded file and on the article's 100 points."""
    from nanoneuron_tui.core.data import DataSpec, build_data
    from nanoneuron_tui.core.run import Run

    def per_epoch(data) -> float:
        run = Run(data, 0.1, 0.1, 0.5)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _cost in run.costs(0, 200_000):
                pass
            best = min(best, (time.perf_counter() - start) / 200_000)
        return best

    big = build_data(DataSpec(csv=str(path), normalize=True))
    return per_epoch(big), per_epoch(build_data(DataSpec(normalize=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for rows in options.rows:
            path = Path(folder) / f"{rows}.csv"
            write_csv(path, rows)
            numbers = rows * 16
            (ours, ours_memory), (theirs, theirs_memory) = side_by_side(options.repeats, path, rows)
            results[rows] = ours
            print(
                f"{rows:>11,} rows ({path.stat().st_size / 1e6:,.0f} MB, numbers {numbers / 1e6:,.0f} MB): "
                f"nanoneuron {ours:.3f} s, pandas+numpy {theirs:.3f} s, ratio {ours / theirs:.2f}; "
                f"peak memory above the start {ours_memory / 1e6:,.0f} MB = {ours_memory / numbers:.2f}x numbers "
                f"(pandas+numpy {theirs_memory / 1e6:,.0f} MB = {theirs_memory / numbers:.2f}x)"
            )
            if rows == options.rows[0]:
                big, small = epoch_ratio(path)
                print(
                    f"{'':>11} per epoch: {big * 1e9:.0f} ns on this file, {small * 1e9:.0f} ns on the "
                    f"article's 100 points (ratio {big / small:.2f})"
                )
            path.unlink()
    sizes = sorted(results)
    if len(sizes) > 1:
        low, high = sizes[0], sizes[-1]
        print(
            f"time per row, {high:,} rows against {low:,}: "
            f"{(results[high] / high) / (results[low] / low):.2f} (1.00 is linear)"
        )
    print(
        f"importing numpy and polars (paid at the first file read, not at start-up): "
        f"{min(run(IMPORT_COST)[0] for _ in range(3)):.2f} s"
    )
    print(json.dumps({"rows": {str(k): v for k, v in results.items()}}))


if __name__ == "__main__":
    main()
