"""A small dialog that asks the learner's guess for the next step, before it is taken."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from nanoneuron_tui.core.practice import QUANTITIES, TOLERANCE
from nanoneuron_tui.params import MAX_FIELD_CHARS, parse_guess
from nanoneuron_tui.widgets import Parses, stop_blinking

# What each quantity is, in the prompt's words.
ASKED = {
    "w": "the next {w}",
    "b": "the next {b}",
    "dW": "this step's dW",
    "dB": "this step's dB",
    "cost": "this step's cost",
}
HELP = "Enter: check, then step · ↑↓ · Esc leaves"


class GuessPrompt(ModalScreen[tuple[str, float] | None]):
    """Answers (quantity, guess), or None when the learner leaves without a guess."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        # An Input leaves ↑ and ↓ alone: they choose what to guess.
        Binding("up", "choose(-1)", "Previous", show=False),
        Binding("down", "choose(1)", "Next", show=False),
    ]

    def __init__(self, quantity: str = "w", primed: bool = False) -> None:
        super().__init__()
        self.quantity = quantity if quantity in QUANTITIES else "w"
        self.primed = primed  # x standardized: the trainer's w′ and b′

    def compose(self) -> ComposeResult:
        with Vertical(id="guess-dialog"):
            yield Label(self._question(), id="guess-question")
            yield Label(self._choices(), id="guess-choices")
            yield Input(
                placeholder="e.g. 1.7 or -3e2",
                id="guess",
                validators=[Parses(parse_guess)],
                max_length=MAX_FIELD_CHARS,
            )
            yield Label(f"[dim]{HELP}[/]", id="guess-help")

    def _question(self) -> str:
        names = {"w": "w′" if self.primed else "w", "b": "b′" if self.primed else "b"}
        within = f"±{TOLERANCE:.1%}" + (" of the step" if self.quantity in ("w", "b") else "")
        return f"Guess {ASKED[self.quantity].format(**names)} ({within}):"

    def _choices(self) -> str:
        return "[dim]" + "  ".join(f"[b reverse]{q}[/]" if q == self.quantity else q for q in QUANTITIES) + "[/]"

    def on_mount(self) -> None:
        stop_blinking(self)
        self.query_one("#guess", Input).focus()

    def action_choose(self, offset: int) -> None:
        self.quantity = QUANTITIES[(QUANTITIES.index(self.quantity) + offset) % len(QUANTITIES)]
        self.query_one("#guess-question", Label).update(self._question())
        self.query_one("#guess-choices", Label).update(self._choices())

    def on_input_changed(self, event: Input.Changed) -> None:
        problem = event.validation_result and not event.validation_result.is_valid
        words = event.validation_result.failure_descriptions[0] if problem else HELP
        self.query_one("#guess-help", Label).update(f"[dim]{escape(words)}[/]")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            guess = parse_guess(event.value)
        except ValueError:
            return  # the help line already says why; the field keeps what was typed
        self.dismiss((self.quantity, guess))

    def action_cancel(self) -> None:
        self.dismiss(None)
