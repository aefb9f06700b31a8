"""A 1,000,000-row CSV: how long it takes to load, and what an epoch then costs.

    python benchmarks/bench_data.py

Writes the file to a temporary folder, loads it with the same code as
`--data FILE.csv` (parse, split, summarise), then times epochs on it against
epochs on the article's 100 points, in the same run.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from nanoneuron_tui.core.data import DataSpec, build_data
from nanoneuron_tui.core.trainer import Trainer

ROWS = 1_000_000
EPOCHS = 200_000


def epoch_seconds(data) -> float:
    fit = data.training_fits[0]
    best = float("inf")
    for _ in range(3):
        trainer = Trainer(fit, 0.1, 0.1, 0.5)
        start = time.perf_counter()
        for _report in trainer.reports(EPOCHS, 1000):
            pass
        best = min(best, time.perf_counter() - start)
    return best / EPOCHS


def main() -> None:
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "million.csv"
        with path.open("w") as file:
            file.write("km,miles\n")
            for _ in range(ROWS):
                x = rng.uniform(0, 1000)
                file.write(f"{x!r},{0.621371 * x + rng.gauss(0, 0.5)!r}\n")
        size = path.stat().st_size
        start = time.perf_counter()
        big = build_data(DataSpec(csv=str(path), normalize=True))
        load = time.perf_counter() - start
    small = build_data(DataSpec(normalize=True))
    per_big, per_small = epoch_seconds(big), epoch_seconds(small)
    print(f"load {ROWS:,} rows ({size / 1e6:.0f} MB): {load:.2f} s "
          f"(parse, shuffle-split 80/20, summarise train and test)")
    print(f"per epoch: {per_big * 1e9:.0f} ns on the 1,000,000-row file, "
          f"{per_small * 1e9:.0f} ns on the article's 100 points (ratio {per_big / per_small:.2f})")


if __name__ == "__main__":
    main()
