"""A small dialog that asks for a file name."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from nanoneuron_tui.params import MAX_PATH_CHARS
from nanoneuron_tui.widgets import stop_blinking


class PathPrompt(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self._title = title
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Label(self._title, id="path-title")
            yield Input(value=self._default, id="path", max_length=MAX_PATH_CHARS)
            yield Label("[dim]Enter to confirm · Esc to cancel[/]")

    def on_mount(self) -> None:
        stop_blinking(self)
        self.query_one("#path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        self.dismiss(path or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
