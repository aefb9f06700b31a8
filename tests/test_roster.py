"""The class as the teacher sees it: students' statuses read, sorted, filtered, counted and exported."""

import json
import os
import time

import pytest

from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.serve import roster as roster_module
from nanoneuron_tui.serve.roster import Roster, arranged, counts, results_csv
from nanoneuron_tui.serve.status import (
    STATUS_FILE,
    ChallengeResult,
    SessionDescriber,
    StatusError,
    StatusReporter,
    StudentStatus,
    read_status,
    write_status,
)
from nanoneuron_tui.session import Session
from tests.helpers import student_status

NOW = 1_800_000_000.0


def status(name="ann", **changes) -> StudentStatus:
    return student_status(name, NOW, **changes)


def put(state_dir, folder, student: StudentStatus | str):
    home = state_dir / "users" / folder
    home.mkdir(parents=True, exist_ok=True)
    if isinstance(student, str):
        (home / STATUS_FILE).write_text(student)
    else:
        write_status(home / STATUS_FILE, student)


@pytest.mark.unit
def test_a_status_survives_its_file_and_a_forged_field_is_refused(tmp_path):
    met = ChallengeResult("b-crawls", True, "412 epochs", 412, 0.0005, NOW)
    original = status(guesses=4, right=3, challenge="b-crawls", challenges=(met,), costs=(3000.0, 20.0))
    write_status(tmp_path / STATUS_FILE, original)
    assert read_status(tmp_path / STATUS_FILE) == original
    for field, forged in [("epoch", -1), ("state", "won"), ("cost", "NaN"), ("connected", 1), ("alpha", True)]:
        document = original.as_dict()
        document[field] = forged
        with pytest.raises(StatusError):
            StudentStatus.from_dict(document)
    document = original.as_dict()
    del document["epochs"]
    with pytest.raises(StatusError, match="epochs"):
        StudentStatus.from_dict(document)


@pytest.mark.unit
def test_the_roster_reads_every_student_and_shows_a_corrupt_one_as_such(tmp_path):
    put(tmp_path, "ann", status("ann"))
    put(tmp_path, "bob", status("bob", state="diverged", diverged_at=2045, cost=None))
    put(tmp_path, "eve", "{not json")
    (tmp_path / "users" / "nobody").mkdir()  # a student who never started: no row
    rows = {row.folder: row for row in Roster(tmp_path).rows()}
    assert sorted(rows) == ["ann", "bob", "eve"]
    assert rows["bob"].state() == "diverged at 2,045"
    assert rows["eve"].status is None and rows["eve"].state() == "unreadable"
    assert rows["eve"].help_reasons(NOW) == ["session unreadable (not JSON)"]


@pytest.mark.unit
def test_the_roster_reads_a_status_again_only_when_its_file_changed(tmp_path, monkeypatch):
    put(tmp_path, "ann", status("ann", epoch=1))
    reads = []
    real = roster_module.read_status
    monkeypatch.setattr(roster_module, "read_status", lambda path: reads.append(path) or real(path))
    roster = Roster(tmp_path)
    assert roster.rows()[0].status.epoch == 1
    assert roster.rows()[0].status.epoch == 1
    assert len(reads) == 1
    put(tmp_path, "ann", status("ann", epoch=2))
    assert roster.rows()[0].status.epoch == 2
    assert len(reads) == 2


@pytest.mark.unit
def test_who_needs_help_is_the_diverged_the_stuck_and_the_often_wrong():
    def row(**changes):
        return roster_module.Row("x", status(**changes))

    assert row().help_reasons(NOW) == []
    assert row(state="diverged", diverged_at=9).help_reasons(NOW) == ["diverged"]
    stuck_since = NOW - roster_module.STUCK_AFTER
    assert row(progressed=stuck_since).help_reasons(NOW) == ["no progress for 5 min"]
    assert row(progressed=stuck_since + 1).help_reasons(NOW) == []
    assert row(progressed=stuck_since, state="finished").help_reasons(NOW) == []
    # A student whose connection is gone is not stuck, only away.
    gone = NOW - roster_module.GONE_AFTER
    assert row(progressed=stuck_since, updated=gone).help_reasons(NOW) == []
    assert row(progressed=stuck_since, connected=False).help_reasons(NOW) == []
    assert row(guesses=6, right=3).help_reasons(NOW) == []
    assert row(guesses=6, right=2).help_reasons(NOW) == ["4 wrong guesses"]
    assert row(guesses=2, right=0).help_reasons(NOW) == []


@pytest.mark.unit
def test_connected_means_a_fresh_status_that_says_so():
    assert roster_module.Row("x", status(updated=NOW - roster_module.GONE_AFTER + 0.5)).connected(NOW)
    assert not roster_module.Row("x", status(updated=NOW - roster_module.GONE_AFTER)).connected(NOW)
    assert not roster_module.Row("x", status(connected=False)).connected(NOW)


