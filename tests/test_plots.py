"""The plots are pure functions of their cache keys: equal keys, equal pictures."""

import math
from dataclasses import replace

from nanoneuron_tui.session import Session
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.widgets.fit_view import FitView, fit_key, thinned_points
from nanoneuron_tui.widgets.plotting import draw


def seed_view():
    return Session(Hyperparameters(w0=0.9492, b0=0.457)).view()


def fit_picture(key, width=60, height=20):
    return draw(width, height, lambda figure: FitView().paint(figure, None, key, width, height))


def test_fit_views_within_a_pixel_share_a_key_and_so_a_picture():
    view = seed_view()
    nudged = replace(view, b=view.b + 1e-6)
    points = thinned_points(view.data)
    key, nudged_key = fit_key(view, 60, 20, points), fit_key(nudged, 60, 20, points)
    assert key == nudged_key
    # paint is handed no view at all: the picture can only come from the key.
    assert fit_picture(key).plain == fit_picture(nudged_key).plain


def test_a_line_moved_by_pixels_changes_key_and_picture():
    view = seed_view()
    points = thinned_points(view.data)
    moved = replace(view, b=view.b + 40)
    key, moved_key = fit_key(view, 60, 20, points), fit_key(moved, 60, 20, points)
    assert key.line != moved_key.line
    assert fit_picture(key).plain != fit_picture(moved_key).plain


def test_a_line_off_the_chart_has_no_segment_and_is_not_drawn():
    view = seed_view()
    points = thinned_points(view.data)
    far_below = replace(view, w=0.0, b=-5000.0)
    key = fit_key(far_below, 60, 20, points)
    assert key.line is None
    assert fit_picture(key).plain == fit_picture(key._replace(line=None)).plain


# -- the cost plot -------------------------------------------------------------------

from nanoneuron_tui.core.data import celsius_to_fahrenheit_data  # noqa: E402
from nanoneuron_tui.widgets.cost_plot import (  # noqa: E402
    CostPlot,
    CostView,
    cost_key,
    epoch_ticks,
    round_down,
    round_up,
    thin,
    x_range,
    y_range,
)
from tests.runs import SteppedRun  # noqa: E402

COLUMNS = 32  # the cost plot's columns at 80x24
PIXELS = 2 * COLUMNS


def cost_picture(key, width=COLUMNS + 8, height=9):
    return draw(width, height, lambda figure: CostPlot().paint(figure, None, key, width, height))


def test_the_views_cycle_through_all_four_and_back():
    view, seen = CostView.FOLLOW, []
    for _ in range(4):
        view = view.next()
        seen.append(view)
    assert seen == [CostView.WHOLE, CostView.FIRST, CostView.RECENT, CostView.FOLLOW]


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


def test_recent_window_moves_by_fifths_so_ticks_stay_put_while_stepping():
    windows = [x_range(CostView.RECENT, 0, epoch, 70_000, True, PIXELS)[1:] for epoch in range(44_000, 44_050)]
    assert len(set(windows)) <= 6  # a new window every 10 epochs at most
    for epoch, (low, high) in zip(range(44_000, 44_050), windows):
        assert low % 10 == 0 and low < epoch < high


def test_whole_run_spans_the_goal():
    assert x_range(CostView.WHOLE, 0, 5, 70_000, True, PIXELS) == (CostView.WHOLE, 0, 70_000)


def test_epoch_ticks_read_well_at_any_scale():
    assert epoch_ticks(0, 5, 5)[1] == ["0", "1", "2", "3", "4", "5"]
    assert epoch_ticks(0, 10, 3)[1] == ["0", "5", "10"]
    assert epoch_ticks(0, 70_000, 4)[1] == ["0", "20k", "40k", "60k"]
    positions, _ = epoch_ticks(0, 2, 10)  # never a fractional epoch
    assert positions == [0, 1, 2]


def test_thin_keeps_one_point_per_pixel_column_and_the_newest():
    epochs = list(range(10_001))
    costs = [1.0 + e for e in epochs]
    kept_epochs, logs = thin(epochs, costs, 0, 10_000, 10)
    assert len(kept_epochs) <= 2 * 10 + 1 and kept_epochs[-1] == 10_000
    assert logs[-1] == round(math.log10(10_001), 3)
    inside, _ = thin(epochs, costs, 5_000, 5_500, 10)
    assert min(inside) >= 5_000 and max(inside) <= 5_500


def test_y_range_is_whole_powers_around_every_value():
    assert y_range((0.2, 3.4), (-1.5,)) == (-2, 4)
    assert y_range((2.0,)) == (2, 3)
    assert y_range(()) == (0, 1)


def test_stepping_from_epoch_0_moves_the_cost_point_visibly_at_every_step():
    """The issue's case: alpha 0.0007 blows up; every step must change the picture."""
    run = SteppedRun(celsius_to_fahrenheit_data(), 0.9492, 0.457, 0.0007)
    pictures, ranges = [], []
    for epoch in range(0, 25):
        key = cost_key(run.curves(epoch), CostView.FOLLOW, COLUMNS)
        pictures.append(cost_picture(key).plain)
        ranges.append(key.y_range)
    assert all(a != b for a, b in zip(pictures, pictures[1:]))
    # The y range only ever grows while the x range holds: no relabelling under a still point.
    for (low, high), (next_low, next_high) in zip(ranges, ranges[1:]):
        assert next_low <= low and next_high >= high


def test_test_costs_are_dots_beside_the_training_line():
    run = SteppedRun(celsius_to_fahrenheit_data(), 0.9492, 0.457, 0.0005)
    curves = run.curves(8)
    without_test = cost_picture(cost_key(curves, CostView.FOLLOW, COLUMNS)).plain
    with_test = cost_picture(cost_key(curves._replace(test=([0, 4, 8], [3000.0, 10.0, 1.0])),
                                      CostView.FOLLOW, COLUMNS)).plain
    assert "·" not in without_test and with_test.count("·") == 3
