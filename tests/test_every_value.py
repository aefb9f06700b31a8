"""Every value (v): the table of every training point checks the cost, dW and dB by hand."""

import math
from array import array
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSet, DataSpec, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.lesson import explain_epoch, gradient_closed_form, point_terms, totals
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session
from nanoneuron_tui.widgets.cost_slices import SlicesScreen
from nanoneuron_tui.widgets.every_value import PAGE, EveryValueScreen, PointsTable
from nanoneuron_tui.widgets.lesson import LessonScreen
from tests.helpers import SEED_START, make_app, wait_for

C2F = celsius_to_fahrenheit_data()

xs_drawn = st.lists(st.integers(-(10**6), 10**6), min_size=2, max_size=60, unique=True).map(
    lambda xs: [x / 1000 for x in xs]
)
ys_drawn = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
neurons = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


def drawn_data(xs: list[float], ys: list[float]) -> DataSet:
    return DataSet("drawn", "x", "y", array("d", xs), array("d", ys), array("d"), array("d"))


def within(value: float, expected: float, scale: float) -> bool:
    """Equal to 1e-9 of ``scale``, the size of the terms summed (the literal port's own accuracy)."""
    return abs(value - expected) <= 1e-9 * max(1.0, scale)


@pytest.mark.unit
@settings(max_examples=150, deadline=None)
@given(data=st.data(), xs=xs_drawn, w=neurons, b=neurons)
def test_the_column_sums_are_the_literal_ports_forward_and_backward_propagation(data, xs, w, b):
    ys = data.draw(st.lists(ys_drawn, min_size=len(xs), max_size=len(xs)))
    points = drawn_data(xs, ys)
    m = len(xs)
    predictions, cost = neuron.forward_propagation(neuron.NanoNeuron(w, b), xs, ys)
    dW, dB = neuron.backward_propagation(predictions, xs, ys)
    sums = totals(points, w, b)
    cost_terms = [neuron.prediction_cost(y, p) for y, p in zip(ys, predictions)]
    dW_terms = [(y - p) * x for x, y, p in zip(xs, ys, predictions)]
    dB_terms = [y - p for y, p in zip(ys, predictions)]
    assert within(sums.sum("cost"), cost * m, math.fsum(cost_terms))
    assert within(sums.sum("miss_times_x"), dW * m, math.fsum(map(abs, dW_terms)))
    assert within(sums.sum("miss"), dB * m, math.fsum(map(abs, dB_terms)))
    assert within(sums.sum("prediction"), math.fsum(predictions), math.fsum(map(abs, predictions)))
    assert within(sums.sum("y"), math.fsum(ys), math.fsum(map(abs, ys)))
    # The rows are the literal port's terms, and add up to the sums at the bottom.
    rows = point_terms(points, w, b, 0, m)
    assert [row.prediction for row in rows] == predictions
    assert [row.cost for row in rows] == cost_terms
    assert [row.miss_times_x for row in rows] == dW_terms
    for name, terms in (("cost", cost_terms), ("miss_times_x", dW_terms), ("miss", dB_terms)):
        assert within(math.fsum(getattr(row, name) for row in rows), sums.sum(name), math.fsum(map(abs, terms)))


@pytest.mark.unit
def test_the_means_are_the_lessons_cost_dW_and_dB_exactly():
    for data in (C2F, build_data(DataSpec(normalize=True)), build_data(DataSpec(preset="km2mi", noise=2.0))):
        w, b = data.to_training(0.5, 0.5)
        lesson = explain_epoch(data, w, b, 0.0005)
        means = totals(data, w, b).means
        assert (means["cost"], means["miss_times_x"], means["miss"]) == (lesson.cost, lesson.dW, lesson.dB)


@pytest.mark.unit
def test_a_page_is_only_the_rows_asked_for():
    rows = point_terms(C2F, 1.0, 2.0, 95, 1000)
    assert [row.index for row in rows] == [95, 96, 97, 98, 99]
    assert rows[0].x == 95 and rows[0].prediction == 97.0 and rows[0].miss == C2F.y_train[95] - 97.0
    assert point_terms(C2F, 1.0, 2.0, 200, 300) == ()


@pytest.mark.unit
def test_the_closed_form_checks_out_and_says_so_when_it_cannot():
    lesson = explain_epoch(C2F, 1.437391, 0.7758238, 0.0005)
    _, (dW_line, dB_line) = gradient_closed_form(C2F, lesson)
    assert dW_line == (
        "dW = mean(x·y) − w·mean(x²) − b·mean(x) = 7494.3 − 1.437391 × 3283.5 − 0.7758238 × 49.5 = 2736.2234"
    )
    assert dB_line == "dB = mean(y) − w·mean(x) − b = 121.1 − 1.437391 × 49.5 − 0.7758238 = 49.17332"
    by_hand = Decimal("7494.3") - Decimal("1.437391") * Decimal("3283.5") - Decimal("0.7758238") * Decimal("49.5")
    assert abs(by_hand - Decimal("2736.2234")) <= Decimal("0.00005")  # at the last digit shown
    diverged = explain_epoch(C2F, math.inf, 1.0, 0.001)
    _, (dW_line, _) = gradient_closed_form(C2F, diverged)
    assert dW_line.endswith("≈ -inf")


