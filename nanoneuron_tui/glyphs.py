"""The symbols the app draws, and plain-ASCII stand-ins for terminals that lack them.

The Linux console's fonts have no ␣ ❚ ✓ ✗ ▶, no rounded corners, no braille or
quadrant blocks; a VT100 has nothing beyond ASCII. There, and with ``--ascii``,
widgets use the ASCII glyphs below (``glyphs.RUN`` and so on, read when drawing),
and a line filter turns every other character that reaches the screen —
borders, plot marks, Textual's own widgets — into one ASCII character of the
same width, so the layout stays exactly as it is.

``TERM=dumb`` is refused: such a terminal cannot move the cursor, and a
full-screen app cannot be drawn without it.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from rich.cells import get_character_cell_size
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter


class Glyphs(NamedTuple):
    RUN: str
    PAUSE: str
    DONE: str
    FAIL: str
    ARROW: str


UNICODE = Glyphs(RUN="▶", PAUSE="❚❚", DONE="✓", FAIL="✗", ARROW="→")
ASCII = Glyphs(RUN=">", PAUSE="||", DONE="*", FAIL="x", ARROW="->")

RUN, PAUSE, DONE, FAIL, ARROW = UNICODE
_ascii_only = False

# Terminals whose fonts (or hardware) show ASCII and little else.
ASCII_TERMINALS = ("linux", "vt52", "vt100", "vt102", "vt220")
TERMINALS_WITHOUT_CURSOR = ("dumb",)


def use_ascii(enabled: bool = True) -> None:
    """Draw with ASCII only (``enabled``) or with the Unicode glyphs again."""
    global RUN, PAUSE, DONE, FAIL, ARROW, _ascii_only
    RUN, PAUSE, DONE, FAIL, ARROW = ASCII if enabled else UNICODE
    _ascii_only = enabled


def ascii_only() -> bool:
    return _ascii_only


def needs_ascii(term: str | None) -> bool:
    """True for a terminal that cannot show the Unicode glyphs (TERM=linux, a VT100...)."""
    name = (term or "").lower()
    return any(name == known or name.startswith(known + "-") for known in ASCII_TERMINALS)


def cannot_draw(term: str | None) -> str | None:
    """Why the app cannot run in this terminal, in one line; None if it can."""
    if (term or "").lower() in TERMINALS_WITHOUT_CURSOR:
        return (
            f"TERM={term} cannot move the cursor, so the app cannot be drawn; "
            "run it in a full terminal (e.g. TERM=xterm), or use 'nanoneuron train' for plain text"
        )
    return None


# -- every character on screen -------------------------------------------------------

# Box drawing, by shape: ─ is "-", the heavy ━ and double ═ "=" (the timeline tells done
# from to come by weight), │ ┃ ║ "|", corners and joints "+".
_LINES = {
    "-": "─┄┈╌╴╶╼╾",
    "=": "━═┅┉╍╸╺",
    "|": "│┃║┆┇┊┋╎╏╵╷╹╻╽╿",
}
_OTHERS = {
    "␣": "_",
    "❚": "|",
    "▶": ">",
    "►": ">",
    "◀": "<",
    "◄": "<",
    "▲": "^",
    "▼": "v",
    "✓": "*",
    "✔": "*",
    "✗": "x",
    "✘": "x",
    "●": "o",
    "○": "o",
    "◉": "o",
    "◯": "o",
    "•": "*",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "·": ".",
    "…": ".",
    "×": "x",
    "−": "-",
    "–": "-",
    "—": "-",
    "°": "o",
    "σ": "s",
    "µ": "u",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "█": "#",
    "▌": "|",
    "▐": "|",
    "▊": "|",
    "▋": "|",
    "▍": "|",
    "▎": "|",
    "▏": "|",
    "▉": "#",
    "▀": "'",
    "▔": "'",
    "▄": ".",
    "▁": "_",
    "▂": "_",
    "▃": ".",
    "▅": ":",
    "▆": ":",
    "▇": "#",
    "░": ":",
    "▒": ":",
    "▓": "#",
}
# Quadrant blocks as (upper half inked, lower half inked).
_QUADRANTS = {
    "▘": (1, 0),
    "▝": (1, 0),
    "▖": (0, 1),
    "▗": (0, 1),
    "▚": (1, 1),
    "▞": (1, 1),
    "▙": (1, 1),
    "▛": (1, 1),
    "▜": (1, 1),
    "▟": (1, 1),
}
_BRAILLE_UPPER = 0b0001_1011  # dots 1, 2, 4, 5: the upper two rows of the cell
_BRAILLE_LOWER = 0b1110_0100  # dots 3, 6, 7, 8: the lower two rows


def _by_halves(upper: bool, lower: bool) -> str:
    """A plot mark as ASCII: ink above, below or both."""
    return ":" if upper and lower else "'" if upper else "." if lower else " "


def ascii_for(character: str) -> str:
    """One character as the ASCII text of the same width on screen."""
    if character.isascii():
        return character
    for replacement, characters in _LINES.items():
        if character in characters:
            return replacement
    if character in _OTHERS:
        return _OTHERS[character]
    if character in _QUADRANTS:
        return _by_halves(*_QUADRANTS[character])
    code = ord(character)
    if 0x2800 <= code <= 0x28FF:
        dots = code - 0x2800
        return _by_halves(bool(dots & _BRAILLE_UPPER), bool(dots & _BRAILLE_LOWER))
    if 0x2500 <= code <= 0x257F:
        return "+"  # corners, tees and crosses
    # As wide as the layout made it (Rich's measure): an accent takes no cell, 中 takes two.
    width = get_character_cell_size(character)
    if width == 0:
        return ""
    plain = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
    if len(plain) == width:
        return plain  # é -> e
    return "?" * width


class _Table(dict):
    """str.translate's table, filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        self[code] = replacement = ascii_for(chr(code))
        return replacement


class AsciiOnly(LineFilter):
    """Every character drawn becomes ASCII of the same width; styles stay as they are."""

    def __init__(self) -> None:
        super().__init__()
        self._table = _Table()

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        table = self._table
        return [
            segment
            if segment.control or segment.text.isascii()
            else Segment(segment.text.translate(table), segment.style, segment.control)
            for segment in segments
        ]
