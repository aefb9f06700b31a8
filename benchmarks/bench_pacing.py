"""The default run's pacing, as a person sees it: the first epochs one by one, the whole run in ~15 s.

    python benchmarks/bench_pacing.py

Launches the installed nanoneuron in tmux at 80x24 with the defaults, presses
Space, and reads the epoch off the screen every few milliseconds: when each
of the first epochs appeared, and when the last one did, counted from the key
press. Prints the median of the tries beside what pacing.py plans.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui.pacing import Curve, playback_seconds  # noqa: E402
from tests.terminal import Terminal, epoch_on, installed_nanoneuron  # noqa: E402

TRIES = 3
FIRST = 6


def one_run() -> tuple[list[float], float]:
    term = Terminal([installed_nanoneuron(), "--w0", "0.9492", "--b0", "0.457"])
    try:
        term.wait_for("paused", timeout=30)
        term.keys("Space")
        start = time.monotonic()
        seen: dict[int, float] = {}
        while True:
            epoch = epoch_on(term.screen())
            now = time.monotonic() - start
            seen.setdefault(epoch, now)
            if epoch >= 70_000:
                return [seen.get(e, float("nan")) for e in range(1, FIRST + 1)], now
            if now > 120:
                raise RuntimeError("the run did not finish in two minutes")
            time.sleep(0.005)
    finally:
        term.close()


def main() -> None:
    runs = [one_run() for _ in range(TRIES)]
    firsts = [statistics.median(run[0][i] for run in runs) for i in range(FIRST)]
    total = statistics.median(run[1] for run in runs)
    shown_all = all(all(t == t for t in run[0]) for run in runs)  # no NaN: every early epoch was on screen
    plan = Curve(70_000)
    print(
        f"epochs 1..{FIRST} appeared at (s after Space, median of {TRIES}): "
        + ", ".join(f"{t:.2f}" for t in firsts)
        + f"; every one of them shown: {shown_all}"
    )
    print("planned: " + ", ".join(f"{plan.time_of(e):.2f}" for e in range(1, FIRST + 1)))
    print(
        f"whole 70,000-epoch run: {total:.1f} s from Space to 70,000 on screen "
        f"(planned {playback_seconds(plan, 1000 * 20):.1f} s)"
    )


if __name__ == "__main__":
    main()
