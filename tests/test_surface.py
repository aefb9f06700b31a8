"""The cost surface's maths: the bowl, its contours and the sampled descent path."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSpec, LineFit, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.core.surface import (
    DENSE_EPOCHS,
    CostSlice,
    CostSurface,
    Window,
    contour_dots,
    contour_levels,
    contour_points,
    cost_slices,
    descent_path,
    path_epochs,
    window_around,
)
from nanoneuron_tui.core.trainer import max_stable_alpha

pytestmark = pytest.mark.unit

X_TRAIN, Y_TRAIN, _, _ = neuron.generate_data_sets()
ARTICLE = CostSurface(LineFit.of(X_TRAIN, Y_TRAIN))
SEED_START = (0.9492, 0.4570)
VALLEY = Window(0.8, 2.4, 0.0, 34.0)

finite = st.floats(-1e3, 1e3, allow_nan=False)


def literal_path(w: float, b: float, alpha: float, epochs: int) -> list[tuple[float, float]]:
    """(w, b) before each epoch's update, from the literal port run one epoch at a time."""
    model = neuron.NanoNeuron(w, b)
    path = [(model.w, model.b)]
    for _ in range(epochs):
        neuron.train_model(model, 1, alpha, X_TRAIN, Y_TRAIN)
        path.append((model.w, model.b))
    return path


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@given(finite, finite)
def test_the_closed_form_cost_is_forward_propagations_cost(w, b):
    _, cost = neuron.forward_propagation(neuron.NanoNeuron(w, b), X_TRAIN, Y_TRAIN)
    assert close(ARTICLE.cost(w, b), cost, rel=1e-9, abs_=1e-9)


def test_the_bowl_bottoms_out_at_the_rule():
    assert ARTICLE.lowest == pytest.approx((1.8, 32.0), rel=1e-12)
    assert ARTICLE.cost(1.8, 32.0) == pytest.approx(0.0, abs=1e-20)


def test_the_article_valley_is_long_and_narrow():
    steep, flat = ARTICLE.curvatures
    # H = [[mean(x²), mean(x)], [mean(x), 1]] for x = 0..99: mean(x²) = 3283.5, mean(x) = 49.5.
    assert steep + flat == pytest.approx(3283.5 + 1)
    assert steep * flat == pytest.approx(3283.5 - 49.5**2)
    assert round(steep) == 3284 and flat == pytest.approx(0.2537, abs=1e-4)
    # The largest stable alpha is 2 over the steep curvature: the trainer agrees.
    assert 2 / steep == pytest.approx(max_stable_alpha(celsius_to_fahrenheit_data().train))
    assert f"{2 / steep:.3g}" == "0.000609"


def test_standardized_x_makes_a_round_bowl():
    data = build_data(DataSpec(normalize=True))
    steep, flat = CostSurface(data.training_fits[0]).curvatures
    assert steep == pytest.approx(1.0) and flat == pytest.approx(1.0)


@pytest.mark.parametrize("level", [0.1, 3.0, 100.0, 3000.0])
def test_contour_points_lie_on_their_level_inside_the_window(level):
    points = contour_points(ARTICLE, level, VALLEY, columns=80, rows=60)
    assert points
    for w, b in points:
        assert VALLEY.contains(w, b)
        assert close(ARTICLE.cost(w, b), level, rel=1e-7, abs_=0)


def test_contour_crossings_come_in_pairs_around_the_valley_floor():
    w = 1.7  # a vertical line through the valley
    low, high = ARTICLE.b_crossings(10.0, w)
    assert low < high
    assert ARTICLE.cost(w, (low + high) / 2) < 10.0  # between them lies the valley
    assert ARTICLE.b_crossings(10.0, 5.0) == ()  # a line that misses the contour
    left, right = ARTICLE.w_crossings(10.0, 32.0)
    assert left < 1.8 < right
    assert ARTICLE.w_crossings(10.0, 1e6) == ()


def test_contours_leave_no_gaps_where_they_run_steeply_or_flat():
    """Crossing rows as well as columns: every dot of a contour touches another one."""
    columns, rows = 80, 60
    w_low, w_high, b_low, b_high = VALLEY
    for level in (30.0, 300.0):
        pixels = {
            (int((w - w_low) / (w_high - w_low) * columns), int((b - b_low) / (b_high - b_low) * rows))
            for w, b in contour_points(ARTICLE, level, VALLEY, columns, rows)
        }
        assert len(pixels) > 50
        for x, y in pixels:
            neighbours = {(x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)} - {(x, y)}
            assert neighbours & pixels, f"an isolated dot at {(x, y)} on the contour {level}"


