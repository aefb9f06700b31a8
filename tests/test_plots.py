"""The plots are pure functions of their cache keys: equal keys, equal pictures."""

import math

import pytest

from nanoneuron_tui.core.data import celsius_to_fahrenheit_data
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.widgets.fit_view import FitView, fit_key
from nanoneuron_tui.widgets.plotting import draw


def fit_picture(key, width=60, height=20):
    return draw(width, height, lambda figure: FitView().paint(figure, None, key, width, height))


ARTICLE_DATA = celsius_to_fahrenheit_data()
SEED_NEURON = (0.9492, 0.457)


@pytest.mark.unit
def test_fit_views_within_a_pixel_share_a_key_and_so_a_picture():
    key = fit_key(ARTICLE_DATA, SEED_NEURON, 60, 20)
    nudged = fit_key(ARTICLE_DATA, (0.9492, 0.457 + 1e-6), 60, 20)
    assert key == nudged
    # paint is handed no view at all: the picture can only come from the key.
    assert fit_picture(key).plain == fit_picture(nudged).plain


@pytest.mark.unit
def test_a_line_moved_by_pixels_changes_key_and_picture():
    key = fit_key(ARTICLE_DATA, SEED_NEURON, 60, 20)
    moved = fit_key(ARTICLE_DATA, (0.9492, 0.457 + 40), 60, 20)
    assert key.line != moved.line
    assert fit_picture(key).plain != fit_picture(moved).plain


@pytest.mark.unit
def test_a_neuron_below_the_data_is_drawn():
    """Seed 1's start: the line runs from 0.85 to 14 °F, under every point (32 to 210 °F)."""
    key = fit_key(ARTICLE_DATA, (0.134, 0.85), 60, 20)
    assert key.y_range[0] <= 0.85 and key.line is not None
    assert not key.off_chart
    (x_start, _), (x_end, _) = key.line
    dot_width = key.pixel[0]
    assert x_start * dot_width == pytest.approx(0, abs=dot_width)
    assert x_end * dot_width == pytest.approx(99.5, abs=dot_width)


@pytest.mark.unit
def test_a_line_far_off_is_clamped_with_a_marker_and_its_value():
    """The diverged run's last neuron: w = 3340, b = 51."""
    key = fit_key(ARTICLE_DATA, (3340.157, 51.12), 60, 20)
    low, high = key.y_range
    # Stretched at most two data heights (179 °F) above the data's top (211 °F): the data keeps a third of it.
    assert 211 + 2 * 179 <= high <= 211 + 2 * 179 + 50
    assert key.off_chart == ((99.5, "▲ 3.324e+05"),)
    picture = fit_picture(key).plain
    assert "▲ 3.324e+05" in picture
    gone = fit_key(ARTICLE_DATA, (0.0, -1e9), 60, 20)
    assert gone.line is None and [label for _, label in gone.off_chart] == ["▼ -1e+09", "▼ -1e+09"]


@pytest.mark.unit
def test_points_line_and_target_are_told_apart_by_glyph():
    picture = fit_picture(fit_key(ARTICLE_DATA, (1.2, 10.0), 60, 20)).plain
    assert "•" in picture and "×" in picture and "·" in picture
    assert any(0x2580 <= ord(char) <= 0x259F for char in picture)  # the neuron's line in quadrant dots


@pytest.mark.unit
def test_points_are_spaced_so_they_do_not_read_as_a_line():
    key = fit_key(ARTICLE_DATA, SEED_NEURON, 33, 8)
    assert len(key.train[0]) <= 17 and len(key.test[0]) <= 9
    xs = key.train[0]
    assert min(b - a for a, b in zip(xs, xs[1:])) >= 5  # degrees apart on a 100-degree axis


@pytest.mark.unit
def test_residual_sticks_run_from_points_to_the_line():
    key = fit_key(ARTICLE_DATA, (1.2, 10.0), 60, 20, residuals=True)
    assert len(key.residuals) == 6
    for x, y, y_line in key.residuals:
        assert y == pytest.approx(1.8 * x + 32)
        assert y_line == pytest.approx(1.2 * x + 10.0, abs=key.pixel[1])
    assert "│" in fit_picture(key).plain
    assert fit_key(ARTICLE_DATA, (1.2, 10.0), 60, 20).residuals == ()