@pytest.mark.unit
def test_the_table_sorts_numbers_as_numbers_both_ways_with_the_unreadable_last():
    rows = [
        roster_module.Row("a", status("a", epoch=900, cost=2.0)),
        roster_module.Row("b", status("b", epoch=80, cost=None, state="diverged", diverged_at=80)),
        roster_module.Row("c", None, "not JSON"),
        roster_module.Row("d", status("d", epoch=1000, cost=0.5)),
    ]

    def names(column, descending=False):
        return [r.folder for r in arranged(rows, column, descending, False, NOW)]

    assert names("epoch") == ["b", "a", "d", "c"]
    assert names("epoch", True) == ["d", "a", "b", "c"]
    assert names("cost") == ["d", "a", "b", "c"]  # a diverged cost is the largest
    assert names("cost", True) == ["b", "a", "d", "c"]
    assert names("name", True) == ["d", "b", "a", "c"]
    assert [r.folder for r in arranged(rows, "name", False, True, NOW)] == ["b", "c"]


@pytest.mark.unit
def test_counts_on_top():
    rows = [
        roster_module.Row("a", status("a", state="running")),
        roster_module.Row("b", status("b", state="diverged", diverged_at=5, connected=False)),
        roster_module.Row(
            "c", status("c", state="finished", challenges=(ChallengeResult("k", True, "", 1, 0.1, NOW),))
        ),
        roster_module.Row("d", status("d", challenges=(ChallengeResult("k", False, "", 1, 0.1, NOW),))),
    ]
    assert counts(rows, "k", NOW) == roster_module.Counts(4, 3, 1, 1, 1, 1)
    assert counts(rows, None, NOW).challenge_met == 0


@pytest.mark.unit
def test_results_have_a_row_per_student_and_challenge_and_one_for_the_guesses():
    rows = [
        roster_module.Row(
            "z", status("=cmd()", guesses=5, right=4, challenges=(ChallengeResult("k", True, "9 epochs", 9, 0.1, 0.0),))
        ),
        roster_module.Row("a", status("amy")),
        roster_module.Row("c", None, "not JSON"),
    ]
    lines = results_csv(rows).splitlines()
    assert lines[0] == "student,kind,challenge,met,result,epoch,alpha,time,right,guesses"
    assert lines[1:] == [
        "'=cmd(),challenge,k,yes,9 epochs,9,0.10000000000000001,1970-01-01T00:00:00Z,,",
        "'=cmd(),guesses,,,,100,,,4,5",
        "amy,guesses,,,,100,,,0,0",
    ]


@pytest.mark.unit
def test_a_reporter_writes_what_changed_says_it_left_and_tells_when_the_epoch_last_moved(tmp_path):
    session = Session(Hyperparameters(w0=0.5, b0=0.5))
    describe = SessionDescriber(session, "ann")
    reporter = StatusReporter(tmp_path / STATUS_FILE, describe)
    reporter.report()
    first = read_status(tmp_path / STATUS_FILE)
    assert (first.name, first.epoch, first.connected, first.state) == ("ann", 0, True, "paused")
    stamp = os.stat(tmp_path / STATUS_FILE).st_mtime_ns
    reporter.report()  # nothing changed, and the last write is fresh: no write
    assert os.stat(tmp_path / STATUS_FILE).st_mtime_ns == stamp
    time.sleep(0.01)
    session.step(3)
    reporter.report()
    moved = read_status(tmp_path / STATUS_FILE)
    assert moved.epoch == 3 and moved.progressed > first.progressed
    assert moved.cost == pytest.approx(session.view().cost) and len(moved.costs) == 4
    reporter.stop()
    assert read_status(tmp_path / STATUS_FILE).connected is False
    assert json.loads((tmp_path / STATUS_FILE).read_text())["format"] == "nanoneuron-status"


@pytest.mark.unit
def test_a_challenge_given_to_the_class_ranks_who_met_it_first(tmp_path):
    from nanoneuron_tui.serve.assignment import Assignment

    given = Assignment("fast-cost", "go", NOW)
    first = ChallengeResult("fast-cost", True, "40 epochs", 40, 0.1, NOW + 75)
    second = ChallengeResult("fast-cost", True, "90 epochs", 90, 0.1, NOW + 200)
    other = ChallengeResult("b-crawls", True, "9 epochs", 9, 0.1, NOW + 10)
    rows = [
        roster_module.Row("late", status("late", challenges=(second,))),
        roster_module.Row("none", status("none", challenge="b-crawls", challenges=(other,))),
        roster_module.Row("busy", status("busy", challenge="fast-cost", challenge_progress="cost 2.5")),
        roster_module.Row("fast", status("fast", challenges=(first,))),
    ]
    ranked = arranged(rows, "challenge", False, False, NOW, given)
    assert [row.folder for row in ranked] == ["fast", "late", "busy", "none"]
    cells = [roster_module.cell(row, "challenge", NOW, given) for row in ranked]
    assert cells == ["✓ 40 epochs (1:15)", "✓ 90 epochs (3:20)", "fast-cost cost 2.5", "not started"]
    assert counts(rows, "fast-cost", NOW).challenge_met == 2
    met_earlier = roster_module.Row(
        "old", status("old", challenges=(ChallengeResult("fast-cost", True, "7", 7, 0.1, NOW - 5),))
    )
    assert roster_module.cell(met_earlier, "challenge", NOW, given) == "✓ 7 (met before)"


