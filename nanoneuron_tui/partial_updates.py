"""Screen updates that send less: cropped at both ends, and styles sent as changes.

Two things Textual 8.2.8 does that cost bytes over a slow link:

- When a widget repaints part of a line, it writes that line from the
  widget's left edge to the end of the change (``ChopsUpdate`` crops only the
  right end; its own comment says "TODO: crop to x extents"). A number that
  changes at the end of a 120-column line of the lesson, or a dot at the right
  of a plot, resends everything to its left.
- Every run of text is written with its whole style and a reset after it
  (``\\x1b[1;4;38;5;253;48;5;233m2.62\\x1b[0m``), even when the next run differs
  only by an underline. On a screen of numbers that is more than half the bytes.

``install`` replaces the two methods that turn an update into bytes with ones
that crop both ends and, within a line, send only what changes from one
style to the next (``\\x1b[24m`` to end an underline). What the terminal shows
is the same, cell for cell (the tests replay both outputs through an SGR
interpreter). Textual is pinned exactly, so the methods replaced are known.

A third: every layout (the first frame, a toast, a dialog closing) repaints
the whole screen, and Textual lays a new screen out twice as it starts (each
widget's first size asks for another layout). So this process keeps a copy of
what it drew, line by line, and a full repaint sends only the lines that
differ from it. The copy is forgotten when the size changes, and on
``forget``: the app calls it on ctrl+l, when it comes back from a suspension
and when the terminal gets the focus back (something else may have written
to it meanwhile), so the next full repaint sends every line.

The two methods replaced are private to Textual, so this is done only on the
Textual it was written against and tested on (``PATCHED_TEXTUAL``; the
dependency is pinned to it). On any other version, or with
``NANONEURON_PARTIAL_UPDATES=off`` in the environment, Textual's own methods
stay and the log says so, once. Why this is not in Textual itself:
docs/how-it-works.md.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from rich.cells import get_character_cell_size
from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from textual.strip import Strip

if TYPE_CHECKING:
    from textual._compositor import ChopsUpdate, LayoutUpdate

PATCHED_TEXTUAL = "8.2.8"  # the only Textual whose private compositor methods are replaced
TEXTUAL_VERSION = importlib.metadata.version("textual")
SWITCH = "NANONEURON_PARTIAL_UPDATES"  # "off": Textual's own updates (to compare, or if in doubt)

_log = logging.getLogger(__name__)
_said_why_not = False
_textuals: dict[str, Callable[..., str]] = {}  # Textual's own methods, kept while replaced

RESET = "\x1b[0m"
# The code that switches each attribute off; others need a reset. Some share one: 22 ends
# bold and dim, 24 both underlines, 25 both blinks.
_OFF = {"1": "22", "2": "22", "3": "23", "4": "24", "21": "24", "5": "25", "6": "25", "7": "27", "8": "28", "9": "29"}


def _parts(ansi: str) -> tuple[frozenset[str], str | None, str | None]:
    """An SGR parameter string split into (attributes, foreground, background)."""
    tokens = ansi.split(";") if ansi else []
    attributes, foreground, background = set(), None, None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("38", "48"):  # 38;5;n or 38;2;r;g;b (48 for the background)
            size = 3 if tokens[index + 1] == "5" else 5
            group = ";".join(tokens[index : index + size])
            if token == "38":
                foreground = group
            else:
                background = group
            index += size
            continue
        number = int(token)
        if 30 <= number <= 37 or 90 <= number <= 97:
            foreground = token
        elif 40 <= number <= 47 or 100 <= number <= 107:
            background = token
        else:
            attributes.add(token)
        index += 1
    return frozenset(attributes), foreground, background


@lru_cache(maxsize=4096)
def transition(before: str, after: str) -> str:
    """The escape sequence that takes the terminal from SGR state ``before`` to ``after``
    ("" is the reset state): only what changes, or a reset and the whole of ``after``
    when something must be switched off."""
    if before == after:
        return ""
    if not after:
        return RESET
    if not before:
        return f"\x1b[{after}m"
    old_attributes, old_foreground, old_background = _parts(before)
    attributes, foreground, background = _parts(after)
    dropped = old_attributes - attributes
    if not dropped <= _OFF.keys() or (old_foreground and not foreground) or (old_background and not background):
        return f"\x1b[0;{after}m"
    codes = sorted({_OFF[code] for code in dropped}, key=int)
    # A shared code ends its partner too: whichever stays is switched on again.
    ended = {attribute for attribute, off in _OFF.items() if off in codes}
    codes += sorted((attributes - old_attributes) | (old_attributes & attributes & ended), key=int)
    if foreground != old_foreground:
        codes.append(foreground)
    if background != old_background:
        codes.append(background)
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def render_strip(strip: Strip, console: Console) -> str:
    """A strip's text and styles as escape sequences, starting and ending in the reset state."""
    color_system = console._color_system or ColorSystem.TRUECOLOR
    sequences: list[str] = []
    append = sequences.append
    state = ""
    for text, style, _ in strip:
        if not text:
            continue
        if style is None:
            append(transition(state, ""))
            append(text)
            state = ""
            continue
        if style._link:  # a hyperlink is opened and closed around its text: Textual's own way
            append(transition(state, ""))
            append(Strip.render_style(style, text, color_system))
            state = ""
            continue
        ansi = style._ansi if style._ansi is not None else Strip.render_ansi(style, color_system)
        append(transition(state, ansi))
        append(text)
        state = ansi
    append(transition(state, ""))
    return "".join(sequences)


