"""What the whole core knows of a sample set: its summary for a line, its standardization,
and the error raised when it cannot be used.

``data.py`` (presets, building a data set) and ``csv_data.py`` (reading a file) both
need these; they live here so that neither module has to import the other for them.

Gradient descent on a line only ever looks at the data through five averages
(see ``LineFit``). Computing them once, up front, is what lets the trainer
run an epoch in the same time whether there are a hundred points or a million.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, replace


class DataError(ValueError):
    """The data cannot be used; the message says why (and where, for a file)."""


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
