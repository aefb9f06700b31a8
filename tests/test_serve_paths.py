"""A served session's file names stay in its own directory: save, load, export, screenshot, CSV."""

from __future__ import annotations

import json
import os

import pytest
from textual.widgets import Input

from nanoneuron_tui import persist
from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.paths import ConfinementError, confined
from nanoneuron_tui.session import Session
from nanoneuron_tui.widgets.path_prompt import PathPrompt
from tests.helpers import SEED_START, Notifications, wait_for


@pytest.fixture
def home(tmp_path):
    """A user's directory, with a neighbour's beside it and a way out planted inside."""
    home = tmp_path / "users" / "alice"
    home.mkdir(parents=True)
    neighbour = tmp_path / "users" / "bob"
    neighbour.mkdir()
    (neighbour / "secret.json").write_text("{}")
    (home / "out").symlink_to(neighbour)
    (home / "inner").mkdir()
    (home / "shortcut").symlink_to(home / "inner")
    return home


# -- the rule ---------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("typed", ["model.json", "inner/model.json", "./model.json", "shortcut/model.json"])
def test_names_inside_the_directory_are_kept(home, typed):
    path = confined(home, typed)
    assert path.parent in (home.resolve(), (home / "inner").resolve())
    assert path.name == "model.json"


@pytest.mark.unit
@pytest.mark.parametrize(
    "typed, why",
    [
        ("/etc/passwd", "absolute"),
        ("/tmp/model.json", "absolute"),
        ("~/model.json", "absolute"),
        ("~bob/secret.json", "absolute"),
        ("../bob/secret.json", "'..'"),
        ("inner/../../bob/secret.json", "'..'"),
        ("inner/..", "'..'"),
        ("out/secret.json", "outside"),
        ("out", "outside"),
        ("", "give a file name"),
        ("   ", "give a file name"),
        ("a\0b", "not a file name"),
    ],
)
def test_every_way_out_is_refused_with_one_line(home, typed, why):
    with pytest.raises(ConfinementError) as refused:
        confined(home, typed)
    message = str(refused.value)
    assert why in message and "\n" not in message


@pytest.mark.unit
def test_a_symlink_planted_later_is_seen_through(home, tmp_path):
    (home / "model.json").symlink_to(tmp_path / "users" / "bob" / "secret.json")
    with pytest.raises(ConfinementError):
        confined(home, "model.json")


# -- in the app ------------------------------------------------------------------------------


def served_app(home) -> NanoNeuronApp:
    return NanoNeuronApp(Session(Hyperparameters(**SEED_START)), confine=home)


async def type_path(pilot, app, action: str, typed: str) -> None:
    await app.run_action(action)
    await wait_for(pilot, lambda: isinstance(app.screen, PathPrompt) and app.screen.query("#path"))
    prompt = app.screen
    field = prompt.query_one("#path", Input)
    field.value = typed
    # Submitted as Enter would (pilot.press waits for the whole process to idle: seconds here).
    await field.action_submit()
    await wait_for(pilot, lambda: app.screen is not prompt)


def files_outside(tmp_path, home) -> set[str]:
    return {str(p) for p in tmp_path.rglob("*") if home not in p.parents and p != home}


@pytest.mark.app
async def test_save_load_and_export_refuse_every_way_out(home, tmp_path):
    before = files_outside(tmp_path, home)
    app = served_app(home)
    notes = Notifications()
    async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
        for action in ("save_model", "export_history", "load_model"):
            for typed in ("/tmp/escape.json", "../bob/secret.json", "out/secret.json", "~/x.json"):
                notes.messages.clear()
                await type_path(pilot, app, action, typed)
                await wait_for(pilot, lambda: notes.messages)  # the refusal may come from a thread
                [refusal] = notes.messages
                assert typed in refusal and ("outside" in refusal or "absolute" in refusal or "'..'" in refusal)
        assert files_outside(tmp_path, home) == before
        assert json.loads((tmp_path / "users" / "bob" / "secret.json").read_text()) == {}
        assert not os.path.exists("/tmp/escape.json")
        # Names inside work as ever.
        await pilot.press("s")
        await type_path(pilot, app, "save_model", "inner/model.json")
        await wait_for(pilot, lambda: (home / "inner" / "model.json").exists())
        assert persist.load_model(home / "inner" / "model.json").epoch == 1
        await type_path(pilot, app, "export_history", "history.csv")
        await wait_for(pilot, lambda: notes.any("rows of cost history"))
        assert (home / "history.csv").read_text().startswith("epoch,")
        await type_path(pilot, app, "load_model", "shortcut/model.json")
        await wait_for(pilot, lambda: notes.any("Loaded the model"))


