"""Why the step points downhill: the cost along w (b held) and along b (w held), with the tangent.

Each slice is a parabola through the neuron; the tangent there has the slope
∂cost/∂w = −dW (or ∂cost/∂b = −dB), and training steps against it. The maths
is ``core/surface.py``'s ``cost_slices``; this module draws it with plotext.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from nanoneuron_tui.core.lesson import Figures
from nanoneuron_tui.core.surface import CostSlice
from nanoneuron_tui.widgets.fit_view import visible_segment
from nanoneuron_tui.widgets.plotting import LINE_COLOUR, TEST_COLOUR, TRAIN_COLOUR, PlotWidget, linear_ticks, marker

LOWEST_COLOUR = 220  # yellow: the best point, as on the cost surface
NOW, LOWEST = "●", "+"
STACK_BELOW = 70  # columns under which the two slices go one above the other


class SliceKey(NamedTuple):
    """Everything a slice picture shows: equal keys, equal pictures."""

    slice: CostSlice
    parameter: str  # "w" or "w′"
    held: str  # "b = 0.7758238"
    slope: str  # "−dW = 2736.223", as the lesson writes dW


class CostSliceView(PlotWidget):
    """One slice: the parabola, the neuron on it (●), its tangent, and the bottom (+)."""

    def show(self, piece: CostSlice, figures: Figures, prime: str, urgent: bool = False) -> None:
        gradient = "dW" if piece.name == "w" else "dB"
        other_name = "b" if piece.name == "w" else "w"
        other = piece.b if piece.name == "w" else piece.w
        # The slope is −dW: written with dW's own digits, as the lesson writes dW.
        slope = f"−{gradient} = {negated(figures(-piece.slope))}"
        key = SliceKey(piece, f"{piece.name}{prime}", f"{other_name}{prime} held at {figures(other)}", slope)
        self.plot(key, urgent)

    def titles_for(self, key: SliceKey) -> tuple[str, str]:
        return (
            f"cost along {key.parameter}, {key.held}",
            f"[#{_hex(LINE_COLOUR)}]●[/] slope {key.slope} [#{_hex(TEST_COLOUR)}]━ tangent[/]",
        )

    def build(self, width: int, height: int, key: SliceKey, inputs: object = None) -> Text:
        if not key.slice.drawable:
            return Text(
                f"The cost along {key.parameter} is too large to draw:\nthe neuron has diverged.", style="italic"
            )
        return super().build(width, height, key, inputs)

    def paint(self, figure, inputs, key: SliceKey, width: int, height: int) -> None:
        piece = key.slice
        values, costs = piece.curve(max(8, 2 * width))
        low, high = min(costs), max(costs)
        pad = (high - low) * 0.06 or max(1e-12, abs(high) * 1e-6)
        y_range = (low - pad, high + pad)
        x_range = (piece.low, piece.high)
        figure.draw(figure.signal(values, costs, marker=marker(TRAIN_COLOUR)).lines())
        # The tangent: a straight line with the cost's slope at the neuron, where it is on the chart.
        intercept = piece.cost - piece.slope * piece.at
        segment = visible_segment(piece.slope, intercept, x_range, y_range)
        if segment is not None:
            start, end = segment
            line = [start, end], [piece.tangent_at(start), piece.tangent_at(end)]
            figure.draw(figure.segment(*line, marker=marker(TEST_COLOUR, "braille")))  # finer than the curve
        figure.draw(figure.signal([piece.lowest], [piece.cost_at(piece.lowest)], marker=marker(LOWEST_COLOUR, LOWEST)))
        figure.draw(figure.signal([piece.at], [piece.cost], marker=marker(LINE_COLOUR, NOW)))
        y = figure.ruler("y")
        y.lim(*y_range)
        y.ticks(*linear_ticks(*y_range, max(2, height // 4)))
        x = figure.ruler("x")
        x.lim(*x_range)
        x.ticks(*linear_ticks(*x_range, max(2, width // 8)))


def negated(figure: str) -> str:
    """The text of a number's negative: "-3.5" for "3.5", "3.5" for "-3.5" (nan stays nan)."""
    if figure == "nan" or figure == "0":
        return figure
    return figure[1:] if figure.startswith("-") else f"-{figure}"


def _hex(colour: int) -> str:
    from rich.color import Color

    triplet = Color.from_ansi(colour).get_truecolor()
    return f"{triplet.red:02x}{triplet.green:02x}{triplet.blue:02x}"


class CostSlices(Horizontal):
    """The slices along w and along b side by side; one above the other on a narrow screen."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.views = (CostSliceView(classes="cost-slice w-slice"), CostSliceView(classes="cost-slice b-slice"))

    def compose(self) -> ComposeResult:
        yield from self.views

    def on_resize(self) -> None:
        self.set_class(self.size.width < STACK_BELOW, "-stacked")

    def show(self, pieces: tuple[CostSlice, CostSlice], figures: Figures, prime: str, urgent: bool) -> None:
        for view, piece in zip(self.views, pieces):
            view.show(piece, figures, prime, urgent)