@pytest.mark.unit
def test_a_pinned_line_is_drawn_beside_the_neuron():
    alone = fit_key(ARTICLE_DATA, (1.2, 10.0), 60, 20)
    compared = fit_key(ARTICLE_DATA, (1.2, 10.0), 60, 20, ghost=(0.5, 150.0))
    assert alone.ghost is None and compared.ghost is not None
    assert fit_picture(alone).plain != fit_picture(compared).plain


# -- the cost plot -------------------------------------------------------------------

from nanoneuron_tui.core.run import Run  # noqa: E402
from nanoneuron_tui.widgets.cost_plot import (  # noqa: E402
    CostCurves,  # noqa: E402
    CostPlot,
    CostView,
    cost_key,
    curve,
    epoch_ticks,
    round_down,
    round_up,
    sample_epochs,
    x_range,
    y_range,
)

COLUMNS = 32  # the cost plot's columns at 80x24


def seed_curves(alpha: float, epoch: int, goal: int = 70_000) -> CostCurves:
    """The cost plot's inputs for the seed start, paused at ``epoch``."""
    run = Run(ARTICLE_DATA, *SEED_NEURON, alpha)
    return CostCurves(run.cost, None, run.first_epoch, epoch, run.last_epoch(goal), stepping=True)


PIXELS = 2 * COLUMNS


def cost_picture(key, width=COLUMNS + 8, height=9):
    return draw(width, height, lambda figure: CostPlot().paint(figure, None, key, width, height))


@pytest.mark.unit
def test_the_views_cycle_through_all_four_and_back():
    view, seen = CostView.FOLLOW, []
    for _ in range(4):
        view = view.next()
        seen.append(view)
    assert seen == [CostView.WHOLE, CostView.FIRST, CostView.RECENT, CostView.FOLLOW]


@pytest.mark.unit
def test_first_epochs_span_grows_in_round_steps():
    assert [round_up(n) for n in (0, 10, 11, 21, 50, 51, 140, 201)] == [10, 10, 20, 50, 50, 100, 200, 500]
    assert [round_down(n) for n in (0, 19, 20, 64, 99, 100, 450)] == [10, 10, 20, 50, 50, 100, 200]
    assert x_range(CostView.FIRST, 0, 0, 70_000, True, PIXELS) == (CostView.FIRST, 0, 10)
    assert x_range(CostView.FIRST, 0, 5, 70_000, True, PIXELS) == (CostView.FIRST, 0, 10)
    assert x_range(CostView.FIRST, 0, 6, 70_000, True, PIXELS) == (CostView.FIRST, 0, 20)
    assert x_range(CostView.FIRST, 1000, 1003, 70_000, True, PIXELS) == (CostView.FIRST, 1000, 1010)
    # Chosen by hand, it keeps growing; follow leaves it once a step would be under a dot.
    assert x_range(CostView.FIRST, 0, 40, 70_000, True, PIXELS) == (CostView.FIRST, 0, 100)
    assert x_range(CostView.FOLLOW, 0, 40, 70_000, True, PIXELS)[0] is CostView.RECENT


@pytest.mark.unit
def test_follow_chooses_the_view_that_shows_the_latest_step():
    assert x_range(CostView.FOLLOW, 0, 3, 70_000, True, PIXELS)[0] is CostView.FIRST
    assert x_range(CostView.FOLLOW, 0, 30_000, 70_000, False, PIXELS) == (CostView.WHOLE, 0, 70_000)
    shown, low, high = x_range(CostView.FOLLOW, 0, 44_003, 70_000, True, PIXELS)
    assert shown is CostView.RECENT and low < 44_003 < high and high - low == 50
    # A wider plot shows a wider recent window.
    _, low, high = x_range(CostView.FOLLOW, 0, 44_003, 70_000, True, 300)
    assert high - low == 200 and low < 44_003 < high
    # A diverged run ends early: its whole run is what there is.
    assert x_range(CostView.FOLLOW, 0, 9, 9, True, PIXELS) == (CostView.WHOLE, 0, 9)


@pytest.mark.unit
def test_recent_window_moves_by_fifths_so_ticks_stay_put_while_stepping():
    windows = [x_range(CostView.RECENT, 0, epoch, 70_000, True, PIXELS)[1:] for epoch in range(44_000, 44_050)]
    assert len(set(windows)) <= 6  # a new window every 10 epochs at most
    for epoch, (low, high) in zip(range(44_000, 44_050), windows):
        assert low % 10 == 0 and low < epoch < high


