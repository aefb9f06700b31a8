"""The lesson's core at its edges: the branches and boundaries a mutation run found unpinned.

The expected values are worked out by hand in the comments (the article's data: x = 0..99,
mean(x) = 49.5, mean(x²) = 99·100·199 / 6 / 100 = 3283.5).
"""

import dataclasses
import math
from decimal import Decimal

import pytest

from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSpec, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.lesson import (
    Arithmetic,
    Figures,
    Valley,
    _share,
    about,
    checked,
    code_of,
    epochs_to_settle,
    explain_epoch,
    figure,
    gradient_closed_form,
    key_lines,
    point_terms,
    term_columns,
    totals,
    valley,
    valley_captions,
    valley_words,
)

pytestmark = pytest.mark.unit

C2F = celsius_to_fahrenheit_data()
ARTICLE = (0.1343642, 0.8474337, 0.0005)  # the article's start and learning rate


def add(a: Decimal, b: Decimal) -> Decimal:
    return a + b


@pytest.fixture
def small_x(tmp_path):
    """Ten points with x from 0 to 0.09: mean(x²) is tiny beside b's curvature of 1, so the steep direction is b's."""
    file = tmp_path / "small.csv"
    file.write_text("x,y\n" + "".join(f"{i / 100},{3 * i / 100 + 1}\n" for i in range(10)))
    return build_data(DataSpec(csv=str(file)))


# -- the code shown --------------------------------------------------------------------------


def test_key_lines_are_the_lines_that_begin_so_in_their_order():
    assert key_lines(neuron.train_model, ("model.b +=", "model.w +=")) == (
        "model.b += alpha * dB",
        "model.w += alpha * dW",
    )
    code_of.cache_clear()  # read afresh, not from an earlier test's call
    assert code_of("forward_propagation") == ("cost += prediction_cost(y_train[i], prediction)", "cost /= m")


# -- how numbers are written -------------------------------------------------------------------


def test_a_rounded_number_with_no_decimals_is_written_plainly():
    # 123.4 to 3 digits is 123, not exact, but its last digit is the units: nothing to hide.
    assert figure(123.4, 3) == "123"
    assert figure(1234.5, 3) == "1.23e+03"  # here the zero in 1230 would pass for a digit
    assert figure(5.0, 1) == "5" and figure(7.4, 1) == "7"


def test_figures_write_a_missing_number_as_a_dash():
    assert Figures()(None) == "-"
    assert Figures({2.5: 1})(2.5) == "2"  # its own digits, rounded half to even


def test_checks_out_is_the_arithmetic_on_the_figures_as_written():
    assert Figures().checks_out(Arithmetic((1.5, 2.25), 3.75, add)) is True
    assert Figures().checks_out(Arithmetic((1.5, 2.25), 3.7, add)) is False
    # 1/3 and 2/3 at 7 digits: 0.3333333 + 0.6666667 = 1.000000, as the result 1 reads.
    assert Figures().checks_out(Arithmetic((1 / 3, 2 / 3), 1.0, add)) is True
    # At 2 digits the result 1.0 still reads 0.33 + 0.67 = 1.0.
    assert Figures({1 / 3: 2, 2 / 3: 2, 1.0: 2}).checks_out(Arithmetic((1 / 3, 2 / 3), 1.0, add)) is True
    # 0.1 + 0.2 shown with 1 digit each is 0.3; with the result at 17 digits it is not 0.30000000000000004.
    assert Figures({0.1: 1, 0.2: 1, 0.1 + 0.2: 17}).checks_out(Arithmetic((0.1, 0.2), 0.1 + 0.2, add)) is False


def test_a_line_with_a_number_too_large_to_write_never_checks_out():
    assert Figures().checks_out(Arithmetic((math.inf, 1.0), math.inf, add)) is False
    assert Figures().checks_out(Arithmetic((1.0, 2.0), math.nan, add)) is False
    figures = Figures().settle([Arithmetic((math.inf, 1.0), math.inf, add)])
    assert figures.digits == {}  # nothing to fit


