"""The cost over (w, b): why training takes 70,000 epochs, in one picture.

For a line, the cost is a quadratic bowl in (w, b). Written around its lowest
point (the least-squares line, see ``LineFit``), with ``dw = w - w_best`` and
``db = b - b_best``::

    cost(w, b) = residual + (var(x)·dw² + (mean(x)·dw + db)²) / 2

Two squares, so it never goes below ``residual`` and is exact all the way
down. Its curvature (the Hessian) is ``H = [[mean(x²), mean(x)], [mean(x), 1]]``.
On the article's data (x = 0..99) H's two eigenvalues are about 3,300 and
0.25: a long, narrow valley. Gradient descent must take steps small enough
for the steep direction (alpha below 2/3,300 = 0.000609) and so crawls along
the flat one: w settles in a few zig-zagging epochs, b takes tens of thousands.
With x standardized, H is the identity: a round bowl, and the path dives straight in.

This module is maths only (the cost itself is ``LineFit.cost``): levels, crossings and the sampled path, in the
units of whatever (w, b) plane the caller gives it. Drawing is the widget's job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from nanoneuron_tui.core.data import LineFit
from nanoneuron_tui.core.trainer import modes

# The path keeps every epoch while there are few (the zig-zag happens there)...
DENSE_EPOCHS = 64
# ...then this many samples per doubling of the epoch count (the slow crawl).
SAMPLES_PER_DOUBLING = 16


class Window(NamedTuple):
    """The part of the (w, b) plane on show."""

    w_low: float
    w_high: float
    b_low: float
    b_high: float

    def contains(self, w: float, b: float) -> bool:
        return self.w_low <= w <= self.w_high and self.b_low <= b <= self.b_high


@dataclass(frozen=True)
class CostSurface:
    """The training cost as a function of (w, b), in closed form, from the data's summaries."""

    fit: LineFit

    @property
    def residual(self) -> float:
        """The cost of the best line: the bottom of the bowl."""
        return self.fit.residual_cost

    @property
    def lowest(self) -> tuple[float, float]:
        return self.fit.w_best, self.fit.b_best

    def excess(self, w: float, b: float) -> float:
        """How much more than the best line (w, b) costs."""
        return self.fit.cost(w, b) - self.fit.residual_cost

    def cost(self, w: float, b: float) -> float:
        return self.fit.cost(w, b)

    @property
    def curvatures(self) -> tuple[float, float]:
        """H's eigenvalues, steepest first: how sharply the cost bends across and along the valley."""
        steep, shallow = modes(self.fit, 0.0)
        return steep.h, shallow.h

    def b_crossings(self, level: float, w: float) -> tuple[float, ...]:
        """The b values where the vertical line at ``w`` meets the contour ``cost = level``."""
        fit = self.fit
        dw = w - fit.w_best
        room = 2 * (level - fit.residual_cost) - fit.x_variance * dw * dw
        if room < 0:
            return ()
        centre = fit.b_best - fit.x_mean * dw
        half = math.sqrt(room)
        return (centre - half, centre + half)

    def w_crossings(self, level: float, b: float) -> tuple[float, ...]:
        """The w values where the horizontal line at ``b`` meets the contour ``cost = level``."""
        fit = self.fit
        db = b - fit.b_best
        curvature = fit.x_variance + fit.x_mean**2  # mean(x²)
        # (mean(x²)·dw + mean(x)·db)² = mean(x²)·2·excess - var(x)·db², completing the square.
        room = curvature * 2 * (level - fit.residual_cost) - fit.x_variance * db * db
        if room < 0:
            return ()
        centre = -fit.x_mean * db / curvature
        half = math.sqrt(room) / curvature
        return (fit.w_best + centre - half, fit.w_best + centre + half)


def contour_levels(surface: CostSurface, window: Window, per_decade: int = 2, decades: int = 4) -> tuple[float, ...]:
    """Costs to draw contours at, lowest first: log-spaced, so the valley floor shows as well as its walls.

    The highest is the largest round value below the window's highest cost
    (a quadratic is highest at a corner); below it come ``per_decade`` round
    steps per factor of ten (1, 3 or 1, 2, 5), for ``decades`` factors of ten.
    """
    mantissas = {1: (1.0,), 2: (1.0, 3.0), 3: (1.0, 2.0, 5.0)}[per_decade]
    corners = ((w, b) for w in window[:2] for b in window[2:])
    top = max(surface.excess(w, b) for w, b in corners)
    if not math.isfinite(top) or top <= 0:  # a NaN corner is not finite either
        return ()
    power = math.floor(math.log10(top))
    steps = [m * 10.0**p for p in range(power - decades, power + 1) for m in mantissas]
    excesses = [step for step in steps if top * 10.0**-decades < step <= top]
    return tuple(surface.residual + excess for excess in excesses)