@pytest.mark.unit
def test_whole_run_spans_the_goal():
    assert x_range(CostView.WHOLE, 0, 5, 70_000, True, PIXELS) == (CostView.WHOLE, 0, 70_000)


@pytest.mark.unit
def test_epoch_ticks_read_well_at_any_scale():
    assert epoch_ticks(0, 5, 5)[1] == ["0", "1", "2", "3", "4", "5"]
    assert epoch_ticks(0, 10, 3)[1] == ["0", "5", "10"]
    assert epoch_ticks(0, 70_000, 4)[1] == ["0", "20k", "40k", "60k"]
    positions, _ = epoch_ticks(0, 2, 10)  # never a fractional epoch
    assert positions == [0, 1, 2]
    # Deep into a long run, the recent window's ticks still tell each other apart.
    assert epoch_ticks(20_346_000, 20_346_060, 3)[1] == ["20.346M", "20.34602M", "20.34604M", "20.34606M"]
    assert epoch_ticks(1_999_990, 2_000_010, 3)[1] == ["1.99999M", "2M", "2.00001M"]


@pytest.mark.unit
def test_samples_sit_on_a_fixed_grid_and_end_at_the_epoch_shown():
    assert sample_epochs(0, 10, 3, 20) == [0, 1, 2, 3]
    grid = sample_epochs(0, 70_000, 44_123, 64)
    assert grid[-1] == 44_123 and len(grid) <= 65 and grid == sorted(set(grid))
    # The points before the last do not move as the run goes on.
    assert sample_epochs(0, 70_000, 50_000, 64)[: len(grid) - 1] == grid[:-1]
    assert sample_epochs(100, 200, 50, 10) == []
    assert sample_epochs(0, 50, 70, 10)[-1] == 50  # past the window: up to its edge


@pytest.mark.unit
def test_curve_drops_costs_that_blew_up_and_takes_logs():
    costs = {0: 1000.0, 1: math.inf, 2: 0.01, 3: None}
    assert curve(costs.get, [0, 1, 2, 3]) == ((0, 2), (3.0, -2.0))


@pytest.mark.unit
def test_y_range_is_whole_powers_around_every_value():
    assert y_range((0.2, 3.4), (-1.5,)) == (-2, 4)
    assert y_range((2.0,)) == (2, 3)
    assert y_range(()) == (0, 1)


@pytest.mark.unit
def test_stepping_from_epoch_0_moves_the_cost_point_visibly_at_every_step():
    """The issue's case: alpha 0.0007 blows up; every step must change the picture."""
    pictures, ranges = [], []
    for epoch in range(0, 25):
        key = cost_key(seed_curves(0.0007, epoch), CostView.FOLLOW, COLUMNS)
        pictures.append(cost_picture(key).plain)
        ranges.append(key.y_range)
    assert all(a != b for a, b in zip(pictures, pictures[1:]))
    # The y range only ever grows while the x range holds: no relabelling under a still point.
    for (low, high), (next_low, next_high) in zip(ranges, ranges[1:]):
        assert next_low <= low and next_high >= high


@pytest.mark.unit
def test_test_costs_are_dots_beside_the_training_line():
    curves = seed_curves(0.0005, 8)
    without_test = cost_picture(cost_key(curves, CostView.FOLLOW, COLUMNS)).plain
    test_costs = {0: 3000.0, 4: 10.0, 8: 1.0}
    with_test = cost_picture(cost_key(curves._replace(test_cost_at=test_costs.get), CostView.FOLLOW, COLUMNS)).plain
    assert "·" not in without_test and with_test.count("·") == 3


# -- the cost surface ------------------------------------------------------------------

from nanoneuron_tui.core.data import DataSpec, build_data  # noqa: E402
from nanoneuron_tui.widgets.cost_surface import GUTTER, Ghost, surface_key, surface_picture  # noqa: E402

NORMALIZED_DATA = build_data(DataSpec(normalize=True))


def surface_text(key, width=60, height=20) -> str:
    return surface_picture(key, width, height).plain


