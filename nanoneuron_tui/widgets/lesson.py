"""Epoch explained: the article's functions at work on the neuron as it is now.

The text comes whole from ``core/lesson.py``; this pane only lays it out and
marks what changed. After a step it shows the step itself, before → after,
and every figure that differs from the epoch before is underlined, so the
eye goes straight to what one update did.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.core.lesson import EpochExplained, Section, figure
from nanoneuron_tui.core.run import DIVERGENCE_FACTOR
from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.cost_slices import CostSlices
from nanoneuron_tui.widgets.key_bar import KeyBar
from nanoneuron_tui.widgets.quiet_static import QuietStatic

NAME_STYLE = "bold"
CODE_STYLE = "italic #5fafd7"  # italic says "code" even without colour
CHANGED_STYLE = "bold underline"
NEW_STYLE = "reverse"
# While training runs at speed, each frame jumps many epochs: twenty numbers changing several
# times a second can be read by nobody, yet cross the link every time. So the explanation and
# the epochs so far change at most this often then; a step, a key, the end show at once.
AT_SPEED_INTERVAL = 1.0


def _tokens(line: str) -> list[str]:
    return line.split(" ")


def marked_line(line: str, before: str | None, indent: str = "  ") -> Text:
    """``line``, with each word that differs from the same word of ``before`` underlined."""
    text = Text(indent)
    old = _tokens(before) if before is not None else None
    for i, word in enumerate(_tokens(line)):
        if i:
            text.append(" ")
        changed = old is not None and (i >= len(old) or old[i] != word)
        text.append(word, style=CHANGED_STYLE if changed else "")
    return text


def changed_part(before: str, after: str) -> tuple[str, str]:
    """``after`` split where it starts to differ from ``before``: (the same, the new)."""
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    return after[:same], after[same:]


def step_line(before: EpochExplained, after: EpochExplained) -> Text:
    """The step just taken: w, b and the cost before → after, the changed digits reversed.

    Each number is written as the explanation it belongs to writes it, so the
    figures here are those of the lines below."""
    prime = "′" if after.normalized else ""
    text = Text()
    for i, (name, old, new) in enumerate(
        (
            (f"w{prime}", before.w, after.w),
            (f"b{prime}", before.b, after.b),
            ("cost", before.cost, after.cost),
        )
    ):
        if i:
            text.append(" · ")
        old_text, new_text = before.figures(old), after.figures(new)
        same, fresh = changed_part(old_text, new_text)
        text.append(f"{name} {old_text} → {same}")
        text.append(fresh, style=NEW_STYLE)
    return text


def section_text(section: Section, before: Section | None) -> Text:
    """The function's name and its key code, as in neuron.py, then its numbers.

    Code lines after the first line up under it; the summary follows the last.
    """
    head = f"{section.name}  "
    text = Text(head, style=NAME_STYLE)
    code = section.code
    if code:
        for i, line in enumerate(code):
            if i:
                text.append("\n" + " " * len(head))
            text.append(line, style=CODE_STYLE)
        text.append(f"   {section.summary}", style="dim" if len(code) > 1 or section.name != "the data" else "")
    else:
        text.append(section.summary)
    for i, line in enumerate(section.lines):
        text.append("\n")
        old = before.lines[i] if before is not None and i < len(before.lines) else None
        text.append_text(marked_line(line, old))
    return text


SLICES_AFTER = "backward_propagation"  # the section the cost slices are drawn under


def lesson_parts(
    lesson: EpochExplained, epoch: int, epochs: int, before: EpochExplained | None, diverged: bool = False
) -> tuple[Text, Text]:
    """The whole explanation in two parts, the cost slices to go between them: a heading, the
    step just taken if there was one, then the next step, each function in turn, up to
    backward_propagation; then the rest. Each block says which step it is about: after ``s``
    the numbers below are those of the step to come, not of the one just taken."""
    head = Text.assemble((f"Epoch {epoch:,}", NAME_STYLE), f" of {epochs:,} · alpha {lesson.figures(lesson.alpha)} · ")
    step = f"{epoch:,} → {epoch + 1:,}"
    if diverged:
        head.append(f"✗ diverged here: the cost passed {DIVERGENCE_FACTOR:,.0f} times its start", style="bold")
        head.append(f"; alpha is too large, so every step overshoots. The next step, {step}, would be:")
    else:
        if before is not None:
            head.append(f"the step just taken, {epoch - 1:,} → {epoch:,}:\n  ")
            head.append_text(step_line(before, lesson))
            head.append("\n")
        head.append(f"the next step, {step}, one function at a time:", style=NAME_STYLE if before else "")
    tail = Text()
    part = head
    # After a step the data is as it was: its lines go to the step, so that at 80×24 the
    # explanation still ends with the update on screen.
    sections = [section for section in lesson.sections if before is None or section.name != "the data"]
    for section in sections:
        if part.plain:
            part.append("\n")
        old = before.section(section.name) if before is not None else None
        part.append_text(section_text(section, old))
        if section.name == SLICES_AFTER:
            part = tail
    return head, tail


def lesson_text(
    lesson: EpochExplained, epoch: int, epochs: int, before: EpochExplained | None, diverged: bool = False
) -> Text:
    """The whole explanation as one text (see ``lesson_parts``)."""
    head, tail = lesson_parts(lesson, epoch, epochs, before, diverged)
    return Text("\n").join((head, tail)) if tail.plain else head


class EpochExplainedView(Vertical):
    """The explanation itself, with the cost slices under backward_propagation; ``show`` gives it the numbers."""

    DEFAULT_CSS = "EpochExplainedView { height: auto; }"

    lesson: EpochExplained | None = None  # the numbers last given (at speed, on screen within a second)
    before: EpochExplained | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Made here, not in compose: a view shown before it is mounted keeps what it was given.
        self._head = QuietStatic(classes="lesson-head")
        self._slices = CostSlices(min_interval=AT_SPEED_INTERVAL, classes="cost-slices")  # paced as the text is
        self._tail = QuietStatic(classes="lesson-tail")

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._slices
        yield self._tail

    def show(
        self,
        lesson: EpochExplained,
        epoch: int,
        epochs: int,
        before: EpochExplained | None,
        diverged: bool = False,
        urgent: bool = True,
        data: DataSet | None = None,
    ) -> None:
        """``urgent``: a key, not a training report. A report of one step (``before``) is shown
        at once too: the slow start is there to be read epoch by epoch. With ``data`` the
        cost slices are drawn (they need the data's summaries)."""
        self.lesson, self.before = lesson, before
        at_speed = not (urgent or before is not None or diverged)
        interval = AT_SPEED_INTERVAL if at_speed else 0.0
        head, tail = lesson_parts(lesson, epoch, epochs, before, diverged)
        for part, text in ((self._head, head), (self._tail, tail)):
            if part.content != text:  # unchanged text sends nothing to the terminal
                part.update(text, at_most_every=interval)
        self._slices.set_class(data is None, "-no-data")
        if data is not None:
            self._slices.show(data, lesson, urgent=not at_speed)

    @property
    def content(self) -> Text:
        """The explanation's text on screen, in one piece."""
        parts = [part.content for part in (self._head, self._tail)]
        texts = [part if isinstance(part, Text) else Text(str(part)) for part in parts if part]
        return Text("\n").join(texts) if texts else Text()

    @property
    def text(self) -> str:
        """The explanation as plain text, as a person reads it."""
        return self.content.plain


class RecentEpochs(QuietStatic):
    """The epochs up to the one on screen, one a row: w's zig-zag and the falling cost, as numbers.

    As many columns as the pane has room for, in this order.
    """

    BORDER_TITLE = "The epochs so far (data units; dW, dB the trainer's)"
    COLUMNS = ("w", "b", "cost", "dW", "dB")
    EPOCH_WIDTH, WIDTH = 9, 12

    _view: View | None = None
    _shown_epoch: int | None = None

    def on_resize(self) -> None:
        if self._view is not None:  # as many rows as now fit
            self.show(self._view)

    def show(self, view: View, urgent: bool = True) -> None:
        """``urgent``: a key, not a training report; reports of more than one epoch are paced."""
        stepped = self._shown_epoch is not None and view.epoch - self._shown_epoch == 1
        at_speed = not (urgent or stepped)
        self._view, self._shown_epoch = view, view.epoch
        rows = max(1, self.content_size.height - 1)
        fit = (self.content_size.width - self.EPOCH_WIDTH) // self.WIDTH
        columns = self.COLUMNS[: max(1, fit)]
        run, last = view.run, view.epoch
        first = max(run.first_epoch, last - rows + 1)
        text = Text(
            f"{'epoch':>{self.EPOCH_WIDTH - 2}}  " + "".join(f"{c:<{self.WIDTH}}" for c in columns), style="bold"
        )
        for epoch in range(first, last + 1):
            moment = run.at(epoch)
            values = dict(w=moment.w, b=moment.b, cost=moment.cost, dW=moment.dW, dB=moment.dB)
            text.append("\n")
            text.append(
                f"{epoch:>{self.EPOCH_WIDTH - 2},}  " + "".join(f"{figure(values[c]):<{self.WIDTH}}" for c in columns),
                style=NAME_STYLE if epoch == last else "",
            )
        if self.content != text:  # unchanged text sends nothing to the terminal
            self.update(text, at_most_every=AT_SPEED_INTERVAL if at_speed else 0.0)


class LessonPane(VerticalScroll):
    """The explanation as a pane of the main screen, on terminals wide enough for it."""

    BORDER_TITLE = "Epoch explained"
    BORDER_SUBTITLE = "e: full screen"

    def compose(self) -> ComposeResult:
        yield EpochExplainedView(id="lesson-pane-text", classes="lesson-text")


class LessonScreen(Screen):
    """The explanation on a screen of its own: ``e`` or Escape goes back."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", key_display="Esc", show=False),
        Binding("v", "app.every_value", "Every value", key_display="v"),
        Binding("slash", "app.slopes", "Slopes", key_display="/"),
    ]

    def on_mount(self) -> None:
        self.query_one("#lesson-scroll").focus()  # so ↑ ↓ PgUp PgDn scroll it; letters still reach the app

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson-scroll"):
            yield EpochExplainedView(id="lesson-screen-text", classes="lesson-text")
        yield KeyBar()