@lru_cache(maxsize=4096)
def _one_cell_each(text: str) -> bool:
    return all(get_character_cell_size(character) == 1 for character in set(text))


def _single_width(strip: Strip) -> bool:
    # Cropping inside a double-width character would draw half of it: such lines keep Textual's
    # way. Every character is checked (a wide one and a zero-width one add up to a cell each).
    return _one_cell_each(strip.text)


class ScreenCopy:
    """The lines of the terminal as this process last drew them; None where not known."""

    def __init__(self) -> None:
        self.size: tuple[int, int] | None = None
        self.lines: list[Strip | None] = []

    def forget(self) -> None:
        self.size, self.lines = None, []

    def shows(self, y: int, x: int, piece: Strip, drawn: str, console: Console) -> bool:
        """Line ``y`` shows ``piece`` (``drawn``: its escape sequences) from column ``x`` already."""
        line = self.lines[y] if 0 <= y < len(self.lines) else None
        if line is None or not (_single_width(line) and _single_width(piece)):
            return False
        shown = line.crop(x, x + piece.cell_length)
        return shown.cell_length == piece.cell_length and render_strip(shown, console) == drawn

    def drew_piece(self, y: int, x: int, piece: Strip) -> None:
        """``piece`` was written from column ``x`` of line ``y``."""
        if not 0 <= y < len(self.lines):
            return
        line = self.lines[y]
        if line is None or x > line.cell_length or not (_single_width(line) and _single_width(piece)):
            self.lines[y] = None  # a double-width character may have been split: not known
            return
        after = x + piece.cell_length
        self.lines[y] = Strip.join([line.crop(0, x), piece, line.crop(after, line.cell_length)])


_copies: WeakKeyDictionary[Console, ScreenCopy] = WeakKeyDictionary()


def screen_copy(console: Console) -> ScreenCopy:
    """The copy of the screen that ``console`` (one app's) writes to."""
    copy = _copies.get(console)
    if copy is None:
        copy = _copies[console] = ScreenCopy()
    return copy


def forget(console: Console) -> None:
    """The next full repaint sends every line (the terminal may show anything now)."""
    screen_copy(console).forget()


def render_chops(self: ChopsUpdate, console: Console) -> str:
    """A partial update: each piece of a line cropped to the span that changed."""
    copy = screen_copy(console)
    sequences: list[str] = []
    append = sequences.append
    for y, x1, x2 in self.spans:
        for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items()):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = max(x, x1) if _single_width(strip) else x
            piece = strip.crop(start - x, min(end, x2) - x)
            drawn = render_strip(piece, console)
            if copy.shows(y, start, piece, drawn, console):
                continue  # repainted as it was (a layout that moved nothing): nothing to send
            append(Control.move_to(start, y).segment.text)
            append(drawn)
            copy.drew_piece(y, start, piece)
    return "".join(sequences)  # each piece moves the cursor to where it starts: no newlines needed


def render_layout(self: LayoutUpdate, console: Console) -> str:
    """A full repaint: only the lines that differ from what the terminal shows."""
    copy = screen_copy(console)
    region = self.region
    if region.x or region.y:
        copy.forget()  # not the whole screen (an inline app): Textual's own way
        return _textuals["layout"](self, console)
    if copy.size != region.size:
        copy.forget()
        copy.size = region.size
        copy.lines = [None] * region.height
    sequences: list[str] = []
    append = sequences.append
    for y, strips in enumerate(self.strips):
        line = Strip.join(strips)
        text = render_strip(line, console)
        shown = copy.lines[y]
        if shown is not None and render_strip(shown, console) == text:
            continue
        append(Control.move_to(0, y).segment.text)
        append(text)
        copy.lines[y] = line
    return "".join(sequences)


def why_not() -> str | None:
    """Why Textual's own updates must stay in this process, or None if the lean ones can be used."""
    if os.environ.get(SWITCH, "").strip().lower() == "off":
        return f"{SWITCH}=off"
    if TEXTUAL_VERSION != PATCHED_TEXTUAL:
        return f"Textual is {TEXTUAL_VERSION}, and these replace private methods of Textual {PATCHED_TEXTUAL}"
    return None


def install() -> bool:
    """Send every update of this process the lean way (calling it again changes nothing);
    True if they are. Where ``why_not`` says no, Textual's own stay and the log says why, once."""
    global _said_why_not
    reason = why_not()
    if reason is not None:
        if not _said_why_not:
            _log.warning("partial screen updates off, Textual's own are sent: %s", reason)
            _said_why_not = True
        return False
    from textual._compositor import ChopsUpdate, LayoutUpdate

    _textuals.setdefault("chops", ChopsUpdate.render_segments)
    _textuals.setdefault("layout", LayoutUpdate.render_segments)
    ChopsUpdate.render_segments = render_chops  # type: ignore[method-assign]
    LayoutUpdate.render_segments = render_layout  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """Back to Textual's own (tests compare the two)."""
    if not _textuals:
        return  # never installed: they are Textual's own
    from textual._compositor import ChopsUpdate, LayoutUpdate

    ChopsUpdate.render_segments = _textuals["chops"]  # type: ignore[method-assign]
    LayoutUpdate.render_segments = _textuals["layout"]  # type: ignore[method-assign]
