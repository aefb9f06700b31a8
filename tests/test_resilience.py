"""Made for SSH: hang-ups, quitting, resuming, small terminals, few or no colours."""

import json
import os
import re
import signal

import pytest
from textual.widgets import Input

from nanoneuron_tui import persist
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import State
from tests.helpers import Notifications, make_app, wait_for
from tests.terminal import epoch_on, process_alive, recorded, wait_until

SEED = ["--w0", "0.9492", "--b0", "0.457"]


# -- in the app ------------------------------------------------------------------------


@pytest.mark.app
async def test_ctrl_q_saves_the_session(tmp_path):
    app = make_app()
    app.state_path = tmp_path / "session.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "s")
        view = app.session.view()
        await pilot.press("ctrl+q")
    restored = persist.load_session(app.state_path).view()
    assert (restored.epoch, restored.w, restored.b) == (2001, view.w, view.b)


@pytest.mark.app
async def test_palette_save_load_and_export(tmp_path):
    app = make_app()
    notifications = Notifications()
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        await pilot.press("n")
        saved = app.session.view()

        async def answer(path):
            field = app.screen.query_one("#path", Input)
            field.value = str(path)
            await pilot.press("enter")
            await pilot.pause()

        app.action_save_model()
        await pilot.pause()
        await answer(tmp_path / "model.json")
        assert json.loads((tmp_path / "model.json").read_text())["epoch"] == 1000

        app.action_export_history()
        await pilot.pause()
        await answer(tmp_path / "history.csv")
        await wait_for(pilot, lambda: (tmp_path / "history.csv").exists())
        rows = (tmp_path / "history.csv").read_text().splitlines()
        assert rows[0] == "epoch,cost,test_cost" and len(rows) == 1 + 1001  # every epoch, 0 to 1000

        await pilot.press("r")
        app.action_load_model()
        await pilot.pause()
        await answer(tmp_path / "model.json")
        view = app.session.view()
        assert (view.epoch, view.w, view.b) == (1000, saved.w, saved.b)

        # A bad file is refused with a message, and nothing changes.
        (tmp_path / "junk.json").write_text("{not json")
        app.action_load_model()
        await pilot.pause()
        await answer(tmp_path / "junk.json")
        assert app.session.view().epoch == 1000
        assert notifications.any("damaged or truncated")


async def answer_path(pilot, app, action: str, path) -> None:
    await app.run_action(action)
    await wait_for(pilot, lambda: app.screen.query("#path"))
    prompt = app.screen
    prompt.query_one("#path", Input).value = str(path)
    await prompt.query_one("#path", Input).action_submit()
    await wait_for(pilot, lambda: app.screen is not prompt)


def owned_app(tmp_path, **hyper):
    from nanoneuron_tui.app import NanoNeuronApp
    from nanoneuron_tui.session import Session
    from nanoneuron_tui.session_file import SessionFile

    owner = SessionFile.claim(tmp_path / "session.json", resuming=False)
    session = Session(Hyperparameters(w0=0.9492, b0=0.457, **hyper))
    return NanoNeuronApp(session, session_file=owner), owner


@pytest.mark.app
@pytest.mark.parametrize("action", ["save_model", "export_history"])
@pytest.mark.parametrize("name", ["session.json.lock", "session.json", "session.prev.json", "session.json.temporaries"])
async def test_the_session_s_own_files_cannot_be_written_over_from_the_app(tmp_path, action, name):
    app, owner = owned_app(tmp_path)
    lock = tmp_path / "session.json.lock"
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    notifications = Notifications()
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        await pilot.press("s")
        await answer_path(pilot, app, action, tmp_path / name)
        await wait_for(pilot, lambda: notifications.any("this session's own file"))
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert lock.read_text() == f"{os.getpid()}\n"
    owner.release()


@pytest.mark.app
async def test_quitting_cancels_a_long_export_and_removes_its_temporary_file(tmp_path):
    epochs = 10_000_000  # about forty seconds to write (issue 22: ctrl+q waited for it)
    app, owner = owned_app(tmp_path, epochs=epochs)
    exports = tmp_path / "exports"
    exports.mkdir()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.go_to(epochs)
        await answer_path(pilot, app, "export_history", exports / "h.csv")
        await wait_for(pilot, lambda: any(exports.iterdir()))  # under way
        await pilot.press("ctrl+q")
    # Leaving did not wait for the export to end: it was cancelled, and left nothing behind.
    assert list(exports.iterdir()) == []
    owner.release()


async def resize(pilot, size: tuple[int, int]) -> None:
    """Resize the terminal; below the minimum size the panes give way to a notice."""
    app = pilot.app
    await pilot.resize_terminal(*size)
    notice = app.query_one("#too-small")
    too_small = size[0] < 60 or size[1] < 20
    await wait_for(pilot, lambda: app.size == size and notice.display == too_small)
    assert app.query_one("#main").display != too_small
    if too_small:
        message = str(notice.render())
        assert "at least 60×20" in message and f"{size[0]}×{size[1]}" in message


@pytest.mark.app
async def test_resizing_small_and_back_never_crashes():
    app = make_app(pace=None, epochs=1_000_000_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        for size in [(60, 20), (50, 15), (30, 8), (160, 48), (60, 20), (80, 24)]:
            await resize(pilot, size)
        assert app.session.state is State.RUNNING


async def quit_while_training_at_max_pace() -> None:
    app = make_app(run=True, pace=None, epochs=1_000_000_000, fps=1000)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.view().epoch > 0)
    assert app.session.view().epoch > 0


