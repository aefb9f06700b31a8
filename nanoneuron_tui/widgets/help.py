"""What everything on the screen means, and what every key truly does.

Written for the neuron as it is now: the keys that depend on the state say
where they would take it ("n: +N, to 1,000"), the readouts name the current
data's units and target.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from nanoneuron_tui.bindings import keys_of
from nanoneuron_tui.core.lesson import valley, valley_words
from nanoneuron_tui.session import State, View
from nanoneuron_tui.widgets.quiet_static import QuietStatic
from nanoneuron_tui.widgets.readouts import readout_number


def next_report_epoch(view: View) -> int:
    """Where ``n`` goes: the next multiple of the report interval, never past the last epoch."""
    every = view.hyper.every
    return min(view.epochs, view.epoch + every - view.epoch % every)


def keys(view: View) -> list[tuple[str, str]]:
    """(keys, what they do) for every key of the main screen."""
    every = view.hyper.every
    running = view.state is State.RUNNING
    return [
        (
            keys_of("toggle_run"),
            ("pause training" if running else "run training")
            + ": the first epochs play one at a time, then faster and faster",
        ),
        (keys_of("step"), "pause, then train exactly one epoch (+1)"),
        (
            keys_of("step_report"),
            f"pause, then train to the next multiple of N = {every:,} (+N, to {next_report_epoch(view):,})",
        ),
        (keys_of("fast_forward"), f"run as fast as possible to the last epoch ({view.epochs:,})"),
        (keys_of("back"), "pause and go back one epoch, exactly as training got there"),
        (keys_of("back_report"), f"pause and go back to the previous multiple of N = {every:,}"),
        (keys_of("go_to"), "go to any epoch of the run"),
        (keys_of("focus_timeline"), "the timeline: ←/→ a report, shift+←/→ an epoch, PgUp/PgDn a tenth"),
        (keys_of("reset"), "back to epoch 0 with the same initial w and b"),
        (keys_of("new_start"), "back to epoch 0 with a new random initial w and b"),
        (keys_of("explain"), "Epoch explained: the seven functions with this epoch's numbers (e or Esc returns)"),
        (
            keys_of("every_value"),
            "every value: each training point's x, y, ŷ, y − ŷ, (y − ŷ)·x, (y − ŷ)²/2 with their sums and means, "
            "which are the cost, dW and dB (v or Esc returns)",
        ),
        (
            keys_of("slopes"),
            "slopes: the cost along w and along b through the neuron, with the tangents whose slopes are "
            "−dW and −dB (also under backward_propagation on a tall screen; / or Esc returns)",
        ),
        (
            keys_of("edit_alpha"),
            "jump to the alpha field (Tab moves on through the hyperparameters; in a field, Tab gets there)",
        ),
        (keys_of("cycle_cost_view"), "cost plot view: follow (default), whole run, first epochs, recent"),
        (keys_of("toggle_surface"), "the cost surface in place of the cost plot and fit view (below 150 columns)"),
        (keys_of("toggle_pin"), "pin this run as a faint ghost to compare the next one with; again to unpin"),
        (keys_of("toggle_projector"), "projector mode: w, b and the cost in large digits"),
        (keys_of("ask"), "type a value into the Ask pane"),
        (keys_of("guess"), "your guess for the next w (↑↓: b, dW, dB, the cost): checked within 0.1 %, then the step"),
        (keys_of("choose_data"), "choose the data: preset or CSV file, noise, test split, normalization"),
        (keys_of("leave_field"), "leave a field (the letter keys work again)"),
        (keys_of("help"), "this help (?, F1 or Esc closes it)"),
        (keys_of("command_palette"), "command palette: every action by name, plus save, load, export, screenshot"),
        (keys_of("redraw"), "redraw the whole screen (repaints send only what changed)"),
        (keys_of("suspend_process"), "suspend to the shell; fg brings the app back as it was"),
        ("ctrl+q", "quit (the session is saved; nanoneuron --resume comes back to it)"),
    ]


def readouts(view: View) -> list[tuple[str, str]]:
    """(readout, what it means) for every number on the main screen."""
    data = view.data
    x, y = data.x_label, data.y_label
    target_w, target_b = view.target
    target = f"({readout_number(target_w)}, {readout_number(target_b)})"
    source = "the rule" if data.rule else "the least-squares line (no rule is known for this data)"
    return [
        ("epoch", "epochs done: how many times w and b have been adjusted, of the run's total"),
        ("w  b", f"the neuron: it predicts {y} as w·{x} + b. (→ …) is where they should end up: {source}"),
        (
            "dW dB",
            "the step backward_propagation proposes next: the means of (y − ŷ)·x and of (y − ŷ). "
            "They point downhill; each epoch adds alpha × dW to w and alpha × dB to b",
        ),
        ("cost", "forward_propagation: the mean of (y − ŷ)² / 2 over the training points. It falls as the line fits"),
        ("test", "the same cost on the test points, which the neuron never trains on: does it generalize?"),
        (
            "target",
            f"how far (w, b) is from the target {target}: √((w − {readout_number(target_w)})² + "
            f"(b − {readout_number(target_b)})²), in the units of w and b, not of {y}. "
            "It shrinks slowly while the cost falls fast: see The valley, below",
        ),
        (
            "score  goal",
            "in the target's row once you practise: your guesses (y) right of all, and the streak; "
            "with a challenge under way, where you stand",
        ),
        ("status", "paused, running, finished, or diverged (alpha too large: the cost exploded)"),
        ("epochs", "how many epochs the run has; raising it lets a finished run go on"),
        ("alpha", "the learning rate: how big each step is. Too large and it diverges"),
        ("report every", "N: while running, the screen shows every N-th epoch; n steps to the next multiple"),
        ("reports/s", "how many reports a second while running, or max for as fast as possible"),
        ("initial w, b, seed", "where training starts; a change waits for r. Blank is random, from the seed"),
        (
            "Ask it",
            f"type {x}: → is the neuron's prediction, correct is the rule's, error is prediction − correct, in {y}",
        ),
        ("Cost (log)", "the training cost of every epoch (line) and the test cost (dots), on a log scale"),
        ("Fit", f"the training points and the neuron's line: {y} against {x}"),
        (
            "Epoch explained",
            "predict, prediction_cost, forward_propagation, backward_propagation and "
            "train_model with this epoch's numbers; check them by hand",
        ),
    ]


def the_valley(view: View, from_here: bool = True) -> tuple[str, ...]:
    """Why w settles at once and b crawls, in words computed for this data and alpha
    (core/lesson.py). ``from_here`` adds what the next epochs do from the neuron on screen,
    which changes every epoch: the help says it, the guide pane (redrawn as training runs) does not."""
    moment = view.moment
    words = valley_words(valley(view.data, moment.w_trained, moment.b_trained, moment.alpha))
    return words if from_here else tuple(line for line in words if not line.startswith("From here"))


def help_text(view: View, name_width: int = 18, from_here: bool = True) -> Text:
    """The help: readouts first (what you see), then the valley, then keys (what you can do).

    With ``name_width`` 0 each name runs into its meaning, for a narrow pane.
    """
    text = Text()

    def heading(title: str, note: str = "") -> None:
        if text:
            text.append("\n\n")
        text.append(title, style="bold reverse")
        text.append(note)

    def entry(name: str, meaning: str) -> None:
        text.append("\n")
        text.append(f"{name:<{name_width}}" if name_width else f"{name}  ", style="bold")
        text.append(meaning)

    heading(" Reading the screen ")
    for name, meaning in readouts(view):
        entry(name, meaning)
    heading(" The valley ", " why w settles at once and b crawls")
    for line in the_valley(view, from_here):
        text.append("\n" + line)
    heading(" Keys ", " letters, or the function key while typing in a field")
    for key, meaning in keys(view):
        entry(key, meaning)
    return text


def help_table(view: View) -> Group:
    """The help for a wide overlay: names in a column of their own, meanings wrapping beside them."""
    parts: list = []
    for title, note, entries in (
        ("Reading the screen", "", readouts(view)),
        ("The valley", " why w settles at once and b crawls", None),
        ("Keys", " letters, or the function key while typing in a field", keys(view)),
    ):
        parts.append(Text.assemble((f" {title} ", "bold reverse"), note))
        if entries is None:
            parts += [Text(line) for line in the_valley(view)]
        else:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True)
            table.add_column()
            for name, meaning in entries:
                table.add_row(name, meaning)
            parts.append(table)
        parts.append(Text(""))
    return Group(*parts[:-1])


class HelpScreen(ModalScreen[None]):
    """The help over the main screen: ?, F1 or Escape closes it."""

    BINDINGS = [
        Binding("escape,question_mark,f1,q", "app.pop_screen", "Close", key_display="Esc"),
    ]

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "Help: ? F1 or Esc closes"
            yield Static(help_table(self.view), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-dialog").focus()  # so ↑ ↓ PgUp PgDn scroll it

    @property
    def text(self) -> str:
        """The help as plain words, as shown."""
        return help_text(self.view).plain


class GuidePane(VerticalScroll):
    """The same help as a pane, on terminals tall enough to keep it in view."""

    BORDER_TITLE = "Reading the screen"
    BORDER_SUBTITLE = "? or F1: help"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield QuietStatic(id="guide-text")  # only the lines that change are repainted

    def show(self, view: View) -> None:
        text = help_text(view, name_width=0, from_here=False)
        if text != self._shown:  # unchanged text sends nothing to the terminal
            self._shown = text
            self.query_one("#guide-text", QuietStatic).update(text)