def test_contour_levels_are_log_spaced_round_numbers_below_the_highest_cost():
    levels = contour_levels(ARTICLE, VALLEY, per_decade=2, decades=5)
    corner_costs = [ARTICLE.cost(w, b) for w in VALLEY[:2] for b in VALLEY[2:]]
    assert list(levels) == sorted(levels)
    assert max(levels) <= max(corner_costs)
    assert min(levels) > max(corner_costs) * 1e-5
    # 1, 3, 10, 30, ...: each step about half a decade.
    ratios = [high / low for low, high in zip(levels, levels[1:])]
    assert all(r in (pytest.approx(3.0), pytest.approx(10 / 3)) for r in ratios)
    assert len(levels) == 10
    assert all(math.log10(level / 3) % 1 < 1e-9 or math.log10(level) % 1 < 1e-9 for level in levels)


def test_contour_levels_sit_above_the_residual_of_noisy_data():
    fit = build_data(DataSpec(noise=5.0)).train
    surface = CostSurface(fit)
    levels = contour_levels(surface, VALLEY, per_decade=1, decades=3)
    assert fit.residual_cost > 1
    assert all(level > fit.residual_cost for level in levels)
    excesses = [level - fit.residual_cost for level in levels]
    assert [e / excesses[0] for e in excesses] == pytest.approx([1, 10, 100])


def test_path_keeps_every_epoch_while_few():
    assert path_epochs(0, 5) == (0, 1, 2, 3, 4, 5)
    assert path_epochs(0, DENSE_EPOCHS) == tuple(range(DENSE_EPOCHS + 1))
    assert path_epochs(7, 7) == (7,)
    assert path_epochs(5, 3) == ()


def test_path_is_sampled_later_on_a_fixed_grid():
    long = path_epochs(0, 70_000)
    longer = path_epochs(0, 10_000_000)
    assert long[: DENSE_EPOCHS + 1] == tuple(range(DENSE_EPOCHS + 1))
    assert long[-1] == 70_000 and list(long) == sorted(set(long))
    assert len(long) < 250 and len(longer) < 400
    # The grid does not move as the run grows: the shorter path is a prefix, but for its last point.
    assert longer[: len(long) - 1] == long[:-1]
    # Later samples are spaced evenly per doubling: never more than 2**(1/16) apart, plus rounding.
    late = long[DENSE_EPOCHS:-1]
    assert all(b / a <= 2 ** (1 / 16) + 1 / a for a, b in zip(late, late[1:]))


def test_path_starts_where_an_adopted_run_starts():
    assert path_epochs(1000, 1003) == (1000, 1001, 1002, 1003)


def test_descent_path_follows_the_literal_port_for_the_first_50_epochs():
    alpha = 0.0005
    oracle = literal_path(*SEED_START, alpha, 50)
    path = descent_path(Run(celsius_to_fahrenheit_data(), *SEED_START, alpha).trained_neuron, 0, 50)
    assert len(path) == 51
    for (w, b), (w_port, b_port) in zip(path, oracle):
        assert close(w, w_port) and close(b, b_port)


def test_the_path_zig_zags_across_the_valley_while_b_crawls():
    """What the picture teaches: the steep direction overshoots, sign flipping every epoch."""
    oracle = literal_path(*SEED_START, 0.0005, 20)
    steep_offsets = [(w - 1.8) * 3283.5 + (b - 32) * 49.5 for w, b in oracle]  # ≈ H·Δ, the gradient
    signs = [offset > 0 for offset in steep_offsets[1:12]]
    assert all(a != b for a, b in zip(signs, signs[1:]))
    assert abs(oracle[20][1] - oracle[0][1]) < 1  # b moved less than a degree in 20 epochs


def test_with_standardized_x_the_path_dives_straight_in():
    data = build_data(DataSpec(normalize=True))
    fit = data.training_fits[0]
    path = descent_path(Run(data, *SEED_START, 0.1).trained_neuron, 0, 40)
    centre = (fit.w_best, fit.b_best)
    directions = [math.atan2(b - centre[1], w - centre[0]) for w, b in path[:-1]]
    assert max(directions) - min(directions) < 1e-6


