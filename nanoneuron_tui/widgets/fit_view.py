"""The training points and the neuron's current line: watch the line swing into place."""

from __future__ import annotations

from typing import NamedTuple

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.plotting import LINE_COLOUR, POINT_COLOUR, PlotWidget, linear_ticks, marker

MAX_POINTS = 400  # a terminal cannot show more points than it has cells


class FitKey(NamedTuple):
    """Everything the fit picture shows, and nothing else: equal keys, equal pictures."""

    points: tuple[tuple[float, ...], tuple[float, ...]]  # the training points drawn (thinned)
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    # The ends of the part of the neuron's line inside the chart, in whole plot
    # pixels (None: it is off the chart): a line that moves less than a pixel is the same picture.
    line: tuple[tuple[int, int], tuple[int, int]] | None
    pixel: tuple[float, float]  # the width and height of one plot pixel, in x's and y's units


def thinned_points(data: DataSet) -> tuple[tuple[float, ...], tuple[float, ...]]:
    stride = max(1, len(data.x_train) // MAX_POINTS)
    return tuple(data.x_train[::stride]), tuple(data.y_train[::stride])


def visible_segment(w: float, b: float, x_range: tuple[float, float],
                    y_range: tuple[float, float]) -> tuple[float, float] | None:
    """The x interval over which the line ``w*x + b`` lies inside the chart, or None."""
    (x_low, x_high), (y_low, y_high) = x_range, y_range
    if w == 0:
        return (x_low, x_high) if y_low <= b <= y_high else None
    # Where the line crosses the chart's lower and upper edges.
    x_a, x_b = sorted(((y_low - b) / w, (y_high - b) / w))
    start, end = max(x_low, x_a), min(x_high, x_b)
    return (start, end) if start <= end else None


def fit_key(view: View, width: int, height: int, points: tuple[tuple[float, ...], tuple[float, ...]]) -> FitKey:
    """The fit picture of ``view`` on a plot ``width`` x ``height`` cells."""
    x_low, x_high, y_low, y_high = view.data.bounds
    margin = (y_high - y_low) * 0.1 or 1.0
    y_low, y_high = y_low - margin, y_high + margin
    # plotext draws 2 x 4 pixels per cell; the visible part of the line, rounded to them.
    x_pixel = (x_high - x_low) / max(1, 2 * width)
    y_pixel = (y_high - y_low) / max(1, 4 * height)
    segment = visible_segment(view.w, view.b, (x_low, x_high), (y_low, y_high))
    line = None
    if segment is not None:
        line = tuple(
            (round(x / x_pixel), round(view.predict(x) / y_pixel)) for x in segment
        )
    return FitKey(points, (x_low, x_high), (y_low, y_high), line, (x_pixel, y_pixel))


class FitView(PlotWidget):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._points_of: tuple[DataSet, tuple] | None = None  # thinning a million points once, not per frame

    def show(self, view: View, urgent: bool = False) -> None:
        self.plot(view, urgent)

    def _points(self, data: DataSet) -> tuple[tuple[float, ...], tuple[float, ...]]:
        if self._points_of is None or self._points_of[0] is not data:
            self._points_of = (data, thinned_points(data))
        return self._points_of[1]

    def picture_key(self, view: View) -> FitKey:
        return fit_key(view, *self.content_size, self._points(view.data))

    def paint(self, figure, view: View, key: FitKey, width: int, height: int) -> None:
        (x_low, x_high), (y_low, y_high) = key.x_range, key.y_range
        xs, ys = key.points
        figure.draw(figure.signal(list(xs), list(ys), marker=marker(POINT_COLOUR)))
        if key.line is not None:
            # The neuron's line, from the key's rounded ends, sampled densely so plotext draws it as a line.
            x_pixel, y_pixel = key.pixel
            (x_start, y_start), (x_end, y_end) = ((x * x_pixel, y * y_pixel) for x, y in key.line)
            samples = max(2, 2 * width)
            fractions = [i / (samples - 1) for i in range(samples)]
            line_x = [x_start + (x_end - x_start) * t for t in fractions]
            line_y = [y_start + (y_end - y_start) * t for t in fractions]
            figure.draw(figure.signal(line_x, line_y, marker=marker(LINE_COLOUR)))
        figure.ruler("y").lim(y_low, y_high)
        figure.ruler("y").ticks(*linear_ticks(y_low, y_high, max(2, height // 3)))
        figure.ruler("x").lim(x_low, x_high)
        figure.ruler("x").ticks(*linear_ticks(x_low, x_high, max(2, width // 10)))