def test_settle_gives_a_result_only_the_digits_it_needs():
    # 1.25 + 1.25 = 2.5 checks out at once: no digits change.
    assert Figures().settle([Arithmetic((1.25, 1.25), 2.5, add)]).digits == {}
    # 1.0000004 + 1.0000004 = 2.0000008: at 7 digits 1.000000 + 1.000000 = 2.000000 ≠ 2.000001, and
    # no longer result helps (2.0000000 ≠ 2.0000008); the operands need 8 digits, 1.0000004 + 1.0000004
    # = 2.0000008, which rounds to the result's 7 digits as written: 2.000001.
    figures = Figures().settle([Arithmetic((1.0000004, 1.0000004), 2.0000008, add)])
    assert figures(1.0000004) == "1.0000004" and figures(2.0000008) == "2.000001"
    # 1.00000004 + 1.00000004: 1.000000 + 1.000000 = 2.000000 already reads 2.0000001 to 7 digits.
    assert Figures().settle([Arithmetic((1.00000004, 1.00000004), 2.00000008, add)]).digits == {}
    # A result given 1 digit keeps it when the line checks out: 0.5 + 0.25 = 0.75 reads 0.8 (a tie, to even).
    figures = Figures({0.75: 1}).settle([Arithmetic((0.5, 0.25), 0.75, add)])
    assert figures(0.75) == "0.8"


# -- the sections -----------------------------------------------------------------------------


def test_gradients_too_large_for_a_number_are_said_so_even_if_only_dW_is():
    # w = 1e306: dW ≈ −w·mean(x²) = −3.3e309 overflows; dB ≈ −w·mean(x) = −4.95e307 does not.
    lesson = explain_epoch(C2F, 1e306, 0.0, 0.001)
    assert lesson.dW == -math.inf and math.isfinite(lesson.dB)
    lines = lesson.section("backward_propagation").lines
    assert lines[1] == "They no longer fit in a number: alpha was too large and every step overshot."


def test_backward_propagation_ends_with_why_adding_goes_downhill():
    lines = explain_epoch(C2F, *ARTICLE).section("backward_propagation").lines
    assert lines[-1] == "dW = −∂cost/∂w, dB = −∂cost/∂b: so w += α·dW is w −= α·∂cost/∂w, downhill"


def test_the_data_section_is_described_once_per_data_set():
    first = explain_epoch(C2F, *ARTICLE).section("the data")
    assert explain_epoch(C2F, 1.0, 2.0, 0.001).section("the data") is first
    other = build_data(DataSpec(preset="km2mi"))
    assert explain_epoch(other, 0.1, 0.1, 0.001).section("the data") is not first


def test_data_with_no_test_points_says_so():
    data = build_data(DataSpec(test_ratio=0.0))
    line = explain_epoch(data, 0.5, 0.5, 0.0005).section("the data").lines[0]
    assert line == "200 training points (°C 0 … 99.5), no test points; shuffled, 0% held out (split seed 0)"


def test_the_explanation_and_its_parts_cannot_be_changed():
    lesson = explain_epoch(C2F, *ARTICLE)
    v = valley(C2F, *ARTICLE)
    parts = (
        lesson,
        lesson.samples[0],
        lesson.updates[0],
        lesson.sections[0],
        Arithmetic((1.0,), 1.0, add),
        point_terms(C2F, 1.0, 2.0, 0, 1)[0],
        totals(C2F, 1.0, 2.0),
        v,
    )
    for part in parts:
        field = dataclasses.fields(part)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(part, field, None)


# -- every training point ----------------------------------------------------------------------


def test_the_columns_with_and_without_standardized_x():
    assert term_columns(False) == (
        ("x", "x"),
        ("y", "y"),
        ("ŷ", "prediction"),
        ("y − ŷ", "miss"),
        ("(y − ŷ)·x", "miss_times_x"),
        ("(y − ŷ)²/2", "cost"),
    )
    assert term_columns(True) == (
        ("x", "x"),
        ("x′", "x_trained"),
        ("y", "y"),
        ("ŷ", "prediction"),
        ("y − ŷ", "miss"),
        ("(y − ŷ)·x′", "miss_times_x"),
        ("(y − ŷ)²/2", "cost"),
    )


def test_a_page_starting_before_the_data_starts_at_its_first_point():
    rows = point_terms(C2F, 1.0, 2.0, -5, 2)
    assert [row.index for row in rows] == [0, 1]
    # x = 1: ŷ = 1·1 + 2 = 3, y = 33.8, y − ŷ = 30.8, (y − ŷ)·x = 30.8, (y − ŷ)²/2 = 474.32.
    assert rows[1].prediction == 3.0
    assert rows[1].miss == pytest.approx(30.8) and rows[1].miss_times_x == pytest.approx(30.8)
    assert rows[1].cost == pytest.approx(474.32)


