"""The teacher's view, driven by its pilot on a state directory of known students."""

import sys

import pytest
from textual.widgets import DataTable, Static

from nanoneuron_tui.serve.class_view import ClassView, StudentScreen
from nanoneuron_tui.serve.status import STATUS_FILE, ChallengeResult, StudentStatus, write_status
from tests.helpers import student_status, wait_for
from tests.pty_app import PtyApp, poll

GONE_WITHIN = 2.0  # seconds from a hang-up to the end of the process, as for a student's app


def student(name, **changes) -> StudentStatus:
    return student_status(name, **changes)


def put(state_dir, folder, status):
    home = state_dir / "users" / folder
    home.mkdir(parents=True, exist_ok=True)
    write_status(home / STATUS_FILE, status)


@pytest.fixture
def class_dir(tmp_path):
    put(tmp_path, "ann", student("ann", state="running", epoch=5000, cost=0.5))
    put(tmp_path, "bob", student("bob", state="diverged", diverged_at=2045, epoch=2045, cost=None, test_cost=None))
    put(tmp_path, "cat", student("cat", state="finished", epoch=70000, cost=2e-6, connected=False))
    put(
        tmp_path,
        "dan",
        student("dan", guesses=5, right=5, challenges=(ChallengeResult("b-crawls", True, "95 epochs", 95, 0.1, 0.0),)),
    )
    (tmp_path / "users" / "eve").mkdir()
    (tmp_path / "users" / "eve" / STATUS_FILE).write_text("{")
    return tmp_path


def names(app) -> list[str]:
    table = app.query_one("#class", DataTable)
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


def counts_text(app) -> str:
    return str(app.query_one("#counts", Static).content)


@pytest.mark.app
async def test_the_class_table_sorts_filters_and_counts(class_dir):
    app = ClassView(class_dir)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        assert names(app) == ["ann", "bob", "cat", "dan", "eve"]
        assert "5 students · 3 here · 1 running · 1 diverged · 1 finished" in counts_text(app)
        table = app.query_one("#class", DataTable)
        assert str(table.get_row("bob")[6]) == "diverged at 2,045"
        assert str(table.get_row("bob")[4]) == "∞"
        assert str(table.get_row("eve")[6]) == "unreadable"
        assert str(table.get_row("dan")[8]) == "5/5"
        await pilot.press("s", "s")  # name -> connected -> epoch
        assert app.sort_column == "epoch"
        assert names(app) == ["dan", "bob", "ann", "cat", "eve"]
        await pilot.press("S")
        assert names(app) == ["cat", "ann", "bob", "dan", "eve"]
        await pilot.press("h")
        assert names(app) == ["bob", "eve"]
        assert "showing who needs help" in counts_text(app)


@pytest.mark.app
async def test_the_table_follows_a_student_within_seconds(class_dir):
    app = ClassView(class_dir)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        put(class_dir, "ann", student("ann", state="diverged", diverged_at=7, epoch=7, cost=None))
        put(class_dir, "fay", student("fay"))
        table = app.query_one("#class", DataTable)
        await wait_for(pilot, lambda: "fay" in names(app) and str(table.get_row("ann")[6]) == "diverged at 7", 5)
        assert "2 diverged" in counts_text(app)


