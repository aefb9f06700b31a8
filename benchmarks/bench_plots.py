"""What the plots cost: time to draw each at 200x60, and bytes to the terminal on the default run.

    python benchmarks/bench_plots.py [--repeat 20] [--no-bytes] [--no-drawing]

Drawing: each plot's picture built from scratch (its cache key, then the
picture) at 200x60 cells, for the default run paused at epoch 44,000 and for
the first 12 epochs; the best and the median of ``--repeat`` draws, so a busy
machine shows in the median but not the best. plotext is imported before
timing (the app imports it once, after its first frame).

Bytes: the installed app in tmux, launched on the default 70,000-epoch run
with --run, every byte it writes recorded (tmux pipe-pane) from the moment it
is launched (the start-up frame included) until the screen says "finished";
at 80x24 (cost plot and fit view) and 160x48 (all three plots beside the
readouts). Then the same without the start-up: a 100,000,000-epoch run measured
while it trains. "ssh" sets SSH_CONNECTION as sshd does (4 frames a second instead of 8).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui.core.data import DataSpec, build_data  # noqa: E402
from nanoneuron_tui.core.run import Run  # noqa: E402
from nanoneuron_tui.widgets.cost_plot import CostCurves, CostPlot, CostView, cost_key  # noqa: E402
from nanoneuron_tui.widgets.cost_surface import GUTTER, contour_layer, surface_key, surface_picture  # noqa: E402
from nanoneuron_tui.widgets.fit_view import FitView, fit_key  # noqa: E402
from nanoneuron_tui.widgets.plotting import draw  # noqa: E402
from tests.terminal import Terminal, installed_nanoneuron  # noqa: E402

WIDTH, HEIGHT = 200, 60
SEED = (0.9492, 0.457)
GOAL = 70_000


def timed(make, repeat: int) -> tuple[float, float, float]:
    """Best and median wall-clock milliseconds of ``repeat`` calls of ``make``, and the median
    CPU milliseconds this process spent (which a busy machine does not inflate)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        make()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return min(wall), statistics.median(wall), statistics.median(cpu)


def plot_makers(run: Run, epoch: int):
    """Each plot drawn from nothing, as a rebuild does: the key from the run, then the picture."""
    columns = WIDTH - 8
    curves = CostCurves(run.cost, run.test_cost, run.first_epoch, epoch, run.last_epoch(GOAL), stepping=True)

    def cost_plot():
        key = cost_key(curves, CostView.FOLLOW, columns)
        return draw(WIDTH, HEIGHT, lambda figure: CostPlot().paint(figure, curves, key, WIDTH, HEIGHT))

    def fit_view():
        key = fit_key(run.data, run.neuron(epoch), WIDTH, HEIGHT, residuals=True)
        return draw(WIDTH, HEIGHT, lambda figure: FitView().paint(figure, None, key, WIDTH, HEIGHT))

    def cost_surface():
        contour_layer.cache_clear()  # from scratch: the contours too
        key = surface_key(run, epoch, WIDTH - GUTTER, HEIGHT - 3)
        return surface_picture(key, WIDTH, HEIGHT)

    return {"cost plot": cost_plot, "fit view": fit_view, "cost surface": cost_surface}


def drawing(repeat: int) -> None:
    import plotext  # noqa: F401  (the app pays for this once, after its first frame)

    print(
        f"Drawing each plot at {WIDTH}x{HEIGHT}: wall best / median, CPU median of {repeat} draws "
        f"(target: under 25 ms); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for normalize in (False, True):
        data = build_data(DataSpec(normalize=normalize))
        run = Run(data, *SEED, 0.1 if normalize else 0.0005)
        for epoch in (12, 44_000):
            for name, make in plot_makers(run, epoch).items():
                best, median, cpu = timed(make, repeat)
                units = "normalized" if normalize else "data units"
                print(f"  {name:13} {units:10} epoch {epoch:>6,}: {best:5.1f} / {median:5.1f} ms, CPU {cpu:5.1f} ms")


def recorded_run(size: tuple[int, int], env: dict[str, str], run: bool = True) -> tuple[int, float]:
    """Bytes written and seconds taken from launch to "finished" on the default run; or,
    with ``run`` false, from launch until the paused app has drawn everything (the start-up alone)."""
    # The app saves its session as it is closed: the folder may still be in use as it goes.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        record, go = Path(folder) / "bytes", Path(folder) / "go"
        record.touch()
        flags = ["--run"] if run else []
        app = shlex.join([installed_nanoneuron(), *flags, "--state", str(Path(folder) / "state.json")])
        # The app waits for "go" so the recording is attached before its first byte.
        script = f"while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.01; done; exec {app}"
        term = Terminal(["sh", "-c", script], size=size, env=env)
        try:
            term.record(record)
            time.sleep(0.5)  # pipe-pane is attached
            start = time.monotonic()
            go.touch()
            if run:
                term.wait_for("finished", timeout=120)
                return os.path.getsize(record), time.monotonic() - start
            term.wait_for("paused", timeout=120)
            written = -1
            while written != os.path.getsize(record):  # until a whole second passes without a byte
                written = os.path.getsize(record)
                time.sleep(1.0)
            return written, time.monotonic() - start
        finally:
            term.close()


def steady_rate(size: tuple[int, int], env: dict[str, str], seconds: float = 6.0) -> float:
    """Bytes per second while training goes on at the default pace, start-up left out: a run
    of 100,000,000 epochs, measured over ``seconds`` from one second after space is pressed."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        record = Path(folder) / "bytes"
        record.touch()
        command = [installed_nanoneuron(), "--epochs", "100000000", "--state", str(Path(folder) / "state.json")]
        term = Terminal(command, size=size, env=env)
        try:
            term.record(record)
            term.wait_for("paused", timeout=120)
            term.keys("Space")
            time.sleep(1.0)
            written, start = os.path.getsize(record), time.monotonic()
            time.sleep(seconds)
            return (os.path.getsize(record) - written) / (time.monotonic() - start)
        finally:
            term.close()


def bandwidth() -> None:
    print(
        "Bytes to the terminal, default run (70,000 epochs, --run), launch to 'finished' "
        "(targets: at most 16 KB/s at 80x24, at most 1.5x that at 160x48)"
    )
    ssh = {"SSH_CONNECTION": "127.0.0.1 50000 127.0.0.1 22"}
    for where, env in (("local", {}), ("ssh", ssh)):
        rates = {}
        for size in ((80, 24), (160, 48)):
            total, seconds = recorded_run(size, env)
            rates[size] = total / seconds
            startup, _ = recorded_run(size, env, run=False)
            print(
                f"  {where:5} {size[0]}x{size[1]}: {total / 1024:6.1f} KB in {seconds:4.1f} s = "
                f"{rates[size] / 1024:5.1f} KB/s (start-up alone, paused: {startup / 1024:5.1f} KB)"
            )
        print(f"  {where:5} 160x48 / 80x24: {rates[(160, 48)] / rates[(80, 24)]:.2f}x")
        small, large = steady_rate((80, 24), env), steady_rate((160, 48), env)
        print(
            f"  {where:5} training at a steady pace (start-up left out): 80x24 {small / 1024:.1f} KB/s, "
            f"160x48 {large / 1024:.1f} KB/s ({large / small:.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-bytes", action="store_true", help="only time the drawing")
    parser.add_argument("--no-drawing", action="store_true", help="only count the bytes")
    args = parser.parse_args()
    if not args.no_drawing:
        drawing(args.repeat)
    if not args.no_bytes:
        bandwidth()


if __name__ == "__main__":
    main()