def contour_points(
    surface: CostSurface, level: float, window: Window, columns: int, rows: int
) -> list[tuple[float, float]]:
    """Points of the contour ``cost = level`` inside ``window``, where it crosses a grid of
    ``columns`` vertical and ``rows`` horizontal lines (through pixel centres).

    Crossing both ways leaves no gaps: where the contour runs steeply it
    crosses many rows, where it runs flat many columns.
    """
    w_low, w_high, b_low, b_high = window
    points: list[tuple[float, float]] = []
    for i in range(columns):
        w = w_low + (w_high - w_low) * (i + 0.5) / columns
        points.extend((w, b) for b in surface.b_crossings(level, w) if b_low <= b <= b_high)
    for j in range(rows):
        b = b_low + (b_high - b_low) * (j + 0.5) / rows
        points.extend((w, b) for w in surface.w_crossings(level, b) if w_low <= w <= w_high)
    return points


def contour_dots(
    surface: CostSurface, levels: Iterable[float], window: Window, width: int, height: int
) -> tuple[list[int], list[int]]:
    """Every contour of ``levels`` as dots on a ``width`` x ``height`` grid over ``window``
    (x to the right, y down): ``contour_points`` for all levels at once, with numpy.

    The same crossings through the same pixel centres, so the same dots; a
    screenful of contours is a few array operations instead of tens of
    thousands of Python calls.
    """
    import numpy as np  # imported here: the headless trainer never draws a surface

    fit = surface.fit
    w_low, w_high, b_low, b_high = window
    gap = np.asarray(list(levels), dtype=float)[:, None] - fit.residual_cost  # one row per level (none: no dots)
    ws = w_low + (w_high - w_low) * (np.arange(width) + 0.5) / width
    bs = b_low + (b_high - b_low) * (np.arange(height) + 0.5) / height
    dw = ws - fit.w_best
    db = bs - fit.b_best
    curvature = fit.x_variance + fit.x_mean**2  # mean(x²)
    with np.errstate(invalid="ignore"):  # a negative room is a line that misses the contour: NaN, dropped
        half_b = np.sqrt(2 * gap - fit.x_variance * dw * dw)  # levels x columns
        half_w = np.sqrt(curvature * 2 * gap - fit.x_variance * db * db) / curvature  # levels x rows
    centre_b = fit.b_best - fit.x_mean * dw
    centre_w = fit.w_best - fit.x_mean * db / curvature
    points_w = [np.broadcast_to(ws, half_b.shape)] * 2 + [centre_w - half_w, centre_w + half_w]
    points_b = [centre_b - half_b, centre_b + half_b] + [np.broadcast_to(bs, half_w.shape)] * 2
    w = np.concatenate([p.ravel() for p in points_w])
    b = np.concatenate([p.ravel() for p in points_b])
    inside = (w >= w_low) & (w <= w_high) & (b >= b_low) & (b <= b_high)  # NaN is never inside
    w, b = w[inside], b[inside]
    xs = ((w - w_low) * (width / (w_high - w_low))).astype(int)
    ys = ((b_high - b) * (height / (b_high - b_low))).astype(int)
    return xs.tolist(), ys.tolist()


def path_epochs(first: int, last: int) -> tuple[int, ...]:
    """Which epochs of a run from ``first`` to ``last`` the descent path shows.

    Every epoch while there are few, then a fixed number per doubling: a grid
    that does not depend on ``last`` (so a growing path keeps its earlier
    points where they were), with ``last`` itself always at the end.
    """
    if last < first:
        return ()
    offsets = list(range(min(DENSE_EPOCHS, last - first) + 1))
    step = 0
    while True:
        step += 1
        offset = round(DENSE_EPOCHS * 2 ** (step / SAMPLES_PER_DOUBLING))
        if offset >= last - first:
            break
        offsets.append(offset)  # past the dense ones: 64·2^(1/16) is 66.8, and each is 4 % past the last
    if offsets[-1] != last - first:
        offsets.append(last - first)
    return tuple(first + offset for offset in offsets)


Point = tuple[float, float]  # (w, b)


def descent_path(neuron_at: Callable[[int], Point], first: int, last: int) -> tuple[Point, ...]:
    """(w, b) at the sampled epochs from ``first`` to ``last``: the way the neuron came down."""
    return tuple(neuron_at(epoch) for epoch in path_epochs(first, last))


