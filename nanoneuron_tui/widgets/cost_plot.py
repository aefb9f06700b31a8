"""The cost of every epoch so far, on a log axis: it falls from thousands to millionths.

The lesson happens in the first few epochs, and again whenever a learner
steps: so the x axis can show the whole run, the first epochs, or a recent
window, and by default *follows*: it picks whichever makes the latest step visible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from nanoneuron_tui.session import State, View
from nanoneuron_tui.widgets.plotting import (
    GHOST_COLOUR,
    GHOST_HEX,
    TEST_COLOUR,
    TRAIN_COLOUR,
    PlotWidget,
    marker,
    nice_step,
    tick_labels,
)

SMALLEST_COST = 1e-300  # a cost of exactly 0 still needs a place on a log axis
FIRST_EPOCHS_MIN = 10  # the first-epochs view never spans fewer epochs than this


class CostView(StrEnum):
    FOLLOW = "follow"
    WHOLE = "whole run"
    FIRST = "first epochs"
    RECENT = "recent"

    def next(self) -> CostView:
        members = list(CostView)
        return members[(members.index(self) + 1) % len(members)]


ROUND_SPANS = (1, 2, 5)  # spans of 10, 20, 50, 100, 200, 500, ... epochs


def round_up(span: float) -> int:
    """The smallest of 10, 20, 50, 100, 200, 500, ... at least ``span``."""
    power = 10
    while True:
        for mantissa in ROUND_SPANS:
            if mantissa * power >= span:
                return mantissa * power
        power *= 10


def round_down(span: float) -> int:
    """The largest of 10, 20, 50, 100, ... at most ``span`` (10 at the least)."""
    size = FIRST_EPOCHS_MIN
    while round_up(size + 1) <= span:
        size = round_up(size + 1)
    return size


def x_range(view: CostView, first: int, epoch: int, end: int, stepping: bool, pixels: int) -> tuple[CostView, int, int]:
    """Which epochs the x axis spans, and the view that chose them (``follow`` resolved).

    ``first`` is the run's first epoch, ``epoch`` the latest drawn, ``end`` the
    last the run can reach, ``pixels`` the plot's width in dots. Each range
    changes in steps, not with every epoch, so ticks stay put while the point moves.
    """
    first_span = round_up(2 * (epoch - first))
    # No more epochs than dots across: then every step moves the line's end.
    recent_span = round_down(pixels)
    if view is CostView.FOLLOW:
        if first_span < end - first and first_span <= pixels:
            view = CostView.FIRST
        elif stepping and end - first > pixels:
            view = CostView.RECENT
        else:
            view = CostView.WHOLE
    if view is CostView.FIRST:
        return view, first, first + first_span
    if view is CostView.RECENT:
        # The window jumps a fifth of its width at a time: the newest point walks across it.
        fifth = recent_span // 5
        low = max(first, (epoch - 4 * fifth) // fifth * fifth)
        return view, low, low + recent_span
    return view, first, max(end, first + 1)


def epoch_ticks(low: int, high: int, count: int) -> tuple[list[float], list[str]]:
    """Whole-epoch ticks that read well at any scale: 0 2 4 6 8 10, or 0 20k 40k 60k."""
    step = max(1.0, nice_step(high - low, count))
    first = math.ceil(low / step) * step
    positions = [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]
    return positions, tick_labels(positions, step)


def y_range(*curves: tuple[float, ...]) -> tuple[int, int]:
    """Whole powers of ten around every value shown: it grows with them, never jumps under a still point."""
    values = [value for curve in curves for value in curve]
    if not values:
        return 0, 1
    low, high = math.floor(min(values)), math.ceil(max(values))
    return low, max(high, low + 1)


def exponent_label(power: int) -> str:
    return {0: "1", 1: "10"}.get(power, f"1e{power}")


class CostKey(NamedTuple):
    """Everything the cost picture shows: equal keys, equal pictures."""

    view: CostView  # the view shown (follow resolved)
    x_range: tuple[int, int]
    y_range: tuple[int, int]
    train: tuple[tuple[int, ...], tuple[float, ...]]
    test: tuple[tuple[int, ...], tuple[float, ...]]
    ghost: tuple[tuple[int, ...], tuple[float, ...]]


class CostCurves(NamedTuple):
    """What the plot is given: the run's costs, and where the run is."""

    cost_at: Callable[[int], float]
    test_cost_at: Callable[[int], float | None] | None
    first: int  # the run's first epoch
    epoch: int  # the epoch on screen: the curve ends there
    end: int  # the last epoch the run can reach: the goal, or where it blew up
    stepping: bool  # paused: the learner moves an epoch at a time
    ghost: tuple[Callable[[int], float], int, int] | None = None  # a pinned run: cost_at, first, last epoch
    ghost_label: str | None = None  # what the legend calls it
    note: str = ""  # said under the plot instead of the legend (why training stopped, say)
    label: str = "train"  # what the legend calls the training cost (its alpha, beside a pinned run)
    # The epochs from one epoch to another where the cost may turn (see Run.turning_epochs).
    turns: Callable[[int, int], list[int]] | None = None


