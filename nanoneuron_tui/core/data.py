"""Data sets NanoNeuron can learn from: the article's, the presets and CSV files,
with noise, a train/test split and normalization as a spec asks.

The few numbers training needs of a data set (``LineFit``) are in ``core.samples``,
which ``core.csv_data`` shares.
"""

from __future__ import annotations

import os
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from nanoneuron_tui.core.neuron import generate_data_sets
from nanoneuron_tui.core.numbers import MAX_MAGNITUDE
from nanoneuron_tui.core.printable import printable

# Their home is core.samples (csv_data needs them too); imported from here as well.
from nanoneuron_tui.core.samples import DataError as DataError
from nanoneuron_tui.core.samples import LineFit as LineFit
from nanoneuron_tui.core.samples import Scaling as Scaling


@dataclass(frozen=True)
class DataSpec:
    """Which data to learn from, and how: enough to build it again (a saved session does)."""

    preset: str = "c2f"
    csv: str | None = None  # a file of x,y rows instead of a preset
    noise: float = 0.0  # standard deviation of Gaussian noise added to y
    noise_seed: int = 0
    test_ratio: float | None = None  # None: the preset's own split (20% for a file)
    split_seed: int = 0
    normalize: bool = False

    def __post_init__(self) -> None:
        # A file's data has no preset: whatever preset was chosen before the file means
        # nothing now. One value for all, so two specs of the same file compare equal.
        if self.csv is not None and self.preset != DataSpec.preset:
            object.__setattr__(self, "preset", DataSpec.preset)

    def to_dict(self) -> dict[str, object]:
        """What a saved file records: only what is true (a file's data names no preset)."""
        fields: dict[str, object] = {
            "preset": self.preset,
            "csv": self.csv,
            "noise": self.noise,
            "noise_seed": self.noise_seed,
            "test_ratio": self.test_ratio,
            "split_seed": self.split_seed,
            "normalize": self.normalize,
        }
        if self.csv is not None:
            del fields["preset"]
        return fields


@dataclass(frozen=True)
class DataSet:
    """Training and test points, with names for what x and y measure."""

    name: str
    x_label: str
    y_label: str
    # array('d') for a preset; for a file, read-only memoryviews of numpy arrays
    # (no copy). Either way len, indexing (a float) and slicing work alike.
    x_train: array[float] | memoryview
    y_train: array[float] | memoryview
    x_test: array[float] | memoryview
    y_test: array[float] | memoryview
    # The rule that generated the data, if there is one (w, b); otherwise the
    # best a line can do is the least-squares fit of the training data.
    rule: tuple[float, float] | None = None
    spec: DataSpec = field(default_factory=DataSpec)
    # Summaries of the training and test points (see ``train`` and ``test``) and the
    # training extremes, when the reader of a large file already has them (see core.csv_data).
    summaries: tuple[LineFit, LineFit | None] | None = field(default=None, repr=False, compare=False)
    extremes: tuple[float, float, float, float] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.train.x_variance > 0:
            raise DataError("the training data needs at least two different x values")

    @cached_property
    def train(self) -> LineFit:
        """The training points summarised for a line."""
        return self.summaries[0] if self.summaries else LineFit.of(self.x_train, self.y_train)

    @cached_property
    def test(self) -> LineFit | None:
        """The test points summarised for a line; None if there are none."""
        if self.summaries:
            return self.summaries[1]
        return LineFit.of(self.x_test, self.y_test) if len(self.x_test) else None

    @property
    def target(self) -> tuple[float, float]:
        """The (w, b) NanoNeuron should end up near."""
        return self.rule if self.rule is not None else (self.train.w_best, self.train.b_best)

    @property
    def y_name(self) -> str:
        """What y is called in a sentence: "Fahrenheit" for a conversion, else its label."""
        return self.name.split(" to ", 1)[1] if self.rule is not None and " to " in self.name else self.y_label

    @property
    def target_kind(self) -> str:
        return "rule" if self.rule is not None else "least-squares line"

    @cached_property
    def scaling(self) -> Scaling | None:
        return Scaling.of(self.train) if self.spec.normalize else None

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """x_min, x_max, y_min, y_max of the training data, read once."""
        if self.extremes is not None:
            return self.extremes
        return min(self.x_train), max(self.x_train), min(self.y_train), max(self.y_train)

    @cached_property
    def training_fits(self) -> tuple[LineFit, LineFit | None]:
        """Training and test data as the neuron sees them (standardized x if normalizing)."""
        if self.scaling is None:
            return self.train, self.test
        return self.train.rescaled(self.scaling), self.test.rescaled(self.scaling) if self.test else None

    def to_training(self, w: float, b: float) -> tuple[float, float]:
        """A neuron in the data's units, as the trainer holds it."""
        return self.scaling.to_scaled(w, b) if self.scaling else (w, b)

    def from_training(self, w: float, b: float) -> tuple[float, float]:
        """The trainer's neuron, in the data's units."""
        return self.scaling.to_original(w, b) if self.scaling else (w, b)

    def describe(self) -> dict[str, object]:
        """What a report says about the data used."""
        return {
            "name": self.name,
            "source": self.spec.csv or f"preset {self.spec.preset}",
            "x": self.x_label,
            "y": self.y_label,
            "train_size": len(self.x_train),
            "test_size": len(self.x_test),
            "noise": self.spec.noise,
            "noise_seed": self.spec.noise_seed if self.spec.noise else None,
            "test_ratio": self.spec.test_ratio,
            "split_seed": self.spec.split_seed if self.spec.test_ratio is not None or self.spec.csv else None,
            "normalized": self.spec.normalize,
            "target": {"w": self.target[0], "b": self.target[1], "kind": self.target_kind},
        }