@pytest.mark.unit
def test_surface_keys_of_equal_runs_are_equal_and_so_are_their_pictures():
    key = surface_key(Run(ARTICLE_DATA, *SEED_NEURON, 0.0005), 12, 53, 17)
    again = surface_key(Run(ARTICLE_DATA, *SEED_NEURON, 0.0005), 12, 53, 17)
    assert key == again and surface_text(key) == surface_text(again)
    assert surface_key(Run(ARTICLE_DATA, *SEED_NEURON, 0.0005), 13, 53, 17) != key


@pytest.mark.unit
def test_surface_marks_the_best_line_the_neuron_now_and_labels_its_axes():
    text = surface_text(surface_key(Run(ARTICLE_DATA, *SEED_NEURON, 0.0005), 12, 53, 17))
    lines = text.splitlines()
    assert len(lines) == 20 and all(len(line) == 60 for line in lines)
    assert text.count("+") == 1 and text.count("●") == 1
    assert "narrow valley" in lines[0] and "0.000609" in lines[0]
    assert lines[-2].strip().startswith("b└") and lines[-1].strip().startswith("w")
    assert any(line[GUTTER - 1] == "┤" for line in lines[1:-2])  # b ticks


@pytest.mark.unit
def test_the_path_is_in_the_picture_and_grows_with_the_epochs():
    run = Run(ARTICLE_DATA, *SEED_NEURON, 0.0005)
    early, later = surface_key(run, 2, 53, 17), surface_key(run, 40, 53, 17)
    assert early.window == later.window  # start and best fix it; the first overshoot is inside
    assert len(early.path) == 3 and len(later.path) > len(early.path)
    assert later.path[:3] == early.path  # drawn points stay where they were
    # The path starts at the start and ends at the neuron now.
    assert later.path[-1] == later.now
    assert early.path[0] == surface_key(run, 0, 53, 17).now


@pytest.mark.unit
def test_normalized_surface_is_drawn_to_one_scale_and_labelled_in_the_trainers_units():
    key = surface_key(Run(NORMALIZED_DATA, *SEED_NEURON, 0.1), 12, 53, 17)
    window = key.window
    assert key.standardized
    per_dot_w = (window.w_high - window.w_low) / (2 * 53)
    per_dot_b = (window.b_high - window.b_low) / (4 * 17)
    assert per_dot_w == pytest.approx(per_dot_b)
    text = surface_text(key)
    assert "w′" in text and "b′" in text and "28.87" in text.splitlines()[0]
    assert key.surface.curvatures == pytest.approx((1.0, 1.0))


@pytest.mark.unit
def test_a_diverging_path_does_not_drag_the_window_away():
    run = Run(ARTICLE_DATA, 0.3, 0.7, 0.001)
    key = surface_key(run, run.diverged_at, 53, 17)
    assert key.window.w_high - key.window.w_low < 20  # not thousands: the blow-up leaves the chart
    assert key.now is not None and not (0 <= key.now[0] < 2 * 53 and 0 <= key.now[1] < 4 * 17)


@pytest.mark.unit
def test_a_pinned_run_draws_its_path_and_where_it_stopped():
    run, pinned = Run(ARTICLE_DATA, *SEED_NEURON, 0.0002), Run(ARTICLE_DATA, *SEED_NEURON, 0.0005)
    alone = surface_key(run, 30, 53, 17)
    compared = surface_key(run, 30, 53, 17, Ghost(pinned, 1))  # stopped at the first overshoot
    assert alone.ghost_path == () and compared.ghost_path and compared.ghost_now == compared.ghost_path[-1]
    assert "○" in surface_text(compared) and "○" not in surface_text(alone)
    # A run on other data has other axes: it is not drawn.
    assert surface_key(run, 30, 53, 17, Ghost(Run(NORMALIZED_DATA, *SEED_NEURON, 0.1), 30)).ghost_path == ()


# -- in the app: every view and key, while training, paused, finished and diverged ----------

from nanoneuron_tui import persist  # noqa: E402
from nanoneuron_tui.session import Session, State  # noqa: E402
from nanoneuron_tui.widgets.cost_plot import CostPlot as CostPlotWidget  # noqa: E402
from nanoneuron_tui.widgets.cost_surface import CostSurfaceView  # noqa: E402
from nanoneuron_tui.widgets.fit_view import FitView as FitViewWidget  # noqa: E402
from nanoneuron_tui.widgets.projector import Projector, big_number  # noqa: E402
from tests.helpers import make_app, wait_for  # noqa: E402


