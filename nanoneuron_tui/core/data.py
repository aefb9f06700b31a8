"""Data sets NanoNeuron can learn from, and the few numbers training needs of them.

Gradient descent on a line only ever looks at the data through five averages
(see ``LineFit``). Computing them once, up front, is what lets the trainer
run an epoch in the same time whether there are a hundred points or a million.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

from nanoneuron_tui.core.neuron import generate_data_sets


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
        # With a single distinct x no slope is best; 0 keeps cost() right.
        w_best = sxy / sxx if sxx > 0 else 0.0
        b_best = y_mean - w_best * x_mean
        residual = math.fsum((y - y_mean - w_best * d) ** 2 for d, y in zip(dx, ys))
        return cls(
            count=count,
            x_mean=x_mean,
            y_mean=y_mean,
            x_variance=sxx / count,
            w_best=w_best,
            b_best=b_best,
            residual_cost=residual / count / 2,
        )

    def _misses(self, w: float, b: float) -> tuple[float, float]:
        return self.w_best - w, self.y_mean - (w * self.x_mean + b)

    def cost(self, w: float, b: float) -> float:
        """Mean of (y - (w*x + b))**2 / 2 over the samples, as forward propagation measures it."""
        u, v = self._misses(w, b)
        return self.residual_cost + (self.x_variance * u * u + v * v) / 2

    def gradient(self, w: float, b: float) -> tuple[float, float]:
        """(dW, dB) as backward propagation computes them: the means of (y - prediction)*x and (y - prediction)."""
        u, v = self._misses(w, b)
        return self.x_variance * u + self.x_mean * v, v


@dataclass(frozen=True)
class DataSet:
    """Training and test points, with names for what x and y measure."""

    name: str
    x_label: str
    y_label: str
    x_train: array
    y_train: array
    x_test: array
    y_test: array
    # The rule that generated the data, if there is one (w, b); otherwise the
    # best a line can do is the least-squares fit of the training data.
    rule: tuple[float, float] | None = None
    train: LineFit = field(init=False, repr=False, compare=False)
    test: LineFit | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        train = LineFit.of(self.x_train, self.y_train)
        if not train.x_variance > 0:
            raise ValueError("the training data needs at least two different x values")
        object.__setattr__(self, "train", train)
        test = LineFit.of(self.x_test, self.y_test) if len(self.x_test) else None
        object.__setattr__(self, "test", test)

    @property
    def target(self) -> tuple[float, float]:
        """The (w, b) NanoNeuron should end up near."""
        return self.rule if self.rule is not None else (self.train.w_best, self.train.b_best)


def celsius_to_fahrenheit_data() -> DataSet:
    """The article's data: 0..99 °C to train on, 0.5..99.5 °C to test on."""
    x_train, y_train, x_test, y_test = generate_data_sets()
    return DataSet(
        name="Celsius to Fahrenheit",
        x_label="°C",
        y_label="°F",
        x_train=array("d", x_train),
        y_train=array("d", y_train),
        x_test=array("d", x_test),
        y_test=array("d", y_test),
        rule=(1.8, 32.0),
    )