def test_window_holds_every_point_with_margin():
    window = window_around([(1.0, 2.0), (3.0, 10.0)], margin=0.1)
    assert window.contains(1.0, 2.0) and window.contains(3.0, 10.0)
    assert window.w_low < 1.0 and window.w_high > 3.0
    assert window.w_high - window.w_low == pytest.approx(2.0 * 1.2)
    assert window.b_high - window.b_low == pytest.approx(8.0 * 1.2)


def test_square_window_gives_both_axes_one_scale_per_pixel():
    window = window_around([(0.0, 0.0), (10.0, 1.0)], square_pixels=(100, 50))
    per_pixel_w = (window.w_high - window.w_low) / 100
    per_pixel_b = (window.b_high - window.b_low) / 50
    assert per_pixel_w == pytest.approx(per_pixel_b)
    assert window.contains(10.0, 1.0) and window.contains(0.0, 0.0)


def test_window_ignores_a_blown_up_point():
    window = window_around([(1.0, 1.0), (2.0, 2.0), (math.inf, math.nan)])
    assert all(math.isfinite(edge) for edge in window)


@pytest.mark.parametrize("normalize", [False, True])
def test_contour_dots_are_the_dots_of_every_levels_contour_points(normalize):
    """The numpy path draws exactly the dots the one-crossing-at-a-time reference finds."""
    data = build_data(DataSpec(normalize=normalize))
    surface = CostSurface(data.training_fits[0])
    w, b = surface.lowest
    window = Window(w - 1.3, w + 0.9, b - 40.0, b + 25.0)
    levels = contour_levels(surface, window)
    width, height = 2 * 61, 4 * 17
    expected = []
    for level in levels:
        for point_w, point_b in contour_points(surface, level, window, width, height):
            expected.append(
                (
                    int((point_w - window.w_low) * (width / (window.w_high - window.w_low))),
                    int((window.b_high - point_b) * (height / (window.b_high - window.b_low))),
                )
            )
    xs, ys = contour_dots(surface, levels, window, width, height)
    assert len(expected) > 100
    assert sorted(zip(xs, ys)) == sorted(expected)
    assert contour_dots(surface, (), window, width, height) == ([], [])


# -- the edges: where a contour touches the window, a crossing exactly at zero room, round levels --

# x = -1, 1 and y = 0, 0: the best line is w = b = 0 with no residual, mean(x) = 0 and var(x) = 1,
# so the cost is exactly (w² + b²) / 2 and every figure below can be worked out by hand.
ROUND = CostSurface(LineFit.of([-1.0, 1.0], [0.0, 0.0]))


def test_the_round_bowl_costs_half_the_squared_distance():
    assert ROUND.lowest == (0.0, 0.0) and ROUND.residual == 0.0
    assert ROUND.cost(4.0, 1.0) == 8.5 and ROUND.excess(3.0, -1.0) == 5.0


def test_window_contains_its_edges_and_nothing_beyond_any_of_them():
    window = Window(1.0, 2.0, 10.0, 20.0)
    for w, b in ((1.0, 10.0), (1.0, 20.0), (2.0, 10.0), (2.0, 20.0), (1.5, 15.0)):
        assert window.contains(w, b)
    for w, b in ((0.99, 15.0), (2.01, 15.0), (1.5, 9.99), (1.5, 20.01), (0.0, 0.0), (3.0, 30.0)):
        assert not window.contains(w, b)


def test_a_line_that_grazes_the_contour_meets_it_once():
    # At w = 1 the cost is (1 + b²)/2: it reaches the level 0.5 at b = 0 alone (zero room), and
    # likewise at b = 1 for w; a hair above the level there is no room at all.
    assert ROUND.b_crossings(0.5, 1.0) == (0.0, 0.0)
    assert ROUND.w_crossings(0.5, 1.0) == (0.0, 0.0)
    assert ROUND.b_crossings(0.5, 1.0 + 1e-9) == ()
    assert ROUND.w_crossings(0.5, 1.0 + 1e-9) == ()


def test_contour_levels_by_default_are_two_per_decade_for_four_decades():
    # The highest corner, (4, 1), costs 8.5: steps of 1 and 3 from 8.5e-4 (excluded) to 8.5.
    window = Window(0.0, 4.0, 0.0, 1.0)
    assert contour_levels(ROUND, window) == pytest.approx((0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0))
    assert contour_levels(ROUND, window, per_decade=3, decades=1) == pytest.approx((1.0, 2.0, 5.0))
    assert contour_levels(ROUND, window, per_decade=1, decades=1) == pytest.approx((1.0,))


