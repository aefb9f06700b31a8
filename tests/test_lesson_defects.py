"""Defects a teacher's walk-through found (issue 17): each reproduced as the teacher did it."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.key_bar import KeyBar
from tests.helpers import Notifications, make_app, wait_for

SIZE = (80, 24)


def bar_text(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


@pytest.mark.app
async def test_a_start_on_the_answer_fast_forwards_to_the_end_without_diverging():
    # `nanoneuron --w0 1.8 --b0 32 --alpha 0.001`, `f`: said "diverged at epoch 9" at cost 2e-22.
    app = make_app(w0=1.8, b0=32.0, alpha=0.001, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is not State.RUNNING)
        assert app.session.state is State.FINISHED and app.session.epoch == 70_000


async def diverge(pilot, app) -> None:
    await pilot.press("space")
    await wait_for(pilot, lambda: app.session.state is State.DIVERGED)


async def type_alpha(pilot, app, text: str) -> None:
    """`a`, the field cleared, ``text`` typed, Enter: as a learner changes alpha."""
    await pilot.press("a")
    field = app.query_one("#field-alpha", Input)
    await wait_for(pilot, lambda: field.has_focus)
    field.value = ""
    await pilot.press(*text, "enter")


@pytest.mark.app
async def test_a_smaller_alpha_after_divergence_carries_on_from_the_last_epoch_before_it():
    # Diverge, set alpha 0.0005 (a, type, Enter, Esc), space: nothing happened and nothing was said.
    notes = Notifications()
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await diverge(pilot, app)
        blown_up = app.session.epoch
        await type_alpha(pilot, app, "0.0005")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.session.state is State.PAUSED)
        assert app.session.epoch == blown_up - 1 and app.session.hyper.alpha == 0.0005
        assert notes.any(f"from epoch {blown_up - 1}")
        await pilot.press("s")
        assert app.session.epoch == blown_up and app.session.state is State.PAUSED
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.epoch > blown_up + 1)
        assert app.session.run.alpha_at(blown_up - 2) == 0.001  # the past is kept


@pytest.mark.parametrize("key", ["space", "s", "n", "f"])
@pytest.mark.app
async def test_every_key_that_trains_says_what_to_do_after_a_divergence(key):
    notes = Notifications()
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await diverge(pilot, app)
        notes.messages.clear()
        await pilot.press(key)
        await wait_for(pilot, lambda: notes.any("smaller alpha (a)"))
        assert notes.any("r starts over") and app.session.state is State.DIVERGED


@pytest.mark.app
async def test_enter_applies_a_field_and_gives_the_keys_back_to_the_app():
    # `a`, 0.0004, Enter, then space and s: the field read "0.0004 s", with an error.
    app = make_app(pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await type_alpha(pilot, app, "0.0004")
        field = app.query_one("#field-alpha", Input)
        await wait_for(pilot, lambda: not field.has_focus)
        assert app.session.hyper.alpha == 0.0004
        await pilot.press("s")
        assert app.session.epoch == 1 and field.value == "0.0004"
        await pilot.press("space")  # runs (at max pace it may be at the end already)
        await wait_for(pilot, lambda: app.session.epoch > 1)


@pytest.mark.app
async def test_a_wrong_value_keeps_the_field_to_put_it_right():
    app = make_app(pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await type_alpha(pilot, app, "0.000x4")
        field = app.query_one("#field-alpha", Input)
        assert field.has_focus
        await pilot.press("left", "backspace", "enter")
        await wait_for(pilot, lambda: app.session.hyper.alpha == 0.0004)


@pytest.mark.app
async def test_the_key_bar_says_how_to_leave_a_field_and_which_keys_still_work():
    app = make_app(pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: bar_text(app).startswith("↵ Apply Esc Leave"))
        bar = bar_text(app)
        # Letters would be typed into the field: the bar names the function keys instead.
        assert "F5 Run" in bar and "F6 Step" in bar and "s Step" not in bar and "␣" not in bar
        [step] = [key for key in app.screen.query_one(KeyBar).keys()[0] if key.binding.action == "step"]
        assert step.key == "f6"
        await pilot.press("escape")
        await wait_for(pilot, lambda: bar_text(app).startswith("␣ Run s Step"))


@pytest.mark.app
async def test_the_whole_run_cost_plot_keeps_a_blow_up_between_its_samples():
    # Diverge to cost 2.5e7 at epoch 5, lower alpha there, f: the whole-run view topped out near 1e3.
    from nanoneuron_tui.widgets.cost_plot import CostPlot, CostView

    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"sssss")
        assert app.session.epoch == 5 and app.session.view().cost > 2e7
        await type_alpha(pilot, app, "0.0005")
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        plot = app.query_one(CostPlot)
        while plot.view is not CostView.WHOLE:
            await pilot.press("z")
        await wait_for(pilot, lambda: plot.drawn and plot._key[2].x_range == (0, 70_000))
        *_, shown = plot._key  # (width, height, what the picture shows)
        assert shown.y_range[1] >= 8  # the axis reaches 1e8, above the spike's 2.5e7
        assert max(shown.train[1]) > 7.3  # and the line reaches it: log10(2.5e7) = 7.39


def projected(app, name: str) -> tuple[str, int, int]:
    """What the projector shows for ``name`` (big digits or small text), its width and the cell's."""
    from textual.renderables.digits import Digits as DigitsDrawing
    from textual.widgets import Digits, Label

    big, small = app.query_one(f"#big-{name}", Digits), app.query_one(f"#small-{name}", Label)
    cell = big.parent.content_size.width
    if big.display:
        return big.value, DigitsDrawing.get_width(big.value), cell
    text = str(small.render())
    return text, len(text), cell


