"""w, b and the cost in large digits, for a room to read from the back."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Label

from nanoneuron_tui.session import View

QUANTITIES = ("w", "b", "cost")


def big_number(value: float) -> str:
    """Six significant digits in characters ``Digits`` can draw (E for the exponent)."""
    return f"{value:.6g}".replace("e", "E").replace("E+", "E").replace("E-0", "E-").replace("inf", "∞")


class Projector(Horizontal):
    """Three big readouts side by side; a quantity is redrawn only when its text changes."""

    def show(self, view: View) -> None:
        texts = {name: big_number(value) for name, value in zip(QUANTITIES, (view.w, view.b, view.cost))}
        if not self.children:
            # Built when first shown, not at launch: most sessions never use it.
            self.mount_all(
                Vertical(
                    Label(name, classes="projector-label"),
                    Digits(texts[name], id=f"big-{name}"),
                    classes="projector-cell",
                )
                for name in QUANTITIES
            )
            return
        for name, text in texts.items():
            digits = self.query_one(f"#big-{name}", Digits)
            if digits.value != text:
                digits.update(text)
