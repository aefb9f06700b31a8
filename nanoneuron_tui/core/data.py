"""Data sets NanoNeuron can learn from, and the few numbers training needs of them.

Gradient descent on a line only ever looks at the data through five averages
(see ``LineFit``). Computing them once, up front, is what lets the trainer
run an epoch in the same time whether there are a hundred points or a million.
"""

from __future__ import annotations

import math
import os
import random
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from nanoneuron_tui.core.neuron import generate_data_sets
from nanoneuron_tui.core.numbers import MAX_MAGNITUDE
from nanoneuron_tui.core.printable import printable


@dataclass(frozen=True)
class LineFit:
    """A sample set summarised for a line ``y = w*x + b``.

    The cost of any line splits into three parts that never cancel:

        cost(w, b) = residual_cost + (x_variance * u**2 + v**2) / 2

    with ``u = w_best - w`` (how far the slope is off) and
    ``v = y_mean - (w*x_mean + b)`` (how far the line misses the centre of the
    data). ``residual_cost`` is what even the best line cannot explain. Every
    term is non-negative, so the cost stays accurate as it falls towards zero,
    which ``sum(y*y) - 2*w*sum(x*y) + ...`` would not.
    """

    count: int
    x_mean: float
    y_mean: float
    x_variance: float  # mean of (x - x_mean)**2
    w_best: float  # the least-squares line
    b_best: float
    residual_cost: float  # the cost of the least-squares line

    @classmethod
    def of(cls, xs: Iterable[float], ys: Iterable[float]) -> LineFit:
        xs = xs if isinstance(xs, array | list | tuple) else list(xs)
        ys = ys if isinstance(ys, array | list | tuple) else list(ys)
        count = len(xs)
        if count != len(ys):
            raise ValueError("x and y must have the same number of values")
        if count == 0:
            raise ValueError("no data points")
        # Two passes: means first, then deviations from them (exact-ish sums
        # with fsum), so no large sums are ever subtracted from each other.
        x_mean = math.fsum(xs) / count
        y_mean = math.fsum(ys) / count
        dx = [x - x_mean for x in xs]
        sxx = math.fsum(d * d for d in dx)
        sxy = math.fsum(d * (y - y_mean) for d, y in zip(dx, ys))
        w_best = sxy / sxx if sxx > 0 else 0.0
        residual = math.fsum((y - y_mean - w_best * d) ** 2 for d, y in zip(dx, ys))
        return cls.from_sums(count, x_mean, y_mean, sxx, sxy, residual)

    @classmethod
    def from_sums(cls, count: int, x_mean: float, y_mean: float, sxx: float, sxy: float, residual: float) -> LineFit:
        """From the sums over deviations from the means: sxx = Σ(x - x̄)², sxy = Σ(x - x̄)(y - ȳ),
        and residual = Σ(y - ȳ - w_best·(x - x̄))², the best line's squared errors."""
        # With a single distinct x no slope is best; 0 keeps cost() right.
        w_best = sxy / sxx if sxx > 0 else 0.0
        return cls(
            count=count,
            x_mean=x_mean,
            y_mean=y_mean,
            x_variance=sxx / count,
            w_best=w_best,
            b_best=y_mean - w_best * x_mean,
            residual_cost=residual / count / 2,
        )

    def _misses(self, w: float, b: float) -> tuple[float, float]:
        return self.w_best - w, self.y_mean - (w * self.x_mean + b)

    def cost(self, w: float, b: float) -> float:
        """Mean of (y - (w*x + b))**2 / 2 over the samples, as forward propagation measures it."""
        u, v = self._misses(w, b)
        return self.residual_cost + (self.x_variance * u * u + v * v) / 2

    def rescaled(self, scaling: Scaling) -> LineFit:
        """The same samples seen through standardized x, ``(x - mean) / std``: no pass over the data."""
        return replace(
            self,
            x_mean=(self.x_mean - scaling.mean) / scaling.std,
            x_variance=self.x_variance / scaling.std**2,
            w_best=self.w_best * scaling.std,
            b_best=self.b_best + self.w_best * scaling.mean,
        )

    def gradient(self, w: float, b: float) -> tuple[float, float]:
        """(dW, dB) as backward propagation computes them: the means of (y - prediction)*x and (y - prediction)."""
        u, v = self._misses(w, b)
        return self.x_variance * u + self.x_mean * v, v


@dataclass(frozen=True)
class Scaling:
    """Input normalization: the neuron sees ``(x - mean) / std`` instead of x.

    With x standardized the cost is equally curved along w and b, so one alpha
    suits both and a much larger one converges. The neuron's w and b are
    translated back, so a person always reads them in the data's own units.
    """

    mean: float
    std: float

    @classmethod
    def of(cls, fit: LineFit) -> Scaling:
        return cls(fit.x_mean, math.sqrt(fit.x_variance))

    def to_original(self, w: float, b: float) -> tuple[float, float]:
        return w / self.std, b - w * self.mean / self.std

    def to_scaled(self, w: float, b: float) -> tuple[float, float]:
        return w * self.std, b + w * self.mean


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
        fields = {
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
    x_train: array | memoryview
    y_train: array | memoryview
    x_test: array | memoryview
    y_test: array | memoryview
    # The rule that generated the data, if there is one (w, b); otherwise the
    # best a line can do is the least-squares fit of the training data.
    rule: tuple[float, float] | None = None
    spec: DataSpec = field(default_factory=DataSpec)
    # Summaries of the points, computed here unless the reader of a large file
    # already has them (see core.csv_data).
    train: LineFit | None = field(default=None, repr=False, compare=False)
    test: LineFit | None = field(default=None, repr=False, compare=False)
    extremes: tuple[float, float, float, float] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.train is None:
            object.__setattr__(self, "train", LineFit.of(self.x_train, self.y_train))
            object.__setattr__(self, "test", LineFit.of(self.x_test, self.y_test) if len(self.x_test) else None)
        if not self.train.x_variance > 0:
            raise DataError("the training data needs at least two different x values")

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


class DataError(ValueError):
    """The data cannot be used; the message says why (and where, for a file)."""


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
    rule = lambda x: preset.w * x + preset.b  # noqa: E731
    return x_train, [rule(x) for x in x_train], x_test, [rule(x) for x in x_test]


def read_csv(path: str | Path) -> tuple[object, object, str, str]:
    """x values, y values (numpy arrays), and the x and y labels of a CSV file (see core.csv_data)."""
    from nanoneuron_tui.core import csv_data

    columns = csv_data.read_csv(path)
    return columns.x, columns.y, columns.x_label, columns.y_label


def _split(xs: list[float], ys: list[float], ratio: float, seed: int) -> tuple[list, list, list, list]:
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
        return _file_data(spec, cancelled)
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


def _file_data(spec: DataSpec, cancelled: Callable[[], bool]) -> DataSet:
    from nanoneuron_tui.core import csv_data  # numpy and polars come only with a file

    path = os.path.abspath(spec.csv)
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
        train=parts.train,
        test=parts.test,
        extremes=parts.bounds,
    )


def _noisy(ys, sigma: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [y + rng.gauss(0.0, sigma) for y in ys]


def celsius_to_fahrenheit_data() -> DataSet:
    """The article's data: 0..99 °C to train on, 0.5..99.5 °C to test on."""
    return build_data(DataSpec())
