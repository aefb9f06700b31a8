"""A small dialog that asks which epoch to go to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from nanoneuron_tui.params import parse_epoch
from nanoneuron_tui.widgets import Parses, stop_blinking


class EpochPrompt(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, first: int, last: int) -> None:
        super().__init__()
        self.first, self.last = first, last

    def compose(self) -> ComposeResult:
        with Vertical(id="epoch-dialog"):
            yield Label(f"Go to epoch ({self.first:,} to {self.last:,}):")
            yield Input(placeholder="e.g. 20000 or 2e4", id="epoch", validators=[Parses(parse_epoch)])
            yield Label("[dim]Enter to go · Esc to cancel[/]", id="epoch-help")

    def on_mount(self) -> None:
        stop_blinking(self)
        self.query_one("#epoch", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        problem = event.validation_result and not event.validation_result.is_valid
        words = event.validation_result.failure_descriptions[0] if problem else "Enter to go · Esc to cancel"
        self.query_one("#epoch-help", Label).update(f"[dim]{words}[/]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            epoch = parse_epoch(event.value)
        except ValueError:
            return  # the help line already says why
        self.dismiss(epoch)

    def action_cancel(self) -> None:
        self.dismiss(None)