def test_the_sums_are_count_times_mean():
    sums = totals(C2F, 1.0, 2.0)
    assert sums.count == 100
    assert sums.sum("x") == 4950  # 0 + 1 + ... + 99
    assert sums.sum("prediction") == pytest.approx(4950 + 200)  # ŷ = x + 2


# -- the valley in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "epochs"),
    [
        (0.5, 7),  # 0.5⁷ = 0.0078 ≤ 0.01 < 0.5⁶ = 0.0156
        (-0.5, 7),  # a zig-zag shrinks as fast
        (0.001, 1),  # one epoch takes it past 1 %
        (0.0, 1),
        (1.0, None),  # it stays
        (-1.0, None),
        (1.5, None),  # it grows
        (math.nan, None),  # no number: it never settles
    ],
)
def test_epochs_to_settle_at_its_edges(factor, epochs):
    assert epochs_to_settle(factor) == epochs


@pytest.mark.parametrize(
    ("count", "said"),
    [(1, "1"), (99, "99"), (100, "100"), (1234, "1,200"), (36301, "36,000"), (180049, "180,000")],
)
def test_a_count_of_epochs_as_a_person_says_it(count, said):
    assert about(count) == said


def a_valley(steep: float, shallow: float) -> Valley:
    return Valley(0.1, 2 / steep, steep, shallow, "w", "b", 0.5, 0.5, 7, 7, 0.5, 0.5)


def test_a_bowl_is_round_while_its_curvatures_are_less_than_four_times_apart():
    assert a_valley(3.99, 1.0).round
    assert not a_valley(4.0, 1.0).round


def test_the_article_valley_in_full_words():
    # Curvatures: the eigenvalues of [[3283.5, 49.5], [49.5, 1]]: (3284.5 ± √(3284.5² − 4·833.25)) / 2
    # = 3284.246 and 0.2537, 12,945 times apart; factors 1 − 0.0005·h = −0.642 and 0.999873;
    # epochs log(0.01) / log|factor| = 10.4 → 11 and 36,300.3 → 36,301, said "36,000".
    words = valley_words(valley(C2F, *ARTICLE))
    assert words[:3] == (
        "The cost is a narrow valley: it falls steeply in one direction (mostly w, curvature 3284) "
        "and barely in the other (mostly b, curvature 0.2537): 12,945 times less.",
        "With alpha 0.0005 each epoch multiplies the error in the steep direction by -0.642 (a zig-zag) "
        "and in the flat one by 0.999873: w settles in about 11 epochs, while b needs about 36,000.",
        "alpha must stay below 2 / 3284 = 0.000609, "
        "or the steep direction overshoots further every epoch and the cost blows up.",
    )
    assert words[3].startswith("From here the next 10 epochs cut the cost by 98 % but the distance")
    assert words[3].endswith("most of the distance lies along its flat floor, where each step is tiny.")


def test_when_b_is_the_steep_direction_the_words_say_so(small_x):
    v = valley(small_x, 0.0, 0.0, 0.1)
    assert (v.steep_mostly, v.shallow_mostly) == ("b", "w")
    assert v.steep == pytest.approx(1.0016, abs=1e-4)  # b's curvature 1, plus a little of mean(x²)


def test_a_too_large_alpha_is_said_so_in_words_and_captions(small_x):
    v = valley(small_x, 0.0, 0.0, 2.5)  # the steep factor 1 − 2.5·1.0016 = −1.504: it grows
    assert v.steep_epochs is None
    assert valley_words(v)[1].endswith(
        "by -1.5 (a zig-zag) and in the flat one by 0.997754: the steep part grows every epoch, so the cost blows up."
    )
    assert valley_captions(v) == (
        "alpha 2.5 ≥ 2: the steep direction overshoots, the cost blows up",
        "alpha too large: overshoots · alpha < 2",
        "alpha 2.5 too large: α<2",
        "alpha < 2",
    )


def test_a_flat_direction_whose_factor_rounds_to_one_never_settles(small_x):
    # alpha 1e-14: the steep factor 1 − 1.0016e-14 is below 1, the flat one 1 − 9e-18 rounds to 1.0.
    v = valley(small_x, 0.0, 0.0, 1e-14)
    assert v.steep_epochs is not None and v.shallow_epochs is None
    assert valley_words(v)[1].endswith(": the flat direction never settles.")
    assert valley_captions(v)[3].startswith("b ~") and valley_captions(v)[3].endswith(" epochs, w never · alpha < 2")
    assert valley_captions(v)[4].endswith(", w never · α<2")  # not "w ~never epochs"


