"""How fast is training, and does it cost what is read rather than what is run?

    python benchmarks/bench_trainer.py [--original path/to/NanoNeuron.js]

Prints figures measured side by side in this run, so a busy machine slows the
reference and the contender alike. With --original (and node on PATH) it also
times the original JavaScript program against `nanoneuron train`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from nanoneuron_tui.core.data import DataSpec, LineFit, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, generate_data_sets, train_model
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.core.trainer import Descent, max_stable_alpha

EPOCHS, ALPHA, W0, B0 = 70_000, 0.0005, 0.9492, 0.4570


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def literal_default_run() -> None:
    x_train, y_train, _, _ = generate_data_sets()
    train_model(NanoNeuron(W0, B0), EPOCHS, ALPHA, x_train, y_train)


def train_to(epochs: int, alpha: float = ALPHA):
    """What `nanoneuron train` asks of the engine: the run, where it ends, and its costs there."""
    data = celsius_to_fahrenheit_data()

    def run() -> None:
        trained = Run(data, W0, B0, alpha)
        end = trained.last_epoch(epochs)
        trained.at(end)
        trained.cost(end - 1)

    return run


def walk_to_divergence(descent: Descent, limit: float) -> int:
    """The per-epoch check, for comparison with the run's bisection."""
    t = 0
    while descent.cost(t) <= limit:
        t += 1
    return t


def per_epoch_seconds(points: int, epochs: int = 200_000) -> float:
    """The cost of every epoch (what --history writes) on data of this size."""
    xs = [100 * i / points for i in range(points)]
    fit = LineFit.of(xs, [1.8 * x + 32 for x in xs])
    descent = Descent(fit, 0.5, 0.5, 0.5 * max_stable_alpha(fit))
    return best_of(3, lambda: [descent.cost(t) for t in range(epochs)]) / epochs


def process_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - start


def median_alternating(commands: dict[str, list[str]], repeats: int = 7) -> dict[str, float]:
    """Run the commands in turn, ``repeats`` rounds: a busy spell slows them all alike."""
    for command in commands.values():
        process_seconds(command)  # warm the file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            times[name].append(process_seconds(command))
    return {name: statistics.median(values) for name, values in times.items()}


# VmHWM, not ru_maxrss: ru_maxrss survives exec and would include this parent's memory at fork time.
PEAK_MEMORY = """
import contextlib, io
from nanoneuron_tui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["train", "--epochs", "1000000000"])
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", type=Path, help="NanoNeuron.js, to time with node")
    args = parser.parse_args()

    literal = best_of(1, literal_default_run)
    fast = best_of(5, train_to(EPOCHS))
    print(
        f"(a) seed run, {EPOCHS:,} epochs: literal train_model {literal:.3f} s, "
        f"run model {fast * 1e6:.0f} µs -> {literal / fast:,.0f}x faster"
    )

    engine = {epochs: best_of(20, train_to(epochs)) for epochs in (70_000, 7_000_000, 1_000_000_000)}
    print(
        "(b) engine alone, to the end of a run: "
        + ", ".join(f"{epochs:,} epochs {seconds * 1e6:.0f} µs" for epochs, seconds in engine.items())
        + f" -> 1e9 / 7e4 = {engine[1_000_000_000] / engine[70_000]:.2f}x"
    )

    data = celsius_to_fahrenheit_data()
    alpha = max_stable_alpha(data.train) * 1.00001  # a hair too large: blows up late
    found = best_of(3, lambda: Run(data, 0.5, 0.5, alpha).diverged_at)
    diverging = Run(data, 0.5, 0.5, alpha)
    start = time.perf_counter()
    walked = walk_to_divergence(Descent(data.train, 0.5, 0.5, alpha), diverging.divergence_limit)
    walking = time.perf_counter() - start
    assert walked == diverging.diverged_at
    print(
        f"(c) finding the blow-up at epoch {walked:,} (alpha a hair too large): bisection {found * 1e6:.0f} µs, "
        f"walking every epoch {walking:.2f} s (same epoch)"
    )

    small, large = per_epoch_seconds(100), per_epoch_seconds(1_000_000)
    print(
        f"(d) each epoch's cost (--history): {small * 1e9:.0f} ns at 100 points, {large * 1e9:.0f} ns at "
        f"1,000,000 points (ratio {large / small:.2f})"
    )

    train = [sys.executable, "-m", "nanoneuron_tui", "train", "--w0", str(W0), "--b0", str(B0)]
    commands = {"70000": [*train, "--epochs", "70000"], "1e9": [*train, "--epochs", "1000000000"]}
    if args.original and shutil.which("node"):
        commands["node"] = ["node", str(args.original)]
    whole = median_alternating(commands)
    line = (
        f"(e) whole `nanoneuron train` process (median of 7, alternating): --epochs 70000 "
        f"{whole['70000'] * 1000:.0f} ms, --epochs 1000000000 {whole['1e9'] * 1000:.0f} ms "
        f"-> {whole['1e9'] / whole['70000']:.2f}x"
    )
    if "node" in whole:
        line += f"; original NanoNeuron.js under node: {whole['node'] * 1000:.0f} ms"
    print(line)

    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY], capture_output=True, text=True, check=True)
    print(f"(f) peak RSS of `nanoneuron train --epochs 1000000000`: {int(out.stdout) / 1024:.1f} MB")

    run = Run(build_data(DataSpec(normalize=True)), 0.1, 0.2, 0.5).with_alpha(100, 0.2).with_alpha(5000, 0.9)
    epochs = range(0, 1_000_000_000, 999_983)
    jumps = best_of(3, lambda: [run.at(epoch) for epoch in epochs])
    print(f"(g) one jump to any epoch (Run.at, 3 segments, normalized): {jumps / len(epochs) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
