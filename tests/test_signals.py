"""Every way the process can be told to stop, end to end: the installed app in a pseudo-terminal.

Each test is one of issue 11's reproductions. Waits poll with deadlines; the
deadlines that are the promise itself (gone within 2 s of a hang-up) are
checked as deadlines, not as timings.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.session import State
from tests.pty_app import PtyApp, last_mode, poll
from tests.terminal import installed_nanoneuron, process_stat

pytestmark = pytest.mark.e2e

SEED = ["--w0", "0.9492", "--b0", "0.457"]
LONG_RUN = ["--run", "--epochs", "100000000"]
OVER_SSH = {"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}
# The most bytes a second the app sends, so a terminal that stops reading is full in
# seconds (at 80x24 and four frames a second it took twelve).
FLOOD = dict(args=("--fps", "60", "--pace", "max"), size=(160, 48))
GONE_WITHIN = 2.0  # seconds from a hang-up or a signal to the end of the process: the promise


@pytest.fixture
def pty_app(tmp_path):
    """Start the installed nanoneuron in a pseudo-terminal: pty_app(*args, env=..., keep_slave=...)."""
    started = []

    def start(*args, env=None, keep_slave=True, size=(80, 24)):
        environment = {"XDG_STATE_HOME": str(tmp_path / "state"), **(env or {})}
        app = PtyApp(*args, env=environment, keep_slave=keep_slave, size=size)
        started.append(app)
        return app

    yield start
    for app in started:
        app.close()


def trained_some(app: PtyApp) -> None:
    poll(lambda: re.search(r"[1-9][\d,]* / [\d,]+", app.text()), timeout=20, what="training to show an epoch")


def saved_since(path, wall_time: float) -> bool:
    return path.stat().st_mtime >= wall_time - 0.05  # file times are coarser than the clock


def saved_view(path):
    return persist.load_session(path).view()


def gone_in_time(app: PtyApp, since: float) -> None:
    poll(
        lambda: app.gone,
        timeout=GONE_WITHIN - (time.monotonic() - since),
        interval=0.01,
        what=f"the app to exit within {GONE_WITHIN} s",
    )


def text_after_leaving(output: str) -> list[str]:
    """The lines printed after the app left the alternate screen."""
    tail = output.rsplit("\x1b[?1049l", 1)[-1]
    plain = re.sub(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]", "", tail)
    return [line for line in plain.replace("\r", "").split("\n") if line.strip()]


def assert_terminal_restored(app: PtyApp) -> None:
    output = app.text()
    assert last_mode(output, "1049") == "l", "left on the alternate screen"
    for mouse in ("1000", "1003", "1006"):
        assert last_mode(output, mouse) in (None, "l"), f"mouse reporting {mouse} left on"
    assert last_mode(output, "25") == "h", "cursor left hidden"
    assert_not_raw(app)


def assert_not_raw(app: PtyApp) -> None:
    lflag = app.terminal_settings()[3]
    assert lflag & termios.ICANON and lflag & termios.ECHO, "terminal left raw"


# -- 1. a hang-up after the terminal stopped reading ------------------------------------------


def blocked_for_a_second(app: PtyApp) -> bool:
    """The app's main thread sat on a lock at every look for a second (not merely waiting its turn)."""
    for _ in range(10):
        if not app.main_thread_blocked():
            return False
        time.sleep(0.1)
    return True


def wait_until_stuck(app: PtyApp) -> None:
    poll(lambda: blocked_for_a_second(app), timeout=60, interval=0.1, what="the app's main loop to block on its output")


def stall_then_hang_up(app: PtyApp) -> tuple[float, float]:
    """Read the app's output a while, stop reading until its main loop is stuck behind the
    full terminal, then close the terminal. Returns when the hang-up happened (monotonic, wall)."""
    app.wait_for("running", timeout=20)
    time.sleep(1.0)  # reading, as a person watching would
    app.stop_reading()
    # Stuck for sure: the terminal's buffer is full and the main thread sits on a lock
    # (Textual's full output queue).
    poll(lambda: app.unread() > 0, timeout=30, what="the terminal's buffer to fill")
    wait_until_stuck(app)
    hung_up = time.monotonic(), time.time()
    app.hang_up()
    return hung_up


