"""One epoch explained: its numbers are neuron.py's, and its arithmetic checks out by hand."""

import inspect
import math
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSpec, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.lesson import (
    KEY_LINES,
    checked,
    code_of,
    explain_epoch,
    figure,
    key_lines,
    sample_indices,
)

C2F = celsius_to_fahrenheit_data()
X_TRAIN, Y_TRAIN = list(C2F.x_train), list(C2F.y_train)

# "w ← 0.1343642 + 0.0005 × 7011.167 = 3.639948"; a negative gradient is in parentheses.
NUMBER = r"-?[\d.]+(?:e[+-]\d+)?"
UPDATE = re.compile(rf"^(\S+) ← ({NUMBER}) \+ ({NUMBER}) × \(?({NUMBER})\)? = ({NUMBER})$")
PREDICTION = re.compile(rf"^ŷ\(({NUMBER})\) = ({NUMBER}) × \(?({NUMBER})\)? ([+−]) ({NUMBER}) = ({NUMBER})$")
COST = re.compile(rf"^\(({NUMBER}) ([+−]) ({NUMBER})\)² / 2 = ({NUMBER})$")

weights = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
alphas = st.floats(min_value=1e-7, max_value=1e-3)


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9 * max(1.0, abs(b)))


def half_a_last_digit(shown: str) -> Decimal:
    return Decimal(1).scaleb(Decimal(shown).as_tuple().exponent) / 2


def assert_checks_out(computed: Decimal, shown: str) -> None:
    assert abs(computed - Decimal(shown)) <= half_a_last_digit(shown), (computed, shown)


def signed(sign: str, text: str) -> Decimal:
    return Decimal(text) if sign == "+" else -Decimal(text)


# -- the same numbers as the literal port --------------------------------------------


@settings(max_examples=60, deadline=None)
@given(w=weights, b=weights, alpha=alphas)
def test_numbers_are_those_of_the_literal_port(w, b, alpha):
    lesson = explain_epoch(C2F, w, b, alpha)
    model = neuron.NanoNeuron(w, b)
    predictions, cost = neuron.forward_propagation(model, X_TRAIN, Y_TRAIN)
    dW, dB = neuron.backward_propagation(predictions, X_TRAIN, Y_TRAIN)
    assert close(lesson.cost, cost)
    # Means of terms that may cancel: accurate to 1e-9 of the terms' own size.
    dW_scale = sum(abs((y - p) * x) for x, y, p in zip(X_TRAIN, Y_TRAIN, predictions)) / len(X_TRAIN)
    dB_scale = sum(abs(y - p) for y, p in zip(Y_TRAIN, predictions)) / len(X_TRAIN)
    assert abs(lesson.dW - dW) <= 1e-9 * max(1.0, dW_scale)
    assert abs(lesson.dB - dB) <= 1e-9 * max(1.0, dB_scale)
    neuron.train_model(model, 1, alpha, X_TRAIN, Y_TRAIN)
    assert close(lesson.w_next, model.w)
    assert close(lesson.b_next, model.b)
    assert close(lesson.cost_next, neuron.forward_propagation(model, X_TRAIN, Y_TRAIN)[1])


def test_the_article_start_gives_the_articles_first_cost():
    lesson = explain_epoch(C2F, 0.9492, 0.4570, 0.0005)
    assert lesson.cost == pytest.approx(3014.2994580200007, rel=1e-12)
    assert "= 3014.299" in lesson.section("forward_propagation").lines[0]


def test_the_three_samples_go_through_predict_and_prediction_cost():
    lesson = explain_epoch(C2F, 1.437391, 0.7758238, 0.0005)
    assert [s.x for s in lesson.samples] == [0, 50, 99]
    model = neuron.NanoNeuron(1.437391, 0.7758238)
    for sample in lesson.samples:
        assert sample.prediction == model.predict(sample.x)
        assert sample.cost == neuron.prediction_cost(sample.y, sample.prediction)
        assert sample.y == neuron.celsius_to_fahrenheit(sample.x)
    assert lesson.section("predict").lines[1] == "ŷ(50) = 1.437391 × 50 + 0.7758238 = 72.64537"


def test_sample_indices_are_first_middle_last():
    assert sample_indices(100) == (0, 50, 99)
    assert sample_indices(2) == (0, 1)
    assert sample_indices(1) == (0,)


def test_the_update_is_train_models_own():
    lesson = explain_epoch(C2F, 0.1343642, 0.8474337, 0.0005)
    assert lesson.w_next == 0.1343642 + 0.0005 * lesson.dW
    assert lesson.b_next == 0.8474337 + 0.0005 * lesson.dB
    update_w, update_b = lesson.section("train_model").lines[:2]
    assert update_w == "w ← 0.1343642 + 0.0005 × 7011.167 = 3.639948"
    assert update_b.startswith("b ← 0.8474337 + 0.0005 × 113.6015")
    assert lesson.section("train_model").lines[2] == f"cost {figure(lesson.cost)} → {figure(lesson.cost_next)} after this step"


# -- the code shown is neuron.py's ----------------------------------------------------


def test_every_key_line_is_read_from_neuron_py():
    source = inspect.getsource(neuron)
    for name in KEY_LINES:
        lines = code_of(name)
        assert lines
        for line in lines:
            assert line in source
    assert code_of("train_model") == ("model.w += alpha * dW", "model.b += alpha * dB")
    assert code_of("predict") == ("return x * self.w + self.b",)


def test_a_key_line_that_is_not_there_is_an_error_not_a_guess():
    with pytest.raises(LookupError):
        key_lines(neuron.prediction_cost, ("nothing like this",))
    with pytest.raises(LookupError):  # two lines begin with "d": ambiguous
        key_lines(neuron.backward_propagation, ("d",))


