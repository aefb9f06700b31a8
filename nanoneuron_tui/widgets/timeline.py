"""The run as a line from its first epoch to the goal: where you are, and a handle to scrub.

With focus, ←/→ move one report, shift+←/→ one epoch, PageUp/PageDown a tenth of
the run, Home/End to either end; a click goes to the epoch under the mouse.
Every move is exact: the session jumps there through the run's closed form.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from nanoneuron_tui.session import View
from nanoneuron_tui.widgets.plotting import changed_regions, short_number


class Span(NamedTuple):
    """What the line shows; equal spans draw the same line."""

    first: int  # the run's first epoch
    goal: int  # the last epoch of the run (the goal, or the blow-up before it)
    epoch: int  # the epoch on screen
    every: int  # one report
    changes: tuple[int, ...]  # epochs where alpha changed
    blown_up: bool  # the run ends in divergence


def span_of(view: View) -> Span:
    run = view.run
    goal = run.last_epoch(view.epochs)
    return Span(
        run.first_epoch,
        goal,
        view.epoch,
        view.hyper.every,
        tuple(s.start for s in run.segments[1:]),
        run.diverged_at == goal,
    )


def column_of(span: Span, epoch: int, width: int) -> int:
    length = max(1, span.goal - span.first)
    return min(width - 1, max(0, round((epoch - span.first) * (width - 1) / length)))


def epoch_at(span: Span, column: int, width: int) -> int:
    length = span.goal - span.first
    return span.first + round(length * min(max(column, 0), width - 1) / max(1, width - 1))


def timeline_text(span: Span, width: int, focused: bool = False) -> Text:
    left, right = short_number(span.first), short_number(span.goal)
    bar = max(2, width - len(left) - len(right) - 2)
    cursor = column_of(span, span.epoch, bar)
    cells = ["━" if i < cursor else "─" for i in range(bar)]
    for change in span.changes:
        cells[column_of(span, change, bar)] = "┼"
    if span.blown_up:
        cells[-1] = "✗"
    cells[cursor] = "●"
    text = Text(f"{left} ", style="dim")
    text.append("".join(cells[:cursor]), style="bold")
    text.append(cells[cursor], style="bold reverse" if focused else "bold")
    text.append("".join(cells[cursor + 1 :]), style="dim")
    text.append(f" {right}", style="dim")
    return text


class Timeline(Widget, can_focus=True):
    """One line: the run so far and to come, with the epoch on screen marked ●."""

    DEFAULT_CSS = "Timeline { height: 1; }"
    BINDINGS = [
        Binding("left", "move(-1, 'report')", "Back a report", show=False),
        Binding("right", "move(1, 'report')", "On a report", show=False),
        Binding("shift+left", "move(-1, 'epoch')", "Back an epoch", show=False),
        Binding("shift+right", "move(1, 'epoch')", "On an epoch", show=False),
        Binding("pageup", "move(-1, 'tenth')", "Back a tenth", show=False),
        Binding("pagedown", "move(1, 'tenth')", "On a tenth", show=False),
        Binding("home", "move(-1, 'all')", "To the start", show=False),
        Binding("end", "move(1, 'all')", "To the end", show=False),
    ]

    class Scrubbed(Message):
        """The learner asked to stand at ``epoch``."""

        def __init__(self, epoch: int) -> None:
            super().__init__()
            self.epoch = epoch

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.span: Span | None = None

    def show(self, view: View) -> None:
        span = span_of(view)
        if span == self.span:
            return
        old, self.span = self.span, span
        width = self.content_size.width
        if old is None or not width:
            self.refresh()
            return
        # While training, the marker moves a few cells at most: only those cells go to the terminal.
        before, after = timeline_text(old, width, self.has_focus), timeline_text(span, width, self.has_focus)
        if regions := changed_regions([before], [after]):
            self.refresh(*regions)

    def render(self) -> Text:
        if self.span is None:
            return Text()
        return timeline_text(self.span, self.content_size.width, self.has_focus)

    def action_move(self, direction: int, unit: str) -> None:
        span = self.span
        if span is None:
            return
        stride = {
            "epoch": 1,
            "report": span.every,
            "tenth": max(1, (span.goal - span.first) // 10),
            "all": span.goal - span.first,
        }[unit]
        if unit == "report":  # to the neighbouring multiple of the report interval
            target = (span.epoch // stride + 1) * stride if direction > 0 else (span.epoch - 1) // stride * stride
        else:
            target = span.epoch + direction * stride
        self.post_message(self.Scrubbed(min(max(target, span.first), span.goal)))

    def on_click(self, event: events.Click) -> None:
        if self.span is None:
            return
        left = len(short_number(self.span.first)) + 1
        bar = max(2, self.content_size.width - left - len(short_number(self.span.goal)) - 1)
        self.post_message(self.Scrubbed(epoch_at(self.span, event.x - left, bar)))
