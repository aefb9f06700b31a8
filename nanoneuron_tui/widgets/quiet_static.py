"""Text that, when it changes, sends only the cells that changed.

Textual repaints a whole widget when its content is replaced: every cell of
every line goes to the terminal again, even the lines and the padding that
look the same. For a pane of 20 lines in which a few numbers move, that is
most of what crosses an SSH link. ``QuietStatic`` renders the new content
itself, compares it with what is on screen, and asks Textual to repaint
only the stretch of each line that differs. It can also be told to draw at
most so often, the latest content last, for panes nobody can read at the
frame rate anyway.
"""

from __future__ import annotations

import time

from rich.cells import cell_len
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, VisualType, visualize
from textual.widget import Widget


def cells(strip: Strip) -> list[tuple[str, object]]:
    """One (character, style) per cell; a wide character's second cell is ("", (character, style)),
    so that a change from one wide character to another covers both of its cells."""
    result: list[tuple[str, object]] = []
    for segment in strip:
        style = segment.style
        for char in segment.text:
            result.append((char, style))
            if cell_len(char) == 2:
                result.append(("", (char, style)))
    return result


def changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The cells from the first that differs to the last that differs (end exclusive), or None."""
    if old.text == new.text and list(old) == list(new):
        return None
    before, after = cells(old), cells(new)
    shorter = min(len(before), len(after))
    start = next((i for i in range(shorter) if before[i] != after[i]), shorter)
    end = max(len(before), len(after))
    if len(before) == len(after):
        end -= next((i for i in range(end - start) if before[end - 1 - i] != after[end - 1 - i]), end - start)
    return (start, end) if end > start else None


def changed_lines(old: list[Strip], new: list[Strip]) -> list[Region]:
    """Where ``new`` differs from ``old``, line by line (both the same number of lines)."""
    regions = []
    for row, (before, after) in enumerate(zip(old, new)):
        span = changed_span(before, after)
        if span is not None:
            regions.append(Region(span[0], row, span[1] - span[0], 1))
    return regions


class QuietStatic(Widget):
    """Like Textual's ``Static``, but ``update`` repaints only the cells that changed."""

    DEFAULT_CSS = "QuietStatic { height: auto; }"

    def __init__(self, content: VisualType = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._content = content
        self._pending: VisualType | None = None  # content waiting for its turn (``at_most_every``)
        self._timer = None
        self._last_update = -float("inf")

    @property
    def content(self) -> VisualType:
        """What is on screen (content still waiting for its turn is not)."""
        return self._content

    def render(self) -> VisualType:
        return self._content

    def update(self, content: VisualType, at_most_every: float = 0.0) -> None:
        """Show ``content``; with ``at_most_every`` seconds, no sooner than that after the last
        update (the latest content is shown when the time is up)."""
        wait = self._last_update + at_most_every - time.monotonic()
        if wait > 0:
            self._pending = content
            if self._timer is None:
                self._timer = self.set_timer(wait, self._show_pending)
            return
        self._show(content)

    def _show_pending(self) -> None:
        self._timer = None
        if self._pending is not None:
            self._show(self._pending)

    def _show(self, content: VisualType) -> None:
        if self._timer is not None:  # this content overtakes any that was waiting
            self._timer.stop()
            self._timer = None
        self._pending = None
        self._last_update = time.monotonic()
        old = self._on_screen()
        self._content = content
        if old is None:
            self.refresh(layout=True)
            return
        width, height = self.size
        visual = visualize(self, content, markup=self._render_markup)
        new = Visual.to_strips(self, visual, width, None, self.visual_style)
        if len(new) != height:  # taller or shorter: the layout changes, everything moves
            self.refresh(layout=True)
        else:
            regions = changed_lines(old, new)
            if regions:
                self.refresh(*regions)

    def _on_screen(self) -> list[Strip] | None:
        """The lines as last drawn, if they are still what the screen shows."""
        # Cells waiting to be repainted will be painted from the newest content anyway; a
        # layout to come may change the size: then there is nothing to compare with.
        if not self.is_mounted or not self.size or self._layout_required:
            return None
        cache = self._render_cache  # Textual's own copy of the lines it drew (textual is pinned)
        if cache.size != self.size or len(cache.lines) != self.size.height:
            return None
        return list(cache.lines)
