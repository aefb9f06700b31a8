"""The parts of a process's life, one at a time: the stop, the terminal, the session file, autosave, glyphs.

End-to-end versions, with real signals and terminals, are in test_signals.py.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import termios
import threading
import time
import tty
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from nanoneuron_tui import glyphs, lifecycle, persist, session_file
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session, State
from tests.helpers import make_app, wait_for
from tests.pty_app import poll

SEED = dict(w0=0.9492, b0=0.457)


def fresh_session(**hyper) -> Session:
    return Session(Hyperparameters(**{**SEED, **hyper}))


# -- the stop ---------------------------------------------------------------------------------------


class FakeTerminal:
    def __init__(self) -> None:
        self.restored_with: list[str] = []

    def restore(self, line: str = "") -> None:
        self.restored_with.append(line)


class Stop:
    """A SignalWatch whose process end is recorded instead of happening."""

    def __init__(self, save=lambda: "session saved", with_app=True, **deadlines) -> None:
        self.terminal = FakeTerminal()
        self.exits: list[int] = []
        self.left: list[int] = []
        self.ended = threading.Event()
        self.watch = lifecycle.SignalWatch(self.terminal, force_exit=self._exit, **deadlines)
        if with_app:
            self.watch.attach(save=save, leave=self.left.append)

    def _exit(self, code: int) -> None:
        self.exits.append(code)
        self.ended.set()

    def on(self, signum: int) -> Stop:
        threading.Thread(target=self.watch.stop, args=(signum,), daemon=True).start()
        assert self.ended.wait(10), "the process was never ended"
        return self


@pytest.mark.unit
def test_a_stop_saves_asks_the_app_to_leave_and_ends_the_process_by_the_deadline():
    stop = Stop(exit_deadline=0.05).on(signal.SIGTERM)
    assert stop.left == [143] and stop.exits == [143]
    # The app never left (nothing here restores the terminal), so the watch did, saying why.
    assert stop.terminal.restored_with == ["nanoneuron: stopped by SIGTERM; session saved"]


@pytest.mark.unit
def test_a_repeat_cuts_the_stop_short_only_when_it_insists():
    watch = lifecycle.SignalWatch(FakeTerminal(), force_exit=lambda code: None)
    watch._saving.set()  # a save under way
    assert not watch.cuts_short(signal.SIGTERM, 1)  # a second signal: the save goes on
    assert watch.cuts_short(signal.SIGTERM, 2)  # a third: heard
    assert watch.cuts_short(signal.SIGINT, 3)
    assert not watch.cuts_short(signal.SIGHUP, 5)  # hang-ups insist on nothing
    watch._saving.clear()  # the save is over
    assert watch.cuts_short(signal.SIGTERM, 1) and watch.cuts_short(signal.SIGQUIT, 1)
    assert not watch.cuts_short(signal.SIGHUP, 1)


@pytest.mark.unit
def test_the_save_is_over_once_the_stop_has_saved():
    stop = Stop(exit_deadline=0.05).on(signal.SIGTERM)
    assert not stop.watch._saving.is_set()  # a repeat from now on ends the process at once


@pytest.mark.unit
@pytest.mark.parametrize(
    "stdin, stderr, driver, refused",
    [
        (True, True, "", False),
        (False, True, "", True),
        (True, False, "", True),
        (None, True, "", True),  # closed by the shell: nanoneuron <&-
        (False, False, "web", False),
    ],
)
def test_the_app_needs_a_terminal_on_stdin_and_stderr_unless_textual_has_another_driver(
    monkeypatch, stdin, stderr, driver, refused
):
    from nanoneuron_tui import app as app_module

    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setattr(sys, "stdin", None if stdin is None else Stream(stdin))
    monkeypatch.setattr(sys, "__stderr__", Stream(stderr))
    monkeypatch.setenv("TEXTUAL_DRIVER", driver)
    assert (app_module.missing_terminal() is not None) is refused


@pytest.mark.unit
def test_after_the_save_on_the_way_out_no_other_save_starts(tmp_path):
    """An autosave begun after it would be cut by the exit, leaving a temporary file."""
    path = tmp_path / "session.json"
    owner = session_file.SessionFile.claim(path, resuming=False)
    session = fresh_session()
    owner.started_with(session)
    session.step(3)
    assert "session saved" in owner.save_for_exit(session)
    saved = path.read_bytes()
    session.step(3)
    assert owner.save(session) is False
    assert path.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json", "session.json.lock"]
    owner.release()


@pytest.mark.unit
@pytest.mark.parametrize("signum, code", [(signal.SIGHUP, 129), (signal.SIGINT, 130), (signal.SIGQUIT, 131)])
def test_each_signal_has_its_conventional_exit_code(signum, code):
    stop = Stop(exit_deadline=0.01).on(signum)
    assert stop.left == [code] and stop.exits == [code] and stop.watch.code == code


@pytest.mark.unit
def test_after_a_hang_up_the_wait_for_the_app_is_short():
    # The ordinary deadline would outlast the test's wait: only the hang-up's short one ends it in time.
    stop = Stop(exit_deadline=60, hangup_deadline=0.01).on(signal.SIGHUP)
    assert stop.exits == [129]


@pytest.mark.unit
def test_after_the_app_left_its_screen_the_watch_leaves_the_terminal_alone_but_still_says_why(capfd):
    # The deadline can fall after the app restored the terminal and before it said its line.
    stop = Stop(exit_deadline=0.05)
    stop.watch.terminal_restored()
    stop.on(signal.SIGTERM)
    assert stop.exits == [143] and stop.terminal.restored_with == []
    assert capfd.readouterr().err == "nanoneuron: stopped by SIGTERM; session saved\n"


@pytest.mark.unit
def test_the_line_is_said_once_when_the_app_and_the_deadline_both_reach_the_end(capfd):
    stop = Stop(exit_deadline=0.05)
    stop.watch.terminal_restored()
    stop.on(signal.SIGINT)
    stop.watch.say_farewell()  # the app's thread, arriving late
    assert capfd.readouterr().err == "nanoneuron: stopped by SIGINT; session saved\n"


@pytest.mark.unit
def test_a_line_the_watch_restored_the_terminal_with_is_not_said_again(capfd):
    stop = Stop(exit_deadline=0.05).on(signal.SIGTERM)
    stop.watch.say_farewell()
    assert stop.terminal.restored_with == ["nanoneuron: stopped by SIGTERM; session saved"]
    assert capfd.readouterr().err == ""


@pytest.mark.unit
def test_a_save_that_hangs_does_not_hold_the_process():
    forever = threading.Event()
    stop = Stop(save=lambda: forever.wait() and "", save_deadline=0.05, exit_deadline=0.05).on(signal.SIGHUP)
    assert stop.exits == [129]
    assert stop.terminal.restored_with == ["nanoneuron: stopped by SIGHUP; the session was not saved in time"]


@pytest.mark.unit
def test_a_save_that_fails_is_said_and_the_process_still_ends():
    def save():
        raise persist.PersistError("cannot write /x: Permission denied")

    stop = Stop(save=save, exit_deadline=0.01).on(signal.SIGTERM)
    assert stop.exits == [143]
    assert stop.terminal.restored_with[0].endswith("the session was not saved: cannot write /x: Permission denied")


@pytest.mark.unit
def test_a_stop_before_the_app_exists_ends_at_once_and_leaves_the_terminal_as_it_is(capfd):
    stop = Stop(with_app=False, exit_deadline=60).on(signal.SIGINT)
    assert stop.exits == [130] and stop.terminal.restored_with == []
    assert "stopped by SIGINT" in capfd.readouterr().err


# -- the terminal ------------------------------------------------------------------------------------


@pytest.fixture
def pseudo_terminal():
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


@pytest.mark.e2e
def test_restoring_the_terminal_puts_back_its_settings_and_leaves_the_app_modes(pseudo_terminal):
    master, slave = pseudo_terminal
    terminal = lifecycle.Terminal(slave)
    before = termios.tcgetattr(slave)
    tty.setraw(slave)
    assert termios.tcgetattr(slave) != before
    terminal.restore("bye")
    assert termios.tcgetattr(slave) == before
    written = os.read(master, 4096)
    for mode in (b"\x1b[?1049l", b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l", b"\x1b[?25h", b"\x1b[?2004l"):
        assert mode in written
    assert written.endswith(b"bye\r\n")


@pytest.mark.e2e
def test_restoring_a_terminal_that_reads_nothing_does_not_block(pseudo_terminal):
    master, slave = pseudo_terminal
    os.set_blocking(slave, False)
    try:  # fill it up: nobody reads the master
        while True:
            os.write(slave, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(slave, True)
    terminal = lifecycle.Terminal(slave)
    tty.setraw(slave)
    done = threading.Event()
    threading.Thread(target=lambda: (terminal.restore("bye"), done.set()), daemon=True).start()
    assert done.wait(10), "restore blocked on a terminal that reads nothing"
    assert termios.tcgetattr(slave)[3] & termios.ICANON  # the settings got through all the same


@pytest.mark.unit
def test_a_closed_terminal_is_seen_as_hung_up():
    master, slave = os.openpty()
    try:
        terminal = lifecycle.Terminal(slave)
        assert not terminal.hung_up()
        os.close(master)
        assert terminal.hung_up()
    finally:
        os.close(slave)


HUNG_UP_WITHOUT_SIGHUP = """
import os, sys
from nanoneuron_tui import lifecycle
master, slave = os.openpty()
watch = lifecycle.SignalWatch(lifecycle.Terminal(slave))
watch.start()
os.close(master)  # a hang-up, but this process is not the terminal's controller: no SIGHUP comes
import time; time.sleep(30)
sys.exit(0)
"""


@pytest.mark.e2e
def test_a_terminal_that_hangs_up_without_a_sighup_still_stops_the_process():
    ended = subprocess.run([sys.executable, "-c", HUNG_UP_WITHOUT_SIGHUP], capture_output=True, text=True, timeout=60)
    assert ended.returncode == 128 + signal.SIGHUP, ended.stderr
    assert "stopped by SIGHUP" in ended.stderr


@pytest.mark.e2e
def test_a_file_is_no_terminal_and_gets_no_escape_sequences(tmp_path):
    with open(tmp_path / "out", "w+b") as file:
        lifecycle.Terminal(file.fileno()).restore("bye")
        file.seek(0)
        assert file.read() == b"bye\n"


# -- stop signals headless ------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("signum", lifecycle.STOP_SIGNALS)
def test_headless_a_stop_signal_raises_and_the_old_handlers_come_back(signum):
    before = signal.getsignal(signum)
    with pytest.raises(lifecycle.Stopped) as stopped, lifecycle.stop_signals_raise():
        os.kill(os.getpid(), signum)
        poll(lambda: False, timeout=10, what="the signal")
    assert stopped.value.code == 128 + signum and stopped.value.signum == signum
    assert signal.getsignal(signum) == before


@pytest.mark.unit
def test_a_stop_unwinds_an_atomic_write_leaving_no_temporary_file(tmp_path):
    target = tmp_path / "history.csv"
    with pytest.raises(lifecycle.Stopped), lifecycle.stop_signals_raise(), persist.atomic_writer(target) as file:
        file.write("epoch,cost\n")
        os.kill(os.getpid(), signal.SIGINT)
        poll(lambda: False, timeout=10, what="the signal")
    assert list(tmp_path.iterdir()) == []


# -- the session file --------------------------------------------------------------------------------------


@pytest.mark.unit
def test_a_session_file_has_one_owner_who_is_named(tmp_path):
    path = tmp_path / "state" / "session.json"
    owner = session_file.SessionFile.claim(path, resuming=False)
    assert session_file.lock_path(path).read_text() == f"{os.getpid()}\n"
    with pytest.raises(session_file.SessionFileInUse) as in_use:
        session_file.SessionFile.claim(path, resuming=True)
    assert in_use.value.pid == os.getpid() and f"in use by nanoneuron (pid {os.getpid()})" in str(in_use.value)
    owner.release()
    session_file.SessionFile.claim(path, resuming=True).release()  # free again once released


@pytest.mark.unit
def test_a_second_owner_gets_a_fresh_file_that_holds_no_saved_session(tmp_path):
    path = tmp_path / "session.json"
    first = session_file.SessionFile.claim(path, resuming=False)
    (tmp_path / "session-2.json").write_text("someone's saved session")
    second = session_file.SessionFile.claim_or_fresh(path)
    third = session_file.SessionFile.claim_or_fresh(path)
    assert second.path == tmp_path / "session-3.json" and third.path == tmp_path / "session-4.json"
    assert second.displaced.path == path and second.displaced.pid == os.getpid()
    assert session_file.first_fresh_path(path) == tmp_path / "session-5.json"
    assert any(f"pid {os.getpid()}" in note and "session-3.json" in note for note in second.start_notes())
    for owner in (first, second, third):
        owner.release()


@pytest.mark.unit
def test_an_untouched_fresh_session_is_not_saved_and_a_touched_one_keeps_the_old_as_prev(tmp_path):
    path = tmp_path / "session.json"
    path.write_text("the old session")
    owner = session_file.SessionFile.claim(path, resuming=False)
    session = fresh_session()
    owner.started_with(session)
    session.pause()  # a change of state, but nothing a person did to the session
    assert owner.save(session) is False
    assert path.read_text() == "the old session" and not session_file.previous_path(path).exists()

    session.step(5)
    assert owner.save(session) is True
    assert persist.load_session(path).view().epoch == 5
    assert (tmp_path / "session.prev.json").read_text() == "the old session"
    session.step(5)
    owner.save(session)  # later saves replace our own session only
    assert (tmp_path / "session.prev.json").read_text() == "the old session"
    assert persist.load_session(path).view().epoch == 10
    owner.release()


@pytest.mark.unit
def test_a_resumed_session_is_saved_in_place_without_a_prev(tmp_path):
    path = tmp_path / "session.json"
    persist.save_session(fresh_session(), path)
    owner = session_file.SessionFile.claim(path, resuming=True)
    session = persist.load_session(path)
    owner.started_with(session)
    session.pause()
    assert owner.save(session) is True  # resumed: saving is what it is for
    assert not session_file.previous_path(path).exists()
    assert owner.start_notes() == []
    owner.release()


@pytest.mark.unit
def test_saving_on_the_way_out_pauses_and_says_how_to_resume(tmp_path):
    path = tmp_path / "s.json"
    owner = session_file.SessionFile.claim(path, resuming=False)
    session = fresh_session()
    owner.started_with(session)
    session.start()
    session.train_towards_report()
    line = owner.save_for_exit(session)
    assert session.state is State.PAUSED
    assert line == f"session saved; nanoneuron --resume --state {path} carries on"
    owner.release()


@pytest.mark.unit
def test_a_saved_session_waiting_is_announced_with_how_to_resume_it(tmp_path):
    path = tmp_path / "session.json"
    path.write_text("a saved session")
    owner = session_file.SessionFile.claim(path, resuming=False)
    [note] = owner.start_notes()
    assert f"nanoneuron --resume --state {path}" in note and "session.prev.json" in note
    owner.release()


@pytest.mark.unit
def test_the_default_session_file_resumes_with_the_plain_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert session_file.resume_command(persist.default_state_path()) == "nanoneuron --resume"
    assert (
        session_file.resume_command(tmp_path / "my session.json")
        == f"nanoneuron --resume --state '{tmp_path}/my session.json'"
    )


# -- orphans --------------------------------------------------------------------------------------------------


def aged(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


@pytest.mark.unit
def test_the_pattern_matches_what_the_atomic_writer_leaves(tmp_path):
    target = tmp_path / "session.json"
    with persist.atomic_writer(target):
        [temporary] = [p.name for p in tmp_path.iterdir()]
    assert persist.temporary_name_pattern(target).fullmatch(temporary)


@pytest.mark.unit
def test_only_old_orphans_of_our_own_pattern_are_removed(tmp_path):
    path = tmp_path / "session.json"
    old = tmp_path / ".session.json.ab_cd123.tmp"
    old.write_text("left by a killed save")
    aged(old, 120)
    young = tmp_path / ".session.json.zz9zz9zz.tmp"
    young.write_text("a save in progress")
    aged(young, 5)
    others = [
        tmp_path / name
        for name in (
            ".session.json.tmp",
            ".other.json.abcdefgh.tmp",
            ".session.json.abcdefghi.tmp",
            "session.json.abcdefgh.tmp",
        )
    ]
    for other in others:
        other.write_text("not ours")
        aged(other, 120)
    link = tmp_path / ".session.json.linklink.tmp"
    link.symlink_to(tmp_path / "elsewhere")
    aged(link, 120)
    folder = tmp_path / ".session.json.folder00.tmp"
    folder.mkdir()
    aged(folder, 120)

    assert session_file.remove_orphan_temporaries(path) == [old]
    assert not old.exists()
    assert young.exists() and link.is_symlink() and folder.is_dir() and all(o.exists() for o in others)


@pytest.mark.unit
def test_claiming_a_session_file_clears_its_orphans(tmp_path):
    path = tmp_path / "session.json"
    orphan = tmp_path / ".session.json.orphan00.tmp"
    orphan.write_text("{")
    aged(orphan, 3600)
    session_file.SessionFile.claim(path, resuming=False).release()
    assert not orphan.exists()


# -- what a session file may be (issue 22, items 3, 4 and 5, and the lock's messages) -------------------------


@pytest.mark.unit
def test_a_symlinked_session_file_is_owned_where_it_leads(tmp_path):
    real = tmp_path / "real.json"
    persist.save_session(fresh_session(), real)
    kept = real.read_bytes()
    (tmp_path / "a.json").symlink_to(real)
    (tmp_path / "b.json").symlink_to("real.json")
    owner = session_file.SessionFile.claim(tmp_path / "a.json", resuming=False)
    assert owner.path == real and session_file.lock_path(real).exists()
    # Another link to the same file is the same session: in use.
    with pytest.raises(session_file.SessionFileInUse):
        session_file.SessionFile.claim(tmp_path / "b.json", resuming=False)
    session = fresh_session()
    owner.started_with(session)
    session.step(3)
    assert owner.save(session)
    # The session replaced is kept as a file of its own beside the real one; the links still lead to it.
    previous = tmp_path / "real.prev.json"
    assert not previous.is_symlink() and previous.read_bytes() == kept
    assert not (tmp_path / "a.prev.json").exists()
    assert (tmp_path / "a.json").is_symlink() and persist.load_session(tmp_path / "a.json").view().epoch == 3
    owner.release()


@pytest.mark.unit
@pytest.mark.parametrize("kind", ["directory", "FIFO", "device"])
def test_a_session_file_that_is_no_regular_file_is_refused_before_anything_is_written(tmp_path, kind):
    if kind == "directory":
        path = tmp_path / "projects"
        (path / "src").mkdir(parents=True)
    elif kind == "FIFO":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    else:
        path = tmp_path / "null"  # a device of our own: a regression must not touch the machine's /dev
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(persist.PersistError, match=f"{path}: it is a"):
        session_file.SessionFile.claim(path, resuming=False)
    assert sorted(tmp_path.rglob("*")) == before  # no lock, no .prev, the directory as it was


@pytest.mark.unit
@pytest.mark.parametrize("kind", ["symlink", "FIFO", "directory"])
def test_a_lock_that_is_no_regular_file_is_named_in_the_refusal(tmp_path, kind):
    path = tmp_path / "session.json"
    lock = session_file.lock_path(path)
    if kind == "symlink":
        lock.symlink_to(tmp_path / "elsewhere")
    elif kind == "FIFO":
        os.mkfifo(lock)
    else:
        lock.mkdir()
    with pytest.raises(persist.PersistError) as refused:
        session_file.SessionFile.claim(path, resuming=False)
    assert str(refused.value).startswith(f"{lock} is ") and kind.lower()[:3] in str(refused.value).lower()
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.unit
def test_a_session_protects_its_own_files_and_nothing_else(tmp_path):
    path = tmp_path / "session.json"
    owner = session_file.SessionFile.claim(path, resuming=False)
    (tmp_path / "link.lock").symlink_to(session_file.lock_path(path))
    for own in ("session.json", "session.json.lock", "session.prev.json", "link.lock"):
        assert owner.protects(tmp_path / own), own
    for other in ("model.json", "session-2.json", "session.json.lock.bak"):
        assert not owner.protects(tmp_path / other), other
    owner.release()


@pytest.mark.unit
def test_a_cancelled_export_stops_and_leaves_no_temporary_file(tmp_path):
    session = fresh_session(epochs=100_000)
    session.go_to(100_000)
    looks = []

    def cancelled() -> bool:
        looks.append(1)
        return len(looks) > 2  # wanted for the first two looks, then not

    with pytest.raises(persist.ExportCancelled):
        persist.export_history(session, tmp_path / "h.csv", cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.unit
def test_an_export_killed_midway_leaves_a_temporary_file_the_next_start_removes(tmp_path):
    state = tmp_path / "state" / "session.json"
    exports = tmp_path / "exports"
    exports.mkdir()
    owner = session_file.SessionFile.claim(state, resuming=False)
    session = fresh_session(epochs=1000)
    session.go_to(1000)
    writing = persist.atomic_writer(exports / "h.csv", owner.tracking)
    writing.__enter__()  # an export under way, never finished: the process is killed here
    [temporary] = list(exports.iterdir())
    assert str(temporary) in session_file.tracked_path(state).read_text()
    mine = exports / "mine.csv"
    mine.write_text("a file of the user's")
    lookalike = exports / ".h.csv.abcdefgh.tmp"  # our pattern, but never listed
    lookalike.write_text("not ours to remove")
    owner.release()

    session_file.SessionFile.claim(state, resuming=False).release()
    assert sorted(exports.iterdir()) == [lookalike, mine]
    assert not session_file.tracked_path(state).exists()


@pytest.mark.unit
def test_a_finished_export_leaves_nothing_listed(tmp_path):
    state = tmp_path / "session.json"
    owner = session_file.SessionFile.claim(state, resuming=False)
    session = fresh_session(epochs=100)
    session.go_to(100)
    assert persist.export_history(session, tmp_path / "h.csv", track=owner.tracking) == 101
    assert not session_file.tracked_path(state).exists()
    owner.release()


# -- autosave --------------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def autosaver():
    started = []

    def start(session, save, **options):
        saver = session_file.Autosaver(session, save, poll=0.01, **options)
        saver.start()
        started.append(saver)
        return saver

    yield start
    for saver in started:
        saver.stop()


def looked(saver, times: int = 3) -> None:
    """Let the autosaver look at the session a few more times."""
    target = saver.looks + times
    poll(lambda: saver.looks >= target, timeout=10, what="the autosaver to look")


@pytest.mark.unit
def test_at_rest_every_change_is_saved_once(autosaver):
    session = fresh_session()
    saves = []
    saver = autosaver(session, lambda: saves.append(session.view().epoch))
    looked(saver)
    assert saves == []  # nothing changed
    session.step(3)
    poll(lambda: saves, timeout=10, what="a save")
    looked(saver)
    session.step(4)
    poll(lambda: len(saves) >= 2, timeout=10, what="a second save")
    looked(saver)
    assert saves == [3, 7]


@pytest.mark.unit
def test_while_training_a_save_waits_for_the_interval_and_a_pause_is_saved_at_once(autosaver):
    session = fresh_session(epochs=10_000_000)
    clock = Clock()
    saves = []
    saver = autosaver(session, lambda: saves.append(session.view().epoch), interval=30, clock=clock)
    session.start()
    session.train_towards_report()
    clock.now = 29.0
    looked(saver)
    assert saves == []  # training, and not yet 30 s
    clock.now = 30.5
    poll(lambda: saves, timeout=10, what="the save after 30 s")
    session.train_towards_report()
    clock.now = 31.0
    looked(saver)
    assert len(saves) == 1  # the next one is 30 s after that
    session.pause()
    poll(lambda: len(saves) == 2, timeout=10, what="the save at the pause")
    assert saves[1] > saves[0] and saves[1] == session.view().epoch


@pytest.mark.unit
def test_a_run_too_short_to_be_seen_running_is_still_saved(autosaver):
    session = fresh_session()
    saves = []
    saver = autosaver(session, lambda: saves.append(session.view().epoch))
    looked(saver)
    session.start()
    session.train_towards_report()
    session.pause()
    poll(lambda: saves, timeout=10, what="a save")
    assert saves == [1000]


@pytest.mark.unit
def test_a_failed_autosave_is_reported_and_autosave_goes_on(autosaver):
    session = fresh_session()
    problems, saves = [], []

    def save():
        if not problems:
            raise persist.PersistError("cannot write s.json: No space left on device")
        saves.append(session.view().epoch)

    autosaver(session, save, report=problems.append)
    session.step(1)
    poll(lambda: problems, timeout=10, what="the report")
    session.step(1)
    poll(lambda: saves, timeout=10, what="the next save")
    assert problems == ["cannot write s.json: No space left on device"] and saves == [2]


# -- the app leaves when asked from another thread ------------------------------------------------------------------


@pytest.mark.app
async def test_the_app_leaves_with_the_code_it_is_given_from_any_thread():
    app = make_app(run=True, epochs=100_000_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.view().epoch > 0)
        threading.Thread(target=app.leave_soon, args=(143,)).start()
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 143 and app.session.state is State.PAUSED


# -- glyphs -------------------------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "character, ascii_text",
    [
        ("⠁", "'"),
        ("⠘", "'"),
        ("⡀", "."),
        ("⢠", "."),
        ("⣿", ":"),
        ("⠉", "'"),
        ("▘", "'"),
        ("▗", "."),
        ("▞", ":"),
        ("▀", "'"),
        ("▄", "."),
        ("█", "#"),
        ("─", "-"),
        ("━", "="),
        ("│", "|"),
        ("╭", "+"),
        ("┼", "+"),
        ("╯", "+"),
        ("␣", "_"),
        ("❚", "|"),
        ("▶", ">"),
        ("✓", "*"),
        ("✗", "x"),
        ("→", ">"),
        ("·", "."),
        ("°", "o"),
        ("é", "e"),
        ("中", "??"),
        ("\u0301", ""),
        ("a", "a"),
    ],
)
def test_each_character_becomes_ascii_of_its_width(character, ascii_text):
    assert glyphs.ascii_for(character) == ascii_text


@pytest.mark.unit
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Mn", "Me", "Cf", "Zl", "Zp"))))
def test_the_ascii_filter_keeps_every_line_its_width(text):
    [segment] = glyphs.AsciiOnly().apply([Segment(text, Style(bold=True))], Color(0, 0, 0))
    assert segment.text.isascii() and segment.style == Style(bold=True)
    assert cell_len(segment.text) == cell_len(text)


@pytest.mark.unit
def test_control_segments_pass_untouched():
    control = Segment("\x1b[?25l", None, [(1,)])
    assert glyphs.AsciiOnly().apply([control], Color(0, 0, 0)) == [control]


@pytest.mark.unit
@pytest.mark.parametrize(
    "term, ascii_only",
    [
        ("linux", True),
        ("linux-16color", True),
        ("vt100", True),
        ("vt220", True),
        ("LINUX", True),
        ("xterm-256color", False),
        ("linuxish", False),
        ("screen", False),
        ("", False),
        (None, False),
    ],
)
def test_which_terminals_get_ascii(term, ascii_only):
    assert glyphs.needs_ascii(term) is ascii_only


@pytest.mark.unit
def test_a_terminal_that_cannot_move_the_cursor_is_refused():
    assert "cannot move the cursor" in glyphs.cannot_draw("dumb")
    assert glyphs.cannot_draw("xterm") is None and glyphs.cannot_draw("linux") is None


@pytest.mark.unit
def test_ascii_glyphs_can_be_switched_on_and_off():
    try:
        glyphs.use_ascii(True)
        assert (glyphs.RUN, glyphs.PAUSE, glyphs.ARROW, glyphs.ascii_only()) == (">", "||", "->", True)
    finally:
        glyphs.use_ascii(False)
    assert (glyphs.RUN, glyphs.PAUSE, glyphs.ARROW, glyphs.ascii_only()) == ("▶", "❚❚", "→", False)


# -- input that is not UTF-8 (issue 22, item 7) ---------------------------------------------------------------


@pytest.mark.unit
def test_the_input_thread_s_decoder_replaces_what_it_cannot_decode(monkeypatch):
    from textual.drivers import linux_driver

    from nanoneuron_tui import tolerant_input

    monkeypatch.setattr(linux_driver, "getincrementaldecoder", linux_driver.getincrementaldecoder)
    assert tolerant_input.install()
    decode = linux_driver.getincrementaldecoder("utf-8")().decode
    assert decode(b"\xe9t") + decode(b"\x9b\xff") + decode(b"\xc3") + decode(b"\xa9") == "\ufffdt\ufffd\ufffdé"


@pytest.mark.unit
def test_another_textual_keeps_its_own_decoder(monkeypatch):
    from textual.drivers import linux_driver

    from nanoneuron_tui import tolerant_input

    own = linux_driver.getincrementaldecoder
    monkeypatch.setattr(linux_driver, "getincrementaldecoder", own)
    monkeypatch.setattr(tolerant_input, "version", lambda name: "9.0.0")
    assert not tolerant_input.install()
    assert linux_driver.getincrementaldecoder is own


@pytest.mark.unit
def test_a_process_started_without_stderr_has_no_terminal_and_says_nothing(monkeypatch):
    """Python sets ``sys.__stderr__`` to None when started without one: nothing crashes then."""
    monkeypatch.setattr(sys, "__stderr__", None)
    terminal = lifecycle.Terminal.of_this_process()
    assert terminal.fd == 2
    lifecycle.say("unheard")
