"""Why the step points downhill: the cost along w (b held) and along b (w held), with the tangent.

Each slice is a parabola through the neuron; the tangent there has the slope
∂cost/∂w = −dW (or ∂cost/∂b = −dB), and training steps against it. The maths
is ``core/surface.py``'s ``cost_slices``; this module draws it with plotext.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.core.lesson import EpochExplained, Figures, slope_words
from nanoneuron_tui.core.surface import CostSlice, cost_slices
from nanoneuron_tui.widgets.fit_view import visible_segment
from nanoneuron_tui.widgets.key_bar import KeyBar
from nanoneuron_tui.widgets.plotting import LINE_COLOUR, TEST_COLOUR, TRAIN_COLOUR, PlotWidget, linear_ticks, marker
from nanoneuron_tui.widgets.quiet_static import QuietStatic

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
        y.ticks(*ticks(*y_range, max(2, height // 4)))
        x = figure.ruler("x")
        x.lim(*x_range)
        x.ticks(*ticks(*x_range, max(2, width // 8)))


PAST_THE_SUFFIXES = 1e12  # from here a tick would read 1000G or more


def ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """Round ticks, labelled short (2k, 500G); past the suffixes, in scientific notation
    (5e+14 and 4e+20, not 500000G and 4e+11G)."""
    positions, labels = linear_ticks(low, high, count)
    if any(abs(position) >= PAST_THE_SUFFIXES for position in positions):
        labels = [f"{position:.3g}" for position in positions]
    return positions, labels


def negated(figure: str) -> str:
    """The text of a number's negative: "-3.5" for "3.5", "3.5" for "-3.5" (nan stays nan)."""
    if figure == "nan" or figure == "0":
        return figure
    return figure[1:] if figure.startswith("-") else f"-{figure}"


def _hex(colour: int) -> str:
    from rich.color import Color

    triplet = Color.from_ansi(colour).get_truecolor()
    return f"{triplet.red:02x}{triplet.green:02x}{triplet.blue:02x}"


class CostSlices(Vertical):
    """What the slices show, in words, then the slices along w and along b side by side
    (one above the other on a narrow screen)."""

    def __init__(self, min_interval: float = 0.0, **kwargs) -> None:
        """``min_interval``: seconds between redraws of a slice while training runs at speed."""
        super().__init__(**kwargs)
        self.words = QuietStatic(classes="slice-words")
        self.views = (
            CostSliceView(min_interval=min_interval, classes="cost-slice w-slice"),
            CostSliceView(min_interval=min_interval, classes="cost-slice b-slice"),
        )

    def compose(self) -> ComposeResult:
        yield self.words
        with Horizontal(classes="slice-row"):
            yield from self.views

    def on_resize(self) -> None:
        self.set_class(self.size.width < STACK_BELOW, "-stacked")

    def show(self, data: DataSet, lesson: EpochExplained, urgent: bool) -> None:
        """The slices through the neuron of ``lesson``, its numbers written as the lesson writes them."""
        prime = "′" if lesson.normalized else ""
        words = Text("\n".join(slope_words(prime)), style="italic")
        if self.words.content != words:
            self.words.update(words)
        pieces = cost_slices(data.training_fits[0], lesson.w, lesson.b)
        for view, piece in zip(self.views, pieces):
            view.show(piece, lesson.figures, prime, urgent)


class SlicesScreen(Screen):
    """The cost slices on a screen of their own, for terminals too short to show them in the lesson:
    / or Escape goes back."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", key_display="Esc")]

    def compose(self) -> ComposeResult:
        yield Static(id="slices-heading")
        yield CostSlices(id="slices-screen")
        yield KeyBar()

    def show(self, data: DataSet, lesson: EpochExplained, epoch: int, urgent: bool = True) -> None:
        self.query_one("#slices-heading", Static).update(
            Text.assemble(
                ("Why the step points downhill", "bold"),
                f" · epoch {epoch:,}: the next step, {epoch:,} → {epoch + 1:,}",
            )
        )
        self.query_one(CostSlices).show(data, lesson, urgent)
