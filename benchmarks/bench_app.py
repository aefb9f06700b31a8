"""How the app feels: launch, pause, fast-forward -- timed on a real terminal (tmux).

    python benchmarks/bench_app.py

Each figure is the median of several tries, read off the screen as a person
would see it (tmux capture-pane, polled every few milliseconds).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.terminal import Terminal, installed_nanoneuron  # noqa: E402

SEED = ["--w0", "0.9492", "--b0", "0.457"]


def until(term: Terminal, text: str, timeout: float = 20.0) -> float:
    start = time.monotonic()
    while text not in term.screen():
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{text!r} never appeared")
        time.sleep(0.002)
    return time.monotonic() - start


def launch_to_first_frame() -> float:
    start = time.monotonic()
    term = Terminal([installed_nanoneuron(), *SEED])
    try:
        until(term, "^p …")  # the footer: the last thing composed
        until(term, "paused")
        return time.monotonic() - start
    finally:
        term.close()


def key_to_paused_at_max_pace() -> float:
    term = Terminal([installed_nanoneuron(), *SEED, "--pace", "max", "--epochs", "1000000000", "--run"])
    try:
        until(term, "running")
        time.sleep(1.0)  # let it get going
        term.keys("Space")
        return until(term, "paused")
    finally:
        term.close()


def fast_forward_seed_run() -> float:
    term = Terminal([installed_nanoneuron(), *SEED, "--every", "1000"])
    try:
        until(term, "paused")
        term.keys("f")
        return until(term, "finished")
    finally:
        term.close()


def median(measure, repeats: int) -> tuple[float, float]:
    values = [measure() for _ in range(repeats)]
    return statistics.median(values), max(values)


def main() -> None:
    for label, measure, target in (
        ("launch to first full frame", launch_to_first_frame, 1.5),
        ("key press to paused, running at max pace", key_to_paused_at_max_pace, 0.1),
        ("fast-forward of the 70000-epoch seed run (N = 1000), on screen", fast_forward_seed_run, 2.0),
    ):
        middle, worst = median(measure, 5)
        print(f"{label}: median {middle * 1000:.0f} ms, worst {worst * 1000:.0f} ms (target {target * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
