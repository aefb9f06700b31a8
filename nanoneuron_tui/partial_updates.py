"""Partial screen updates that start where the change starts.

When a widget repaints part of a line, Textual 8.2.8 writes that line from
the widget's left edge up to the end of the change (``ChopsUpdate`` crops
only the right end; its own comment says "TODO: crop to x extents"). A
number that changes at the end of a 120-column line of the lesson, or a dot
at the right of a plot, resends everything to its left. ``install`` replaces
that one method with one that crops both ends, so an update costs the cells
that changed. Textual is pinned exactly, so the method replaced is known.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate
from textual.strip import Strip

_textual_render_segments = ChopsUpdate.render_segments


def _single_width(strip: Strip) -> bool:
    # Cropping inside a double-width character would draw half of it: such lines keep Textual's way.
    return strip.cell_length == len(strip.text)


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """The escape sequences of a partial update, each piece cropped to the span that changed."""
    sequences: list[str] = []
    append = sequences.append
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items()):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = max(x, x1) if _single_width(strip) else x
            piece = strip.crop(start - x, min(end, x2) - x)
            append(Control.move_to(start, y).segment.text)
            append(piece.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> None:
    """Use ``render_segments`` for every partial update of this process (idempotent)."""
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]


def uninstall() -> None:
    ChopsUpdate.render_segments = _textual_render_segments  # type: ignore[method-assign]