def test_each_function_is_a_section_under_its_own_name():
    lesson = explain_epoch(C2F, 0.5, 0.5, 0.0005)
    names = [section.name for section in lesson.sections]
    assert names == ["the data", "predict", "prediction_cost", "forward_propagation",
                     "backward_propagation", "train_model"]
    for name in names[1:]:
        assert hasattr(neuron, name) or hasattr(neuron.NanoNeuron, name)
    assert lesson.section("the data").code == code_of("celsius_to_fahrenheit")


# -- arithmetic that checks out at the digits shown -------------------------------------


@settings(max_examples=300, deadline=None)
@given(w=weights, b=weights, alpha=alphas)
def test_every_update_line_checks_out_at_the_precision_shown(w, b, alpha):
    lesson = explain_epoch(C2F, w, b, alpha)
    for line, name in zip(lesson.section("train_model").lines[:2], "wb"):
        match = UPDATE.match(line)
        assert match, line
        shown_name, old, shown_alpha, gradient, new = match.groups()
        assert shown_name == name
        assert_checks_out(Decimal(old) + Decimal(shown_alpha) * Decimal(gradient), new)


@settings(max_examples=200, deadline=None)
@given(w=weights, b=weights)
def test_every_prediction_and_cost_line_checks_out(w, b):
    lesson = explain_epoch(C2F, w, b, 0.0005)
    for line in lesson.section("predict").lines:
        x, shown_w, x_again, sign, shown_b, y_hat = PREDICTION.match(line).groups()
        assert x == x_again
        assert_checks_out(Decimal(shown_w) * Decimal(x) + signed(sign, shown_b), y_hat)
    for line in lesson.section("prediction_cost").lines:
        y, sign, y_hat, cost = COST.match(line).groups()
        # "(y − ŷ)": a minus sign subtracts ŷ; a plus sign means ŷ was negative.
        assert_checks_out((Decimal(y) - signed("+" if sign == "−" else "-", y_hat)) ** 2 / 2, cost)


def test_cancellation_gets_the_digits_it_needs():
    # Old and new far apart in size: 7 digits of old would not determine 7 of new.
    (old, alpha, gradient), new = checked((3.6399481, 0.0005, -7277.2), 3.6399481 + 0.0005 * -7277.2,
                                          lambda o, a, g: o + a * g)
    assert_checks_out(Decimal(old) + Decimal(alpha) * Decimal(gradient), new)
    assert len(old.replace(".", "").lstrip("0")) > 7


def test_figures_of_any_size_stay_legible():
    assert figure(3014.2994580200007) == "3014.299"
    assert figure(0.000123456789) == "0.0001234568"
    assert figure(2.439545774223358e-06) == "2.439546e-06"
    assert figure(1.5e38) == "1.5e+38"
    assert figure(-2.5e-300) == "-2.5e-300"
    assert figure(math.inf) == "inf" and figure(-math.inf) == "-inf" and figure(math.nan) == "nan"
    assert figure(None) == "-"


def test_a_diverged_neuron_is_explained_without_a_traceback():
    for w, b in ((1e150, -1e150), (math.inf, 1.0), (1e300, 1e300)):
        lesson = explain_epoch(C2F, w, b, 0.001)
        text = "\n".join(line for section in lesson.sections for line in section.lines)
        assert "inf" in text or "e+" in text
    assert "no longer fit" in explain_epoch(C2F, math.inf, 1.0, 0.001).section("backward_propagation").lines[1]


# -- other data -------------------------------------------------------------------------------


def test_normalized_data_is_explained_in_the_trainers_units_and_converted_back():
    data = build_data(DataSpec(normalize=True))
    w, b = data.to_training(0.5, 0.5)
    lesson = explain_epoch(data, w, b, 0.1)
    fit = data.training_fits[0]
    assert lesson.cost == fit.cost(w, b)
    assert (lesson.dW, lesson.dB) == fit.gradient(w, b)
    scaling = data.scaling
    assert lesson.samples[0].x_trained == pytest.approx((0 - scaling.mean) / scaling.std)
    assert (lesson.w_data, lesson.b_data) == pytest.approx((0.5, 0.5))
    assert (lesson.w_next_data, lesson.b_next_data) == data.from_training(lesson.w_next, lesson.b_next)
    assert lesson.section("train_model").lines[0].startswith("w′ ← ")
    units = lesson.section("in the data's units")
    assert units.lines[0].endswith(f"= 0.5 → {figure(lesson.w_next_data)}")
    assert any("standardized" in line for line in lesson.section("the data").lines)


def test_the_data_section_names_the_rule_or_the_best_line(tmp_path):
    km = explain_epoch(build_data(DataSpec(preset="km2mi", noise=2.0, noise_seed=4)), 0.1, 0.1, 0.0005)
    data_section = km.section("the data")
    assert data_section.summary == "the rule: mi = 0.621371·km + 0 (Kilometres to miles)"
    assert "100 training points (km 0 … 99), 100 test (0.5 … 99.5); the article's split" in data_section.lines
    assert "Noise: Gaussian, σ = 2 on mi (seed 4)" in data_section.lines
    file = tmp_path / "points.csv"
    file.write_text("x,y\n" + "".join(f"{i},{3 * i + 1 + (i % 3)}\n" for i in range(10)))
    csv_data = build_data(DataSpec(csv=str(file)))
    csv_section = explain_epoch(csv_data, 0.0, 0.0, 0.001).section("the data")
    assert csv_section.summary.startswith("no rule known; the best line stands in: y = ")
    assert csv_section.code == ()
    assert "8 training points (x " in csv_section.lines[0]
    assert "shuffled, 20% held out (split seed 0)" in csv_section.lines[0]