def curves_of(
    view: View,
    ghost: tuple[Callable[[int], float], int, int] | None = None,
    ghost_label: str | None = None,
    note: str = "",
    label: str = "train",
) -> CostCurves:
    """The cost plot's inputs from a session view (and a pinned run's costs)."""
    run = view.run
    return CostCurves(
        cost_at=run.cost,
        test_cost_at=run.test_cost if run.test_fit is not None else None,
        first=run.first_epoch,
        epoch=view.epoch,
        end=run.last_epoch(view.epochs),
        stepping=view.state is State.PAUSED,
        ghost=ghost,
        ghost_label=ghost_label,
        note=note,
        label=label,
        turns=run.turning_epochs,
    )


def sample_epochs(low: int, high: int, last: int, samples: int) -> list[int]:
    """Epochs on a fixed grid of ``samples`` steps from ``low`` to ``high``, up to ``last``, and
    ``last`` itself: earlier points stay where they were as the run goes on."""
    if last < low:
        return []
    span = high - low
    grid = sorted({low + span * i // samples for i in range(samples + 1)})
    end = min(last, high)
    return [epoch for epoch in grid if epoch < end] + [end]


def with_turns(epochs: list[int], turns: Callable[[int, int], list[int]] | None) -> list[int]:
    """``epochs`` and the epochs between them where the cost turns: the line through them
    reaches every spike's height and every dip's depth, whatever the sampling skips."""
    if turns is None or not epochs:
        return epochs
    return sorted(set(epochs).union(turns(epochs[0], epochs[-1])))


def curve(cost_at: Callable[[int], float | None], epochs: list[int]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Finite costs at ``epochs`` as log10, rounded far below a dot: equal keys mean an equal picture."""
    points = [(epoch, cost) for epoch in epochs if (cost := cost_at(epoch)) is not None and math.isfinite(cost)]
    return (
        tuple(epoch for epoch, _ in points),
        tuple(round(math.log10(max(cost, SMALLEST_COST)), 3) for _, cost in points),
    )


def cost_key(curves: CostCurves, view: CostView, columns: int) -> CostKey:
    pixels = 2 * columns  # plotext draws two dots per cell across
    shown, low, high = x_range(view, curves.first, curves.epoch, curves.end, curves.stepping, pixels)
    train = curve(curves.cost_at, with_turns(sample_epochs(low, high, curves.epoch, pixels), curves.turns))
    # Test costs are dots on the line: one every few cells leaves the line visible.
    test: tuple[tuple[int, ...], tuple[float, ...]] = ((), ())
    if curves.test_cost_at is not None:
        test = curve(curves.test_cost_at, sample_epochs(low, high, curves.epoch, max(1, columns // 3)))
    ghost: tuple[tuple[int, ...], tuple[float, ...]] = ((), ())
    if curves.ghost is not None:
        ghost_cost, ghost_first, ghost_last = curves.ghost
        ghost = curve(ghost_cost, sample_epochs(max(low, ghost_first), high, ghost_last, pixels))
    return CostKey(shown, (low, high), y_range(train[1], test[1], ghost[1]), train, test, ghost)


class CostPlot(PlotWidget):
    TITLE = "Cost (log)"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = CostView.FOLLOW

    def show(self, curves: CostCurves, urgent: bool = False) -> None:
        self.plot(curves, urgent)

    def cycle_view(self) -> CostView:
        """The next view (whole run, first epochs, recent, follow), drawn at once."""
        self.view = self.view.next()
        if self._inputs is not None:
            self.plot(self._inputs, urgent=True)
        return self.view

    def picture_key(self, curves: CostCurves) -> CostKey:
        return cost_key(curves, self.view, max(1, self.content_size.width - 8))

    def titles_for(self, key: CostKey) -> tuple[str, str]:
        chosen = f"{key.view} (auto)" if self.view is CostView.FOLLOW else str(key.view)
        curves = self._inputs
        ghost = f" [#{GHOST_HEX}]━ {curves.ghost_label or 'pinned'}[/]" if key.ghost[0] else ""
        legend = f"[#0087ff]━ {curves.label}[/] [#ff8700]· test[/]{ghost}"
        if curves.note:  # the note takes the lower edge; the legend moves up beside the name
            return f"Cost (log) {legend}", curves.note
        return f"Cost (log) · {chosen}", legend

    def paint(self, figure, curves, key: CostKey, width: int, height: int) -> None:
        low, high = key.y_range
        ghost_style, train_style = marker(GHOST_COLOUR), marker(TRAIN_COLOUR)
        # Ghost and training cost as connected lines, test cost as dots on top: told apart by
        # shape even without colour; the newest training point is a large dot.
        for (epochs, logs), style, connect in (
            (key.ghost, ghost_style, True),
            (key.train, train_style, True),
            (key.test, marker(TEST_COLOUR, "·"), False),
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
        x.lim(*key.x_range)
        x.ticks(*epoch_ticks(*key.x_range, max(2, width // 12)))