@pytest.mark.parametrize(
    ("window", "levels"),
    [
        (Window(0.0, 4.0, 0.0, 1.0), (1.0, 2.0, 5.0)),  # highest at (w_high, b_high): 8.5
        (Window(-4.0, 0.0, 0.0, 1.0), (1.0, 2.0, 5.0)),  # at (w_low, b_high): 8.5
        (Window(0.0, 1.0, -30.0, 1.0), (50.0, 100.0, 200.0)),  # at (w_high, b_low): 450.5
        (Window(-60.0, 1.0, -2.0, 0.0), (200.0, 500.0, 1000.0)),  # at (w_low, b_low): 1802
        (Window(0.0, 0.5, 0.0, 0.25), (0.02, 0.05, 0.1)),  # at (w_high, b_high), all below 1: 0.15625
    ],
)
def test_contour_levels_reach_up_to_the_costliest_corner(window, levels):
    assert contour_levels(ROUND, window, per_decade=3, decades=1) == pytest.approx(levels)


def test_a_top_level_exactly_at_the_costliest_corner_is_drawn_and_the_one_a_span_below_is_not():
    # The corner (4, 2) costs exactly 10: the levels are (0.1, 10], so 1 and 10 but not 0.1.
    assert contour_levels(ROUND, Window(0.0, 4.0, 0.0, 2.0), per_decade=1, decades=2) == (1.0, 10.0)


@pytest.mark.parametrize(
    "window",
    [
        Window(0.0, 0.0, 0.0, 0.0),  # the bottom of the bowl alone: no excess anywhere
        Window(1e200, 2e200, 0.0, 1.0),  # costs beyond the largest float
        Window(math.nan, 1.0, 0.0, 1.0),
    ],
)
def test_no_contour_levels_for_a_window_without_a_finite_rise(window):
    assert contour_levels(ROUND, window) == ()


def grid_line(low: float, high: float, index: int, count: int) -> float:
    """The coordinate of a grid line through pixel centres, as contour_points computes it."""
    return low + (high - low) * (index + 0.5) / count


def dots_of_points(points, window: Window, width: int, height: int) -> list[tuple[int, int]]:
    return sorted(
        (
            int((w - window.w_low) * (width / (window.w_high - window.w_low))),
            int((window.b_high - b) * (height / (window.b_high - window.b_low))),
        )
        for w, b in points
    )


def test_a_contour_touching_the_window_edges_is_drawn_on_them():
    """A window whose edges are crossings of the contour: those crossings are inside it, as dots too."""
    level, columns, rows = 300.0, 80, 60
    w = grid_line(VALLEY.w_low, VALLEY.w_high, 40, columns)
    b_bottom, b_top = ARTICLE.b_crossings(level, w)
    b_edges = Window(VALLEY.w_low, VALLEY.w_high, b_bottom, b_top)
    b = grid_line(VALLEY.b_low, VALLEY.b_high, 30, rows)
    w_left, w_right = ARTICLE.w_crossings(level, b)
    w_edges = Window(w_left, w_right, VALLEY.b_low, VALLEY.b_high)
    for window, edge_points in ((b_edges, {(w, b_bottom), (w, b_top)}), (w_edges, {(w_left, b), (w_right, b)})):
        points = contour_points(ARTICLE, level, window, columns, rows)
        assert edge_points <= set(points)
        dots = contour_dots(ARTICLE, (level,), window, columns, rows)
        assert sorted(zip(*dots)) == dots_of_points(points, window, columns, rows)


def test_the_path_after_the_dense_epochs_is_sixteen_samples_per_doubling():
    # Every epoch to 64, then round(64 · 2^(k/16)) for k = 1, 2, ...: 66.8, 69.8, 72.9, 76.1,
    # 79.5, 83.0, 86.7, 90.5, 94.5, 98.7, then 103.1 is past the end, which comes last.
    assert DENSE_EPOCHS == 64
    assert path_epochs(0, 100) == (*range(65), 67, 70, 73, 76, 79, 83, 87, 91, 95, 99, 100)
    assert path_epochs(10, 75) == tuple(10 + offset for offset in (*range(65), 65))


def test_window_drops_a_point_with_either_coordinate_blown_up():
    assert window_around([(1.0, 1.0), (math.inf, 2.0), (2.0, math.nan)]) == window_around([(1.0, 1.0)])
    # With no finite point at all there is still a window: the unit square around the origin.
    assert window_around([]) == Window(-1.0, 1.0, -1.0, 1.0)
    assert window_around([(math.nan, 0.0), (0.0, -math.inf)]) == Window(-1.0, 1.0, -1.0, 1.0)


