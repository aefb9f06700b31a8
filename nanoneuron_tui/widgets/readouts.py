"""What the neuron knows right now, and how far it is from the truth.

One line per readout: only lines whose text changed are redrawn, which keeps
a slow link quiet.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from nanoneuron_tui import glyphs
from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.session import State, View

ROWS = ("epoch", "w", "b", "dW dB", "cost", "target", "status")


def readout_number(value: float | None, digits: int = 7) -> str:
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
        "w": f"{readout_number(view.w)}  ({glyphs.ARROW} {readout_number(target_w)})",
        "b": f"{readout_number(view.b)}  ({glyphs.ARROW} {readout_number(target_b)})",
        "dW dB": f"{readout_number(view.dW, 4)}  {readout_number(view.dB, 4)}",
        "cost": f"{readout_number(view.cost, 4)}  test {readout_number(view.test_cost, 4)}",
        # The distance of (w, b) from the target line's (w, b): not degrees, not the cost.
        "target": f"({readout_number(target_w, 4)}, {readout_number(target_b, 4)}), "
        f"{readout_number(view.distance_to_target, 4)} away",
        "status": status_text(view),
    }


class Readouts(Widget):
    """The readouts, a line each, drawn line by line: a line whose text is unchanged is not redrawn."""

    BORDER_TITLE = "Neuron"
    LABEL_WIDTH = 7

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._values: dict[str, str | Text] = dict.fromkeys(ROWS, "")
        self._labels = {row: row for row in ROWS}

    def name_the_data(self, data: DataSet) -> None:
        """The formula with the data's units on the pane's edge (the title line is hidden on short terminals)."""
        normalized = " (x normalized)" if data.spec.normalize else ""
        # A CSV header names the units: inserted as text, never read as markup.
        self.border_title = Content.from_markup(
            "Neuron: $y = w·$x + b$normalized", y=data.y_label, x=data.x_label, normalized=normalized
        )

    def show(self, view: View, practice: tuple[str, str] | None = None) -> None:
        """``practice``: (label, text) of the learner's score or challenge, shown in the target's row
        (80×24 has no row to spare; the target is in the w and b rows' brackets too)."""
        lines = readout_lines(view)
        label = "target"
        if practice is not None:
            label, lines["target"] = practice
        if self._labels["target"] != label:
            self._labels["target"] = label
            self._values["target"] = ""  # redrawn below
        for y, (row, value) in enumerate(lines.items()):
            if self._values[row] != value:  # an unchanged line sends nothing to the terminal
                self._values[row] = value
                self.refresh(Region(0, y, self.size.width, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(ROWS)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(ROWS):
            return Strip.blank(width)
        row = ROWS[y]
        label = self._labels[row]
        line = Text.assemble((f"{label:<{self.LABEL_WIDTH}}", "bold"), self._values[row], no_wrap=True, end="")
        line.truncate(width)
        # Through Textual's own content, so colours and the theme's text colour are as in any other pane.
        segments = Content.from_rich_text(line).render_segments(self.visual_style)
        return Strip(segments).extend_cell_length(width, self.rich_style)

    @property
    def text(self) -> str:
        """The readouts as plain lines, as a person reads them."""
        return "\n".join(
            f"{self._labels[row]} {value.plain if isinstance(value, Text) else value}"
            for row, value in self._values.items()
        )
