"""w, b and the cost in large digits, for a room to read from the back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Label

from nanoneuron_tui.session import View

QUANTITIES = ("w", "b", "cost")


def big_number(value: float) -> str:
    """Six significant digits in characters ``Digits`` can draw (E for the exponent)."""
    return f"{value:.6g}".replace("e", "E").replace("E+", "E").replace("E-0", "E-").replace("inf", "∞")


class Projector(Horizontal):
    """Three big readouts side by side; a quantity is redrawn only when its text changes."""

    def compose(self) -> ComposeResult:
        for name in QUANTITIES:
            with Vertical(classes="projector-cell"):
                yield Label(name, classes="projector-label")
                yield Digits("", id=f"big-{name}")

    def show(self, view: View) -> None:
        for name, value in zip(QUANTITIES, (view.w, view.b, view.cost)):
            digits = self.query_one(f"#big-{name}", Digits)
            text = big_number(value)
            if digits.value != text:
                digits.update(text)
