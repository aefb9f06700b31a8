"""Bytes the app sends to the terminal: what crosses an SSH link, from launch to the end of the run.

    python benchmarks/bench_bandwidth.py [--repeats 3]
    python benchmarks/bench_bandwidth.py --textuals-own --repeats 1   # with and without partial_updates

Runs the installed app in tmux and records every byte it writes (tmux
pipe-pane, attached before the app is launched, so the start-up frame counts).
The run is the one people make: the default 70,000 epochs at the default pace
and report interval, from launch to "finished". "ssh" sets SSH_CONNECTION as
sshd would, which lowers the frame rate; "local" does not. With --textuals-own
the same runs (over "ssh") are made twice: with partial_updates, and with
Textual's own screen updates (NANONEURON_PARTIAL_UPDATES=off).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.terminal import Terminal, installed_nanoneuron  # noqa: E402

SEED = ["--w0", "0.9492", "--b0", "0.457"]
SSH = {"SSH_CONNECTION": "127.0.0.1 50000 127.0.0.1 22"}


@dataclass
class Recording:
    start_up: int  # bytes from launch to the first full frame, once quiet
    run: int  # bytes from the key that starts training to the end, once quiet
    seconds: float  # from that key to "finished" on screen

    @property
    def per_second(self) -> float:
        return self.run / self.seconds

    @property
    def with_start_up(self) -> float:
        """Bytes per second of the run with the start-up frame charged to it: everything the
        terminal received from launch to "finished", over the run's seconds."""
        return (self.start_up + self.run) / self.seconds


def quiet(record: Path, for_seconds: float = 1.0) -> int:
    """Wait until nothing has been written for ``for_seconds``; the bytes so far."""
    size, since = os.path.getsize(record), time.monotonic()
    while time.monotonic() - since < for_seconds:
        time.sleep(0.05)
        now = os.path.getsize(record)
        if now != size:
            size, since = now, time.monotonic()
    return size


def record_default_run(size: tuple[int, int], env: dict[str, str]) -> Recording:
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "bytes"
        record.touch()
        term = Terminal([installed_nanoneuron(), *SEED], size=size, env=env, gated=True)
        try:
            term.record(record)
            term.launch()
            term.wait_until(
                lambda screen: "paused" in screen and screen.count("└┬") >= 2,
                "the first frame never showed both plots",
                timeout=30,
            )
            start_up = quiet(record)
            start = time.monotonic()
            term.keys("Space")
            term.wait_for("finished", timeout=60)
            seconds = time.monotonic() - start
            total = quiet(record)
            return Recording(start_up, total - start_up, seconds)
        finally:
            term.close()


def compare_with_textuals_own(repeats: int) -> None:
    """The bytes partial_updates saves: the same runs with it and with Textual's own updates."""
    for size in ((80, 24), (160, 48)):
        figures = {}
        for way, extra in (("partial_updates", {}), ("Textual's own", {"NANONEURON_PARTIAL_UPDATES": "off"})):
            runs = [record_default_run(size, {**SSH, **extra}) for _ in range(repeats)]
            figures[way] = (
                statistics.median(r.start_up for r in runs),
                statistics.median(r.per_second for r in runs),
                statistics.median(r.with_start_up for r in runs),
            )
            start_up, rate, total = figures[way]
            print(
                f"ssh {size[0]}x{size[1]} {way:15}: start-up {start_up / 1024:.1f} KB, "
                f"training {rate / 1024:.1f} KB/s, {total / 1024:.1f} KB/s with the start-up"
            )
        ours, theirs = figures["partial_updates"], figures["Textual's own"]
        print(
            f"ssh {size[0]}x{size[1]} Textual's own / partial_updates: start-up {theirs[0] / ours[0]:.1f}x, "
            f"training {theirs[1] / ours[1]:.1f}x, with the start-up {theirs[2] / ours[2]:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--textuals-own", action="store_true", help="compare with Textual's own screen updates (over ssh only)"
    )
    args = parser.parse_args()
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
        f"medians of {args.repeats}"
    )
    if args.textuals_own:
        compare_with_textuals_own(args.repeats)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        return
    for where, env in (("ssh", SSH), ("local", {})):
        rates, totals = {}, {}
        for size in ((80, 24), (160, 48)):
            runs = [record_default_run(size, env) for _ in range(args.repeats)]
            start_up = statistics.median(r.start_up for r in runs)
            rate = rates[size] = statistics.median(r.per_second for r in runs)
            total = statistics.median(r.start_up + r.run for r in runs)
            totals[size] = statistics.median(r.with_start_up for r in runs)
            print(
                f"{where:5} {size[0]}x{size[1]}: start-up {start_up / 1024:.1f} KB, "
                f"training {rate / 1024:.1f} KB/s over {statistics.median(r.seconds for r in runs):.1f} s, "
                f"launch to finished {total / 1024:.1f} KB = {totals[size] / 1024:.1f} KB/s with the start-up"
            )
        print(
            f"{where:5} 160x48 / 80x24: {rates[(160, 48)] / rates[(80, 24)]:.2f}x while training, "
            f"{totals[(160, 48)] / totals[(80, 24)]:.2f}x with the start-up"
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