@pytest.mark.unit
def test_the_class_file_is_given_read_back_noticed_once_and_a_forged_one_ignored(tmp_path):
    from nanoneuron_tui.serve import assignment

    watch = assignment.AssignmentWatch(tmp_path)
    assert watch.changed() is None and assignment.current(tmp_path) is None
    given = assignment.give(tmp_path, "b-crawls", "who is first?")
    assert assignment.current(tmp_path) == given
    assert watch.changed() == given
    assert watch.changed() is None  # noticed once
    ended = assignment.give(tmp_path, None, "")
    assert watch.changed() == ended and ended.challenge is None
    for forged in [
        '{"format": "nanoneuron-class", "version": 1, "challenge": 5, "message": "", "started": 1}',
        '{"format": "other"}',
        "[",
        '{"format": "nanoneuron-class", "version": 1, "challenge": null, "message": "' + "x" * 600 + '", "started": 1}',
    ]:
        (tmp_path / assignment.ASSIGNMENT_FILE).write_text(forged)
        assert assignment.current(tmp_path) is None


@pytest.mark.unit
def test_a_screen_is_copied_only_while_the_teacher_watches_and_the_copy_goes_when_the_app_does(tmp_path):
    from nanoneuron_tui.serve import assignment

    home = tmp_path / "users" / "ann"
    home.mkdir(parents=True)
    session = Session(Hyperparameters(w0=0.5, b0=0.5))
    given = []
    reporter = StatusReporter(
        home / STATUS_FILE,
        SessionDescriber(session, "ann"),
        state_dir=tmp_path,
        on_assignment=given.append,
        screen_copy=lambda: "the screen\n",
    )
    reporter.look_at_the_class()
    assert not (home / assignment.SCREEN_FILE).exists() and given == []
    assignment.keep_watching(tmp_path, "ann")
    assignment.give(tmp_path, "b-crawls", "")
    reporter.look_at_the_class()
    assert assignment.read_screen(home) == "the screen\n"
    assert [a.challenge for a in given] == ["b-crawls"]
    stale = time.time() - assignment.WATCH_FRESH - 1
    os.utime(assignment.watch_marker(tmp_path, "ann"), (stale, stale))
    assert not assignment.watched(tmp_path, "ann")
    reporter.stop()
    assert not (home / assignment.SCREEN_FILE).exists()


@pytest.mark.unit
def test_serve_results_writes_the_class_csv_and_says_where(tmp_path):
    from nanoneuron_tui.serve.status import StudentStatus, write_status
    from tests.helpers import nanoneuron

    empty = nanoneuron("serve", "results", "--state-dir", str(tmp_path))
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1 and "no student" in empty.stderr
    home = tmp_path / "users" / "amy"
    home.mkdir(parents=True)
    fields = dict(state="paused", epoch=4, epochs=10, alpha=0.1, w=1.0, b=2.0, cost=3.0, test_cost=None)
    write_status(
        home / STATUS_FILE,
        StudentStatus("amy", False, diverged_at=None, updated=0.0, progressed=0.0, guesses=2, right=1, **fields),
    )
    done = nanoneuron("serve", "results", "--state-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = tmp_path / done.stdout.strip().rsplit("/", 1)[-1]
    assert written.read_text().splitlines()[1] == "amy,guesses,,,,4,,,1,2"


@pytest.mark.unit
@pytest.mark.parametrize(
    "flags, says",
    [
        (["--teacher", "../root"], "a teacher's name is letters"),
        (["--open", "--teacher-keys", "/dev/null"], "--teacher-keys needs --teacher"),
    ],
)
def test_teacher_flags_that_cannot_work_are_refused_in_one_line(tmp_path, flags, says):
    from tests.helpers import nanoneuron
    from tests.serve_support import free_port

    done = nanoneuron("serve", "ssh", "--port", str(free_port()), "--state-dir", str(tmp_path), *flags, timeout=60)
    assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.unit
def test_a_new_connection_waits_a_moment_for_the_previous_app_to_let_go(tmp_path):
    import threading

    from nanoneuron_tui.serve import child
    from nanoneuron_tui.session_file import SessionFile

    saved = tmp_path / "session.json"
    saved.write_text("{}")
    held = SessionFile.claim(saved, resuming=True)
    assert not child.free_soon(saved, timeout=0.3)  # still held when the moment is over: start afresh
    threading.Timer(0.3, held.release).start()
    assert child.free_soon(saved, timeout=10)  # let go while we waited: resume it
    assert child.free_soon(saved, timeout=0)
