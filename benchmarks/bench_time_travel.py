"""Time travel in the app, timed on a real terminal (tmux) from the key press to the screen.

    python benchmarks/bench_time_travel.py

Each clock starts just before the key is sent (tmux send-keys), never after a
sleep, and stops when the screen shows the answer (capture-pane, polled every
few milliseconds). Medians of several tries.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.terminal import Terminal, installed_nanoneuron  # noqa: E402

SEED = ["--w0", "0.9492", "--b0", "0.457"]
TRIES = 5


def send(term: Terminal, *keys: str) -> float:
    """Send keys at once (no pause between them) and return the time they were sent from."""
    start = time.monotonic()
    term.tmux("send-keys", "-t", term.session, *keys)
    return start


def until(term: Terminal, text: str, since: float, timeout: float = 20.0) -> float:
    while text not in term.screen():
        if time.monotonic() - since > timeout:
            raise RuntimeError(f"{text!r} never appeared:\n{term.screen()}")
        time.sleep(0.002)
    return time.monotonic() - since


def fast_forward_a_billion() -> float:
    term = Terminal([installed_nanoneuron(), *SEED, "--epochs", "1000000000"])
    try:
        until(term, "paused", time.monotonic())
        return until(term, "finished", send(term, "f"))
    finally:
        term.close()


def back_and_go_to() -> tuple[float, float]:
    term = Terminal([installed_nanoneuron(), *SEED])
    try:
        until(term, "paused", time.monotonic())
        term.tmux("send-keys", "-t", term.session, "g")
        until(term, "Go to epoch", time.monotonic())
        term.tmux("send-keys", "-t", term.session, "-l", "20000")
        until(term, "20000", time.monotonic())
        go = until(term, "20,000 / 70,000", send(term, "Enter"))
        back = until(term, "19,999 / 70,000", send(term, "b"))
        return back, go
    finally:
        term.close()


def main() -> None:
    forward = statistics.median(fast_forward_a_billion() for _ in range(TRIES))
    print(f"f on a 1,000,000,000-epoch run, key to 'finished' on screen: {forward * 1000:.0f} ms (median of {TRIES})")
    pairs = [back_and_go_to() for _ in range(TRIES)]
    back = statistics.median(p[0] for p in pairs)
    go = statistics.median(p[1] for p in pairs)
    print(
        f"go to epoch 20,000 (Enter in the prompt) to the epoch on screen: {go * 1000:.0f} ms; "
        f"b (back one epoch) to the epoch on screen: {back * 1000:.0f} ms (medians of {TRIES})"
    )


if __name__ == "__main__":
    main()
