"""What one autosave costs: a session saved atomically (write, fsync, rename).

    python benchmarks/bench_autosave.py [--repeat 20]

A fresh session and the seed run trained to the end (70,000 epochs), side by
side: the file's size, and the median and worst time per save.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui.params import Hyperparameters  # noqa: E402
from nanoneuron_tui.session import Session  # noqa: E402
from nanoneuron_tui.session_file import SessionFile  # noqa: E402


def seconds_per_save(session: Session, repeat: int) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "session.json"
        owner = SessionFile.claim(path, resuming=True)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            owner.save(session)
            times.append(time.perf_counter() - started)
        size = path.stat().st_size
        owner.release()
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    fresh = Session(Hyperparameters(w0=0.9492, b0=0.457))
    trained = Session(Hyperparameters(w0=0.9492, b0=0.457))
    trained.step(70_000)
    for name, session in (("fresh session", fresh), ("trained 70,000 epochs", trained)):
        times, size = seconds_per_save(session, args.repeat)
        print(
            f"{name:24} {size / 1000:7.1f} KB   save median {statistics.median(times) * 1000:6.2f} ms, "
            f"worst {max(times) * 1000:6.2f} ms ({args.repeat} saves)"
        )


if __name__ == "__main__":
    main()
