"""What the neuron knows right now, and how far it is from the truth."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from nanoneuron_tui.session import State, View


def number(value: float | None, digits: int = 7) -> str:
    """At least six significant digits, never wider than a readout column."""
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def status_text(view: View) -> Text:
    if view.state is State.DIVERGED:
        return Text.assemble(("✗ diverged", "bold red"), f" at epoch {view.diverged_at:,}")
    label, style = {
        State.PAUSED: ("❚❚ paused", "bold yellow"),
        State.RUNNING: ("▶ running" + (" to the end" if view.fast_forward else ""), "bold green"),
        State.FINISHED: ("✓ finished", "bold cyan"),
    }[view.state]
    text = Text(label, style=style)
    if view.init_pending:
        text.append(" · r starts anew", style="italic")
    return text


class Readouts(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: object = None

    def show(self, view: View) -> None:
        target_w, target_b = view.target
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True, min_width=6)
        table.add_column(no_wrap=True)
        table.add_row("epoch", f"{view.epoch:,} / {view.epochs:,}")
        table.add_row("w", f"{number(view.w)}  (→ {number(target_w)})")
        table.add_row("b", f"{number(view.b)}  (→ {number(target_b)})")
        table.add_row("dW dB", f"{number(view.dW, 4)}  {number(view.dB, 4)}")
        table.add_row("cost", f"{number(view.cost, 4)}  test {number(view.test_cost, 4)}")
        table.add_row("off by", f"{number(view.distance_to_target, 4)}  from the target")
        table.add_row("status", status_text(view))
        key = (view.epoch, view.w, view.b, view.state, view.init_pending, view.epochs, view.fast_forward)
        if key != self._shown:  # an identical readout sends nothing to the terminal
            self._shown = key
            self.update(table)