@pytest.mark.parametrize("size", [(80, 24), (70, 22), (60, 20)])
@pytest.mark.app
async def test_the_projector_fits_its_numbers_down_to_60_by_20(size):
    # `P` at 80x24 showed w as "2.26" and a fragment of the next digit.
    app = make_app(w0=2.2617834, b0=-1234.5678, pace=None)
    async with app.run_test(size=size) as pilot:
        await pilot.press("P", "s")
        # The projector mounts its digits when first shown: on a busy machine, a moment after `P`.
        await wait_for(pilot, lambda: app.query("#big-w") and app.query_one("#big-w").parent.content_size.width > 0)
        view = app.session.view()

        def all_fit() -> bool:
            for name, value in (("w", view.w), ("b", view.b), ("cost", view.cost)):
                text, width, cell = projected(app, name)
                shown = float(text.replace("E", "e"))
                if not (width <= cell and abs(shown - value) <= 0.01 * abs(value)):
                    return False
            return True

        await wait_for(pilot, all_fit)


@pytest.mark.app
async def test_a_model_saved_from_the_app_after_choosing_a_file_names_no_preset(tmp_path):
    # km2mi chosen in the data dialog, then a CSV: the saved model said "preset": "km2mi" beside "csv".
    import json

    from nanoneuron_tui.app import NanoNeuronApp
    from nanoneuron_tui.core.data import DataSpec, build_data
    from nanoneuron_tui.params import Hyperparameters
    from nanoneuron_tui.session import Session

    points = tmp_path / "points.csv"
    points.write_text("x,y\n" + "".join(f"{x},{3 * x - 2}\n" for x in range(30)))
    session = Session(Hyperparameters(w0=0.5, b0=0.5), build_data(DataSpec(preset="km2mi")))
    session.use_data(build_data(DataSpec(preset="km2mi", csv=str(points))))
    notes = Notifications()
    app = NanoNeuronApp(session)
    model = tmp_path / "model.json"
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await pilot.press("s")
        app.action_save_model()
        await wait_for(pilot, lambda: app.screen.query("#path"))
        app.screen.query_one("#path", Input).value = str(model)
        await pilot.press("enter")
        await wait_for(pilot, lambda: notes.any("Saved the model"))
    data = json.loads(model.read_text())["data"]
    assert "preset" not in data and data["csv"] == str(points)


@pytest.mark.e2e
def test_after_a_blow_up_a_smaller_alpha_typed_in_a_real_terminal_carries_on(terminal):
    # The walk-through's keys, as a terminal sends them: diverge; a, the new alpha, Enter; s; space.
    term = terminal("--w0", "0.3", "--b0", "0.7", "--alpha", "0.001", "--pace", "max")
    term.wait_for("paused")
    term.keys("Space")
    term.wait_for("diverged at epoch 9")
    term.keys("s")
    term.wait_for("carries on from epoch 8")  # the key says what to do
    term.keys("a", *["BSpace"] * 8)
    term.type("0.0005")
    term.wait_for("↵ Apply Esc Leave")  # the key bar says how to get out of the field
    term.keys("Enter")
    term.wait_until(lambda screen: "epoch  8 / 70,000" in screen and "❚❚ paused" in screen, "never back at epoch 8")
    term.keys("s")
    screen = term.wait_for("epoch  9 / 70,000")
    assert "alpha         0.0005 " in screen and "0.0005 s" not in screen  # s stepped; the field took nothing
    term.keys("Space")
    term.wait_for("finished")


@pytest.mark.app
async def test_a_then_a_number_replaces_alpha_and_the_keys_drive_the_app_again():
    app = make_app(w0=0.5, b0=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        field = app.query_one("#field-alpha", Input)
        await wait_for(pilot, lambda: field.has_focus)
        await pilot.press(*"0.0004", "enter", "s")
        await wait_for(pilot, lambda: app.session.view().epoch == 1)
        assert app.session.view().moment.alpha == 0.0004 and field.value == "0.0004"


@pytest.mark.app
async def test_at_the_segment_limit_a_divergence_promises_no_alpha_it_would_refuse(monkeypatch):
    # Merged review: a run holding the most alpha changes it keeps diverged; the keys said
    # "a smaller alpha (a) carries on", and the alpha typed then was refused, twice over.
    from nanoneuron_tui.core import run as run_module

    monkeypatch.setattr(run_module, "MAX_SEGMENTS", 3)
    notes = Notifications()
    app = make_app(w0=0.3, b0=0.7, alpha=0.0005, pace=None)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        for alpha in (0.0004, 0.001):  # three segments: the most this run keeps
            app.session.step(2)
            app.session.update(alpha=alpha)
        await diverge(pilot, app)
        notes.messages.clear()
        await pilot.press("s")
        await wait_for(pilot, lambda: notes.any("r starts over"))
        assert not notes.any("smaller alpha (a) carries on")
        assert notes.any("b steps back")
        notes.messages.clear()
        await type_alpha(pilot, app, "0.0005")
        await wait_for(pilot, lambda: notes.any("segments of alpha"))
        await pilot.press("escape")
        await pilot.pause()
        assert len(notes.messages) == 1, notes.messages  # one refusal, not one per way out of the field
        assert app.session.state is State.DIVERGED and app.session.hyper.alpha == 0.001
