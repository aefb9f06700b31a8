"""The teacher's view of the class: a live table of every student, and one student in detail.

    python -m nanoneuron_tui.serve.class_view STATE_DIR

What a teacher logging in to `nanoneuron serve ssh --teacher NAME` gets instead
of a student's app. It reads only the students' status files (serve/status.py),
once a second, and never writes to a student's directory: looking is all it does.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from nanoneuron_tui import lifecycle
from nanoneuron_tui.serve.assignment import current, give, keep_watching, read_screen, stop_watching
from nanoneuron_tui.serve.roster import COLUMNS, Roster, Row, arranged, cell, counts, export_results
from nanoneuron_tui.widgets.key_bar import KeyBar

REFRESH = 1.0  # seconds between looks at the class
TITLES = {
    "name": "student",
    "connected": "here",
    "epoch": "epoch",
    "alpha": "alpha",
    "cost": "cost",
    "test": "test",
    "state": "state",
    "challenge": "challenge",
    "guesses": "guesses ✓",
}


def challenge_titles() -> dict[str, str]:
    """Every challenge a class can be given, by name, with its title."""
    from nanoneuron_tui.core.practice import CHALLENGES

    return {name: challenge.title for name, challenge in CHALLENGES.items()}


class ChallengeDialog(ModalScreen[tuple[str, str] | None]):
    """A message for the whole class and a challenge with it; Enter gives both, Escape nothing.

    The message field keeps the focus: ↑ and ↓ choose the challenge meanwhile, so giving one is
    typing and Enter, whatever order the keys arrive in."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("up", "choose(-1)", "Previous", show=False),
        Binding("down", "choose(1)", "Next", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="give"):
            yield Static("A message for the whole class, and a challenge with it (↑↓ choose, Enter gives):")
            yield Input(placeholder="for example: the first to converge explains it", id="give-message")
            yield OptionList(
                *(Option(f"{name}: {title}", id=name) for name, title in challenge_titles().items()), id="give-which"
            )

    def on_mount(self) -> None:
        self.query_one("#give-which", OptionList).highlighted = 0
        self.query_one("#give-message", Input).focus()

    def action_choose(self, step: int) -> None:
        which = self.query_one("#give-which", OptionList)
        count = which.option_count
        if count:
            which.highlighted = ((which.highlighted or 0) + step) % count

    @on(OptionList.OptionSelected)
    def chosen(self) -> None:
        self.query_one("#give-message", Input).focus()

    @on(Input.Submitted)
    def give(self, event: Input.Submitted) -> None:
        option = self.query_one("#give-which", OptionList).highlighted_option
        if option is not None and option.id is not None:
            self.dismiss((option.id, event.value.strip()))


class StudentScreen(Screen[None]):
    """One student's neuron in detail, kept up to date; Escape returns to the class."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Class"), Binding("q", "app.pop_screen", "Class", show=False)]

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="student"):
                yield Static(id="student-numbers")
                yield Static("cost of the run so far (log scale)", classes="caption")
                yield Sparkline([], id="student-costs")
                yield Static(id="student-results")
            yield Static(id="student-screen")
        yield KeyBar()

    @property
    def class_view(self) -> ClassView:
        """The app this screen belongs to (Textual types it as any app)."""
        app = self.app
        assert isinstance(app, ClassView)
        return app

    def on_mount(self) -> None:
        self.show(self.class_view.row_of(self.folder))

    def on_unmount(self) -> None:
        stop_watching(self.class_view.state_dir, self.folder)

    def show_screen(self, row: Row) -> None:
        """The student's own screen, read-only, when there is room for it beside the numbers."""
        copy = self.query_one("#student-screen", Static)
        copy.display = row.connected(time.time())  # no empty frame for a student who is not there
        if not copy.display:
            return
        keep_watching(self.class_view.state_dir, self.folder)
        screen = read_screen(self.class_view.state_dir / "users" / self.folder)
        if screen is None:
            copy.update(Text("their screen appears here in a second", style="dim"))
            return
        lines = screen.splitlines()
        width = max((cell_len(line) for line in lines), default=0)
        room = self.size.width - 40  # what the numbers leave
        if width > room or len(lines) > self.size.height - 1:
            copy.update(Text(f"their screen is {width}×{len(lines)}: a larger terminal shows it here", style="dim"))
            return
        copy.update(Text(screen.rstrip("\n")))

    def show(self, row: Row | None) -> None:
        numbers = self.query_one("#student-numbers", Static)
        if row is None:
            numbers.update(f"{self.folder}: no status any more")
            return
        status = row.status
        now = time.time()
        if status is None:
            numbers.update(Text(f"{row.name}: the session's status cannot be read ({row.problem})"))
            return
        lines = [
            f"{status.name} · {'connected' if row.connected(now) else 'not connected'} · {row.state()}",
            f"epoch {status.epoch:,} of {status.epochs:,} · alpha {status.alpha:.6g}",
            f"w {_number(status.w)}   b {_number(status.b)}",
            f"cost {_number(status.cost)}   test {_number(status.test_cost)}",
            f"guesses {status.right} right of {status.guesses}",
        ]
        if reasons := row.help_reasons(now):
            lines.append("needs help: " + ", ".join(reasons))
        numbers.update(Text("\n".join(lines)))
        self.show_screen(row)
        self.query_one("#student-costs", Sparkline).data = [math.log10(max(cost, 1e-300)) for cost in status.costs]
        results = [
            f"{'✓' if result.met else '✗'} {result.name}: {result.result}"
            f" (epoch {result.epoch:,}, alpha {result.alpha:.4g})"
            for result in status.challenges
        ]
        if status.challenge:
            results.insert(0, f"now: {status.challenge} {status.challenge_progress}")
        if status.recent:
            results += ["", "latest guesses:", *status.recent]
        self.query_one("#student-results", Static).update(Text("\n".join(results) or "no challenge yet"))