@dataclass(frozen=True)
class Preset:
    name: str
    x_label: str
    y_label: str
    w: float
    b: float
    x_start: float
    x_step: float


# Linear unit conversions, each sampled like the article's: 100 training
# points, and test points halfway between them.
PRESETS = {
    "c2f": Preset("Celsius to Fahrenheit", "°C", "°F", 1.8, 32.0, 0.0, 1.0),
    "f2c": Preset("Fahrenheit to Celsius", "°F", "°C", 5 / 9, -160 / 9, 32.0, 1.8),
    "km2mi": Preset("Kilometres to miles", "km", "mi", 0.621371, 0.0, 0.0, 1.0),
    "kg2lb": Preset("Kilograms to pounds", "kg", "lb", 2.20462, 0.0, 0.0, 1.0),
    "in2cm": Preset("Inches to centimetres", "in", "cm", 2.54, 0.0, 0.0, 0.5),
}


def _preset_points(key: str) -> tuple[list[float], list[float], list[float], list[float]]:
    if key == "c2f":
        return generate_data_sets()  # the article's own, exactly
    preset = PRESETS[key]
    x_train = [preset.x_start + i * preset.x_step for i in range(100)]
    x_test = [preset.x_start + (i + 0.5) * preset.x_step for i in range(100)]

    def rule(x: float) -> float:
        return preset.w * x + preset.b

    return x_train, [rule(x) for x in x_train], x_test, [rule(x) for x in x_test]


def read_csv(path: str | Path) -> tuple[object, object, str, str]:
    """x values, y values (numpy arrays), and the x and y labels of a CSV file (see core.csv_data)."""
    from nanoneuron_tui.core import csv_data

    columns = csv_data.read_csv(path)
    return columns.x, columns.y, columns.x_label, columns.y_label