def window_around(
    points: Iterable[tuple[float, float]], margin: float = 0.08, square_pixels: tuple[int, int] | None = None
) -> Window:
    """The smallest window holding ``points``, with a ``margin`` share of room on each side.

    With ``square_pixels`` = (columns, rows) of pixels, w and b get the same
    scale per pixel, so a round bowl is drawn round.
    """
    finite = [(w, b) for w, b in points if math.isfinite(w) and math.isfinite(b)]
    if not finite:
        return Window(-1.0, 1.0, -1.0, 1.0)
    ws, bs = [w for w, _ in finite], [b for _, b in finite]
    w_mid, b_mid = (min(ws) + max(ws)) / 2, (min(bs) + max(bs)) / 2
    w_half, b_half = (max(ws) - min(ws)) / 2, (max(bs) - min(bs)) / 2
    # A single point, or a line of them, still gets some room around it.
    floor = 1e-3 * max(1.0, abs(w_mid), abs(b_mid), w_half, b_half)
    w_half = max(w_half, floor) * (1 + 2 * margin)
    b_half = max(b_half, floor) * (1 + 2 * margin)
    if square_pixels is not None:
        columns, rows = square_pixels
        per_pixel = max(2 * w_half / columns, 2 * b_half / rows)
        w_half, b_half = per_pixel * columns / 2, per_pixel * rows / 2
    return Window(w_mid - w_half, w_mid + w_half, b_mid - b_half, b_mid + b_half)


# -- one parameter at a time: why the step points downhill ---------------------------------------


@dataclass(frozen=True)
class CostSlice:
    """The cost along one parameter with the other held where it is: a parabola through the neuron.

    Along w (b held) the cost is ``cost + slope·(w − w₀) + mean(x²)·(w − w₀)² / 2``:
    its slope at the neuron, the derivative ∂cost/∂w, is −dW. Along b it is
    −dB, and the curvature is 1. Training adds alpha × dW to w, so it steps
    against the slope: downhill.
    """

    fit: LineFit
    name: str  # "w" or "b"
    w: float  # the neuron the slice goes through, in the trainer's units
    b: float
    cost: float  # there
    slope: float  # ∂cost/∂w (or ∂cost/∂b) there: −dW (or −dB)
    curvature: float  # the second derivative along this parameter: mean(x²) for w, 1 for b
    low: float  # the stretch of the parameter on show
    high: float

    @property
    def at(self) -> float:
        """The parameter's value at the neuron."""
        return self.w if self.name == "w" else self.b

    @property
    def lowest(self) -> float:
        """Where the cost is lowest along this slice (the other parameter held)."""
        return self.at - self.slope / self.curvature

    @property
    def drawable(self) -> bool:
        """Finite numbers all the way: a diverged neuron's slice cannot be drawn."""
        ends = (self.cost_at(self.low), self.cost_at(self.high))
        return all(math.isfinite(v) for v in (self.at, self.cost, self.slope, self.low, self.high, *ends))

    def cost_at(self, value: float) -> float:
        """The exact cost with this parameter at ``value`` and the other held."""
        return self.fit.cost(value, self.b) if self.name == "w" else self.fit.cost(self.w, value)

    def tangent_at(self, value: float) -> float:
        """The tangent at the neuron: the straight line with the cost's slope there."""
        return self.cost + self.slope * (value - self.at)

    def curve(self, count: int) -> tuple[list[float], list[float]]:
        """``count`` evenly spaced values of the parameter across the slice, and the cost at each."""
        values = [self.low + (self.high - self.low) * i / (count - 1) for i in range(count)]
        return values, [self.cost_at(value) for value in values]


def cost_slices(fit: LineFit, w: float, b: float) -> tuple[CostSlice, CostSlice]:
    """The slices along w and along b through the neuron (w, b), in the trainer's units.

    Each shows the neuron, the bottom of its parabola and the parameter's
    target (the least-squares line's), with room around them, so it rescales
    as the neuron moves; at the bottom (a zero slope) it still shows a
    parabola wide enough to rise visibly above float rounding.
    """
    cost = fit.cost(w, b)
    dW, dB = fit.gradient(w, b)
    mean_x_squared = fit.x_variance + fit.x_mean * fit.x_mean
    slices = []
    for name, at, slope, curvature, best in (
        ("w", w, -dW, mean_x_squared, fit.w_best),
        ("b", b, -dB, 1.0, fit.b_best),
    ):
        lowest = at - slope / curvature if math.isfinite(slope) else at
        floor = max(1e-3 * max(1.0, abs(at)), math.sqrt(2e-6 * max(cost, 1e-300) / curvature))
        # Wide enough for the neuron and for where this parameter must end up: in the narrow
        # valley b sits near the bottom of its slice, far from its target, and so crawls.
        reach = max(abs(at - lowest), abs(best - lowest))
        half = max(1.3 * reach, floor) if math.isfinite(reach) else math.inf
        slices.append(CostSlice(fit, name, w, b, cost, slope, curvature, lowest - half, lowest + half))
    return slices[0], slices[1]
