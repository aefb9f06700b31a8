"""The ? help explains every readout and every key truthfully; the readouts say what they are."""

from dataclasses import replace

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from nanoneuron_tui import persist
from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.bindings import key_name, keys_of
from nanoneuron_tui.commands import PALETTE
from nanoneuron_tui.session import Session, State
from nanoneuron_tui.widgets.data_dialog import DataDialog, PlainCheckbox
from nanoneuron_tui.widgets.help import GuidePane, HelpScreen, help_text, keys, next_report_epoch, readouts
from nanoneuron_tui.widgets.prediction import answer_lines
from nanoneuron_tui.widgets.readouts import ROWS, readout_lines
from tests.helpers import Notifications, make_app, wait_for


def view_at(epoch: int, **hyper):
    session = Session(replace(make_app().session.hyper, **hyper))
    session.step(epoch) if epoch else None
    return session.view()


@pytest.mark.unit
def test_every_key_of_the_app_is_in_the_help():
    listed = [key.split() for key, _ in keys(view_at(0))]
    every_listed = {name for names in listed for name in names}
    for binding in NanoNeuronApp.BINDINGS:
        for key in binding.key.split(","):
            assert key_name(key) in every_listed, f"{key} ({binding.action}) is not in the help"
    assert ["ctrl+q"] in listed  # Textual's own quit key


@pytest.mark.unit
def test_keys_are_written_as_people_write_them():
    assert [key_name(key) for key in ("f5", "shift+f6", "question_mark", "escape", "space", "ctrl+p", "R")] == [
        "F5",
        "shift+F6",
        "?",
        "Esc",
        "space",
        "ctrl+p",
        "R",
    ]
    assert keys_of("back") == "b shift+F6" and keys_of("help") == "? F1"
    with pytest.raises(KeyError):
        keys_of("no_such_action")


@pytest.mark.unit
def test_n_says_where_it_goes():
    assert next_report_epoch(view_at(37, every=1000)) == 1000
    assert next_report_epoch(view_at(1000, every=1000)) == 2000
    # Never past the last epoch.
    assert next_report_epoch(view_at(69_500, every=1000, epochs=69_800)) == 69_800
    n_line = dict(keys(view_at(37, every=1000)))["n F7"]
    assert "N = 1,000" in n_line and "(+N, to 1,000)" in n_line
    assert "(+N, to 500)" in dict(keys(view_at(260, every=250)))["n F7"]


@pytest.mark.unit
def test_space_says_whether_it_runs_or_pauses():
    session = Session(make_app().session.hyper)
    assert dict(keys(session.view()))["space F5"].startswith("run")
    session.start()
    assert dict(keys(session.view()))["space F5"].startswith("pause")


@pytest.mark.unit
def test_every_readout_is_explained_in_words():
    explained = " ".join(name for name, _ in readouts(view_at(0)))
    for row in ROWS:
        for word in row.split():
            assert word in explained, row
    meanings = dict(readouts(view_at(0)))
    assert "(1.8, 32)" in meanings["target"] and "not of °F" in meanings["target"]
    assert "never trains on" in meanings["test"]
    assert "downhill" in meanings["dW dB"]
    assert "N-th epoch" in meanings["report every"] and "max" in meanings["reports/s"]


@pytest.mark.unit
def test_readouts_name_the_target_instead_of_an_off_by_that_reads_like_degrees():
    assert "off by" not in ROWS
    line = readout_lines(view_at(0))["target"]
    assert line.startswith("(1.8, 32), ") and line.endswith(" away")


@pytest.mark.app
async def test_question_mark_and_f1_open_the_help_and_close_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
        assert "Reading the screen" in text and "Keys" in text and "(+N, to 1,000)" in text
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("p", "f1")  # from a focused field
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.app
async def test_the_help_works_at_60x20_while_training():
    app = make_app(pace=5, every=1)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("space", "f1")
        assert isinstance(app.screen, HelpScreen)
        await wait_for(pilot, lambda: app.session.view().epoch > 0)
        await pilot.press("escape", "space")
        assert app.session.state is State.PAUSED


@pytest.mark.app
async def test_tall_terminals_keep_the_guide_in_view():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.query_one(GuidePane).display
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: app.query_one(GuidePane).display)
        guide = app.query_one("#guide-text")  # a QuietStatic: its .content is the text on show
        await wait_for(pilot, lambda: "dW dB" in guide.content.plain)