def shown(app, widget_type) -> bool:
    """The pane is laid out on screen (not hidden by the layout)."""
    widget = app.query_one(widget_type)
    return widget.display and widget.region.area > 0


def drawn_for_latest(app):
    """Every plot on screen shows the session's latest view."""

    def check() -> bool:
        plots = [
            p
            for p in (app.query_one(CostPlotWidget), app.query_one(FitViewWidget), app.query_one(CostSurfaceView))
            if p.region.area > 0
        ]
        return app._shown_version == app.session.view().version and all(p.drawn and p._deferred is None for p in plots)

    return check


@pytest.mark.app
async def test_z_cycles_the_cost_views_and_the_title_names_each():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        plot = app.query_one(CostPlotWidget)
        await wait_for(pilot, drawn_for_latest(app))
        assert "first epochs (auto)" in str(plot.border_title)
        titles = []
        for _ in range(4):
            await pilot.press("z")
            await wait_for(pilot, drawn_for_latest(app))
            titles.append(str(plot.border_title))
        assert [t.split("·")[1].strip() for t in titles] == [
            "whole run",
            "first epochs",
            "recent",
            "first epochs (auto)",
        ]
        await pilot.press("f11")  # the function key does the same, even from a field
        assert plot.view is CostView.WHOLE


@pytest.mark.app
async def test_c_swaps_the_surface_in_at_80x24_and_back():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown(app, CostPlotWidget) and not shown(app, CostSurfaceView)
        await pilot.press("c")
        await wait_for(pilot, drawn_for_latest(app))
        assert shown(app, CostSurfaceView) and not shown(app, CostPlotWidget)
        assert app.query_one(CostSurfaceView).region.height >= 20  # the whole right column
        await pilot.press("c")
        await pilot.pause()
        assert shown(app, CostPlotWidget) and shown(app, FitViewWidget) and not shown(app, CostSurfaceView)


@pytest.mark.app
async def test_all_three_plots_are_on_screen_at_160x48():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, drawn_for_latest(app))
        for plot in (CostPlotWidget, FitViewWidget, CostSurfaceView):
            assert shown(app, plot)
        surface = app.query_one(CostSurfaceView).region
        # A third of the width beside the readouts, above the lesson pane.
        assert surface.width >= 38 and surface.height >= 15


@pytest.mark.app
@pytest.mark.parametrize("keys", [("space",), (), ("f",)], ids=["training", "paused", "finished"])
async def test_plot_keys_work_in_every_state(keys):
    app = make_app(pace=None, epochs=300_000, every=1000)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in keys:
            await pilot.press(key)
        if keys == ("f",):
            await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        for key in ("z", "c", "m", "P", "z", "c", "m", "P", "z", "z"):
            await pilot.press(key)
        if app.session.state is State.RUNNING:
            await pilot.press("space")
        await wait_for(pilot, drawn_for_latest(app))
        assert app.session.pinned is None  # pinned and unpinned
        assert app.query_one(CostPlotWidget).view is CostView.FOLLOW


@pytest.mark.app
async def test_plots_after_divergence_show_the_blow_up():
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state is State.DIVERGED)
        await wait_for(pilot, drawn_for_latest(app))
        fit = app.query_one(FitViewWidget)
        assert fit._key[2].off_chart  # the line is far above: clamped with its value
        assert "alpha below 0.000609 converges" in str(app.query_one(CostPlotWidget).border_subtitle)
        await pilot.press("z")
        await wait_for(pilot, drawn_for_latest(app))
        assert app.query_one(CostPlotWidget)._key[2].x_range == (0, app.session.epoch)


@pytest.mark.app
async def test_pin_draws_a_ghost_in_every_plot_named_by_its_alpha():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        app.session.step(30)
        await pilot.press("m")
        app.session.update(alpha=0.0002)
        await pilot.press("r", "s", "s")
        await wait_for(pilot, drawn_for_latest(app))
        assert app.session.pinned is not None and app.session.pinned.alpha == 0.0005
        assert "pinned alpha 0.0005" in str(app.query_one(CostPlotWidget).border_subtitle)
        assert "alpha 0.0002" in str(app.query_one(CostPlotWidget).border_subtitle)
        assert app.query_one(CostPlotWidget)._key[2].ghost[0]
        assert app.query_one(FitViewWidget)._key[2].ghost is not None
        assert app.query_one(CostSurfaceView)._key[2].ghost_path
        await pilot.press("m")
        await wait_for(pilot, drawn_for_latest(app))
        assert app.query_one(FitViewWidget)._key[2].ghost is None
        assert not app.query_one(CostSurfaceView)._key[2].ghost_path