def _number(value: float | None) -> str:
    return "∞ (diverged)" if value is None else f"{value:.7g}"


class ClassView(App[None]):
    """The class at a glance."""

    TITLE = "nanoneuron · the class"
    CSS = """
    #counts { height: auto; padding: 0 1; background: $boost; }
    #class { height: 1fr; }
    #student { padding: 1 2; width: 40; }
    #student-screen { width: auto; border: round $primary; }
    ChallengeDialog { align: center middle; }
    #give { width: 70; height: auto; max-height: 90%; border: round $primary; padding: 0 1; background: $surface; }
    #give-which { height: auto; max-height: 12; }
    #student-costs { height: 6; margin: 1 0; }
    .caption { color: $text-muted; }
    """
    BINDINGS = [
        Binding("h", "needs_help", "Needs help"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_flip", "Reverse"),
        Binding("enter", "student", "Student", show=False),
        Binding("c", "give_challenge", "Challenge all"),
        Binding("E", "end_challenge", "End it"),
        Binding("x", "export", "Export results"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.state_dir = state_dir
        self.roster = Roster(state_dir)
        self.rows: list[Row] = []
        self.sort_column = "name"
        self.descending = False
        self.needs_help = False
        self.given = current(state_dir)  # the challenge the class has, if any
        self._event_loop: asyncio.AbstractEventLoop | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="counts")
        table: DataTable[str | Text] = DataTable(id="class", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(TITLES[column] for column in COLUMNS))
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self.look()
        self.set_interval(REFRESH, self.look)

    def leave_soon(self, return_code: int) -> None:
        """Exit with ``return_code``; callable from any thread (a stop signal's), returns at once."""
        if self._event_loop is not None:
            self._event_loop.call_soon_threadsafe(lambda: self.exit(return_code=return_code))

    def row_of(self, folder: str) -> Row | None:
        return next((row for row in self.rows if row.folder == folder), None)

    def look(self) -> None:
        """Read the class again and show it."""
        self.rows = self.roster.rows()
        now = time.time()
        self.query_one("#counts", Static).update(self._heading(now))
        table = self.query_one("#class", DataTable)
        chosen = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        table.clear()
        for row in arranged(self.rows, self.sort_column, self.descending, self.needs_help, now, self.given):
            cells = [Text(cell(row, column, now, self.given)) for column in COLUMNS]
            if row.help_reasons(now):
                cells[0].stylize("bold red")
            table.add_row(*cells, key=row.folder)
        if chosen is not None and chosen in table.rows:
            table.move_cursor(row=table.get_row_index(chosen))
        if isinstance(self.screen, StudentScreen):
            self.screen.show(self.row_of(self.screen.folder))

    def _heading(self, now: float) -> Text:
        order = f"sorted by {TITLES[self.sort_column]} {'↓' if self.descending else '↑'}"
        shown = " · showing who needs help" if self.needs_help else ""
        challenge = self.given.challenge if self.given else None
        heading = f"{counts(self.rows, challenge, now)}\n{order}{shown}"
        if challenge is not None:
            heading += f"\nthe class's challenge: {challenge} (E ends it)"
        return Text(heading)

    def action_needs_help(self) -> None:
        self.needs_help = not self.needs_help
        self.look()

    def action_sort_next(self) -> None:
        self.sort_column = COLUMNS[(COLUMNS.index(self.sort_column) + 1) % len(COLUMNS)]
        self.look()

    def action_sort_flip(self) -> None:
        self.descending = not self.descending
        self.look()

    @on(DataTable.HeaderSelected)
    def sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        column = COLUMNS[event.column_index]
        self.descending = not self.descending if column == self.sort_column else False
        self.sort_column = column
        self.look()

    @on(DataTable.RowSelected)
    def open_student(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.push_screen(StudentScreen(event.row_key.value))

    def action_student(self) -> None:
        table = self.query_one("#class", DataTable)
        if table.row_count:
            table.action_select_cursor()

    def action_give_challenge(self) -> None:
        def given(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            self.given = give(self.state_dir, *choice)
            self.sort_column, self.descending = "challenge", False
            self.notify(f"Every student now has {self.given.challenge}; those who connect later get it on arrival.")
            self.look()

        self.push_screen(ChallengeDialog(), given)

    def action_end_challenge(self) -> None:
        if self.given is None or self.given.challenge is None:
            self.notify("No challenge is running for the class.")
            return
        self.notify(f"{self.given.challenge} has ended for the class.")
        self.given = give(self.state_dir, None, "")
        self.look()

    def action_export(self) -> None:
        try:
            path = export_results(self.state_dir, self.rows)
        except OSError as problem:
            self.notify(f"Could not write the results: {problem.strerror or problem}", severity="error")
            return
        self.notify(f"Results written to {path.name} in the state directory.")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m nanoneuron_tui.serve.class_view STATE_DIR", file=sys.stderr)
        return 2
    # Like a student's app, it ends on a hang-up or a stop signal however the server that started
    # it was started (a SIGHUP ignored by a server under nohup is ignored by its children too), and
    # on a terminal closed without one: it must never outlive its teacher's connection.
    watch = lifecycle.SignalWatch(lifecycle.Terminal.of_this_process())
    watch.start()
    app = ClassView(Path(argv[0]))
    watch.attach(save=lambda: "", leave=app.leave_soon)
    app.run()
    watch.terminal_restored()
    if watch.code is not None:
        watch.say_farewell()
        return watch.code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
