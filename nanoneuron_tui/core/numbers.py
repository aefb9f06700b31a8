"""Numbers as people type them and files hold them: plain ASCII decimals, nothing else.

Python's ``float()`` is generous: it reads ``'٧٠'`` (Arabic-Indic digits) as 70,
``'1_0'`` as 10 and skips any Unicode space. In a hyperparameter field or a data
file those are typos or tricks, and a number that silently means something else
is worse than an error. So the app and its files accept one spelling: optional
sign, ASCII digits, an optional decimal point and exponent (``-1.5e3``, ``.5``,
``7.``). ``nan`` and ``inf`` are recognised only so the message can say that
the number must be finite.
"""

from __future__ import annotations

import re

# The largest magnitude NanoNeuron works with, for typed values and data alike.
# Squared and summed (a cost is a mean of squared errors of w*x + b) it stays far
# below the float limit of 1.8e308, so every cost, gradient and plot is finite.
MAX_MAGNITUDE = 1e15

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def parse_decimal(text: str) -> float | None:
    """The value of an ASCII decimal such as ``-1.5e3`` (or ``nan``/``inf``), else None.

    Leading and trailing ASCII spaces and tabs are allowed; nothing else is.
    """
    text = text.strip(" \t")
    if _DECIMAL.fullmatch(text) or _NOT_FINITE.fullmatch(text):
        return float(text)
    return None


def quoted(text: str, limit: int = 24) -> str:
    """``text`` quoted for a message, cut short so a message stays one short line."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def why_not_a_number(text: str) -> str:
    """A short reason for a message: what in ``text`` stops it being a number."""
    if any(not character.isascii() for character in text):
        return f"{quoted(text)} is not a number (use ASCII digits, '-' and '.')"
    return f"{quoted(text)} is not a number"
