"""Stepping back, going to an epoch, scrubbing the timeline: exact, and every pane follows."""

import math

import pytest

from nanoneuron_tui.core.data import celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron, train_model
from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.readouts import Readouts
from nanoneuron_tui.widgets.timeline import Span, Timeline, column_of, epoch_at, timeline_text
from tests.helpers import focus, make_app, wait_for

SIZE = (80, 24)


def literal_neuron(epochs: int) -> tuple[float, float]:
    data = celsius_to_fahrenheit_data()
    model = NanoNeuron(0.9492, 0.457)
    train_model(model, epochs, 0.0005, list(data.x_train), list(data.y_train))
    return model.w, model.b


def shows_epoch(app, epoch: int) -> bool:
    return f"epoch {epoch:,} / " in app.query_one(Readouts).text


def assert_shows_literal(app, epoch: int) -> None:
    view = app.session.view()
    w, b = literal_neuron(epoch)
    assert view.epoch == epoch
    assert math.isclose(view.w, w, rel_tol=1e-12) and math.isclose(view.b, b, rel_tol=1e-12)
    text = app.query_one(Readouts).text
    assert f"{view.w:.7g}" in text and f"{view.b:.7g}" in text
    assert app.query_one(Timeline).span.epoch == epoch
    answer = app.query_one("#answer").content
    assert f"{view.predict(70):.7g}"[:6] in str(answer)


@pytest.mark.app
async def test_forward_five_back_three_go_to_twenty_thousand_and_back_to_two():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"sssss")
        await wait_for(pilot, lambda: shows_epoch(app, 5))
        assert_shows_literal(app, 5)
        await pilot.press("b", "b", "b")
        await wait_for(pilot, lambda: shows_epoch(app, 2))
        assert_shows_literal(app, 2)
        await pilot.press("g")
        await pilot.press(*"20000", "enter")
        await wait_for(pilot, lambda: shows_epoch(app, 20_000))
        assert_shows_literal(app, 20_000)
        await pilot.press("g")
        await pilot.press(*"2", "enter")
        await wait_for(pilot, lambda: shows_epoch(app, 2))
        assert_shows_literal(app, 2)


@pytest.mark.app
async def test_back_a_report_and_the_function_keys_work_from_a_field():
    app = make_app(every=250)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "s")
        await wait_for(pilot, lambda: shows_epoch(app, 501))
        await pilot.press("B")
        await wait_for(pilot, lambda: shows_epoch(app, 500))
        await focus(pilot, app.query_one("#field-alpha"))
        await pilot.press("shift+f7")
        await wait_for(pilot, lambda: shows_epoch(app, 250))
        await pilot.press("shift+f6")
        await wait_for(pilot, lambda: shows_epoch(app, 249))
        assert app.focused.id == "field-alpha"  # typing goes on where it was


@pytest.mark.app
async def test_a_bad_epoch_is_explained_and_changes_nothing():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "g")
        await pilot.press(*"-3", "enter")
        await pilot.pause()
        assert "0 or more" in str(app.screen.query_one("#epoch-help").content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0])
        assert app.session.view().epoch == 1


@pytest.mark.app
async def test_the_timeline_scrubs_by_report_epoch_and_tenth():
    app = make_app(every=1000)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert app.focused is app.query_one(Timeline)
        await pilot.press("right", "right")
        await wait_for(pilot, lambda: shows_epoch(app, 2000))
        await pilot.press("shift+left")
        await wait_for(pilot, lambda: shows_epoch(app, 1999))
        await pilot.press("left")
        await wait_for(pilot, lambda: shows_epoch(app, 1000))
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: shows_epoch(app, 8000))
        await pilot.press("end")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        await pilot.press("home")
        await wait_for(pilot, lambda: shows_epoch(app, 0))
        assert_shows_literal(app, 0)


@pytest.mark.app
async def test_rewinding_a_diverged_run_and_lowering_alpha_carries_on_from_there():
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.DIVERGED)
        blown_up = app.session.epoch
        await pilot.press("b", "b")
        await wait_for(pilot, lambda: shows_epoch(app, blown_up - 2))
        assert app.session.state is State.PAUSED
        field = app.query_one("#field-alpha")
        await focus(pilot, field)
        field.value = "0.0005"
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: app.session.run.diverged_at is None)
        assert [s.start for s in app.session.run.segments] == [0, blown_up - 2]
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)


@pytest.mark.app
async def test_going_to_the_end_of_a_billion_epochs_is_instant():
    app = make_app(epochs=1_000_000_000)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED, timeout=5)
        view = app.session.view()
        assert view.epoch == 1_000_000_000
        assert math.isclose(view.w, 1.8) and math.isclose(view.b, 32.0)


@pytest.mark.unit
@pytest.mark.parametrize("width", [10, 40, 200])
def test_timeline_columns_and_epochs_round_trip(width):
    span = Span(first=0, goal=70_000, epoch=0, every=1000, changes=(), blown_up=False)
    assert column_of(span, 0, width) == 0 and column_of(span, 70_000, width) == width - 1
    assert epoch_at(span, 0, width) == 0 and epoch_at(span, width - 1, width) == 70_000
    for column in range(width):
        assert column_of(span, epoch_at(span, column, width), width) == column


@pytest.mark.unit
def test_timeline_marks_the_cursor_alpha_changes_and_a_blow_up():
    span = Span(first=0, goal=100, epoch=50, every=10, changes=(20,), blown_up=True)
    line = timeline_text(span, 40).plain
    assert line.startswith("0 ") and line.endswith(" 100")
    bar = line[2:-4]
    assert bar.index("●") == column_of(span, 50, len(bar))
    assert bar[column_of(span, 20, len(bar))] == "┼" and bar[-1] == "✗"
    assert set(bar[: bar.index("●")]) <= {"━", "┼"} and "━" not in bar[bar.index("●") :]