@pytest.mark.parametrize("trial", range(int(os.environ.get("NANONEURON_STALL_TRIALS", "2"))))
def test_a_hang_up_after_a_stalled_terminal_saves_and_exits(pty_app, tmp_path, trial):
    state = tmp_path / "session.json"
    app = pty_app(
        *SEED, *LONG_RUN, *FLOOD["args"], "--state", str(state), env=OVER_SSH, keep_slave=False, size=FLOOD["size"]
    )
    hung_up, hung_up_wall = stall_then_hang_up(app)
    gone_in_time(app, hung_up)
    assert app.wait(5) == 128 + signal.SIGHUP
    saved = saved_view(state)
    assert saved.epoch > 0 and saved.state is State.PAUSED
    assert saved_since(state, hung_up_wall)  # by the hang-up itself, not an earlier autosave


def test_sigterm_on_a_stalled_terminal_still_saves_exits_and_unraws_it(pty_app, tmp_path):
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, *FLOOD["args"], "--state", str(state), env=OVER_SSH, size=FLOOD["size"])
    app.wait_for("running", timeout=20)
    app.stop_reading()
    wait_until_stuck(app)
    signalled, signalled_wall = time.monotonic(), time.time()
    os.kill(app.pid, signal.SIGTERM)
    gone_in_time(app, signalled)
    assert app.wait(5) == 128 + signal.SIGTERM
    assert saved_view(state).epoch > 0 and saved_since(state, signalled_wall)
    assert_not_raw(app)  # the bytes that leave its screen cannot get through; the settings can


# -- 2. signals on a healthy terminal -----------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP])
def test_a_stop_signal_saves_restores_the_terminal_and_says_one_line(pty_app, tmp_path, signum):
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, "--state", str(state))
    app.wait_for("running", timeout=20)
    trained_some(app)
    signalled = time.monotonic()
    os.kill(app.pid, signum)
    gone_in_time(app, signalled)
    assert app.wait(5) == 128 + signum
    saved = saved_view(state)
    assert saved.epoch > 0 and saved.state is State.PAUSED
    assert_terminal_restored(app)
    poll(lambda: text_after_leaving(app.text()), timeout=5, what="the closing line")
    lines = text_after_leaving(app.text())
    assert len(lines) == 1, lines
    assert f"stopped by {signal.Signals(signum).name}" in lines[0] and "--resume" in lines[0]
    assert "Traceback" not in app.text()


def test_a_stop_signal_before_any_change_keeps_the_saved_session(pty_app, tmp_path):
    state = tmp_path / "session.json"
    first = pty_app(*SEED, "--state", str(state))
    first.wait_for("paused", timeout=20)
    first.send(b"s")  # one step: something worth saving
    poll(lambda: "1 / 70,000" in first.text(), timeout=10, what="the step")
    os.kill(first.pid, signal.SIGTERM)
    assert first.wait(5) == 128 + signal.SIGTERM
    saved = state.read_bytes()
    second = pty_app(*SEED, "--state", str(state))
    second.wait_for("A saved session is waiting", timeout=20)
    os.kill(second.pid, signal.SIGTERM)
    assert second.wait(5) == 128 + signal.SIGTERM
    assert state.read_bytes() == saved  # an untouched fresh session pushes nothing aside
    assert "nothing new to save" in text_after_leaving(second.text())[0]


