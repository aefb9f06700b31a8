"""How fast is the fast trainer, and how little memory does it need?

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

from nanoneuron_tui.core.data import LineFit, celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, generate_data_sets, train_model
from nanoneuron_tui.core.trainer import Trainer, max_stable_alpha

EPOCHS, ALPHA, W0, B0 = 70_000, 0.0005, 0.9492, 0.4570


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def fast_default_run() -> None:
    data = celsius_to_fahrenheit_data()
    trainer = Trainer(data.train, W0, B0, ALPHA, test=data.test)
    for _ in trainer.reports(EPOCHS, 1000):
        pass


def literal_default_run() -> None:
    x_train, y_train, _, _ = generate_data_sets()
    train_model(NanoNeuron(W0, B0), EPOCHS, ALPHA, x_train, y_train)


def per_epoch_seconds(points: int, epochs: int = 200_000) -> tuple[float, float]:
    xs = [100 * i / points for i in range(points)]
    ys = [1.8 * x + 32 for x in xs]
    start = time.perf_counter()
    fit = LineFit.of(xs, ys)
    summarise = time.perf_counter() - start
    alpha = 0.5 * max_stable_alpha(fit)

    def run() -> None:
        trainer = Trainer(fit, 0.5, 0.5, alpha)
        for _ in trainer.reports(epochs, 1000):
            pass

    return best_of(3, run) / epochs, summarise


# VmHWM, not ru_maxrss: ru_maxrss survives exec and would include this parent's
# memory at fork time.
PEAK_MEMORY_SCRIPT = """
from nanoneuron_tui.core.data import celsius_to_fahrenheit_data
from nanoneuron_tui.core.trainer import CostHistory, Trainer
data = celsius_to_fahrenheit_data()
trainer = Trainer(data.train, 0.5, 0.5, 0.0005, test=data.test)
history = CostHistory(capacity=10_000)
for report in trainer.reports({epochs}, 1000):
    history.extend(report.first_epoch, report.costs)
assert trainer.epoch == {epochs}
status = open("/proc/self/status").read()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def peak_memory_mb(epochs: int) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK_MEMORY_SCRIPT.format(epochs=epochs)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024, time.perf_counter() - start


def process_seconds(command: list[str], repeats: int = 7) -> float:
    def run() -> None:
        subprocess.run(command, capture_output=True, check=True)

    run()  # warm the file cache
    times = []
    for _ in range(repeats):
        times.append(best_of(1, run))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", type=Path, help="NanoNeuron.js, to time with node")
    args = parser.parse_args()

    literal = best_of(1, literal_default_run)
    fast = best_of(5, fast_default_run)
    print(f"(a) seed run, {EPOCHS} epochs: literal train_model {literal:.3f} s, "
          f"fast trainer {fast * 1000:.1f} ms -> {literal / fast:.0f}x faster")

    small, _ = per_epoch_seconds(100)
    large, summarise = per_epoch_seconds(1_000_000)
    print(f"(b) per epoch: {small * 1e9:.0f} ns at 100 points, {large * 1e9:.0f} ns at 1,000,000 points "
          f"(ratio {large / small:.2f}); summarising the 1,000,000 points once: {summarise:.2f} s")

    peak, seconds = peak_memory_mb(10_000_000)
    print(f"(c) 10,000,000 epochs with bounded history (10,000 points): peak RSS {peak:.1f} MB "
          f"(whole process, {seconds:.1f} s)")

    ours = process_seconds([sys.executable, "-m", "nanoneuron_tui", "train", "--w0", str(W0), "--b0", str(B0)])
    line = f"(d) whole `nanoneuron train` process, default run: {ours * 1000:.0f} ms (median of 7)"
    if args.original and shutil.which("node"):
        original = process_seconds(["node", str(args.original)])
        line += f"; original NanoNeuron.js under node: {original * 1000:.0f} ms -> {original / ours:.1f}x"
    print(line)


if __name__ == "__main__":
    main()