CURVED = 3.14159  # a curvature whose figures differ at 2, 3, 4 and 5 digits: 3.1, 3.14, 3.142, 3.1416


def test_a_round_bowl_in_full_words_and_captions():
    bowl = Valley(0.1, 2 / CURVED, CURVED, 1.23456, "w", "b", 0.685841, 0.876544, 13, 36, 0.9, 0.8)
    assert valley_words(bowl) == (
        "The cost is a round bowl: it falls about as fast in every direction (curvatures 3.142 and 1.235).",
        "With alpha 0.1 each epoch multiplies the error in the steep direction by 0.686 and in the flat one by "
        "0.876544: w and b both settle in about 36 epochs.",  # the slower of the two
        "alpha must stay below 2 / 3.142 = 0.637, or the steep direction overshoots further every epoch and the "
        "cost blows up.",
        # Most of the cost goes, and most of the distance: a round bowl never crawls.
        "From here the next 10 epochs cut the cost by 90 % and the distance to the target by 80 %.",
    )
    assert valley_captions(bowl) == (
        "round bowl: w and b both settle in ~36 epochs · alpha < 0.637",
        "round bowl: ~36 epochs · alpha < 0.637",
        "alpha < 0.637",
    )


def test_a_round_bowl_whose_cost_goes_but_not_its_distance_does_not_crawl():
    bowl = Valley(0.1, 2 / CURVED, CURVED, 1.23456, "w", "b", 0.685841, 0.876544, 13, 36, 0.9, 0.4)
    assert (
        valley_words(bowl)[3]
        == "From here the next 10 epochs cut the cost by 90 % and the distance to the target by 40 %."
    )


def narrow(
    steep_factor: float = 0.5, cost_drop: float = 0.9, distance_drop: float = 0.4, steep_epochs: int = 7
) -> Valley:
    return Valley(0.1, 0.1, 20.0, 1.23456, "w", "b", steep_factor, 0.876544, steep_epochs, 36, cost_drop, distance_drop)


def test_a_narrow_valley_crawls_when_more_than_half_the_cost_but_less_than_half_the_distance_goes():
    assert " but the distance to the target by 40 %: most of the cost" in valley_words(narrow())[3]
    # Exactly half is not more than half, nor less.
    assert valley_words(narrow(cost_drop=0.5))[3].endswith(
        "cut the cost by 50 % and the distance to the target by 40 %."
    )
    assert valley_words(narrow(distance_drop=0.5))[3].endswith(
        "cut the cost by 90 % and the distance to the target by 50 %."
    )


def test_only_a_negative_factor_is_a_zig_zag():
    assert "steep direction by 0.5 and in the flat one" in valley_words(narrow(steep_factor=0.5))[1]
    assert "steep direction by 0 and in the flat one" in valley_words(narrow(steep_factor=0.0))[1]
    assert "steep direction by -0.5 (a zig-zag) and" in valley_words(narrow(steep_factor=-0.5))[1]


def test_one_epoch_is_said_in_the_singular():
    once = narrow(steep_factor=0.0, steep_epochs=1)
    assert valley_words(once)[1].endswith(": w settles in about 1 epoch, while b needs about 36.")
    assert valley_captions(once)[:2] == (
        "narrow valley (curvature 20 : 1.2): w settles in ~1 epoch, b in ~36 · alpha < 0.1",
        "narrow valley 20 : 1.2: w ~1 epoch, b ~36 · alpha < 0.1",
    )
    assert valley_captions(narrow())[4] == "w ~7, b ~36 epochs · α<0.1"


def test_the_shortest_caption_names_the_limit_to_three_digits():
    v = Valley(0.1, 2 / CURVED, CURVED, 0.5, "w", "b", 0.685841, 0.95, 13, 90, 0.9, 0.4)
    assert valley_captions(v)[4:] == ("w ~13, b ~90 epochs · α<0.637", "alpha < 0.637")


def test_a_too_large_alpha_names_the_limit_to_three_digits():
    v = Valley(0.7, 2 / CURVED, CURVED, 0.01, "w", "b", 1 - 0.7 * CURVED, 0.993, None, 600, math.nan, math.nan)
    assert valley_captions(v) == (
        "alpha 0.7 ≥ 0.637: the steep direction overshoots, the cost blows up",
        "alpha too large: overshoots · alpha < 0.637",
        "alpha 0.7 too large: α<0.637",
        "alpha < 0.637",
    )


