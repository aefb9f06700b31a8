"""Text from outside, made safe to show: what a file, a path or a person typed.

A CSV header, a file name or an SSH user name can hold anything: an escape
sequence that retitles the terminal or clears it (``ESC ] 0 ; … BEL``,
``ESC [ 2 J``), a newline that splits a one-line message in two, a right-to-left
override that reverses what follows. Shown as they are, they act on the
terminal instead of being read. Every piece of outside text passes through
``printable`` before it is shown, whether on the app's screen, in a headless
report or in a message on standard error.
"""

from __future__ import annotations

# What a few common control characters look like in a Python or C string.
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A byte that is not UTF-8 in a file name reaches Python as one of these
# surrogates (PEP 383); it is shown as the byte it was.
_UNDECODABLE_BYTES = range(0xDC80, 0xDD00)


def printable(text: str) -> str:
    """``text`` with everything that is not a visible character or a plain space
    written out as an escape (``\\x1b``, ``\\n``, ``\\u202e``), so it shows on one
    line and the terminal only ever receives characters to draw.

    Visible characters of any script (``°C``, ``温度``) are kept as they are;
    text that is already printable comes back unchanged.
    """
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else _escape(character) for character in text)


def _escape(character: str) -> str:
    code = ord(character)
    if character in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[character]
    if code in _UNDECODABLE_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
