"""Text from outside is shown, never obeyed (issue 22, item 12).

A CSV header, a file name or a user name can hold terminal escape codes, newlines or
markup. Wherever such text is shown (the app's screen, a headless report, a message on
standard error, the server's log) it goes through ``core.printable.printable`` first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nanoneuron_tui.core.data import DataSpec, build_data
from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session
from tests.helpers import Notifications, wait_for
from tests.terminal import Terminal, installed_nanoneuron, recorded

# Sets the terminal's title to PWN, rings the bell and clears the screen, then names x.
HOSTILE_HEADER = b"\x1b]0;PWN\x07\x1b[2Jx,y\n1,2\n2,4\n3,6\n"
CONTROL_BYTES = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]


def shows_nothing_raw(text: str) -> bool:
    """No control character (C0, DEL, C1) and no line break: safe on a terminal, on one line."""
    return not any(character in text for character in CONTROL_BYTES)


@pytest.fixture
def hostile_csv(tmp_path) -> Path:
    path = tmp_path / "e.csv"
    path.write_bytes(HOSTILE_HEADER)
    return path


def nanoneuron(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanoneuron_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


# -- the function --------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;PWN\x07\x1b[2Jx", "\\x1b]0;PWN\\x07\\x1b[2Jx"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("tab\there", "tab\\there"),
        ("\x9b2J", "\\x9b2J"),  # the one-byte CSI of 8-bit terminals
        ("\x7f", "\\x7f"),
        ("abc\u202edef", "abc\\u202edef"),  # a right-to-left override reverses what follows
        ("line\u2028sep", "line\\u2028sep"),
        ("bad\udc9bbyte", "bad\\x9bbyte"),  # a non-UTF-8 byte of a file name, as Python decodes it
        ("tag\U000e0041", "tag\\U000e0041"),  # an invisible tag character, beyond 16 bits
    ],
)
def test_printable_writes_out_what_would_act_on_the_terminal(raw, shown):
    assert printable(raw) == shown
    assert shows_nothing_raw(printable(raw))
    assert printable(printable(raw)) == printable(raw)  # showing twice changes nothing more


@pytest.mark.unit
@pytest.mark.parametrize("text", ["°C", "Fahrenheit", "温度 (°C)", "x [b]y[/b] $z", "a b", ""])
def test_printable_keeps_visible_text_as_it_is(text):
    assert printable(text) == text


# -- where outside text enters: the data -----------------------------------------------


@pytest.mark.unit
def test_a_csv_header_and_a_file_name_are_made_printable_when_read(tmp_path):
    path = tmp_path / "new\nline\x1b[2J.csv"
    path.write_bytes(HOSTILE_HEADER)
    data = build_data(DataSpec(csv=str(path)))
    assert data.x_label == "\\x1b]0;PWN\\x07\\x1b[2Jx"
    assert data.name == "new\\nline\\x1b[2J.csv"
    assert all(shows_nothing_raw(str(value)) for value in (data.name, data.x_label, data.y_label))


# -- headless: the report, JSON and messages ---------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_train_reports_a_hostile_header_printably(hostile_csv, json_flag):
    result = nanoneuron("train", "--data", str(hostile_csv), "--epochs", "10", *json_flag)
    assert result.returncode == 0, result.stderr
    assert shows_nothing_raw(result.stdout.replace("\n", "")), repr(result.stdout)
    if json_flag:
        assert json.loads(result.stdout)["data"]["x"] == "\\x1b]0;PWN\\x07\\x1b[2Jx"
    else:
        assert "70 \\x1b]0;PWN\\x07\\x1b[2Jx in y" in result.stdout


@pytest.mark.unit
@pytest.mark.parametrize("command", [[], ["train"]])
def test_an_error_naming_a_hostile_path_is_one_printable_line(tmp_path, command):
    missing = tmp_path / "a\nb\x1b]0;PWN\x07.csv"
    result = nanoneuron(*command, "--data", str(missing))
    assert result.returncode == 2
    line = result.stderr.removesuffix("\n")
    assert shows_nothing_raw(line), repr(result.stderr)
    assert "a\\nb\\x1b]0;PWN\\x07.csv does not exist" in line


@pytest.mark.unit
def test_an_unknown_argument_is_echoed_printably():
    result = nanoneuron("\x1b[2J\x1b]0;PWN\x07")
    assert result.returncode == 2
    assert shows_nothing_raw(result.stderr.removesuffix("\n")), repr(result.stderr)
    assert "\\x1b[2J" in result.stderr


@pytest.mark.unit
def test_the_servers_log_shows_a_user_name_printably(capsys):
    from nanoneuron_tui.serve.identity import User
    from nanoneuron_tui.serve.ssh import log

    user = User("eve\x1b]0;PWN\x07\nroot")
    log(f"connect {user} from 127.0.0.1")
    line = capsys.readouterr().err.removesuffix("\n")
    assert shows_nothing_raw(line), repr(line)
    assert "eve\\x1b]0;PWN\\x07\\nroot" in line


# -- the app ----------------------------------------------------------------------------


def app_on(path: Path):
    from nanoneuron_tui.app import NanoNeuronApp

    return NanoNeuronApp(Session(Hyperparameters(w0=0.5, b0=0.5), build_data(DataSpec(csv=str(path)))))


def on_screen(app) -> dict[str, str]:
    """The texts the data's names reach: the title line and the panes' edges."""
    from nanoneuron_tui.widgets.fit_view import FitView
    from nanoneuron_tui.widgets.readouts import Readouts

    return {
        "title": app.query_one("#title").render().plain,
        "neuron pane": app.query_one(Readouts).border_title or "",
        "fit pane": app.query_one(FitView).border_title or "",
        "ask unit": app.query_one("#ask-unit").render().plain,
    }


@pytest.mark.app
async def test_the_app_shows_a_hostile_header_as_text(hostile_csv):
    app = app_on(hostile_csv)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.query_one("#title").render().plain)
        await wait_for(pilot, lambda: "x1b" in on_screen(app)["fit pane"], 30)  # plots draw once plotext is imported
        for where, text in on_screen(app).items():
            assert shows_nothing_raw(text), (where, text)
            assert "\\x1b]0;PWN\\x07\\x1b[2Jx" in text, (where, text)
        screen = app.export_screenshot()  # the whole screen, as SVG (its own lines end in newlines)
        assert "\x1b" not in screen and "\x07" not in screen


@pytest.mark.app
async def test_markup_in_a_header_is_shown_as_typed_not_obeyed(tmp_path):
    # Today "[/b]" with no "[b]" before it crashed the app; "[@click=app.quit]" made a link.
    path = tmp_path / "m.csv"
    path.write_text("[/b]x[b],[@click=app.quit]y[/] $z\n1,2\n2,4\n3,6\n")
    app = app_on(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.query_one("#title").render().plain)
        title = app.query_one("#title").render()
        assert title.plain == "NanoNeuron learns m.csv: [@click=app.quit]y[/] $z = w·[/b]x[b] + b"
        assert app.query_one("#ask-unit").render().plain == "[/b]x[b]"


@pytest.mark.app
async def test_a_notification_naming_a_hostile_path_is_printable(tmp_path):
    from nanoneuron_tui.app import NanoNeuronApp

    notifications = Notifications()
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.5, b0=0.5)))
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        # What the palette's "Load model" does with the name typed into its prompt.
        app.run_worker(lambda: app._load_model(tmp_path / "m\x1b]0;PWN\x07[b]\n.json"), thread=True)
        await wait_for(pilot, lambda: notifications.any("does not exist"))
        shown = next(message for message in notifications.messages if "does not exist" in message)
        assert shows_nothing_raw(shown), repr(shown)
        assert "m\\x1b]0;PWN\\x07[b]\\n.json does not exist" in shown


@pytest.mark.e2e
def test_no_escape_code_from_a_file_reaches_the_terminal(hostile_csv, tmp_path):
    """The bytes the app sends to a real terminal, recorded by tmux from the first one."""
    sent = tmp_path / "sent"
    sent.touch()
    term = Terminal([installed_nanoneuron(), "--data", str(hostile_csv), "--w0", "0.5", "--b0", "0.5"], gated=True)
    try:
        term.record(sent)
        term.launch()
        term.wait_for("paused")
        data = recorded(sent, b"\\x1b]0;PWN")  # the header, drawn as text
        assert b"\x1b]0;PWN" not in data  # never as the title-setting code
        assert b"\x07\x1b[2J" not in data
        assert "PWN" not in term.tmux("display-message", "-p", "-t", term.session, "#{pane_title}")
    finally:
        term.close()


@pytest.mark.unit
def test_serve_echoes_a_hostile_argument_printably():
    result = nanoneuron("serve", "ssh", "--open", "\x1b[2J\x1b]0;PWN\x07")  # argparse echoes an unknown argument
    assert result.returncode == 2
    assert shows_nothing_raw(result.stderr.removesuffix("\n")), repr(result.stderr)
    assert "\\x1b[2J\\x1b]0;PWN\\x07" in result.stderr


@pytest.mark.app
async def test_notifications_are_plain_text_and_textuals_own_quit_hint_still_reads_well():
    from nanoneuron_tui.app import NanoNeuronApp

    notifications = Notifications()
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.5, b0=0.5)))
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: notifications.any("to quit the app"))
        assert "Press ctrl+q to quit the app" in notifications.messages  # not "[b]ctrl+q[/b]" shown as typed
        shown = list(app._notifications)
        assert shown and all(notification.markup is False for notification in shown)


@pytest.mark.app
async def test_the_data_dialog_shows_a_hostile_file_name_printably_and_still_reloads_it(tmp_path):
    from textual.widgets import Input

    path = tmp_path / "e\x1b]0;PWN\x07.csv"
    path.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n")
    app = app_on(path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.query("#data-csv"))
        field = app.screen.query_one("#data-csv", Input)
        assert field.value == str(tmp_path / "e\\x1b]0;PWN\\x07.csv")  # an Input draws what it holds
        app.screen.query_one("#data-apply").press()
        await wait_for(pilot, lambda: not app.screen.query("#data-csv"))  # applied: the dialog is gone
        assert app.session.data.spec.csv == str(path)


@pytest.mark.app
async def test_a_message_of_several_lines_keeps_its_lines_and_each_line_is_printable():
    from nanoneuron_tui.app import NanoNeuronApp

    notifications = Notifications()
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.5, b0=0.5)))
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        app.notify(["From the teacher: look up", "a\nb\x1b[2J"])
        await wait_for(pilot, lambda: notifications.any("look up"))
        assert "From the teacher: look up\na\\nb\\x1b[2J" in notifications.messages