def test_a_diverged_neuron_has_no_drops_to_tell():
    v = valley(C2F, math.inf, 1.0, 0.0005)
    assert math.isnan(v.cost_drop) and math.isnan(v.distance_drop)
    assert not any(word.startswith("From here") for word in valley_words(v))


def test_at_the_target_the_drops_are_not_a_division_by_zero():
    # At the exact answer (w = 1.8, b = 32) the cost and the distance are 0: no share of them to cut.
    v = valley(C2F, 1.8, 32.0, 0.0005)
    assert math.isnan(v.distance_drop)


# -- the fewest digits that check out, for neurons far from the answer ---------------------------
# Found by comparing the lesson with its mutants over random neurons: each case is one where a
# step of the search for digits (a longer result first, a shorter result of its own, then longer
# operands) decides what is written. Every line checks out by hand at its last digit, e.g.
# 694867.47 × 50 + 521924.89 = 35265298.39 → 3.52653e+07, and (3.52653e+07 − 122)² / 2 = 6.21816e+14.


@pytest.mark.parametrize(
    ("w", "b", "alpha", "lines"),
    [
        (  # nothing needs more than 7 digits, not even the tiny b beside a huge w
            451705.20289303036,
            0.003397869031995604,
            7.50108608066957e-07,
            (
                "ŷ(0) = 451705.2 × 0 + 0.003397869 = 0.003397869",
                "(32 − 0.003397869)² / 2 = 511.8913",
                "w ← 451705.2 + 7.501086e-07 × (-1.483167e+09) = 450592.7",
                "b ← 0.003397869 + 7.501086e-07 × (-2.235929e+07) = -16.7685",
            ),
        ),
        (  # w's update needs w and alpha to 8 digits, dW not; one point's cost drops to 6 instead of spreading them
            694867.4738744653,
            521924.88982515107,
            0.00014285432865099014,
            (
                "ŷ(50) = 694867.47 × 50 + 521924.9 = 3.52653e+07",
                "(122 − 3.52653e+07)² / 2 = 6.21816e+14",
                "w ← 694867.47 + 0.00014285433 × (-2.307425e+09) = 365241.8",
                "b ← 521924.9 + 0.00014285433 × (-3.491774e+07) = 516936.7",
            ),
        ),
        (  # a cost of its own down to 6 digits: 4.31085e+15, not 4.310850e+15 nor 4.3108e+15
            -943305.0469559873,
            534315.2582959242,
            7.694140798003773e-05,
            (
                "(210.2 + 9.285288e+07)² / 2 = 4.31085e+15",
                "w ← -943305.05 + 0.00007694141 × 3.070901e+09 = -707025.6",
            ),
        ),
        (  # b's update needs b to 8 digits, and only b: the tiny w and alpha keep their 7
            0.00012153591679480174,
            736156.1807496939,
            9.959485476088093e-07,
            (
                "ŷ(50) = 0.0001215359 × 50 + 736156.18 = 736156.2",
                "w ← 0.0001215359 + 9.959485e-07 × (-3.643224e+07) = -36.28451",
                "b ← 736156.18 + 9.959485e-07 × (-736035.1) = 736155.4",
            ),
        ),
        (  # b's update gives alpha 8 digits after w's line checked out with 7: w's is settled
            # again, and needs dW to 8 digits as well
            -0.0002725336485367816,
            -0.0268223767316583,
            0.002348456456568739,
            (
                "w ← -0.0002725336 + 0.0023484565 × 7496.5226 = 17.60498",
                "b ← -0.02682238 + 0.0023484565 × 121.14031 = 0.2576704",
            ),
        ),
    ],
)
def test_the_fewest_digits_that_check_out_far_from_the_answer(w, b, alpha, lines):
    lesson = explain_epoch(C2F, w, b, alpha)
    shown = {line for name in ("predict", "prediction_cost", "train_model") for line in lesson.section(name).lines}
    for line in lines:
        assert line in shown


def step(old: Decimal, alpha: Decimal, gradient: Decimal) -> Decimal:
    return old + alpha * gradient


def test_a_cancellation_takes_all_17_digits_a_double_holds():
    # 10.840747296088125 − 10.840747298251131 = −0.000000002163006: only the full digits of both
    # operands give the result's seven.
    operands = (10.840747296088125, 1.0, -10.84074729825113)
    result = operands[0] + operands[2]
    assert checked(operands, result, step) == (["10.840747296088125", "1", "-10.840747298251131"], "-2.163006e-09")