@pytest.mark.app
async def test_a_student_in_detail_and_back(class_dir):
    app = ClassView(class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        await pilot.press("down", "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StudentScreen))
        text = str(app.screen.query_one("#student-numbers", Static).content)
        assert text.startswith("dan · connected · paused")
        assert "guesses 5 right of 5" in text
        assert "✓ b-crawls: 95 epochs" in str(app.screen.query_one("#student-results", Static).content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, StudentScreen))


@pytest.mark.app
async def test_results_are_exported_into_the_state_directory(class_dir):
    app = ClassView(class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        await pilot.press("x")
        await wait_for(pilot, lambda: list(class_dir.glob("results-*.csv")))
        exported = next(class_dir.glob("results-*.csv")).read_text().splitlines()
        assert exported[0].startswith("student,kind,challenge")
        assert "dan,challenge,b-crawls,yes,95 epochs,95,0.10000000000000001,1970-01-01T00:00:00Z,," in exported
        assert len(exported) == 1 + 4 + 1  # a guesses line for each readable student, one challenge line


@pytest.mark.app
async def test_a_challenge_is_given_to_everyone_and_ended(class_dir, monkeypatch):
    from nanoneuron_tui.serve import assignment, class_view

    monkeypatch.setattr(class_view, "challenge_titles", lambda: {"b-crawls": "Why does b crawl?", "fast": "Fast"})
    app = ClassView(class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, class_view.ChallengeDialog))
        await pilot.press(*"race!", "down", "down", "enter")  # down twice wraps round to the first: b-crawls
        await wait_for(pilot, lambda: assignment.current(class_dir) is not None)
        given = assignment.current(class_dir)
        assert (given.challenge, given.message) == ("b-crawls", "race!")
        assert names(app)[0] == "dan"  # the one who met it
        assert "the class's challenge: b-crawls" in counts_text(app)
        await pilot.press("E")
        assert assignment.current(class_dir).challenge is None
        assert "the class's challenge" not in counts_text(app)


@pytest.mark.app
async def test_looking_over_a_shoulder_shows_their_screen_and_sends_them_nothing(class_dir):
    from nanoneuron_tui.serve import assignment

    app = ClassView(class_dir)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        await pilot.press("enter")  # ann, connected
        await wait_for(pilot, lambda: isinstance(app.screen, StudentScreen))
        await wait_for(pilot, lambda: assignment.watched(class_dir, "ann"))
        (class_dir / "users" / "ann" / assignment.SCREEN_FILE).write_text("ann's own screen\n")

        def copy():
            return str(app.screen.query_one("#student-screen", Static).content)

        await wait_for(pilot, lambda: "ann's own screen" in copy(), 5)
        before = sorted(path.name for path in (class_dir / "users" / "ann").iterdir())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not assignment.watch_marker(class_dir, "ann").exists())
        assert sorted(path.name for path in (class_dir / "users" / "ann").iterdir()) == before


@pytest.mark.app
async def test_a_class_of_500_with_corrupt_locked_and_half_written_sessions_shows_every_student(tmp_path):
    from nanoneuron_tui.serve.roster import Roster

    for number in range(500):
        folder = f"s{number:03d}"
        if number % 50 == 7:  # corrupt
            (tmp_path / "users" / folder).mkdir(parents=True)
            (tmp_path / "users" / folder / STATUS_FILE).write_text('{"format": "nanoneuron-status", "version": 1')
        else:
            put(tmp_path, folder, student(folder, epoch=number))
        home = tmp_path / "users" / folder
        if number % 50 == 11:  # its app holds the session's lock, and a save is half-written beside it
            (home / "session.json.lock").write_text("12345\n")
            (home / f".{STATUS_FILE}.half.tmp").write_text('{"format": "nanoneuron-st')
    roster = Roster(tmp_path)
    rows = roster.rows()
    assert len(rows) == 500 and sum(row.status is None for row in rows) == 10
    app = ClassView(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 500, 30)
        assert "500 students" in counts_text(app)
        await pilot.press("h")  # the ten corrupt ones need help
        await wait_for(pilot, lambda: len(names(app)) == 10)
        assert all(str(app.query_one("#class", DataTable).get_row(name)[6]) == "unreadable" for name in names(app))


@pytest.mark.app
async def test_a_student_who_is_not_there_gets_no_empty_screen_frame(class_dir):
    app = ClassView(class_dir)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: len(names(app)) == 5)
        await pilot.press("down", "down", "enter")  # cat: finished, not connected
        await wait_for(pilot, lambda: isinstance(app.screen, StudentScreen))
        await wait_for(pilot, lambda: "cat · not connected" in str(app.screen.query_one("#student-numbers").content))
        assert not app.screen.query_one("#student-screen").display


# -- it never outlives the teacher's connection ---------------------------------------------------

# A server started under nohup ignores SIGHUP, and so would the programs it starts: the class view
# must end on a hang-up all the same (it once stayed, spinning on its dead terminal).
IGNORING_HANG_UPS = (
    "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.e2e
@pytest.mark.parametrize("hang_ups", ["taken", "ignored by its parent"])
def test_the_class_view_ends_when_its_terminal_hangs_up(tmp_path, hang_ups):
    view = [sys.executable, "-m", "nanoneuron_tui.serve.class_view", str(tmp_path)]
    command = view if hang_ups == "taken" else [sys.executable, "-c", IGNORING_HANG_UPS, *view]
    app = PtyApp(command=command, keep_slave=False, size=(100, 30))
    try:
        app.wait_for("Quit")
        app.hang_up()
        poll(lambda: app.gone, GONE_WITHIN, what="the class view to end")
    finally:
        app.close()