@pytest.mark.app
async def test_projector_shows_w_b_and_the_cost_in_large_digits():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert not shown(app, Projector)
        await pilot.press("P", "s")
        await pilot.pause()
        view = app.session.view()
        assert shown(app, Projector)
        assert app.query_one("#big-w").value == big_number(view.w)
        assert app.query_one("#big-cost").value == big_number(view.cost)


@pytest.mark.unit
def test_big_numbers_use_only_what_digits_can_draw():
    assert big_number(1.8000660993) == "1.80007"
    assert big_number(2.4395457e-06) == "2.43955E-6"
    assert big_number(1.83e10) == "1.83E10"
    assert big_number(-3340.157) == "-3340.16"


@pytest.mark.unit
def test_a_pinned_run_survives_save_and_resume(tmp_path):
    session = Session(Hyperparameters(w0=0.9492, b0=0.457))
    session.step(25)
    pinned = session.toggle_pin()
    session.update(alpha=0.0002)
    session.reset()
    session.step(5)
    path = tmp_path / "session.json"
    persist.save_session(session, path)
    restored = persist.load_session(path)
    assert restored.pinned is not None
    assert restored.pinned.epoch == 25 and restored.pinned.alpha == 0.0005
    assert restored.pinned.run.neuron(25) == pinned.run.neuron(25)
    assert restored.epoch == 5 and restored.hyper.alpha == 0.0002


@pytest.mark.unit
def test_a_malformed_pinned_run_is_refused_and_no_pin_loads_as_none(tmp_path):
    import json

    session = Session(Hyperparameters(w0=0.9492, b0=0.457))
    path = tmp_path / "session.json"
    persist.save_session(session, path)
    assert persist.load_session(path).pinned is None
    document = json.loads(path.read_text())
    for bad in ("yes", {"run": {}, "epoch": 3}, {"run": document["session"]["run"], "epoch": -1}):
        document["session"]["pinned"] = bad
        path.write_text(json.dumps(document))
        with pytest.raises(persist.PersistError, match="pinned|run"):
            persist.load_session(path)


@pytest.mark.unit
def test_choosing_other_data_unpins():
    session = Session(Hyperparameters(w0=0.9492, b0=0.457))
    session.toggle_pin()
    session.use_data(NORMALIZED_DATA)
    assert session.pinned is None


# -- redrawing only what changed ---------------------------------------------------------

from rich.text import Text  # noqa: E402
from textual.geometry import Region  # noqa: E402

from nanoneuron_tui.widgets.plotting import changed_regions  # noqa: E402


@pytest.mark.unit
def test_only_changed_stretches_of_changed_lines_are_redrawn():
    old = [Text("axis  ⠁⠂  "), Text("same line"), Text("abc")]
    new = [Text("axis  ⠁⠃● "), Text("same line"), Text("abc"), Text("new")]
    new[2].stylize("bold", 1, 2)
    assert changed_regions(old, new) == [Region(7, 0, 2, 1), Region(1, 2, 1, 1), Region(0, 3, 3, 1)]
    assert changed_regions(new, new) == []


# -- the dot canvas ------------------------------------------------------------------------

from nanoneuron_tui.widgets.plotting import DotCanvas  # noqa: E402


def dots_of(canvas: DotCanvas, layer: int) -> set[tuple[int, int]]:
    """Which dots of ``layer`` are set, read back from the cells' braille bits."""
    found = set()
    for row, runs in enumerate(canvas.lines()):
        column = 0
        for text, _ in runs:
            for char in text:
                bits = ord(char) - 0x2800 if "\u2800" <= char <= "\u28ff" else 0
                for (dx, dy), bit in {
                    (0, 0): 1,
                    (0, 1): 2,
                    (0, 2): 4,
                    (1, 0): 8,
                    (1, 1): 16,
                    (1, 2): 32,
                    (0, 3): 64,
                    (1, 3): 128,
                }.items():
                    if bits & bit:
                        found.add((2 * column + dx, 4 * row + dy))
                column += 1
    return found