@pytest.mark.app
async def test_quitting_while_training_at_max_pace_is_clean():
    # Reports still queued when the app shuts down must be dropped, not drawn
    # on panes that are already gone. Unguarded, about half of these quits
    # crash; run_test re-raises whatever a handler raised while shutting down.
    for _ in range(5):
        await quit_while_training_at_max_pace()


@pytest.mark.app
async def test_ctrl_q_while_training_at_max_pace_saves_and_exits(tmp_path):
    app = make_app(run=True, pace=None, epochs=1_000_000_000, fps=1000)
    app.state_path = tmp_path / "session.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.view().epoch > 0)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)
    restored = persist.load_session(app.state_path).view()
    assert restored.epoch > 0 and restored.state is State.PAUSED


# -- in a real terminal ----------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["sighup", "terminal closed"])
def test_hang_up_saves_and_exits(terminal, tmp_path, how):
    # How fast it exits is measured by benchmarks/bench_app.py; here the
    # deadline only has to tell "exits" from "hangs on", even on a loaded machine.
    state = tmp_path / "session.json"
    term = terminal(*SEED, "--state", str(state), "--pace", "50")
    term.wait_for("paused")
    term.keys("Space")
    term.wait_until(lambda screen: "running" in screen and epoch_on(screen) > 0, "training never started")
    pid = term.pid
    if how == "sighup":
        os.kill(pid, signal.SIGHUP)
    else:
        term.close()  # the terminal itself goes away
    wait_until(lambda: not process_alive(pid), "nanoneuron is still running after its terminal hung up")
    saved = persist.load_session(state).view()
    assert saved.epoch > 0 and saved.state is State.PAUSED


@pytest.mark.e2e
def test_resume_brings_back_exactly_where_it_was(terminal, tmp_path):
    state = tmp_path / "session.json"
    term = terminal(*SEED, "--state", str(state), "--alpha", "0.0004", "--every", "700", "--epochs", "50000")
    term.wait_for("paused")
    term.keys("n", "n", "s")
    before = term.wait_for("1,401 / 50,000")
    os.kill(term.pid, signal.SIGHUP)
    term.wait_until_dead()
    saved = persist.load_session(state).view()
    again = terminal("--resume", "--state", str(state))
    after = again.wait_for("paused")
    assert epoch_on(after) == 1401
    for field in ("0.0004", "700", "50000", "0.9492", "0.457"):
        assert field in after
    w_line = re.search(r"│ w\s+(\S+)", before).group(1)
    assert w_line in after
    assert f"{saved.w:.7g}" == w_line


@pytest.mark.e2e
def test_the_app_starts_from_a_saved_model(terminal, tmp_path):
    model = tmp_path / "model.json"
    persist.save_model(
        model,
        w=1.75,
        b=30.5,
        epoch=12345,
        init=(0.1, 0.2),
        hyper=Hyperparameters(epochs=50000, alpha=0.0004, w0=0.1, b0=0.2),
    )
    screen = terminal("--load-model", str(model)).wait_for("paused")
    assert epoch_on(screen) == 12345
    assert re.search(r"│ w\s+1\.75\s", screen) and re.search(r"│ b\s+30\.5\s", screen)
    assert "50,000" in screen and "0.0004" in screen
    bad = terminal("--load-model", str(tmp_path / "missing.json"))
    bad.wait_until_dead()
    assert bad.exit_status == 2
    assert "missing.json does not exist" in bad.screen().replace("\n", "")


def sgr_colours(data: bytes) -> list[bytes]:
    return re.findall(rb"\x1b\[([0-9;]*)m", data)


@pytest.mark.e2e
@pytest.mark.parametrize("term_name", ["xterm-256color", "xterm"])
def test_colours_fit_the_terminal(terminal, tmp_path, term_name):
    record = tmp_path / "bytes"
    record.touch()
    term = terminal(*SEED, env={"TERM": term_name, "COLORTERM": ""})
    term.record(record)
    term.wait_for("paused")
    term.keys("f")
    term.wait_for("finished")
    codes = sgr_colours(recorded(record, b"finished"))
    assert codes
    truecolour = [c for c in codes if b"38;2;" in c or b"48;2;" in c]
    assert not truecolour  # SSH forwards no COLORTERM: no 24-bit colour
    if term_name == "xterm":
        assert not [c for c in codes if b"38;5;" in c or b"48;5;" in c]  # 16 colours only


@pytest.mark.e2e
def test_no_color_is_monochrome_and_still_legible(terminal, tmp_path):
    record = tmp_path / "bytes"
    record.touch()
    term = terminal(*SEED, "--alpha", "0.001", "--w0", "0.3", "--b0", "0.7", env={"NO_COLOR": "1"})
    term.record(record)
    term.wait_for("paused")
    term.keys("f")
    term.wait_for("diverged at epoch")
    # Series told apart by shape, not colour (the plots draw a moment after the first frame).
    term.wait_until(lambda screen: "━ train" in screen and "· test" in screen, "the cost plot's legend never showed")
    term.wait_for("converges")  # the one divergence notice, on the cost plot's edge
    for code in sgr_colours(recorded(record, b"diverged")):
        parts = code.split(b";")
        for i, part in enumerate(parts[:-2]):
            if part in (b"38", b"48") and parts[i + 1] == b"5":
                index = int(parts[i + 2])
                # Greys only: the 256-colour grey ramp, black, white, or the greys of the cube.
                assert (
                    index in (0, 7, 8, 15, 16, 231)
                    or 232 <= index <= 255
                    or (16 <= index <= 231 and len({(index - 16) // 36, (index - 16) // 6 % 6, (index - 16) % 6}) == 1)
                ), code