def test_a_window_around_one_point_gets_a_thousandth_of_its_largest_coordinate_around_it():
    assert window_around([(5.0, 2000.0)], margin=0.0) == pytest.approx(Window(3.0, 7.0, 1998.0, 2002.0))
    assert window_around([(0.0, 0.0)], margin=0.0) == pytest.approx(Window(-1e-3, 1e-3, -1e-3, 1e-3))


def test_a_square_window_widens_the_narrower_side_to_the_wider_ones_scale():
    # Half-spans 5 and 0.5, times 1.16 for the margins: 5.8 and 0.58. Per pixel: w 11.6 / 100 = 0.116,
    # b 1.16 / 50 = 0.0232; the larger wins, so b spans 0.116 · 50 = 5.8 around its middle 0.5.
    wide = window_around([(0.0, 0.0), (10.0, 1.0)], square_pixels=(100, 50))
    assert wide == pytest.approx(Window(-0.8, 10.8, 0.5 - 2.9, 0.5 + 2.9))
    # And the other way round: b's 0.232 per pixel wins, and w spans 0.232 · 100 = 23.2.
    tall = window_around([(0.0, 0.0), (1.0, 10.0)], square_pixels=(100, 50))
    assert tall == pytest.approx(Window(0.5 - 11.6, 0.5 + 11.6, -0.8, 10.8))


# -- the cost slices, on the round bowl: cost (w² + b²) / 2, so ∂cost/∂w = w and ∂cost/∂b = b --


def test_each_slice_holds_the_other_parameter_where_the_neuron_is():
    along_w, along_b = cost_slices(ROUND.fit, 2.0, 1.0)
    assert (along_w.name, along_w.at, along_w.cost, along_w.slope, along_w.curvature) == ("w", 2.0, 2.5, 2.0, 1.0)
    assert (along_b.name, along_b.at, along_b.cost, along_b.slope, along_b.curvature) == ("b", 1.0, 2.5, 1.0, 1.0)
    assert along_w.cost_at(0.5) == (0.25 + 1.0) / 2  # b held at 1
    assert along_b.cost_at(0.5) == (4.0 + 0.25) / 2  # w held at 2
    assert along_w.lowest == 0.0 and along_b.lowest == 0.0
    assert along_w.drawable is True and along_b.drawable is True
    # 1.3 times the way from the bottom of the parabola to the neuron, on each side of the bottom.
    assert (along_w.low, along_w.high) == pytest.approx((-2.6, 2.6))
    assert (along_b.low, along_b.high) == pytest.approx((-1.3, 1.3))


def test_a_slices_curve_is_evenly_spaced_from_end_to_end():
    along_w, _ = cost_slices(ROUND.fit, 2.0, 1.0)
    values, costs = along_w.curve(5)
    assert values == pytest.approx([-2.6, -1.3, 0.0, 1.3, 2.6])
    assert costs == pytest.approx([(v * v + 1.0) / 2 for v in values])


def test_at_the_bottom_a_slice_still_spans_a_floor_of_room():
    # At the best line the slope is 0, so the room is the floor: a thousandth of the parameter's
    # size (at least 1) ...
    along_w, along_b = cost_slices(LineFit.of([-1.0, 1.0], [-5.0, 5.0]), 5.0, 0.0)  # best: w = 5, b = 0
    assert (along_w.low, along_w.high) == pytest.approx((4.995, 5.005))
    assert (along_b.low, along_b.high) == pytest.approx((-0.001, 0.001))
    # ... or, where the cost is large, enough for the parabola to rise by a millionth of it:
    # sqrt(2e-6 · 50 / 1) = 0.01, on data with a residual cost of 50.
    noisy = LineFit.of([-1.0, -1.0, 1.0, 1.0], [10.0, -10.0, 10.0, -10.0])
    assert noisy.residual_cost == 50.0
    for piece in cost_slices(noisy, 0.0, 0.0):
        assert (piece.low, piece.high) == pytest.approx((-0.01, 0.01))


def test_a_slice_is_frozen():
    along_w, _ = cost_slices(ROUND.fit, 2.0, 1.0)
    assert isinstance(along_w, CostSlice)
    with pytest.raises(dataclasses.FrozenInstanceError):
        along_w.low = 0.0  # type: ignore[misc]