def _split(
    xs: list[float], ys: list[float], ratio: float, seed: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    order = list(range(len(xs)))
    random.Random(seed).shuffle(order)
    n_test = min(len(xs) - 2, round(len(xs) * ratio))
    test, train = order[:n_test], order[n_test:]
    return [xs[i] for i in train], [ys[i] for i in train], [xs[i] for i in test], [ys[i] for i in test]


def build_data(spec: DataSpec = DataSpec(), cancelled: Callable[[], bool] = lambda: False) -> DataSet:
    """The data set a spec describes: preset or file, noise, split, normalization.

    A file is named by its absolute path in the data set's spec, so a saved
    session finds it again from any directory. ``cancelled`` is asked while a
    file is read; when it says yes, the load stops with csv_data.LoadCancelled.
    """
    if spec.csv:
        return _file_data(spec, spec.csv, cancelled)
    if spec.preset not in PRESETS:
        raise DataError(f"no preset called {spec.preset!r}; there are {', '.join(PRESETS)}")
    preset = PRESETS[spec.preset]
    x_train, y_train, x_test, y_test = _preset_points(spec.preset)
    if spec.test_ratio is not None:
        xs, ys = x_train + x_test, y_train + y_test
        if spec.noise:
            ys = _noisy(ys, spec.noise, spec.noise_seed)
        x_train, y_train, x_test, y_test = _split(xs, ys, spec.test_ratio, spec.split_seed)
    elif spec.noise:
        noisy = _noisy(y_train + y_test, spec.noise, spec.noise_seed)
        y_train, y_test = noisy[: len(y_train)], noisy[len(y_train) :]
    return DataSet(
        name=preset.name,
        x_label=preset.x_label,
        y_label=preset.y_label,
        x_train=array("d", x_train),
        y_train=array("d", y_train),
        x_test=array("d", x_test),
        y_test=array("d", y_test),
        rule=(preset.w, preset.b),
        spec=spec,
    )


def _file_data(spec: DataSpec, csv: str, cancelled: Callable[[], bool]) -> DataSet:
    from nanoneuron_tui.core import csv_data  # numpy and polars come only with a file

    path = os.path.abspath(csv)
    spec = replace(spec, csv=path)
    columns = csv_data.read_csv(path, cancelled)
    x_label, y_label = columns.x_label, columns.y_label
    parts = csv_data.split(
        columns, 0.2 if spec.test_ratio is None else spec.test_ratio, spec.split_seed, spec.noise, spec.noise_seed
    )
    del columns  # the table itself; the split holds copies of what is kept
    x_low, x_high = parts.bounds[:2]
    if x_low == x_high:
        raise DataError(
            f"{path}: every training row has x = {x_low:g}, and a line needs two different x values "
            "(the other rows went to the test split: try a smaller test ratio or another split seed)"
        )
    if not parts.train.x_variance > 0:  # different values, but their squared spread is below any float
        raise DataError(
            f"{path}: the x values, from {x_low:g} to {x_high:g}, are too close together to fit a line "
            "(their spread squared is smaller than the smallest float); give x in larger units"
        )
    w_best, b_best = parts.train.w_best, parts.train.b_best
    if not (abs(w_best) <= MAX_MAGNITUDE and abs(b_best) <= MAX_MAGNITUDE):
        raise DataError(
            f"{path}: the best line through the training points (w {w_best:.3g}, b {b_best:.3g}) "
            f"is beyond ±{MAX_MAGNITUDE:g}; are the x values almost all the same?"
        )
    return DataSet(
        name=printable(Path(path).name),
        x_label=x_label,
        y_label=y_label,
        x_train=parts.x_train,
        y_train=parts.y_train,
        x_test=parts.x_test,
        y_test=parts.y_test,
        rule=None,
        spec=spec,
        summaries=(parts.train, parts.test),
        extremes=parts.bounds,
    )


def _noisy(ys: list[float], sigma: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [y + rng.gauss(0.0, sigma) for y in ys]


def celsius_to_fahrenheit_data() -> DataSet:
    """The article's data: 0..99 °C to train on, 0.5..99.5 °C to test on."""
    return build_data(DataSpec())