@pytest.mark.app
async def test_a_screenshot_stays_in_the_directory(home, tmp_path):
    app = served_app(home)
    notes = Notifications()
    async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
        app.deliver_screenshot()
        await wait_for(pilot, lambda: list(home.glob("*.svg")))
        assert app.deliver_screenshot("x.svg", "/tmp") is None
        assert app.deliver_screenshot("../escape.svg") is None
        refusals = lambda: sum("outside" in m or "absolute" in m or "'..'" in m for m in notes.messages)  # noqa: E731
        await wait_for(pilot, lambda: refusals() == 2)
        assert not list(tmp_path.rglob("escape.svg")) and not os.path.exists("/tmp/x.svg")


@pytest.mark.app
async def test_a_csv_is_read_only_from_the_directory(home, tmp_path):
    (tmp_path / "users" / "bob" / "data.csv").write_text("1,2\n2,4\n3,6\n")
    (home / "mine.csv").write_text("x,y\n1,3\n2,5\n3,7\n4,9\n5,11\n")
    app = served_app(home)
    async with app.run_test(size=(100, 32)) as pilot:
        for typed in ("/etc/passwd", "../bob/data.csv", "out/data.csv"):
            await pilot.press("d")
            dialog = app.screen
            dialog.query_one("#data-csv", Input).value = typed
            dialog.query_one("#data-apply").press()
            await wait_for(pilot, lambda: "✗" in str(dialog.query_one("#data-message").content))
            await pilot.press("escape")
            assert app.session.data.spec.csv is None
        await pilot.press("d")
        app.screen.query_one("#data-csv", Input).value = "mine.csv"
        app.screen.query_one("#data-apply").press()
        await wait_for(pilot, lambda: app.session.data.spec.csv is not None)
        assert app.session.data.spec.csv == str((home / "mine.csv").resolve())


@pytest.mark.app
async def test_an_app_that_is_not_served_takes_any_path(tmp_path):
    app = NanoNeuronApp(Session(Hyperparameters(**SEED_START)))
    async with app.run_test(size=(100, 32)) as pilot:
        await type_path(pilot, app, "save_model", str(tmp_path / "anywhere.json"))
        assert (tmp_path / "anywhere.json").exists()


# -- what a student is told: no server paths ---------------------------------------------------


@pytest.mark.app
async def test_a_student_is_told_file_names_relative_to_their_folder(home, tmp_path):
    app = served_app(home)
    notes = Notifications()
    async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
        app.deliver_screenshot("shot.svg")
        await wait_for(pilot, lambda: notes.any("Saved the screenshot"))
        await type_path(pilot, app, "save_model", "inner/model.json")
        await wait_for(pilot, lambda: notes.any("Saved the model"))
        (home / "inner" / "broken.json").write_text("{")
        await type_path(pilot, app, "load_model", "inner/broken.json")
        await wait_for(pilot, lambda: len(notes.messages) == 3)
    said = "\n".join(notes.messages)
    assert "Saved the screenshot to shot.svg" in said and "Saved the model to inner/model.json" in said
    assert "inner/broken.json" in said
    assert str(tmp_path) not in said and str(tmp_path.resolve()) not in said


@pytest.mark.unit
def test_a_served_session_is_saved_untouched_and_says_connect_again(tmp_path):
    from nanoneuron_tui.session_file import SessionFile

    home = tmp_path / "users" / "carol"
    home.mkdir(parents=True)
    session = Session(Hyperparameters(**SEED_START))
    owned = SessionFile.claim(home / "session.json", resuming=False)
    owned.served_in = home
    owned.started_with(session)
    # Closed before any key: the student saw this neuron, and finds it again next time.
    said = owned.save_for_exit(session)
    assert said == "session saved; connect again to carry on"
    assert persist.load_session(home / "session.json").view().w0 == SEED_START["w0"]
    owned.release()
    # Another connection holds the session: the note names no server path and no command.
    holder = SessionFile.claim(home / "session.json", resuming=True)
    second = SessionFile.claim_or_fresh(home / "session.json")
    second.served_in = home
    notes = " ".join(second.start_notes())
    assert "session-2.json" in notes and str(tmp_path) not in notes and "--resume" not in notes
    second.release()
    holder.release()


