"""The data and the neuron's line: watch the line swing into place.

Everything is always on the chart or says where it is: the y range grows to
take in the neuron's line, and a line too far off is clamped at the edge with
an arrow and its value. Training points, test points, the neuron's line and
the target line each have their own glyph, so they are told apart without colour.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from textual.content import Content

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.widgets.plotting import (
    GHOST_COLOUR,
    GHOST_HEX,
    LINE_COLOUR,
    POINT_COLOUR,
    TEST_COLOUR,
    PlotWidget,
    linear_ticks,
    marker,
    nice_step,
)

TARGET_COLOUR = 220  # yellow: the same as the best line on the cost surface
REACH = 2.0  # the y range stretches at most this many data heights beyond the data for the line
RESIDUALS = 6  # residual sticks drawn when they are on
TRAIN_GLYPH, TEST_GLYPH, TARGET_GLYPH = "•", "×", "·"

Points = tuple[tuple[float, ...], tuple[float, ...]]
Segment = tuple[tuple[int, int], tuple[int, int]]


class FitKey(NamedTuple):
    """Everything the fit picture shows, and nothing else: equal keys, equal pictures."""

    train: Points  # the training points drawn (a spaced-out sample)
    test: Points
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    pixel: tuple[float, float]  # one dot's width and height, in x's and y's units
    # Lines as the ends of their part inside the chart, in whole dots (None: off the chart):
    # a line that moves less than a dot is the same picture.
    line: Segment | None
    target: Segment | None
    ghost: Segment | None
    off_chart: tuple[tuple[float, str], ...]  # (x, "▲ 3340") where the line leaves the chart
    residuals: tuple[tuple[float, float, float], ...]  # (x, y, the line's y there), rounded to dots


def spaced(xs, ys, count: int) -> Points:
    """About ``count`` of the points, evenly through the data: 100 points on 33 columns read as dots, not a line."""
    if len(xs) <= count:
        return tuple(xs), tuple(ys)
    if count < 2:
        return (xs[0],), (ys[0],)
    picked = sorted({round(i * (len(xs) - 1) / (count - 1)) for i in range(count)})
    return tuple(xs[i] for i in picked), tuple(ys[i] for i in picked)


def visible_segment(
    w: float, b: float, x_range: tuple[float, float], y_range: tuple[float, float]
) -> tuple[float, float] | None:
    """The x interval over which the line ``w*x + b`` lies inside the chart, or None."""
    (x_low, x_high), (y_low, y_high) = x_range, y_range
    if not (math.isfinite(w) and math.isfinite(b)):
        return None
    if w == 0:
        return (x_low, x_high) if y_low <= b <= y_high else None
    # Where the line crosses the chart's lower and upper edges.
    x_a, x_b = sorted(((y_low - b) / w, (y_high - b) / w))
    start, end = max(x_low, x_a), min(x_high, x_b)
    return (start, end) if start <= end else None


def y_range_for(data_low: float, data_high: float, line_ends: tuple[float, float]) -> tuple[float, float]:
    """The data's heights, stretched to take in the line (up to ``REACH`` data heights away),
    rounded out to round ticks so it changes in steps."""
    height = (data_high - data_low) or 1.0
    reach_low, reach_high = data_low - REACH * height, data_high + REACH * height
    ends = [min(max(y, reach_low), reach_high) for y in line_ends if math.isfinite(y)]
    low, high = min([data_low, *ends]), max([data_high, *ends])
    margin = (high - low) * 0.02
    step = nice_step(high - low + 2 * margin, 10)
    return math.floor((low - margin) / step) * step, math.ceil((high + margin) / step) * step


def _segment(w: float, b: float, x_range, y_range, pixel) -> Segment | None:
    span = visible_segment(w, b, x_range, y_range)
    if span is None:
        return None
    x_pixel, y_pixel = pixel
    return tuple((round(x / x_pixel), round((w * x + b) / y_pixel)) for x in span)


def fit_key(
    data: DataSet,
    neuron: tuple[float, float],
    width: int,
    height: int,
    ghost: tuple[float, float] | None = None,
    residuals: bool = False,
    points: tuple[Points, Points] | None = None,
) -> FitKey:
    """The fit picture of the neuron ``(w, b)`` (data units) on a plot of ``width`` x ``height`` cells."""
    train, test = points or data_points(data, width)
    x_low, x_high, data_low, data_high = _bounds(data)
    w, b = neuron
    y_low, y_high = y_range_for(data_low, data_high, (w * x_low + b, w * x_high + b))
    x_range, y_range = (x_low, x_high), (y_low, y_high)
    # plotext draws 2 x 4 dots per cell.
    pixel = ((x_high - x_low) / max(1, 2 * width), (y_high - y_low) / max(1, 4 * height))
    off_chart = []
    for x in (x_low, x_high):
        y = w * x + b
        if not math.isfinite(y) or y > y_high or y < y_low:
            arrow = "▲" if not y < y_low else "▼"
            off_chart.append((x, f"{arrow} {y:.4g}"))
    sticks = []
    if residuals:
        xs, ys = spaced(*train, RESIDUALS)
        sticks = [(x, y, round(min(max(w * x + b, y_low), y_high) / pixel[1]) * pixel[1]) for x, y in zip(xs, ys)]
    return FitKey(
        train=train,
        test=test,
        x_range=x_range,
        y_range=y_range,
        pixel=pixel,
        line=_segment(w, b, x_range, y_range, pixel),
        target=_segment(*data.target, x_range, y_range, pixel),
        ghost=_segment(*ghost, x_range, y_range, pixel) if ghost is not None else None,
        off_chart=tuple(off_chart),
        residuals=tuple(sticks),
    )


def data_points(data: DataSet, width: int) -> tuple[Points, Points]:
    return spaced(data.x_train, data.y_train, max(4, width // 2)), spaced(data.x_test, data.y_test, max(2, width // 4))


def _bounds(data: DataSet) -> tuple[float, float, float, float]:
    """x and y extent of training and test points together."""
    x_low, x_high, y_low, y_high = data.bounds
    if len(data.x_test):
        x_low, x_high = min(x_low, min(data.x_test)), max(x_high, max(data.x_test))
        y_low, y_high = min(y_low, min(data.y_test)), max(y_high, max(data.y_test))
    return x_low, x_high, y_low, y_high


def fit_legend(ghost_label: str | None = None) -> str:
    ghost = f" [#{GHOST_HEX}]━ {ghost_label}[/]" if ghost_label else ""
    return (
        f"[#808080]{TRAIN_GLYPH} train[/] [#ff8700]{TEST_GLYPH} test[/] "
        f"[#d75fd7]━ neuron[/] [#ffd700]{TARGET_GLYPH}{TARGET_GLYPH} target[/]{ghost}"
    )


class FitView(PlotWidget):
    TITLE = "Fit"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.residuals = False  # sticks from a few points to the line: y − ŷ, what the cost squares
        self._points_of: tuple[DataSet, int, tuple[Points, Points]] | None = None

    def show(
        self,
        data: DataSet,
        neuron: tuple[float, float],
        ghost: tuple[float, float] | None = None,
        ghost_label: str | None = None,
        urgent: bool = False,
    ) -> None:
        """Draw the neuron ``(w, b)`` on ``data``, and a pinned run's neuron ``ghost`` beside it."""
        self.plot((data, neuron, ghost, ghost_label), urgent)

    def toggle_residuals(self) -> bool:
        self.residuals = not self.residuals
        if self._inputs is not None:
            self.plot(self._inputs, urgent=True)
        return self.residuals

    def _points(self, data: DataSet, width: int) -> tuple[Points, Points]:
        # Sampling a million points once per data set and size, not on every frame.
        if self._points_of is None or self._points_of[0] is not data or self._points_of[1] != width:
            self._points_of = (data, width, data_points(data, width))
        return self._points_of[2]

    def titles_for(self, key: FitKey) -> tuple[Content, str]:
        data, _, ghost, ghost_label = self._inputs
        # A CSV header names the axes: inserted as text, never read as markup.
        title = Content.from_markup("Fit: $y against $x", y=data.y_label, x=data.x_label)
        return title, fit_legend(ghost_label if ghost is not None else None)

    def picture_key(self, inputs) -> FitKey:
        data, neuron, ghost, _ = inputs
        width, height = self.content_size
        return fit_key(data, neuron, width, height, ghost, self.residuals, self._points(data, width))

    def paint(self, figure, inputs, key: FitKey, width: int, height: int) -> None:
        (x_low, x_high), (y_low, y_high) = key.x_range, key.y_range
        x_pixel, y_pixel = key.pixel
        for x, y, y_line in key.residuals:
            figure.draw(figure.segment([x, x], [y, y_line], marker=marker(POINT_COLOUR, "│")))
        if key.target is not None:
            # Dotted: one dot every other cell along the target line.
            (x_a, y_a), (x_b, y_b) = ((x * x_pixel, y * y_pixel) for x, y in key.target)
            count = max(2, int(abs(x_b - x_a) / (x_high - x_low) * width / 2))
            xs = [x_a + (x_b - x_a) * i / (count - 1) for i in range(count)]
            ys = [y_a + (y_b - y_a) * i / (count - 1) for i in range(count)]
            figure.draw(figure.signal(xs, ys, marker=marker(TARGET_COLOUR, TARGET_GLYPH)))
        for segment, colour in ((key.ghost, GHOST_COLOUR), (key.line, LINE_COLOUR)):
            if segment is not None:
                (x_a, y_a), (x_b, y_b) = ((x * x_pixel, y * y_pixel) for x, y in segment)
                figure.draw(figure.segment([x_a, x_b], [y_a, y_b], marker=marker(colour)))
        for xs, ys, glyph, colour in ((*key.train, TRAIN_GLYPH, POINT_COLOUR), (*key.test, TEST_GLYPH, TEST_COLOUR)):
            if xs:
                figure.draw(figure.signal(list(xs), list(ys), marker=marker(colour, glyph)))
        for x, label in key.off_chart:
            at_right = x == x_high
            y = y_high if label.startswith("▲") else y_low
            figure.draw(figure.text(x, y, label, alignment="right" if at_right else "left"))
        figure.ruler("y").lim(y_low, y_high)
        figure.ruler("y").ticks(*linear_ticks(y_low, y_high, max(2, height // 3)))
        figure.ruler("x").lim(x_low, x_high)
        figure.ruler("x").ticks(*linear_ticks(x_low, x_high, max(2, width // 10)))
