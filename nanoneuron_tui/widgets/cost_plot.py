"""The cost of every epoch so far, on a log axis: it falls from thousands to millionths."""

from __future__ import annotations

import math

from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.plotting import (
    TEST_COLOUR,
    TRAIN_COLOUR,
    PlotWidget,
    linear_ticks,
    marker,
)

SMALLEST_COST = 1e-300  # a cost of exactly 0 still needs a place on a log axis


def exponent_label(power: int) -> str:
    return {0: "1", 1: "10"}.get(power, f"1e{power}")


def thin(epochs: list[int], costs: list[float], goal: int, columns: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """One point per plot pixel column (the newest always kept), costs as log10."""
    buckets: dict[int, tuple[int, float]] = {}
    scale = columns * 2 / max(goal, 1)  # plotext draws two pixels per cell across
    for epoch, cost in zip(epochs, costs):
        buckets.setdefault(int(epoch * scale), (epoch, cost))
    if epochs:
        buckets[int(epochs[-1] * scale)] = (epochs[-1], costs[-1])
    kept = sorted(buckets.values())
    # Rounded to far below a pixel, so equal keys mean an equal picture.
    return (
        tuple(epoch for epoch, _ in kept),
        tuple(round(math.log10(max(cost, SMALLEST_COST)), 3) for _, cost in kept),
    )


class CostPlot(PlotWidget):
    def show(self, view: View, urgent: bool = False) -> None:
        self.plot(view, urgent)

    def picture_key(self, view: View) -> object:
        columns = max(1, self.content_size.width - 8)
        # A run that blew up is shown up to the blow-up, so it fills the plot.
        goal = max(view.diverged_at or 0, 1) if view.diverged_at is not None else max(view.epochs, view.epoch, 1)
        return (
            goal,
            thin(*view.train_history, goal, columns),
            # Test costs are dots on the line: one every few cells leaves the line visible.
            thin(*view.test_history, goal, max(1, columns // 6)),
        )

    def paint(self, figure, view: View, key, width: int, height: int) -> None:
        goal, train, test = key
        values = train[1] + test[1]
        if not values:
            return
        low, high = math.floor(min(values)), math.ceil(max(values))
        if high - low < 1:
            high = low + 1
        # Train as a connected line, test as dots on top: told apart by shape even without colour.
        for (epochs, logs), style, connect in (
            (train, marker(TRAIN_COLOUR), True),
            (test, marker(TEST_COLOUR, "·"), False),
        ):
            if epochs:
                # A single point still shows as a short dash.
                xs, ys = (list(epochs), list(logs)) if len(epochs) > 1 else ([epochs[0], epochs[0]], [logs[0]] * 2)
                signal = figure.signal(xs, ys, marker=style)
                if connect:
                    signal.lines()
                figure.draw(signal)
        step = max(1, math.ceil((high - low) / max(1, height // 2 - 1)))
        powers = list(range(low, high + 1, step))
        y = figure.ruler("y")
        y.lim(low, high)
        y.ticks(powers, [exponent_label(p) for p in powers])
        x = figure.ruler("x")
        x.lim(0, goal)
        x.ticks(*linear_ticks(0, goal, max(2, width // 12)))
