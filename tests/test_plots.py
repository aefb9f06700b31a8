"""The plots are pure functions of their cache keys: equal keys, equal pictures."""

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
