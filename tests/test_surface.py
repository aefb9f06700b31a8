"""The cost surface's maths: the bowl, its contours and the sampled descent path."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSpec, LineFit, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.core.surface import (
    DENSE_EPOCHS,
    CostSurface,
    Window,
    contour_dots,
    contour_levels,
    contour_points,
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
