"""The cost over (w, b) as contour lines, with the path the neuron took down it.

Why does training take 70,000 epochs? On the article's data the cost is a
long, narrow valley: w settles in a few zig-zagging epochs while b crawls
along the flat floor. With x standardized the valley becomes a round bowl
and the path dives straight in. The maths is in ``core/surface.py``; this
widget turns its numbers into braille dots.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple, Protocol

from rich.text import Span, Text

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.core.lesson import about, valley, valley_captions
from nanoneuron_tui.core.surface import CostSurface, Window, contour_dots, contour_levels, descent_path, window_around
from nanoneuron_tui.widgets.plotting import (
    GHOST_COLOUR,
    GHOST_HEX,
    LINE_COLOUR,
    TRAIN_COLOUR,
    DotCanvas,
    PlotWidget,
    linear_ticks,
)

GUTTER = 7  # columns for the b axis's labels and its line
CONTOUR_COLOUR = 72  # a muted green: the map, not the news
BEST_COLOUR = 220  # yellow
# Dot layers, lowest first, and their styles; markers sit above them.
CONTOURS, GHOST, PATH, MARKS = 0, 1, 2, 3
LAYER_STYLES = [f"color({CONTOUR_COLOUR})", f"color({GHOST_COLOUR})", f"bold color({TRAIN_COLOUR})"]
NOW, BEST, GHOST_NOW = "●", "+", "○"
MARK_STYLES = {
    NOW: f"bold color({LINE_COLOUR})",
    BEST: f"bold color({BEST_COLOUR})",
    GHOST_NOW: f"color({GHOST_COLOUR})",
}
# A diverging path is followed until it leaves a box this many times the size of start-to-best.
REACH = 4.0


class RunLike(Protocol):
    """What the surface needs of a run (``core.run.Run`` is one)."""

    data: DataSet
    first_epoch: int

    def trained_neuron(self, epoch: int) -> tuple[float, float]: ...

    def alpha_at(self, epoch: int) -> float: ...


class Ghost(NamedTuple):
    """A pinned run drawn faintly beside the live one."""

    run: RunLike
    epoch: int


class SurfaceKey(NamedTuple):
    """Everything the surface picture shows: equal keys, equal pictures."""

    surface: CostSurface  # the bowl, in the plane's units
    window: Window
    levels: tuple[float, ...]
    path: tuple[tuple[int, int], ...]  # in dots, consecutive repeats dropped
    ghost_path: tuple[tuple[int, int], ...]
    best: tuple[int, int]
    now: tuple[int, int] | None
    ghost_now: tuple[int, int] | None
    standardized: bool
    captions: tuple[str, ...]  # the line a learner reads the picture by, longest first: the first that fits


def plane(data: DataSet) -> tuple[CostSurface, bool]:
    """The surface in the trainer's units (standardized x with --normalize): the (w, b) gradient descent walks."""
    return CostSurface(data.training_fits[0]), data.scaling is not None


def captions(data: DataSet, surface: CostSurface, alpha: float, neuron: tuple[float, float]) -> tuple[str, ...]:
    """What the picture shows, in words, longest first: the valley (or bowl) and what it means
    for this alpha, computed (core/lesson.py); with x standardized, how w′, b′ convert back."""
    shape = valley(data, *neuron, alpha)
    words = valley_captions(shape)
    if data.scaling is None:
        return words
    if shape.steep_epochs is None or shape.shallow_epochs is None:
        return words  # alpha too large: that is the news
    scaling = data.scaling
    ratio = scaling.mean / scaling.std
    settled = f"settled in ~{about(max(shape.steep_epochs, shape.shallow_epochs))} epochs"
    convert = f"w = w′/{scaling.std:.4g}, b = b′ − {ratio:.4g}·w′"
    return (
        f"x standardized: a round bowl, {settled} · in the data's units {convert}",
        f"round bowl, {settled} · {convert}",
        f"round bowl · {convert}",
        convert,
    )


def to_dots(window: Window, width: int, height: int, w: float, b: float) -> tuple[int, int] | None:
    if not (math.isfinite(w) and math.isfinite(b)):
        return None
    x = (w - window.w_low) / (window.w_high - window.w_low) * width
    y = (window.b_high - b) / (window.b_high - window.b_low) * height
    # Far off the canvas is as good as just off it, and keeps the integers small.
    limit = 4 * (width + height)
    return int(math.floor(max(-limit, min(limit, x)))), int(math.floor(max(-limit, min(limit, y))))


def _dots_path(window: Window, width: int, height: int, path) -> tuple[tuple[int, int], ...]:
    dots: list[tuple[int, int]] = []
    for w, b in path:
        dot = to_dots(window, width, height, w, b)
        if dot is not None and (not dots or dots[-1] != dot):
            dots.append(dot)
    return tuple(dots)


