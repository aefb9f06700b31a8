"""Ask NanoNeuron: type a Celsius value, see what it thinks, while it learns."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Static

from nanoneuron_tui import glyphs
from nanoneuron_tui.params import MAX_FIELD_CHARS, parse_x
from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.readouts import readout_number


def answer_lines(guess: str, error: str, truth: str, correct: str, unit: str, width: int) -> str:
    """The prediction, its error and the correct value, in two lines whatever their lengths.

    The error goes beside the prediction when it fits, otherwise first on the
    second line: it is the number a learner looks for, so it is never the one cut.
    """
    unit = escape(unit)  # a CSV header names it: text, never markup
    first = f"{glyphs.ARROW} [b]{guess} {unit}[/]"
    error_part = f"[dim]error[/] {error}"
    if len(f"{glyphs.ARROW} {guess} {unit} · error {error}") <= width:
        return f"{first} [dim]·[/] {error_part}\n[dim]{truth}[/] {correct} {unit}"
    return f"{first}\n{error_part} [dim]· {truth}[/] {correct} {unit}"


class PredictionBox(Vertical):
    BORDER_TITLE = "Ask it"

    def __init__(self, celsius: float = 70.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self._view: View | None = None
        self._start = celsius
        self._unit = "°C"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(Content(self._unit), classes="field-label", id="ask-unit")  # a CSV header: not markup
            yield Input(
                value=f"{self._start:g}",
                placeholder="a temperature",
                id="ask",
                select_on_focus=False,
                max_length=MAX_FIELD_CHARS,
            )
        yield Static(id="answer")

    def set_unit(self, unit: str) -> None:
        self._unit = unit
        if self.is_mounted:
            self.query_one("#ask-unit", Label).update(Content(unit))

    def show(self, view: View) -> None:
        self._view = view
        self._answer()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._answer()

    def _answer(self) -> None:
        if self._view is None:
            return
        view = self._view
        text = self.query_one("#ask", Input).value
        y_unit = view.data.y_label
        try:
            x = parse_x(text, "the value")
        except ValueError as problem:
            answer = f"[b red]{glyphs.FAIL}[/] {problem}"
        else:
            guess, correct = view.predict(x), view.correct(x)
            # Without a known rule, the best any line can say stands in for "correct".
            truth = "correct" if view.data.rule else "best line"
            answer = answer_lines(
                readout_number(guess),
                f"{guess - correct:+.3g}",
                truth,
                readout_number(correct),
                y_unit,
                width=self.query_one("#answer", Static).size.width or 34,
            )
        answer_widget = self.query_one("#answer", Static)
        if answer_widget.content != answer:  # unchanged text sends nothing to the terminal
            answer_widget.update(answer, layout=False)