def test_digits_one_number_needs_are_not_given_to_its_neighbours():
    # w and dW need 17 digits for the step to check out; alpha does not, and 0.0005 read as
    # 0.00050000000000000001 would tell a learner that alpha is not what they typed.
    w, alpha, dW = 24.76756930395004, 0.0005, -49535.13864656633
    assert checked((w, alpha, dW), w + alpha * dW, step) == (
        ["24.76756930395004", "0.0005", "-49535.138646566331"],
        "-1.933313e-08",
    )


def predict(w: Decimal, x: Decimal, b: Decimal) -> Decimal:
    return w * x + b


def half_square(y: Decimal, prediction: Decimal) -> Decimal:
    return (y - prediction) * (y - prediction) / 2


# The search for digits, step by step, each at its bound. Digits already given (by another line
# that shares a number) are where a step starts; each case was found by comparing the search
# with the same search one bound moved.
SEARCH_STEPS = {
    "a result of its own first tries one more digit, before any fewer": (
        (-4765564.849168902, 115.50385114712965),
        11355854613580.652,
        half_square,
        True,
        {115.50385114712965: 10},
        (["-4765565", "115.5038511"], "1.1355855e+13"),
    ),
    "the result alone goes up to 15 digits": (
        (-1.3200348368179805e-07, 95.0),
        94.99999986799652,
        add,
        False,
        {94.99999986799652: 14},
        (["-1.320035e-07", "95"], "94.9999998679965"),
    ),
    "but not to 16: past 15 the operands get digits too": (
        (181.0, -3108089.7336282837),
        4830673476765.055,
        half_square,
        False,
        {4830673476765.055: 15, -3108089.7336282837: 16},
        (["181", "-3108089.7336282837"], "4.83067347676505e+12"),
    ),
    "together, the result goes up to 15 before the operands show noise": (
        (152.0, -321.9334898725689, -121737.05165954602),
        39191385.887554854,
        step,
        False,
        {-121737.05165954602: 14, 39191385.887554854: 15, -321.9334898725689: 16},
        (["152", "-321.9334898725689", "-121737.05165954602"], "39191385.8875549"),
    ),
    "past noise, a result already at 17 digits is still tried": (
        (1.0, 1243033.602204773, 20.226000125312158),
        1243053.8282048984,
        predict,
        False,
        {1243053.8282048984: 17},
        (["1", "1243033.6022047731", "20.226000125312158"], "1243053.8282048984"),
    ),
}


@pytest.mark.parametrize("case", SEARCH_STEPS)
def test_the_search_for_digits_step_by_step(case):
    operands, result, combine, private, given, shown = SEARCH_STEPS[case]
    figures = Figures(dict(given)).settle([Arithmetic(operands, result, combine, private_result=private)])
    assert ([figures(v) for v in operands], figures(result)) == shown


def test_past_17_digits_it_gives_up_rather_than_write_digits_a_double_does_not_have():
    # 1.0000000000000027 + 0.025035715027128744 × −39.94293744979202 = 6.6e-10: the cancellation
    # needs more digits of the operands than a double holds; the figures stay at seven.
    operands = (1.0000000000000027, 0.025035715027128744, -39.94293744979202)
    result = operands[0] + operands[1] * operands[2]
    assert checked(operands, result, step) == (["1", "0.02503572", "-39.94294"], "6.605811e-10")


def test_operands_stay_within_15_digits_while_a_longer_result_checks_out():
    # 28.5480820180519 + 0.0000961868042920468 × (−296798.320815244) = 1.95879050e-08: fifteen digits
    # of the operands suffice if the result shows eight; sixteen would show a double's noise.
    operands = (28.548082018051918, 9.618680429204681e-05, -296798.32081524417)
    result = operands[0] + operands[1] * operands[2]
    texts, result_text = checked(operands, result, step)
    assert (texts, result_text) == (["28.5480820180519", "0.0000961868042920468", "-296798.320815244"], "1.9587905e-08")
    by_hand = Decimal(texts[0]) + Decimal(texts[1]) * Decimal(texts[2])
    assert abs(by_hand - Decimal(result_text)) <= Decimal("0.00000005e-08")