@pytest.mark.unit
def test_many_dots_at_once_are_the_same_as_one_at_a_time():
    xs = [0, 1, 1, 5, 7, 7, -1, 8, 3, 2]
    ys = [0, 0, 3, 4, 7, 7, 2, 1, -5, 8]  # repeats, and dots off a canvas of 8 x 8 dots
    one_by_one, at_once = DotCanvas(4, 2, ["a"]), DotCanvas(4, 2, ["a"])
    for x, y in zip(xs, ys):
        one_by_one.dot(x, y, 0)
    at_once.dots(xs, ys, 0)
    assert at_once.layer_bits(0) == one_by_one.layer_bits(0)
    assert dots_of(at_once, 0) == {(0, 0), (1, 0), (1, 3), (5, 4), (7, 7)}


@pytest.mark.unit
def test_a_layer_kept_aside_draws_the_same_when_put_back():
    canvas = DotCanvas(3, 2, ["a", "b"])
    canvas.line((0, 0), (5, 7), 0)
    kept = canvas.layer_bits(0)
    fresh = DotCanvas(3, 2, ["a", "b"])
    fresh.set_layer_bits(0, kept)
    assert fresh.lines() == canvas.lines()
    with pytest.raises(ValueError):
        fresh.set_layer_bits(1, kept + b"\0")


@pytest.mark.unit
def test_a_line_of_dots_has_no_gaps_and_ends_where_asked():
    canvas = DotCanvas(4, 2, ["a"])
    canvas.line((0, 0), (7, 5), 0)
    dots = dots_of(canvas, 0)
    assert (0, 0) in dots and (7, 5) in dots and len(dots) == 8  # one dot per column of the steeper axis
    for x, y in dots - {(0, 0)}:
        assert {(x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)} - {(x, y)} & dots


@pytest.mark.unit
def test_a_higher_layer_wins_a_cell_and_a_marker_wins_over_dots():
    canvas = DotCanvas(3, 1, ["low", "high"])
    canvas.dot(0, 0, 0)
    canvas.dot(1, 1, 1)  # same cell, higher layer: its dots and style win
    canvas.dot(2, 0, 0)
    canvas.glyph(2, 0, "●", "mark", 2)
    canvas.dot(600, 600, 0)  # off the canvas: ignored
    (runs,) = canvas.lines()
    assert runs == [(chr(0x2800 + 16), "high"), ("●", "mark"), (" ", "")]


# -- reading plotext's output --------------------------------------------------------------------

from rich.style import Style  # noqa: E402

from nanoneuron_tui.widgets.plotting import _decoded, cell_styles, plotext_text  # noqa: E402


def styled_cells(text: Text) -> list[tuple[str, Style | None]]:
    return [(char, Style.combine(styles) if styles else None) for char, styles in zip(text.plain, cell_styles(text))]


@pytest.mark.unit
def test_plotexts_output_reads_as_richs_decoder_reads_it_without_backgrounds():
    ansi = (
        "\x1b[0m ┌──┐\x1b[0m\n\x1b[0m9┤\x1b[38;5;39m▖\x1b[0m\x1b[1;38;5;208m·\x1b[0m│\x1b[0m\n"
        "\x1b[48;5;233m\x1b[38;5;170m━━\x1b[0m x"
    )
    ours = plotext_text(ansi)
    assert ours.plain == " ┌──┐\n9┤▖·│\n━━ x"
    assert styled_cells(ours) == styled_cells(_decoded(ansi))
    assert styled_cells(ours)[8] == ("▖", Style(color="color(39)"))
    assert styled_cells(ours)[9] == ("·", Style(color="color(208)", bold=True))
    assert all(style is None or style.bgcolor is None for _, style in styled_cells(ours))


@pytest.mark.unit
def test_codes_plotext_never_writes_go_to_richs_decoder():
    ansi = "\x1b[3mitalic\x1b[0m plain"
    assert styled_cells(plotext_text(ansi)) == styled_cells(_decoded(ansi))
    assert styled_cells(plotext_text(ansi))[0] == ("i", Style(italic=True))
