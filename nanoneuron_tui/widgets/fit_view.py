"""The training points and the neuron's current line: watch the line swing into place."""

from __future__ import annotations

from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.plotting import LINE_COLOUR, POINT_COLOUR, PlotWidget, linear_ticks, marker

MAX_POINTS = 400  # a terminal cannot show more points than it has cells


class FitView(PlotWidget):
    def show(self, view: View, urgent: bool = False) -> None:
        self.plot(view, urgent)

    def picture_key(self, view: View) -> object:
        data = view.data
        x_low, x_high, y_low, y_high = data.bounds
        margin = (y_high - y_low) * 0.1 or 1.0
        y_low, y_high = y_low - margin, y_high + margin
        # The line's ends, rounded to the plot's pixels: a line that moves
        # less than a pixel is the same picture.
        pixel = (y_high - y_low) / max(1, 4 * self.content_size.height)
        ends = tuple(round(min(max(view.predict(x), y_low - pixel), y_high + pixel) / pixel) for x in (x_low, x_high))
        return id(data), (x_low, x_high, y_low, y_high), ends

    def paint(self, figure, view: View, key, width: int, height: int) -> None:
        _, (x_low, x_high, y_low, y_high), _ = key
        data = view.data
        stride = max(1, len(data.x_train) // MAX_POINTS)
        xs, ys = list(data.x_train[::stride]), list(data.y_train[::stride])
        figure.draw(figure.signal(xs, ys, marker=marker(POINT_COLOUR)))
        # The neuron's line, sampled densely so plotext draws it as a line.
        samples = max(2, 2 * width)
        line_x = [x_low + (x_high - x_low) * i / (samples - 1) for i in range(samples)]
        line_y = [view.predict(x) for x in line_x]
        inside = [(x, y) for x, y in zip(line_x, line_y) if y_low <= y <= y_high]
        if inside:
            figure.draw(figure.signal([x for x, _ in inside], [y for _, y in inside], marker=marker(LINE_COLOUR)))
        figure.ruler("y").lim(y_low, y_high)
        figure.ruler("y").ticks(*linear_ticks(y_low, y_high, max(2, height // 3)))
        figure.ruler("x").lim(x_low, x_high)
        figure.ruler("x").ticks(*linear_ticks(x_low, x_high, max(2, width // 10)))
