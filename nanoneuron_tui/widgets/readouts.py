"""What the neuron knows right now, and how far it is from the truth.

One line per readout, each its own widget: only lines whose text changed are
redrawn, which keeps a slow link quiet.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from nanoneuron_tui import glyphs
from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.session import State, View

ROWS = ("epoch", "w", "b", "dW dB", "cost", "target", "status")


def number(value: float | None, digits: int = 7) -> str:
    """At least six significant digits, never wider than a readout column."""
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def status_text(view: View) -> Text:
    if view.state is State.DIVERGED:
        return Text.assemble((f"{glyphs.FAIL} diverged", "bold red"), f" at epoch {view.diverged_at:,}")
    label, style = {
        State.PAUSED: (f"{glyphs.PAUSE} paused", "bold yellow"),
        State.RUNNING: (f"{glyphs.RUN} running" + (" to the end" if view.fast_forward else ""), "bold green"),
        State.FINISHED: (f"{glyphs.DONE} finished", "bold cyan"),
    }[view.state]
    text = Text(label, style=style)
    if view.init_pending:
        text.append(" · r starts anew", style="italic")
    return text


def readout_lines(view: View) -> dict[str, str | Text]:
    target_w, target_b = view.target
    return {
        "epoch": f"{view.epoch:,} / {view.epochs:,}",
        "w": f"{number(view.w)}  ({glyphs.ARROW} {number(target_w)})",
        "b": f"{number(view.b)}  ({glyphs.ARROW} {number(target_b)})",
        "dW dB": f"{number(view.dW, 4)}  {number(view.dB, 4)}",
        "cost": f"{number(view.cost, 4)}  test {number(view.test_cost, 4)}",
        # The distance of (w, b) from the target line's (w, b): not degrees, not the cost.
        "target": f"({number(target_w, 4)}, {number(target_b, 4)}), {number(view.distance_to_target, 4)} away",
        "status": status_text(view),
    }


class Readouts(Vertical):
    BORDER_TITLE = "Neuron"

    def name_the_data(self, data: DataSet) -> None:
        """The formula with the data's units on the pane's edge (the title line is hidden on short terminals)."""
        normalized = " (x normalized)" if data.spec.normalize else ""
        self.border_title = f"Neuron: {data.y_label} = w·{data.x_label} + b{normalized}"

    def compose(self) -> ComposeResult:
        for row in ROWS:
            with Horizontal(classes="readout"):
                yield Label(row, classes="readout-label")
                yield Static(id=f"readout-{row.replace(' ', '-')}", classes="readout-value")

    def show(self, view: View) -> None:
        for row, text in readout_lines(view).items():
            value = self.query_one(f"#readout-{row.replace(' ', '-')}", Static)
            if value.content != text:  # an unchanged line sends nothing to the terminal
                value.update(text, layout=False)

    @property
    def text(self) -> str:
        """The readouts as plain lines, as a person reads them."""
        lines = []
        for row in ROWS:
            content = self.query_one(f"#readout-{row.replace(' ', '-')}", Static).content
            lines.append(f"{row} {content.plain if isinstance(content, Text) else content}")
        return "\n".join(lines)