@pytest.mark.unit
def test_unserved_an_untouched_session_is_still_not_saved(tmp_path):
    from nanoneuron_tui.session_file import SessionFile

    session = Session(Hyperparameters(**SEED_START))
    owned = SessionFile.claim(tmp_path / "session.json", resuming=False)
    owned.started_with(session)
    assert owned.save_for_exit(session) == "nothing new to save"
    assert not (tmp_path / "session.json").exists()
    owned.release()


@pytest.mark.unit
def test_a_saved_session_that_cannot_be_read_is_named_within_the_folder(home, tmp_path):
    import subprocess
    import sys

    (home / "session.json").write_text("{ not json")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nanoneuron_tui",
            "--confine",
            str(home),
            "--state",
            str(home / "session.json"),
            "--resume",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "session.json" in result.stderr
    assert str(tmp_path) not in result.stderr and str(tmp_path.resolve()) not in result.stderr


@pytest.mark.app
@pytest.mark.parametrize("action", ["save_model", "export_history"])
async def test_refusing_the_session_s_own_file_names_it_as_the_student_sees_it(home, action):
    # Merged review: the refusal said "/srv/…/users/alice/session.json is this session's own file".
    from nanoneuron_tui.session_file import SessionFile

    owner = SessionFile.claim(home / "session.json", resuming=False)
    app = NanoNeuronApp(Session(Hyperparameters(**SEED_START)), session_file=owner, confine=home)
    notes = Notifications()
    try:
        async with app.run_test(size=(100, 32), message_hook=notes) as pilot:
            await type_path(pilot, app, action, "session.json.lock")
            await wait_for(pilot, lambda: notes.any("this session's own file"))
            [refusal] = notes.messages
            assert refusal.startswith("session.json.lock is") and str(home.parent) not in refusal
    finally:
        owner.release()


@pytest.mark.app
async def test_a_csv_that_cannot_be_loaded_is_named_as_the_student_typed_it(home, tmp_path):
    # Merged review: "/srv/…/users/alice/missing.csv does not exist" in the data dialog.
    (home / "broken.csv").write_text("x,y\n1,2\n")
    app = served_app(home)
    async with app.run_test(size=(100, 32)) as pilot:
        for typed in ("missing.csv", "broken.csv"):
            await pilot.press("d")
            dialog = app.screen
            dialog.query_one("#data-csv", Input).value = typed
            dialog.query_one("#data-apply").press()
            message = dialog.query_one("#data-message")
            await wait_for(pilot, lambda: "✗" in str(message.content))
            said = str(message.content)
            assert typed in said and str(tmp_path) not in said and str(tmp_path.resolve()) not in said
            await pilot.press("escape")


@pytest.mark.app
async def test_the_data_dialog_shows_the_csv_in_use_as_the_student_named_it_and_keeps_it(home, tmp_path):
    # Merged review: served, the dialog showed the server's path to the file in use.
    (home / "mine.csv").write_text("x,y\n1,3\n2,5\n3,7\n4,9\n5,11\n")
    app = served_app(home)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("d")
        app.screen.query_one("#data-csv", Input).value = "mine.csv"
        app.screen.query_one("#data-apply").press()
        await wait_for(pilot, lambda: app.session.data.spec.csv is not None)
        await pilot.press("d")
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.query("#data-csv"))
        assert dialog.query_one("#data-csv", Input).value == "mine.csv"
        dialog.query_one("#data-noise", Input).value = "0.5"  # another setting, the same file
        dialog.query_one("#data-apply").press()
        await wait_for(pilot, lambda: app.session.data.spec.noise == 0.5)
        assert app.session.data.spec.csv == str((home / "mine.csv").resolve())
