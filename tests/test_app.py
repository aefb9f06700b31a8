"""Pilot tests: every key, every field, prediction while running, divergence."""

import io
import math

import pytest
from rich.console import Console
from textual.widgets import Input

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.commands import PALETTE, NanoNeuronCommands
from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.hyperparameters import FIELDS, HyperparameterForm
from nanoneuron_tui.widgets.readouts import Readouts
from tests.helpers import Notifications, focus, make_app, wait_for

pytestmark = pytest.mark.app

SIZE = (80, 24)


def plain(content) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def readouts_text(app: NanoNeuronApp) -> str:
    return app.query_one(Readouts).text


def answer_text(app: NanoNeuronApp) -> str:
    return plain(app.query_one("#answer").content)


async def test_starts_paused_at_epoch_0_showing_the_random_neuron():
    app = make_app(w0=None, b0=None, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.session.view()
        assert view.state is State.PAUSED and view.epoch == 0
        assert 0 <= view.w < 1 and 0 <= view.b < 1
        assert view.cost == pytest.approx(app.session.data.train.cost(view.w, view.b))
        assert view.train_history == ([0], [view.cost])
        await pilot.pause(0.3)
        assert app.session.view().epoch == 0  # nothing trains until asked


async def test_run_flag_starts_training():
    app = make_app(run=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.session.view().epoch > 0)
        assert app.session.state is State.RUNNING


async def test_space_runs_and_pauses():
    app = make_app(pace=None, epochs=100_000_000, every=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert app.session.state is State.RUNNING
        await wait_for(pilot, lambda: app.session.view().epoch >= 1000)
        await pilot.press("space")
        assert app.session.state is State.PAUSED
        paused_at = app.session.view().epoch
        await pilot.pause(0.3)
        assert app.session.view().epoch == paused_at
        assert "paused" in readouts_text(app)


async def test_s_steps_one_epoch_and_n_one_report():
    app = make_app(every=250)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.session.view().epoch == 1
        await pilot.press("n")
        assert app.session.view().epoch == 250
        await pilot.press("n", "s", "s")
        assert app.session.view().epoch == 502
        assert app.session.state is State.PAUSED
        assert "502 / 70,000" in readouts_text(app)


async def test_stepping_matches_the_literal_port():
    from nanoneuron_tui.core.neuron import NanoNeuron, generate_data_sets, train_model

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("s")
        view = app.session.view()
    x, y, *_ = generate_data_sets()
    model = NanoNeuron(0.9492, 0.4570)
    history = train_model(model, 3, 0.0005, x, y)
    assert view.train_history[1][:3] == pytest.approx(history, rel=1e-9)
    assert (view.w, view.b) == (pytest.approx(model.w, rel=1e-9), pytest.approx(model.b, rel=1e-9))


async def test_f_fast_forwards_to_the_end():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        view = app.session.view()
        assert view.epoch == 70000
        assert view.w == pytest.approx(1.8000660993166346, rel=1e-9)
        await wait_for(pilot, lambda: "finished" in readouts_text(app))
        assert "70,000 / 70,000" in readouts_text(app)


async def test_r_resets_to_the_same_start_and_R_to_a_new_one():
    app = make_app(w0=None, b0=None, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        start = (app.session.view().w, app.session.view().b)
        await pilot.press("n", "n")
        assert app.session.view().epoch == 2000
        await pilot.press("r")
        view = app.session.view()
        assert (view.epoch, view.w, view.b) == (0, *start)
        assert view.train_history == ([0], [view.cost])
        await pilot.press("R")
        view = app.session.view()
        assert view.epoch == 0 and (view.w, view.b) != start
        assert 0 <= view.w < 1 and 0 <= view.b < 1
        # The seed field shows the new seed, so the start can be repeated.
        assert app.query_one("#field-seed", Input).value == str(view.hyper.seed)


async def test_p_focuses_the_prediction_box_and_escape_leaves_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert app.focused is app.query_one("#ask", Input)
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("s")
        assert app.session.view().epoch == 1


async def test_function_keys_work_while_a_field_has_focus():
    app = make_app(pace=2)
    async with app.run_test(size=SIZE) as pilot:
        await focus(pilot, app.query_one("#field-alpha", Input))
        await pilot.press("f6")
        assert app.session.view().epoch == 1
        await pilot.press("f7")
        assert app.session.view().epoch == 1000
        await pilot.press("f5")
        assert app.session.state is State.RUNNING
        await pilot.press("f5")
        assert app.session.state is State.PAUSED
        await pilot.press("f9")
        assert app.session.view().epoch == 0
        w = app.session.view().w
        await pilot.press("f4")
        assert app.session.view().w != w
        await pilot.press("f3")
        assert app.focused is app.query_one("#ask", Input)
        await focus(pilot, app.query_one("#field-epochs", Input))
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        # A letter typed into a field is text, not a command.
        await focus(pilot, app.query_one("#field-alpha", Input))
        await pilot.press("s")
        assert app.session.view().epoch == 70000
        assert app.query_one("#field-alpha", Input).value.endswith("s")


BAD_VALUES = {
    "epochs": ["abc", "0", "-3", "2.5", "1e12", "", " "],
    "alpha": ["x", "0", "-0.1", "nan", "inf", ""],
    "every": ["0", "many", "1.5"],
    "pace": ["-1", "0", "fast", "5000"],
    "w0": ["w", "1e400", "nan"],
    "b0": ["--1", "inf"],
    "seed": ["-1", "1.5", "seed", "nan"],
}


@pytest.mark.parametrize("field", [f.name for f in FIELDS])
async def test_every_field_rejects_bad_values_and_never_touches_the_neuron(field):
    assert field in BAD_VALUES
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        before = app.session.view()
        form = app.query_one(HyperparameterForm)
        box = app.query_one(f"#field-{field}", Input)
        for bad in BAD_VALUES[field]:
            await focus(pilot, box)
            box.value = ""
            if bad:
                await pilot.press(*bad)
            await pilot.press("enter")
            assert box.has_class("-invalid"), bad
            assert field in form.problems
            assert "✗" in str(form.border_subtitle)
            after = app.session.view()
            assert (after.hyper, after.epoch, after.w, after.b) == (before.hyper, before.epoch, before.w, before.b)
        # Training refuses to start while a field is bad, and says why.
        await pilot.press("escape", "space")
        assert app.session.state is State.PAUSED
        assert app.session.view().epoch == before.epoch
        # A good value clears the mark.
        await focus(pilot, box)
        box.value = {
            "epochs": "5000",
            "alpha": "0.0004",
            "every": "10",
            "pace": "max",
            "w0": "0.5",
            "b0": "0.5",
            "seed": "9",
        }[field]
        await pilot.press("enter")
        assert not box.has_class("-invalid")
        assert field not in form.problems


async def test_alpha_and_pace_change_while_running_without_a_reset():
    app = make_app(pace=5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.view().epoch >= 1000)
        box = app.query_one("#field-alpha", Input)
        await focus(pilot, box)
        box.value = "0.0003"
        await pilot.press("enter")
        # Enter reaches the session through two messages: wait for them.
        await wait_for(pilot, lambda: app.session.run.alpha == 0.0003)
        assert app.session.state is State.RUNNING
        assert app.session.view().epoch >= 1000  # not reset
        pace = app.query_one("#field-pace", Input)
        await focus(pilot, pace)
        pace.value = "max"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.hyper.pace is None)
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)


async def test_epochs_extends_and_shortens_the_run():
    app = make_app(epochs=3000, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        box = app.query_one("#field-epochs", Input)
        await focus(pilot, box)
        box.value = "5000"
        await pilot.press("enter", "escape")
        assert app.session.state is State.PAUSED
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        assert app.session.view().epoch == 5000
        await pilot.press("r", "n", "n")
        await focus(pilot, box)
        box.value = "1500"
        await pilot.press("enter")
        # The run now ends at epoch 1,500: the epoch on screen moves back to it.
        assert app.session.state is State.FINISHED and app.session.view().epoch == 1500


async def test_a_new_init_waits_for_reset():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        box = app.query_one("#field-w0", Input)
        await focus(pilot, box)
        box.value = "0.25"
        await pilot.press("enter", "escape")
        view = app.session.view()
        assert view.epoch == 1000 and view.init_pending
        assert "r starts anew" in readouts_text(app)
        await pilot.press("r")
        view = app.session.view()
        assert (view.epoch, view.w, view.w0) == (0, 0.25, 0.25) and not view.init_pending


async def test_prediction_follows_training():
    app = make_app(pace=50)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "ctrl+a", "ctrl+k", *"100")
        await pilot.press("escape", "space")
        # A run starts slowly (the first epochs one by one, see pacing.py): a few will do.
        await wait_for(pilot, lambda: app.session.view().epoch >= 3)
        answer = answer_text(app)
        assert "correct 212 °F" in answer
        await pilot.press("space")
        view = app.session.view()
        await pilot.pause()
        answer = answer_text(app)
        assert f"{100 * view.w + view.b:.7g} °F" in answer
        # Nonsense is answered with a message, not a crash.
        ask = app.query_one("#ask", Input)
        for text in ("hot", "", "1e999", "nan"):
            ask.value = text
            await pilot.pause()
            assert "✗" in answer_text(app)


async def test_divergence_stops_and_says_so_and_the_app_keeps_working():
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    notifications = Notifications()
    async with app.run_test(size=SIZE, message_hook=notifications) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.state is State.DIVERGED)
        view = app.session.view()
        assert 0 < view.diverged_at < 50
        assert math.isfinite(view.w) and math.isfinite(view.b)
        await wait_for(pilot, lambda: f"diverged at epoch {view.diverged_at}" in readouts_text(app))
        # The plot's edge says so once its picture is ready (pictures are built in a thread).
        await wait_for(pilot, lambda: "below 0.000609 converges" in str(app.query_one("#cost-plot").border_subtitle))
        # The blow-up itself is told on the plot's edge: no toast over the fit view.
        assert not notifications.any("iverge")
        # The blow-up is on the plot: its last cost is past the limit.
        assert view.train_history[1][-1] > app.session.run.divergence_limit
        await pilot.press("space", "s")  # nothing to train: each key says what would let it go on
        await wait_for(pilot, lambda: len([m for m in notifications.messages if "iverged" in m]) == 2)
        assert app.session.state is State.DIVERGED
        box = app.query_one("#field-alpha", Input)
        await focus(pilot, box)
        box.value = "0.0005"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.hyper.alpha == 0.0005)
        await pilot.press("escape", "r", "n")
        await wait_for(pilot, lambda: app.session.view().epoch == 1000)
        assert app.session.state is State.PAUSED