def test_a_cost_of_its_own_drops_to_three_digits_and_no_further():
    # (188 − 188.0585)² / 2 = 0.00171112: it reads 0.00171 as the cost 0.001713979 does to three
    # digits, but not 0.001714 to four: three digits, and ŷ keeps its seven.
    y, prediction = 188.0, 188.05854876427736
    cost = (y - prediction) ** 2 / 2
    figures = Figures().settle([Arithmetic((y, prediction), cost, half_square, private_result=True)])
    assert (figures(y), figures(prediction), figures(cost)) == ("188", "188.0585", "0.00171")


def test_below_three_digits_of_a_cost_its_prediction_takes_more_digits():
    # (122 − 122.0303)² / 2 = 0.000459: not 0.000460 even at three digits, so ŷ(50) takes more,
    # and with it w and b in every line: 122.030339597 − 122 = 0.030339597, squared and halved 0.00046025.
    lesson = explain_epoch(C2F, -4.753238963029277, 359.6922877481774, 0.00010427675297646336)
    assert lesson.section("prediction_cost").lines[1] == "(122 − 122.030339597)² / 2 = 0.0004602456"
    assert lesson.section("predict").lines[1] == "ŷ(50) = -4.753238963029 × 50 + 359.6922877482 = 122.030339597"


@pytest.mark.parametrize(
    ("y", "prediction", "written"),
    [
        # 38 − 34.9376 = 3.0624, 3.0624² / 2 = 4.68914688: 4.68915 to six digits, as the cost
        # 4.689145753 reads; to seven, 4.689147 would not be 4.689146.
        (38.0, 34.93760036797753, ("38", "34.9376", "4.68915")),
        # 168 − 167.926 = 0.074, 0.074² / 2 = 0.002738: 0.00274 to three digits (0.002738 ≠ 0.002739 to four).
        (168.0, 167.9259884365218, ("168", "167.926", "0.00274")),
        # 18 − 17.99923 = 0.00077 would give 3e-07 at best: below three digits ŷ takes more,
        # 18 − 17.9992278285 = 0.0007721715, squared and halved 2.981244e-07.
        (18.0, 17.999227828516993, ("18", "17.9992278285", "2.981244e-07")),
        # (206 − 205.99999999072799)² / 2 = 4.3e-17: no 17 digits of ŷ make it check out; nothing is forced.
        (206.0, 205.99999999072799, ("206", "206", "4.298512e-17")),
    ],
)
def test_a_cost_of_its_own_takes_the_fewest_digits_down_to_three(y, prediction, written):
    cost = (y - prediction) ** 2 / 2
    figures = Figures().settle([Arithmetic((y, prediction), cost, half_square, private_result=True)])
    assert (figures(y), figures(prediction), figures(cost)) == written


@pytest.mark.parametrize(
    ("share", "written"),
    [(1.0, "100 %"), (0.983, "98 %"), (0.5, "50 %"), (0.095, "9.5 %"), (0.0036, "0.36 %"), (0.0, "0 %")],
)
def test_a_share_is_written_with_the_digits_it_needs(share, written):
    assert _share(share) == written


# -- a valley at exactly 45°, and a neuron already at zero cost --------------------------------


@pytest.fixture
def on_a_line_at_45(tmp_path):
    """x = 1, 1, 1, −1 and y = 2x + 1, all for training: every point on the line, so the best
    line w = 2, b = 1 costs exactly 0. mean(x) = 0.5 and mean(x²) = 1 = b's curvature, so the
    curvature matrix [[1, 0.5], [0.5, 1]] has its directions at exactly 45°: (1, 1) with
    curvature 1.5 and (−1, 1) with 0.5."""
    file = tmp_path / "diagonal.csv"
    file.write_text("x,y\n1,3\n1,3\n1,3\n-1,-1\n")
    return build_data(DataSpec(csv=str(file), test_ratio=0.0))


def test_at_45_degrees_the_steep_direction_is_named_w_and_the_shallow_one_b(on_a_line_at_45):
    v = valley(on_a_line_at_45, 0.0, 0.0, 0.1)
    assert (v.steep, v.shallow) == (1.5, 0.5)
    # Both directions lean exactly as much to w as to b: a tie counts as w, and the shallow
    # one, which would be named w too, is named apart.
    assert (v.steep_mostly, v.shallow_mostly) == ("w", "b")


def test_a_neuron_at_zero_cost_and_zero_distance_has_no_drops_to_tell(on_a_line_at_45):
    v = valley(on_a_line_at_45, 2.0, 1.0, 0.1)
    assert on_a_line_at_45.target == (2.0, 1.0)
    assert math.isnan(v.cost_drop) and math.isnan(v.distance_drop)  # not 0 / 0