# -- on screen ----------------------------------------------------------------------------


def table(app) -> PointsTable:
    return app.screen.query_one(PointsTable)


def table_shown(app) -> bool:
    return isinstance(app.screen, EveryValueScreen) and app.screen.shown_epoch is not None


@pytest.mark.app
async def test_v_shows_every_point_from_the_main_screen_and_escape_returns():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await wait_for(pilot, lambda: table_shown(app))
        lesson = explain_epoch(C2F, SEED_START["w0"], SEED_START["b0"], 0.0005)
        shown = table(app)
        assert shown.visible_rows()[0].split() == ["1", "0", "32", "0.457", "31.543", "0", "497.4804"]
        assert shown.rows_in_view >= 8
        screen_text = app.screen.query_one("#every-value-means").render().plain
        assert f"cost = mean of (y − ŷ)²/2 = {lesson.figures(lesson.cost)}" in screen_text
        assert "dW = mean(x·y) − w·mean(x²) − b·mean(x) = 7494.3 − 0.9492 × 3283.5" in screen_text
        await pilot.press("end")
        await wait_for(pilot, lambda: table(app).visible_rows()[-1].split()[0] == "100")
        await pilot.press("escape")
        assert app.screen is app.default_screen


@pytest.mark.app
async def test_v_from_the_explained_view_and_back_to_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        await pilot.press("v")
        await wait_for(pilot, lambda: table_shown(app))
        await pilot.press("s")  # a step shows in the table at once
        await wait_for(pilot, lambda: app.screen.shown_epoch == 1)
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("v", "e", "v", "e")  # back and forth returns, never piles screens up
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert len(app.screen_stack) == 2


@pytest.mark.app
async def test_shift_f10_and_shift_f11_work_from_a_focused_field():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "v")  # typed into the Ask field
        assert app.screen is app.default_screen
        await pilot.press("shift+f10")
        await wait_for(pilot, lambda: table_shown(app))
        await pilot.press("escape", "p", "shift+f11")
        await wait_for(pilot, lambda: isinstance(app.screen, SlicesScreen))


@pytest.mark.app
async def test_every_value_is_in_the_palette():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"every value")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: table_shown(app))


@pytest.mark.app
async def test_a_large_data_set_is_paged_never_built_whole(tmp_path):
    path = tmp_path / "large.csv"
    count = 250_000
    path.write_text("x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(count)))
    data = build_data(DataSpec(csv=str(path), test_ratio=0.0))
    app = NanoNeuronApp(Session(Hyperparameters(w0=1.0, b0=0.0, alpha=1e-12), data))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await wait_for(pilot, lambda: table_shown(app))
        shown = table(app)
        assert len(app.screen.query("*")) < 20  # a handful of widgets, not a row each
        await pilot.press("end")
        await wait_for(pilot, lambda: table(app).visible_rows()[-1].split()[0] == f"{count:,}")
        await pilot.press("pageup", "home", "pagedown")
        await wait_for(pilot, lambda: table(app).first_row_in_view > 0)
        assert shown.pages_computed <= 4 + 4 and shown.pages_computed < count // PAGE
        sums = totals(data, *data.to_training(1.0, 0.0))
        assert shown._total_cells("sum")[-1] == shown.figures(sums.sum("cost"))


@pytest.mark.app
@pytest.mark.parametrize("size", [(60, 20), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_diverged_neuron_and_normalized_data_read_legibly(size):
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f", "v")
        await wait_for(pilot, lambda: table_shown(app) and app.screen.shown_epoch > 0)
        rows = table(app).visible_rows()
        assert rows
        for cell in (cell for row in rows for cell in row.split()[1:]):
            assert len(cell) <= 13 and math.isfinite(float(cell)), cell  # "-1.234568e+10" at most
        await pilot.press("escape", "r", "space", "v")  # while training
        await wait_for(pilot, lambda: table_shown(app))
        await pilot.press("escape", "space")
    normalized = NanoNeuronApp(Session(Hyperparameters(alpha=0.1), build_data(DataSpec(normalize=True))))
    async with normalized.run_test(size=size) as pilot:
        await pilot.press("v")
        await wait_for(pilot, lambda: table_shown(normalized))
        titles = [title for title, _ in table(normalized).columns]
        assert titles == ["x", "x′", "y", "ŷ", "y − ŷ", "(y − ŷ)·x′", "(y − ŷ)²/2"]
        if size[0] < 80:  # too wide for the screen: it scrolls sideways too
            await pilot.press("right")
            await wait_for(pilot, lambda: table(normalized).scroll_x > 0)