def surface_key(run: RunLike, epoch: int, columns: int, rows: int, ghost: Ghost | None = None) -> SurfaceKey:
    """The surface picture of ``run`` at ``epoch`` on a plot area of ``columns`` x ``rows`` cells."""
    surface, standardized = plane(run.data)
    width, height = 2 * columns, 4 * rows
    path = descent_path(run.trained_neuron, run.first_epoch, epoch)
    ghost_path = ()
    if ghost is not None and ghost.run.data.spec == run.data.spec:
        ghost_path = descent_path(ghost.run.trained_neuron, ghost.run.first_epoch, ghost.epoch)
    best = surface.lowest
    start = path[0]
    # The window holds the start, the best line and the path, but does not chase a blow-up:
    # on each axis, points REACH times further from the best than the start are left out.
    reach_w = REACH * max(abs(start[0] - best[0]), 1e-3 * abs(best[0]), 1e-9)
    reach_b = REACH * max(abs(start[1] - best[1]), 1e-3 * abs(best[1]), 1e-9)
    near = [(w, b) for w, b in (*path, *ghost_path) if abs(w - best[0]) <= reach_w and abs(b - best[1]) <= reach_b]
    window = window_around([best, start, *near], square_pixels=(width, height) if standardized else None)
    return SurfaceKey(
        surface=surface,
        window=window,
        levels=contour_levels(surface, window),
        path=_dots_path(window, width, height, path),
        ghost_path=_dots_path(window, width, height, ghost_path),
        best=to_dots(window, width, height, *best),
        now=to_dots(window, width, height, *path[-1]),
        ghost_now=to_dots(window, width, height, *ghost_path[-1]) if ghost_path else None,
        standardized=standardized,
        captions=captions(run.data, surface, run.alpha_at(epoch), path[-1]),
    )


def surface_picture(key: SurfaceKey, width: int, height: int) -> Text:
    """The whole widget's text: caption, b axis, the dots, the w axis."""
    columns, rows = width - GUTTER, height - 3
    canvas = DotCanvas(columns, rows, LAYER_STYLES)
    window = key.window
    canvas.set_layer_bits(CONTOURS, contour_layer(key.surface, window, key.levels, columns, rows))
    for layer, path in ((GHOST, key.ghost_path), (PATH, key.path)):
        if len(path) == 1:
            canvas.dot(*path[0], layer)
        for start, end in zip(path, path[1:]):
            canvas.line(start, end, layer)
    canvas.glyph(*key.best, BEST, MARK_STYLES[BEST], MARKS)
    if key.ghost_now is not None:
        canvas.glyph(*key.ghost_now, GHOST_NOW, MARK_STYLES[GHOST_NOW], MARKS)
    if key.now is not None:
        canvas.glyph(*key.now, NOW, MARK_STYLES[NOW], MARKS + 1)

    b_ticks = _ticks_by_row(window.b_low, window.b_high, rows)
    # Built as one string and its spans: appending run by run costs more than all the rest.
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0

    def add(chars: str, style: str = "") -> None:
        nonlocal offset
        parts.append(chars)
        if style:
            spans.append(Span(offset, offset + len(chars), style))
        offset += len(chars)

    add(next((line for line in key.captions if len(line) <= width), key.captions[-1][:width]).ljust(width), "italic")
    add("\n")
    for row, runs in enumerate(canvas.lines()):
        label = b_ticks.get(row)
        add((label or "").rjust(GUTTER - 1)[: GUTTER - 1] + ("┤" if label else "│"))
        for chars, style in runs:
            add(chars, style)
        add("\n")
    w_positions, w_labels = linear_ticks(window.w_low, window.w_high, max(3, columns // 6))
    axis, labels = ["─"] * columns, [" "] * (columns + 8)
    for position, label in zip(w_positions, w_labels):
        column = int((position - window.w_low) / (window.w_high - window.w_low) * columns)
        if 0 <= column < columns:
            axis[column] = "┬"
            start = max(0, min(column - len(label) // 2, columns - len(label)))
            if all(c == " " for c in labels[max(0, start - 1) : start + len(label) + 1]):
                labels[start : start + len(label)] = label
    w_name, b_name = ("w′", "b′") if key.standardized else ("w", "b")
    add(b_name.rjust(GUTTER - 1) + "└" + "".join(axis) + "\n")
    add(w_name.rjust(GUTTER - 1) + " " + "".join(labels[:columns]))
    return Text("".join(parts), spans=spans, no_wrap=True, end="")


@lru_cache(maxsize=8)
def contour_layer(surface: CostSurface, window: Window, levels: tuple[float, ...], columns: int, rows: int) -> bytes:
    """The contours' dots on a canvas of ``columns`` x ``rows`` cells.

    They are the most numerous thing drawn, and depend only on the data and
    the window: while the path grows inside a window that stays put, every
    frame reuses them.
    """
    canvas = DotCanvas(columns, rows, [""])
    canvas.dots(*contour_dots(surface, levels, window, canvas.width, canvas.height), 0)
    return canvas.layer_bits(0)


def _ticks_by_row(low: float, high: float, rows: int) -> dict[int, str]:
    positions, labels = linear_ticks(low, high, max(2, rows // 3))
    by_row = {}
    for position, label in zip(positions, labels):
        row = int((high - position) / (high - low) * rows)
        if 0 <= row < rows:
            by_row[row] = label
    return by_row


class CostSurfaceView(PlotWidget):
    """The contour map of the cost, the best line, the neuron now and its way down."""

    TITLE = "Cost over (w, b)"

    def show(self, run: RunLike, epoch: int, ghost: Ghost | None = None, urgent: bool = False) -> None:
        self.plot((run, epoch, ghost), urgent)

    def picture_key(self, inputs) -> SurfaceKey:
        run, epoch, ghost = inputs
        width, height = self.content_size
        return surface_key(run, epoch, max(1, width - GUTTER), max(1, height - 3), ghost)

    def titles_for(self, key: SurfaceKey) -> tuple[str, str]:
        plane = "(w′, b′): x standardized" if key.standardized else "(w, b)"
        ghost = f" [#{GHOST_HEX}]○ pinned[/]" if key.ghost_path else ""
        return (
            f"Cost over {plane}",
            f"[#ffd700]+ best[/] [#d75fd7]● now[/] [#0087ff]⠉ path[/]{ghost} [#5f875f]⠉ contours[/]",
        )

    def build(self, width: int, height: int, key: SurfaceKey, inputs: object = None) -> Text:
        return surface_picture(key, width, height)