def test_on_the_best_line_of_noisy_data_the_next_epochs_take_nothing_away():
    # C2F's best line (1.8, 31.999999999999986) still costs 7e-29 (rounding) and lies 1.4e-14 from
    # the rule (1.8, 32): both below 1 but above 0, and descent from the best line stays put.
    fit = C2F.training_fits[0]
    v = valley(C2F, fit.w_best, fit.b_best, 0.0005)
    assert (v.cost_drop, v.distance_drop) == (0.0, 0.0)


def test_a_next_w_too_large_for_a_number_costs_infinitely_even_where_x_averages_zero():
    # Standardized x has mean 0 and variance 1, so dW = cov(x′, y) − w ≈ −1.7e308 and
    # dB = mean(y) − b = 121.1 − 1 = 120.1: w ← 1.7e308 + 10 × (−1.7e308) overflows to −inf while
    # b ← 1 + 10 × 120.1 = 1202 stays finite. The cost there is infinite; the formula
    # (w·mean(x) = −inf × 0) would say nan.
    lesson = explain_epoch(build_data(DataSpec(normalize=True)), 1.7e308, 1.0, 10.0)
    assert (lesson.w_next, lesson.b_next) == (-math.inf, 1202.0)
    assert lesson.cost_next == math.inf


# -- a line upset by digits another line gave a number they share: settle goes round again --------


def test_a_longer_result_upsets_the_line_before_it_and_settle_goes_round_again():
    # 4.313 + 0.0000005 = 4.3130005, a tie at 7 digits: the sum rounds to even, 4.313000, but the
    # double 4.3130005 (4.31300050000000024) reads 4.313001, so the result takes an 8th digit.
    # The line before it read 4.313001 + 0.00007 = 4.313071, which checked out; with 4.3130005 it
    # is 4.3130705, again a tie at 7 digits (4.313070) beside the double's 4.313071: it needs
    # another round, which gives its result the 8th digit too.
    r, t = 4.3130005, 4.3130705
    figures = Figures().settle([Arithmetic((r, 7e-05), t, add), Arithmetic((4.313, 5e-07), r, add)])
    assert [figures(v) for v in (4.313, 5e-07, r, 7e-05, t)] == ["4.313", "5e-07", "4.3130005", "0.00007", "4.3130705"]


def test_a_shorter_cost_of_its_own_upsets_the_line_before_it_and_settle_goes_round_again():
    # The cost (38 − 34.93760036797753)² / 2 = 4.689145753 drops to 4.68915 on its own line (see
    # above). The line before it, 4.689146 + 0.0000004 = 4.6891464 → 4.689146, would read
    # 4.68915 + 0.0000004 = 4.6891504 → 4.689150: another round gives the cost back its 7 digits,
    # and ŷ takes 9 for the cost's line to check out: 38 − 34.9376004 = 3.0623996, squared and
    # halved 4.68914566 → 4.689146.
    y, prediction = 38.0, 34.93760036797753
    cost = (y - prediction) ** 2 / 2
    t = cost + 4e-07
    figures = Figures().settle(
        [Arithmetic((cost, 4e-07), t, add), Arithmetic((y, prediction), cost, half_square, private_result=True)]
    )
    assert [figures(v) for v in (y, prediction, cost, t)] == ["38", "34.9376004", "4.689146", "4.689146"]


def test_the_closed_form_gives_its_results_the_digits_they_need_beyond_the_lessons():
    # Near the answer the lesson writes dW = -0.2416954 and dB = -0.003643649, but by the means
    # 7494.3 − 1.80007360906 × 3283.5 − 32 × 49.5 = −0.24169534851 reads −0.2416953 at 7 digits,
    # and 121.1 − 1.80007360906 × 49.5 − 32 = −0.00364364847 reads −0.003643648: each takes an
    # 8th digit, and then checks out (=, not ≈).
    lesson = explain_epoch(C2F, 1.8000736090614287, 32.000000000003425, 0.0005)
    assert (lesson.figures(lesson.dW), lesson.figures(lesson.dB)) == ("-0.2416954", "-0.003643649")
    _, (dW_line, dB_line) = gradient_closed_form(C2F, lesson)
    assert dW_line.endswith("= 7494.3 − 1.80007360906 × 3283.5 − 32 × 49.5 = -0.24169535")
    assert dB_line.endswith("= 121.1 − 1.80007360906 × 49.5 − 32 = -0.0036436485")