async def test_command_palette_offers_every_action():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # Every key's action is in the palette, and every palette entry is an action of the app.
        in_palette = {command.action for command in PALETTE}
        for binding in NanoNeuronApp.BINDINGS:
            assert binding.action in in_palette | {"command_palette", "leave_field"}, binding.action
        for command in PALETTE:
            name = command.action.partition("(")[0]  # an action may take an argument: start_challenge(NAME)
            assert callable(getattr(app, f"action_{name}", None)), command.action
        assert len({command.title for command in PALETTE}) == len(PALETTE)
        # Ours first, in their order, then Textual's own: the same list at every opening.
        titles = [title for title, _, _ in NanoNeuronCommands(app.screen).entries()]
        assert titles[: len(PALETTE)] == [command.title for command in PALETTE]
        assert {"Keys", "Quit", "Screenshot", "Theme"} <= set(titles[len(PALETTE) :])
        await pilot.press("ctrl+p")
        await pilot.press(*"Step one epoch")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.view().epoch == 1)


async def test_space_pauses_at_max_pace():
    # How quickly is measured by benchmarks/bench_app.py ("space to paused at max pace").
    app = make_app(pace=None, epochs=100_000_000, every=10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.view().epoch > 100_000)
        await pilot.press("space")
        assert app.session.state is State.PAUSED
        paused_at = app.session.view().epoch
        await pilot.pause(0.2)
        assert app.session.view().epoch == paused_at