# -- 2. headless ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_headless_training_stopped_by_a_signal_leaves_no_file_and_no_traceback(tmp_path, signum):
    history = tmp_path / "big.csv"
    process = subprocess.Popen(
        [
            installed_nanoneuron(),
            "train",
            "--epochs",
            "100000000",
            "--history",
            str(history),
            "--history-limit",
            "20GB",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        poll(lambda: list(tmp_path.glob(".big.csv.*.tmp")), timeout=20, what="the history's temporary file")
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert list(tmp_path.iterdir()) == []  # neither the temporary file nor a half history


# -- 3. autosave ---------------------------------------------------------------------------------------


def test_a_pause_is_saved_at_once_so_a_kill_loses_nothing(pty_app, tmp_path):
    state = tmp_path / "session.json"
    app = pty_app(*SEED, "--state", str(state), "--pace", "50")
    app.wait_for("paused", timeout=20)
    app.send(b" ")
    app.wait_for("running", timeout=10)
    trained_some(app)
    assert not state.exists()  # running: the first save waits for the pause or 30 s
    app.send(b" ")
    poll(lambda: state.exists(), timeout=10, what="the autosave at the pause")
    saved = saved_view(state)
    app.process.kill()  # no chance to save anything more
    app.wait(5)
    assert saved.epoch > 0 and saved_view(state).epoch == saved.epoch


# -- 7. two instances, one session file ------------------------------------------------------------------


def test_a_second_instance_says_who_holds_the_session_and_saves_elsewhere(pty_app, tmp_path):
    state = tmp_path / "session.json"
    first = pty_app(*SEED, "--state", str(state))
    first.wait_for("paused", timeout=20)

    resumed = subprocess.run(
        [installed_nanoneuron(), "--resume", "--state", str(state)], capture_output=True, text=True, timeout=30
    )
    assert resumed.returncode == 2
    assert f"in use by nanoneuron (pid {first.pid})" in resumed.stderr
    assert "session-2.json" in resumed.stderr and len(resumed.stderr.splitlines()) == 1

    second = pty_app(*SEED, "--state", str(state))
    second.wait_for(f"{first.pid})", timeout=20)  # "(pid N)", wherever the notice wraps
    second.send(b"nn")
    poll(lambda: "2,000 / 70,000" in second.text(), timeout=10, what="two reports")
    first.send(b"s")
    poll(lambda: "1 / 70,000" in first.text(), timeout=10, what="the step")
    for app in (second, first):
        os.kill(app.pid, signal.SIGTERM)
        app.wait(5)
    assert saved_view(state).epoch == 1
    assert saved_view(tmp_path / "session-2.json").epoch == 2000


def test_the_replaced_session_is_kept_as_prev(pty_app, tmp_path):
    state = tmp_path / "session.json"
    first = pty_app(*SEED, "--state", str(state))
    first.wait_for("paused", timeout=20)
    first.send(b"n")
    poll(lambda: "1,000 / 70,000" in first.text(), timeout=10, what="a report")
    os.kill(first.pid, signal.SIGTERM)
    first.wait(5)
    second = pty_app(*SEED, "--state", str(state))
    second.wait_for("session.prev.json", timeout=20)
    second.send(b"s")
    poll(lambda: "1 / 70,000" in second.text(), timeout=10, what="the step")
    os.kill(second.pid, signal.SIGTERM)
    second.wait(5)
    assert saved_view(state).epoch == 1
    assert saved_view(tmp_path / "session.prev.json").epoch == 1000


# -- 13. terminals without the glyphs ------------------------------------------------------------------


@pytest.mark.parametrize("how", [{"args": ["--ascii"]}, {"env": {"TERM": "linux"}}])
def test_an_ascii_terminal_gets_ascii_only(pty_app, tmp_path, how):
    app = pty_app(
        *SEED, "--alpha", "0.001", "--state", str(tmp_path / "s.json"), *how.get("args", []), env=how.get("env")
    )
    app.wait_for("paused", timeout=20)
    app.send(b"f")  # runs to divergence: plots, warnings, the status mark
    app.wait_for("diverged", timeout=20)
    app.send(b"\x10")  # ctrl+p: Textual's own command palette too
    app.wait_for("Search for commands", timeout=10)
    app.send(b"export")
    app.wait_for("cost history", timeout=10)  # "Export" itself is highlighted: other bytes in between
    os.kill(app.pid, signal.SIGTERM)
    app.wait(5)
    output = app.output.decode("utf-8")
    strange = sorted({c for c in output if not c.isascii()})
    assert not strange, strange
    assert "x diverged" in output and "-> 1.8" in output


def test_a_dumb_terminal_is_refused_in_one_line(tmp_path):
    refused = subprocess.run(
        [installed_nanoneuron()],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TERM": "dumb", "XDG_STATE_HOME": str(tmp_path)},
    )
    assert refused.returncode == 2
    assert refused.stdout == "" and len(refused.stderr.splitlines()) == 1
    assert "TERM=dumb" in refused.stderr and "nanoneuron train" in refused.stderr


# -- issue 22: signals in pairs, a stop and a continue ------------------------------------------


def stopped(app: PtyApp) -> bool:
    fields = process_stat(app.pid)
    return fields is not None and fields[0] == "T"


def answers_keys(app: PtyApp) -> None:
    """The app is alive and takes keys: space pauses the run it was training."""
    mark = len(app.text())
    app.send(b" ")
    poll(lambda: "paused" in app.text()[mark:], timeout=15, what="the app to pause on space")


def pending(pid: int, signum: int) -> bool:
    """``signum`` sent to the process and not yet taken by any of its threads."""
    status = Path(f"/proc/{pid}/status").read_text()
    shared = int(re.search(r"^ShdPnd:\s*([0-9a-f]+)", status, re.MULTILINE).group(1), 16)
    return bool(shared & (1 << (signum - 1)))


def signal_twice(pid: int, signum: int) -> None:
    """Two signals, the second as soon as the app has taken the first (two sent at once
    would merge into one while the first is still pending)."""
    os.kill(pid, signum)
    deadline = time.monotonic() + 5
    while pending(pid, signum) and time.monotonic() < deadline:
        pass  # no sleep: the second must come while the first one's save is under way
    os.kill(pid, signum)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_two_stop_signals_close_together_still_save(pty_app, tmp_path, signum):
    """bash re-sends SIGHUP to its jobs; a script may kill twice within a millisecond."""
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, "--state", str(state))
    app.wait_for("running", timeout=20)
    trained_some(app)
    signalled, signalled_wall = time.monotonic(), time.time()
    signal_twice(app.pid, signum)
    gone_in_time(app, signalled)
    assert app.wait(5) == 128 + signum
    assert saved_view(state).epoch > 0 and saved_since(state, signalled_wall)


def test_a_third_stop_signal_ends_at_once(pty_app, tmp_path):
    """A person who insists is heard: the third signal does not wait for anything."""
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, "--state", str(state))
    app.wait_for("running", timeout=20)
    for _ in range(3):
        os.kill(app.pid, signal.SIGTERM)
    assert app.wait(5) == 128 + signal.SIGTERM
    assert_not_raw(app)


