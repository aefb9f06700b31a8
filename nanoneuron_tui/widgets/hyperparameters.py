"""The knobs: every field checks itself as you type and says what is wrong.

A value reaches the session only when it is valid and you press Enter or
leave the field; a bad value never touches the neuron.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.validation import ValidationResult
from textual.widgets import Input, Label

from nanoneuron_tui import glyphs, params
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.widgets import Parses, blank_or


@dataclass(frozen=True)
class Field:
    name: str  # the Hyperparameters attribute
    label: str
    parse: Callable[[str], object]
    placeholder: str = ""

    def format(self, value: object) -> str:
        if value is None:
            return "max" if self.name == "pace" else ""
        return f"{value:g}" if isinstance(value, float) else str(value)


FIELDS = (
    Field("epochs", "epochs", params.parse_epochs),
    Field("alpha", "alpha", params.parse_alpha),
    Field("every", "report every", params.parse_every),
    Field("pace", "reports/s", params.parse_pace, 'a number or "max"'),
    # Blank means random: w and b from the seed, and a fresh seed for the seed.
    Field("w0", "initial w", blank_or(lambda t: params.parse_weight(t, "initial w")), "random"),
    Field("b0", "initial b", blank_or(lambda t: params.parse_weight(t, "initial b")), "random"),
    Field("seed", "seed", blank_or(params.parse_seed), "random"),
)


class HyperparameterForm(Grid):
    BORDER_TITLE = "Hyperparameters"
    BORDER_SUBTITLE = "Enter applies · Esc leaves"  # or, while a field is wrong, what is wrong

    class Applied(Message):
        """A field holds a new valid value: the session should take it."""

        def __init__(self, name: str, value: object) -> None:
            super().__init__()
            self.name = name
            self.value = value

    def __init__(self, hyper: Hyperparameters, **kwargs) -> None:
        super().__init__(**kwargs)
        self._hyper = hyper
        self._problems: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        # Label and field side by side in the form's two columns (a row container each
        # would be seven more widgets to mount at every start).
        for field in FIELDS:
            yield Label(field.label, classes="field-label")
            yield Input(
                value=field.format(getattr(self._hyper, field.name)),
                placeholder=field.placeholder,
                validators=[Parses(field.parse)],
                validate_on=["changed", "submitted", "blur"],
                id=f"field-{field.name}",
                select_on_focus=False,
                max_length=params.MAX_FIELD_CHARS,
                classes="field-input",
            )

    @property
    def problems(self) -> dict[str, str]:
        """Fields that hold a bad value, with what is wrong with each."""
        return dict(self._problems)

    def show(self, hyper: Hyperparameters) -> None:
        """Bring fields in line with the session (after a reset, say), except one being edited."""
        self._hyper = hyper
        for field in FIELDS:
            field_input = self.query_one(f"#field-{field.name}", Input)
            if field_input.has_focus or field.name in self._problems:
                continue
            text = field.format(getattr(hyper, field.name))
            if _value_of(field, field_input.value) != getattr(hyper, field.name):
                field_input.value = text

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._note(event.input, event.validation_result)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = self._field(event.input)
        if field.name in self._problems:
            # The pane's edge may be too narrow for the whole sentence.
            self.app.notify(f"Not applied: {self._problems[field.name]}", severity="error")
            return  # stay in the field, to put it right
        # Leaving the field applies it (on_input_blurred), once; then the keys drive the
        # app again (space runs, s steps), not the field.
        self.screen.set_focus(None)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        self._apply(event.input)

    def _field(self, field_input: Input) -> Field:
        return next(f for f in FIELDS if field_input.id == f"field-{f.name}")

    def _note(self, field_input: Input, result: ValidationResult | None) -> None:
        field = self._field(field_input)
        if result is None or result.is_valid:
            self._problems.pop(field.name, None)
        else:
            self._problems[field.name] = result.failure_descriptions[0]
        # What is wrong shows on the pane's bottom edge, where it costs no row.
        if self._problems:
            self.border_subtitle = f"[b]{glyphs.FAIL} {next(iter(self._problems.values()))}[/]"
        else:
            self.border_subtitle = self.BORDER_SUBTITLE

    def _apply(self, field_input: Input) -> None:
        field = self._field(field_input)
        try:
            value = field.parse(field_input.value)
        except ValueError:
            return  # already marked; the session keeps its value
        if value != getattr(self._hyper, field.name):
            self.post_message(self.Applied(field.name, value))


def _value_of(field: Field, text: str) -> object:
    try:
        return field.parse(text)
    except ValueError:
        return object()  # never equal to a real value