@pytest.mark.app
async def test_a_jumps_to_alpha():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        assert app.focused is app.query_one("#field-alpha", Input)
        await pilot.press("tab")  # and on through the hyperparameters
        assert app.focused is app.query_one("#field-every", Input)


@pytest.mark.unit
def test_the_ask_pane_never_cuts_the_error():
    for guess, error in (("158.0066", "+0.00657"), ("-1.234568e+38", "-1.23e+38"), ("43.49597", "+1.23e-05")):
        for unit in ("°F", "mi", "a long unit name"):
            shown = Text.from_markup(answer_lines(guess, error, "correct", "158", unit, width=34)).plain
            line = next(line for line in shown.split("\n") if "error" in line)
            assert line.index(error) + len(error) <= 34, shown


@pytest.mark.app
@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("start", [dict(), dict(w0=-3e37, b0=1e30)], ids=["usual", "huge"])
async def test_the_ask_pane_shows_the_error_at_every_size(size, start):
    app = make_app(**start)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        answer = app.query_one("#answer", Static)
        view = app.session.view()
        error = f"{view.predict(70) - view.correct(70):+.3g}"
        lines = Text.from_markup(answer.content).plain.split("\n")
        line = next(line for line in lines if "error" in line)
        assert f"error {error}" in line
        # The line fits the pane, so nothing of it is cut, and the pane has a row for each line.
        assert line.index(error) + len(error) <= answer.content_region.width
        assert answer.content_region.height >= lines.index(line) + 1


@pytest.mark.app
async def test_the_normalize_checkbox_is_empty_when_off():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        box = app.screen.query_one(PlainCheckbox)
        assert isinstance(app.screen, DataDialog)
        assert box.value is False and box.BUTTON_INNER == " "
        assert "X" not in box.render().plain
        box.value = True
        await pilot.pause()
        assert box.BUTTON_INNER == "X" and "X" in box.render().plain


@pytest.mark.app
async def test_a_screenshot_goes_where_the_user_is_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app.deliver_screenshot()
        await wait_for(pilot, lambda: notes.any("Saved the screenshot"))
        saved = list(tmp_path.glob("nanoneuron-*.svg"))
        assert len(saved) == 1 and saved[0].read_text().startswith("<svg")
        assert notes.any(str(saved[0]))


@pytest.mark.app
async def test_a_screenshot_falls_back_to_the_state_directory_then_says_why(tmp_path, monkeypatch):
    here = tmp_path / "here"
    (here / "shot.svg").mkdir(parents=True)  # a folder where the file would go: even root cannot write it
    monkeypatch.chdir(here)
    state = tmp_path / "state"
    monkeypatch.setattr(persist, "default_state_path", lambda: state / "session.json")
    app = make_app()
    notes = Notifications()
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        app.deliver_screenshot(filename="shot.svg")
        await wait_for(pilot, lambda: notes.any("Saved the screenshot"))
        assert (state / "shot.svg").read_text().startswith("<svg")
        (state / "again.svg").mkdir()
        (here / "again.svg").mkdir()
        app.deliver_screenshot(filename="again.svg")
        await wait_for(pilot, lambda: notes.any("Could not save"))
        failure = next(message for message in notes.messages if "Could not save" in message)
        assert "Is a directory" in failure and str(here / "again.svg") in failure and str(state) in failure


@pytest.mark.unit
def test_the_help_speaks_of_the_current_data(tmp_path):
    file = tmp_path / "rent.csv"
    file.write_text("[b]size,rent\n" + "".join(f"{i},{3 * i + 2}\n" for i in range(10)))
    from nanoneuron_tui.core.data import DataSpec, build_data

    session = Session(make_app().session.hyper, build_data(DataSpec(csv=str(file))))
    text = help_text(session.view()).plain
    assert "[b]size" in text  # a header is text, never markup
    assert "least-squares line" in text


@pytest.mark.unit
def test_palette_help_names_the_keys_from_the_bindings():
    help_of = {command.action: command.help for command in PALETTE}
    assert help_of["step"] == "Pause and train one epoch (s, F6)"
    assert help_of["back"].endswith("(b, shift+F6)")
    assert "(" not in help_of["save_model"]  # no key: the palette is the way