def test_a_stop_and_a_continue_leave_the_app_running_as_it_was(pty_app, tmp_path):
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, "--state", str(state))
    app.wait_for("running", timeout=20)
    trained_some(app)
    os.kill(app.pid, signal.SIGSTOP)
    poll(lambda: stopped(app), timeout=10, what="the app to stop")
    time.sleep(1.0)  # stopped a while, as a person would leave it: longer than any wait inside the app
    os.kill(app.pid, signal.SIGCONT)
    answers_keys(app)
    assert not app.gone
    os.kill(app.pid, signal.SIGTERM)
    assert app.wait(5) == 128 + signal.SIGTERM
    assert saved_view(state).epoch > 0
    assert "Traceback" not in app.text()


@pytest.mark.parametrize("how", ["SIGTSTP", "ctrl+z"])
def test_a_suspension_gives_the_shell_its_terminal_and_fg_brings_the_app_back(pty_app, tmp_path, how):
    state = tmp_path / "session.json"
    app = pty_app(*SEED, *LONG_RUN, "--state", str(state))
    app.wait_for("running", timeout=20)
    trained_some(app)
    if how == "ctrl+z":
        app.send(b"\x1a")
    else:
        os.kill(app.pid, signal.SIGTSTP)
    poll(lambda: stopped(app), timeout=10, what="the app to stop")
    # While it is stopped the shell has its terminal back: cooked, the main screen, a cursor.
    poll(lambda: last_mode(app.text(), "1049") == "l", timeout=5, what="the app to leave its screen")
    assert_not_raw(app)
    time.sleep(1.0)  # stopped a while, as a person would leave it: longer than any wait inside the app
    mark = len(app.text())
    os.kill(app.pid, signal.SIGCONT)  # what fg sends
    # Back: its own screen again, drawn whole (a pane title that never changes is sent again).
    poll(lambda: "Hyperparameters" in app.text()[mark:], timeout=15, what="the app to redraw its screen")
    assert last_mode(app.text(), "1049") == "h"
    answers_keys(app)
    os.kill(app.pid, signal.SIGTERM)
    assert app.wait(5) == 128 + signal.SIGTERM
    assert saved_view(state).epoch > 0
    assert "Traceback" not in app.text() and "SIGBUS" not in app.text()


# -- issue 22, item 7: bytes from the terminal that are not UTF-8 -----------------------------------


@pytest.mark.parametrize(
    "sent", [b"\xe9t", b"\x9b", b"\xff", b"\xc3"], ids=["latin-1 e-acute", "9b", "ff", "cut short"]
)
def test_a_byte_that_is_not_utf8_is_no_crash(pty_app, tmp_path, sent):
    app = pty_app(*SEED, "--state", str(tmp_path / "session.json"))
    app.wait_for("paused", timeout=20)
    app.send(sent)
    app.send(b"s")  # then a key that does something
    poll(lambda: "1 / 70,000" in app.text(), timeout=15, what="the step after the odd byte")
    assert not app.gone
    assert "Traceback" not in app.text() and "UnicodeDecodeError" not in app.text()
