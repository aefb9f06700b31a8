"""w, b and the cost in large digits, for a room to read from the back."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.renderables.digits import Digits as DigitsDrawing
from textual.widgets import Digits, Label

from nanoneuron_tui.session import View

QUANTITIES = ("w", "b", "cost")
MOST_DIGITS = 6  # significant digits where there is room
FEWEST_BIG_DIGITS = 3  # fewer say too little: then the number is written small, in full


def _drawable(text: str) -> str:
    return text.replace("e", "E").replace("E+", "E").replace("E-0", "E-").replace("inf", "∞")


def big_number(value: float, width: int | None = None) -> str | None:
    """Up to six significant digits in characters ``Digits`` can draw (E for the exponent),
    fewer if that is what fits in ``width`` cells (a big digit is three cells wide);
    None if not even three fit."""
    texts = [_drawable(f"{value:.{digits}g}") for digits in range(MOST_DIGITS, FEWEST_BIG_DIGITS - 1, -1)]
    if width is None:
        return texts[0]
    return next((text for text in texts if DigitsDrawing.get_width(text) <= width), None)


def _short_exponent(text: str) -> str:
    """4.4e+05 as 4.4e5, 2e-06 as 2e-6: two cells fewer where cells are few."""
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def small_number(value: float, width: int) -> str:
    """As many of six significant digits as fit in ``width`` cells (at least one)."""
    texts = [_short_exponent(f"{value:.{digits}g}") for digits in range(MOST_DIGITS, 0, -1)]
    return next((text for text in texts if len(text) <= width), texts[-1])


class Projector(Horizontal):
    """Three big readouts side by side, each written small where big digits would not fit;
    a quantity is redrawn only when its text changes."""

    _values: tuple[float, float, float] | None = None
    _cells: str = "none"  # "none", "mounting", then "ready"

    def show(self, view: View) -> None:
        self._values = (view.w, view.b, view.cost)
        if self._cells == "ready":
            self._update()
        elif self._cells == "none":
            # Built when first shown, not at launch: most sessions never use it.
            self._cells = "mounting"
            self.call_later(self._mount_cells)

    async def _mount_cells(self) -> None:
        # Awaited: a key pressed while a busy machine mounts them must not look for them yet.
        await self.mount_all(
            Vertical(
                Label(name, classes="projector-label"),
                Digits(id=f"big-{name}"),
                Label(id=f"small-{name}", classes="projector-small"),
                classes="projector-cell",
            )
            for name in QUANTITIES
        )
        self._cells = "ready"
        self.call_after_refresh(self._update)  # once the cells have their width

    def on_resize(self) -> None:
        self._update()

    def _update(self) -> None:
        if self._values is None or self._cells != "ready":
            return
        for name, value in zip(QUANTITIES, self._values):
            big = self.query_one(f"#big-{name}", Digits)
            small = self.query_one(f"#small-{name}", Label)
            width = big.parent.content_size.width if big.parent else 0
            text = big_number(value, width)
            big.display, small.display = text is not None, text is None
            if text is None:
                small.update(small_number(value, width))
            elif big.value != text:
                big.update(text)
