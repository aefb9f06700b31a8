"""How the app feels: launch, keys, fast-forward, hang-up -- timed on a real terminal (tmux).

    python benchmarks/bench_app.py [--repeats 7] [--launch-only]

Every clock starts when the input is sent -- the launch, the key, the signal --
and stops when a person would see the result: the screen is polled
(tmux capture-pane) every few milliseconds. The runs are the ones people make:
the default 70,000 epochs at the default pace, from launch.

Launch is measured against the smallest Textual app with a footer
(benchmarks/minimal_app.py), the two launched alternately in the same run, so
a busy machine slows both alike; the ratio is the figure to compare.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.terminal import Terminal, epoch_on, installed_nanoneuron, process_alive  # noqa: E402

SEED = ["--w0", "0.9492", "--b0", "0.457"]
MINIMAL_APP = [sys.executable, str(Path(__file__).with_name("minimal_app.py"))]


def seen(term: Terminal, shown: Callable[[str], bool], timeout: float = 30.0) -> float:
    """Poll the screen until ``shown(screen)``; the moment it was seen (time.monotonic())."""
    deadline = time.monotonic() + timeout
    while True:
        screen = term.screen()
        now = time.monotonic()
        if shown(screen):
            return now
        if now > deadline:
            raise RuntimeError(f"never seen; the screen shows:\n{screen}")
        time.sleep(0.002)


def has(*texts: str) -> Callable[[str], bool]:
    return lambda screen: all(text in screen for text in texts)


# The first full frame: every pane, its numbers and the footer. The plots follow it
# (plotext is imported once the frame is out): their x axes, cost and fit, mark them drawn.
FIRST_FRAME = has("paused", "│ w ", "^p")


def both_plots_drawn(screen: str) -> bool:
    return FIRST_FRAME(screen) and screen.count("└┬") >= 2


def launch(command: list[str], milestones: list[Callable[[str], bool]], size: tuple[int, int]) -> list[float]:
    """Seconds from starting ``command`` to the screen showing each milestone, in turn."""
    term = Terminal(command, size=size, gated=True)
    try:
        start = time.monotonic()
        term.launch()
        return [seen(term, milestone) - start for milestone in milestones]
    finally:
        term.close()


def launches(repeats: int, size: tuple[int, int]) -> dict[str, list[float]]:
    """Ours and the minimal app, alternately, so that load falls on both alike."""
    times: dict[str, list[float]] = {"minimal": [], "ours": [], "ours, plots drawn": []}
    for _ in range(repeats):
        times["minimal"] += launch(MINIMAL_APP, [has("minimal app ready", "Quit")], size)
        first_frame, plots = launch([installed_nanoneuron(), *SEED], [FIRST_FRAME, both_plots_drawn], size)
        times["ours"].append(first_frame)
        times["ours, plots drawn"].append(plots)
    return times


def keys_on_the_default_run() -> dict[str, float]:
    """Space to running, Space to paused (mid-run, default pace), f to finished."""
    term = Terminal([installed_nanoneuron(), *SEED])
    try:
        term.wait_for("paused", timeout=30)
        figures = {}
        start = time.monotonic()
        term.keys("Space")
        figures["space to running"] = seen(term, has("running")) - start
        term.wait_until(lambda screen: epoch_on(screen) >= 10_000, "training never reached epoch 10,000", timeout=60)
        start = time.monotonic()
        term.keys("Space")
        figures["space to paused, mid-run"] = seen(term, has("paused")) - start
        start = time.monotonic()
        term.keys("f")
        figures["f to finished"] = seen(term, has("finished", "70,000 / 70,000")) - start
        return figures
    finally:
        term.close()


def key_to_paused_at_max_pace() -> float:
    term = Terminal([installed_nanoneuron(), *SEED, "--pace", "max", "--epochs", "1000000000", "--run"])
    try:
        term.wait_until(
            lambda screen: "running" in screen and epoch_on(screen) > 1_000_000, "max pace never got going", timeout=30
        )
        start = time.monotonic()
        term.keys("Space")
        return seen(term, has("paused")) - start
    finally:
        term.close()


def hang_up_to_exit() -> float:
    """SIGHUP while training at the default pace, to the process being gone."""
    term = Terminal([installed_nanoneuron(), *SEED])
    try:
        term.wait_for("paused", timeout=30)
        term.keys("Space")
        term.wait_until(lambda screen: "running" in screen and epoch_on(screen) > 0, "training never started")
        pid = term.pid
        start = time.monotonic()
        os.kill(pid, 1)
        while process_alive(pid):
            if time.monotonic() - start > 10:
                raise RuntimeError("still running 10 s after a hang-up")
            time.sleep(0.002)
        return time.monotonic() - start
    finally:
        term.close()


def headless_train() -> tuple[float, dict[str, float]]:
    """The whole `nanoneuron train` process on the default run, and what its imports cost."""
    command = [installed_nanoneuron(), "train", *SEED]
    times = []
    for _ in range(10):
        start = time.monotonic()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.monotonic() - start)
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nanoneuron_tui", "train", *SEED],
        capture_output=True,
        text=True,
        check=True,
    )
    # "import time: self [us] | cumulative | name": the nesting is in the name's indentation.
    cumulative = {}
    for line in traced.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and match.group(3) in ("json", "tempfile", "nanoneuron_tui.persist"):
            cumulative.setdefault(match.group(3), int(match.group(1)) / 1e6)
    return statistics.median(times), cumulative


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--launch-only", action="store_true", help="only the launch against the minimal app")
    args = parser.parse_args()
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    # As after any first run: the package's bytecode is up to date (with PYTHONDONTWRITEBYTECODE
    # set, an edited module would otherwise be compiled again at every launch).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "nanoneuron_tui", quiet=1)

    for size in ((80, 24), (160, 48)):
        times = launches(args.repeats, size)
        ours, minimal = statistics.median(times["ours"]), statistics.median(times["minimal"])
        plots = statistics.median(times["ours, plots drawn"])
        print(
            f"launch to first full frame at {size[0]}x{size[1]} (median of {args.repeats}, alternately): "
            f"ours {ms(ours)}, minimal Textual app {ms(minimal)}: {ours / minimal:.2f}x; "
            f"plots drawn at {ms(plots)} ({plots / minimal:.2f}x)"
        )
    if args.launch_only:
        return

    runs = [keys_on_the_default_run() for _ in range(args.repeats)]
    for name in runs[0]:
        values = [run[name] for run in runs]
        print(f"{name} (default run): median {ms(statistics.median(values))}, worst {ms(max(values))}")
    values = [key_to_paused_at_max_pace() for _ in range(args.repeats)]
    print(f"space to paused at max pace: median {ms(statistics.median(values))}, worst {ms(max(values))}")
    values = [hang_up_to_exit() for _ in range(args.repeats)]
    print(f"hang-up (SIGHUP) to process gone: median {ms(statistics.median(values))}, worst {ms(max(values))}")

    whole, imports = headless_train()
    costs = ", ".join(f"{name} {ms(cost)}" for name, cost in imports.items()) or "none of them"
    print(
        f"nanoneuron train, whole process (median of 10): {ms(whole)}; "
        f"imported though not needed (persist, json, tempfile): {costs}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
