"""One epoch explained: its numbers are neuron.py's, and its arithmetic checks out by hand."""

import inspect
import math
import re
from decimal import Decimal
from pathlib import Path

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


@pytest.mark.unit
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


@pytest.mark.unit
def test_the_article_start_gives_the_articles_first_cost():
    lesson = explain_epoch(C2F, 0.9492, 0.4570, 0.0005)
    assert lesson.cost == pytest.approx(3014.2994580200007, rel=1e-12)
    assert "= 3014.299" in lesson.section("forward_propagation").lines[0]


@pytest.mark.unit
def test_the_three_samples_go_through_predict_and_prediction_cost():
    lesson = explain_epoch(C2F, 1.437391, 0.7758238, 0.0005)
    assert [s.x for s in lesson.samples] == [0, 50, 99]
    model = neuron.NanoNeuron(1.437391, 0.7758238)
    for sample in lesson.samples:
        assert sample.prediction == model.predict(sample.x)
        assert sample.cost == neuron.prediction_cost(sample.y, sample.prediction)
        assert sample.y == neuron.celsius_to_fahrenheit(sample.x)
    assert lesson.section("predict").lines[1] == "ŷ(50) = 1.437391 × 50 + 0.7758238 = 72.64537"


@pytest.mark.unit
def test_sample_indices_are_first_middle_last():
    assert sample_indices(100) == (0, 50, 99)
    assert sample_indices(2) == (0, 1)
    assert sample_indices(1) == (0,)


@pytest.mark.unit
def test_the_update_is_train_models_own():
    lesson = explain_epoch(C2F, 0.1343642, 0.8474337, 0.0005)
    assert lesson.w_next == 0.1343642 + 0.0005 * lesson.dW
    assert lesson.b_next == 0.8474337 + 0.0005 * lesson.dB
    update_w, update_b = lesson.section("train_model").lines[:2]
    assert update_w == "w ← 0.1343642 + 0.0005 × 7011.167 = 3.639948"
    assert update_b.startswith("b ← 0.8474337 + 0.0005 × 113.6015")
    expected = f"cost {figure(lesson.cost)} → {figure(lesson.cost_next)} after this step"
    assert lesson.section("train_model").lines[2] == expected


# -- the code shown is neuron.py's ----------------------------------------------------


@pytest.mark.unit
def test_every_key_line_is_read_from_neuron_py():
    source = inspect.getsource(neuron)
    for name in KEY_LINES:
        lines = code_of(name)
        assert lines
        for line in lines:
            assert line in source
    assert code_of("train_model") == ("model.w += alpha * dW", "model.b += alpha * dB")
    assert code_of("predict") == ("return x * self.w + self.b",)


@pytest.mark.unit
def test_a_key_line_that_is_not_there_is_an_error_not_a_guess():
    with pytest.raises(LookupError):
        key_lines(neuron.prediction_cost, ("nothing like this",))
    with pytest.raises(LookupError):  # two lines begin with "d": ambiguous
        key_lines(neuron.backward_propagation, ("d",))


@pytest.mark.unit
def test_each_function_is_a_section_under_its_own_name():
    lesson = explain_epoch(C2F, 0.5, 0.5, 0.0005)
    names = [section.name for section in lesson.sections]
    assert names == [
        "the data",
        "predict",
        "prediction_cost",
        "forward_propagation",
        "backward_propagation",
        "train_model",
    ]
    for name in names[1:]:
        assert hasattr(neuron, name) or hasattr(neuron.NanoNeuron, name)
    assert lesson.section("the data").code == code_of("celsius_to_fahrenheit")


# -- arithmetic that checks out at the digits shown -------------------------------------


@pytest.mark.unit
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


@pytest.mark.unit
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


@pytest.mark.unit
def test_cancellation_gets_the_digits_it_needs():
    # Old and new far apart in size: 7 digits of old would not determine 7 of new.
    (old, alpha, gradient), new = checked(
        (3.6399481, 0.0005, -7277.2), 3.6399481 + 0.0005 * -7277.2, lambda o, a, g: o + a * g
    )
    assert_checks_out(Decimal(old) + Decimal(alpha) * Decimal(gradient), new)
    assert len(old.replace(".", "").lstrip("0")) > 7


@pytest.mark.unit
def test_figures_of_any_size_stay_legible():
    assert figure(3014.2994580200007) == "3014.299"
    assert figure(0.000123456789) == "0.0001234568"
    assert figure(2.439545774223358e-06) == "2.439546e-06"
    assert figure(1.5e38) == "1.5e+38"
    assert figure(-2.5e-300) == "-2.5e-300"
    assert figure(math.inf) == "inf" and figure(-math.inf) == "-inf" and figure(math.nan) == "nan"
    assert figure(None) == "-"


@pytest.mark.unit
def test_numbers_carry_no_float_noise():
    # y = 1.8 * 99 + 32 is the double 210.20000000000002: the lesson writes 210.2, and the
    # result takes the extra digit the exact tie 184.7² / 2 = 17057.045 needs to check out.
    lesson = explain_epoch(C2F, 0.25, 0.75, 0.0005)
    assert lesson.section("prediction_cost").lines[2] == "(210.2 − 25.5)² / 2 = 17057.045"
    assert lesson.section("predict").lines[2] == "ŷ(99) = 0.25 × 99 + 0.75 = 25.5"
    text = "\n".join(line for section in lesson.sections for line in section.lines)
    assert "0000000" not in text and "9999999" not in text


@pytest.mark.unit
def test_one_points_cost_drops_digits_rather_than_spread_them_to_w_and_b():
    from nanoneuron_tui.core.run import Run

    run = Run(C2F, 0.1343642, 0.8474337, 0.0005)
    lesson = explain_epoch(C2F, *run.trained_neuron(40), 0.0005)
    # y − ŷ = 122 − 114.3778 keeps five digits: the cost says 29.049, and w, b keep seven everywhere.
    assert lesson.section("prediction_cost").lines[1] == "(122 − 114.3778)² / 2 = 29.049"
    assert lesson.section("predict").lines[1] == "ŷ(50) = 2.266813 × 50 + 1.037141 = 114.3778"
    assert lesson.updates[0].text.startswith("w ← 2.266813 + ")


@pytest.mark.unit
def test_a_rounded_whole_number_is_not_written_as_if_exact():
    assert figure(18299851234.5) == "1.829985e+10"
    assert figure(18299850000.0) == "18299850000"
    assert figure(-10962442.0) == "-1.096244e+07"
    assert figure(25.5) == "25.5" and figure(100.0) == "100"


@pytest.mark.unit
@settings(max_examples=200, deadline=None)
@given(w=weights, b=weights, alpha=alphas)
def test_the_same_number_reads_the_same_in_every_line(w, b, alpha):
    lesson = explain_epoch(C2F, w, b, alpha)
    (gradients,) = lesson.section("backward_propagation").lines[:1]
    gradient_line = rf"dW = mean\(\(y − ŷ\)·x\) = ({NUMBER})    dB = mean\(y − ŷ\) = ({NUMBER})"
    dW_text, dB_text = re.fullmatch(gradient_line, gradients).groups()
    update_w, update_b = (UPDATE.match(line).groups() for line in lesson.section("train_model").lines[:2])
    assert update_w[3] == dW_text
    assert update_b[3] == dB_text
    for line in lesson.section("predict").lines:
        _, shown_w, _, _, _, _ = PREDICTION.match(line).groups()
        assert shown_w == update_w[1]
    predictions = [PREDICTION.match(line).groups()[5] for line in lesson.section("predict").lines]
    costs = [COST.match(line).groups() for line in lesson.section("prediction_cost").lines]
    for prediction, (_, sign, y_hat, _) in zip(predictions, costs):
        assert (y_hat if sign == "−" else f"-{y_hat}") == prediction
    (forward,) = lesson.section("forward_propagation").lines
    assert lesson.section("train_model").lines[2].startswith(f"cost {forward.rsplit(' = ', 1)[1]} → ")


@pytest.mark.unit
def test_a_diverged_neuron_is_explained_without_a_traceback():
    for w, b in ((1e150, -1e150), (math.inf, 1.0), (1e300, 1e300)):
        lesson = explain_epoch(C2F, w, b, 0.001)
        text = "\n".join(line for section in lesson.sections for line in section.lines)
        assert "inf" in text or "e+" in text
    assert "no longer fit" in explain_epoch(C2F, math.inf, 1.0, 0.001).section("backward_propagation").lines[1]
    assert not any(
        "no longer fit" in line for line in explain_epoch(C2F, 1.0, 1.0, 0.001).section("backward_propagation").lines
    )


# -- other data -------------------------------------------------------------------------------


@pytest.mark.unit
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


@pytest.mark.unit
def test_the_data_section_names_the_rule_or_the_best_line(tmp_path):
    km = explain_epoch(build_data(DataSpec(preset="km2mi", noise=2.0, noise_seed=4)), 0.1, 0.1, 0.0005)
    data_section = km.section("the data")
    assert data_section.summary == "Kilometres to miles: mi = 0.621371·km + 0"
    assert "100 training points (km 0 … 99), 100 test (0.5 … 99.5); the article's split" in data_section.lines
    assert "Noise: Gaussian, σ = 2 on mi (seed 4)" in data_section.lines
    file = tmp_path / "points.csv"
    file.write_text("x,y\n" + "".join(f"{i},{3 * i + 1 + (i % 3)}\n" for i in range(10)))
    csv_data = build_data(DataSpec(csv=str(file)))
    csv_section = explain_epoch(csv_data, 0.0, 0.0, 0.001).section("the data")
    assert csv_section.summary.startswith("no rule known; the best line: y = ")
    assert csv_section.code == ()
    assert "8 training points (x " in csv_section.lines[0]
    assert "shuffled, 20% held out (split seed 0)" in csv_section.lines[0]


# -- on screen -----------------------------------------------------------------------------

from textual.widgets import Input  # noqa: E402

from nanoneuron_tui.app import NanoNeuronApp  # noqa: E402
from nanoneuron_tui.core.lesson import EpochExplained  # noqa: E402
from nanoneuron_tui.params import Hyperparameters  # noqa: E402
from nanoneuron_tui.session import Session, State  # noqa: E402
from nanoneuron_tui.widgets.lesson import CHANGED_STYLE, NEW_STYLE, EpochExplainedView, LessonScreen  # noqa: E402
from tests.helpers import SEED_START, make_app, plots_drawn, wait_for  # noqa: E402

ARTICLE_START = dict(w0=0.1343642, b0=0.8474337)


def shown(app) -> EpochExplainedView:
    """The explanation on screen; a blank one while the screen is still being composed."""
    views = app.screen.query(EpochExplainedView)
    return views.first() if views else EpochExplainedView()


def assert_is_the_literal_port(lesson: EpochExplained, w: float, b: float, alpha: float) -> None:
    """The lesson's numbers are those neuron.py computes for the same w and b, to 1e-9."""
    model = neuron.NanoNeuron(w, b)
    predictions, cost = neuron.forward_propagation(model, X_TRAIN, Y_TRAIN)
    dW, dB = neuron.backward_propagation(predictions, X_TRAIN, Y_TRAIN)
    assert (lesson.w, lesson.b) == (w, b)
    assert lesson.cost == pytest.approx(cost, rel=1e-9)
    assert lesson.dW == pytest.approx(dW, rel=1e-9)
    assert lesson.dB == pytest.approx(dB, rel=1e-9)
    neuron.train_model(model, 1, alpha, X_TRAIN, Y_TRAIN)
    assert lesson.w_next == pytest.approx(model.w, rel=1e-9)
    assert lesson.b_next == pytest.approx(model.b, rel=1e-9)


def assert_displays(view: EpochExplainedView, lesson: EpochExplained) -> None:
    text = view.text
    for value in (lesson.cost, lesson.dW, lesson.dB, lesson.cost_next):
        assert lesson.figures(value) in text
    for update in lesson.updates:
        assert update.text in text


@pytest.mark.app
async def test_e_explains_the_epoch_with_the_literal_ports_numbers():
    app = make_app(**ARTICLE_START)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen) and shown(app).lesson is not None)
        lesson = shown(app).lesson
        assert_is_the_literal_port(lesson, 0.1343642, 0.8474337, 0.0005)
        assert_displays(shown(app), lesson)
        text = shown(app).text
        for name in ("predict", "prediction_cost", "forward_propagation", "backward_propagation", "train_model"):
            assert f"\n{name}  " in text
        assert "w ← 0.1343642 + 0.0005 × 7011.167 = 3.639948" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonScreen)
        await pilot.press("e")
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("e")
        assert not isinstance(app.screen, LessonScreen)


@pytest.mark.app
async def test_after_each_step_it_shows_before_and_after_with_the_changes_marked():
    app = make_app(**ARTICLE_START)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: shown(app).lesson is not None)
        assert "the step just taken" not in shown(app).text
        first = shown(app).lesson
        for epoch in (1, 2):
            await pilot.press("s")
            await wait_for(pilot, lambda: shown(app).lesson is not None and shown(app).lesson.w != first.w)
            view = app.session.view()
            assert view.epoch == epoch
            lesson, before = shown(app).lesson, shown(app).before
            assert_is_the_literal_port(lesson, view.w, view.b, 0.0005)
            assert before == first and lesson.w == pytest.approx(first.w_next, rel=1e-12)
            text = shown(app).text
            assert f"the step just taken, {epoch - 1} → {epoch}:" in text
            assert f"w {first.figures(first.w)} → {lesson.figures(lesson.w)}" in text
            assert f"cost {first.figures(first.cost)} → {lesson.figures(lesson.cost)}" in text
            styles = {str(span.style) for span in shown(app).content.spans}
            assert NEW_STYLE in styles and CHANGED_STYLE in styles
            first = lesson
        await pilot.press("r")  # a reset is not a step: nothing to compare with
        await wait_for(pilot, lambda: "the step just taken" not in shown(app).text)


@pytest.mark.app
async def test_after_a_step_each_block_says_which_step_it_is_about():
    app = make_app(**ARTICLE_START)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: shown(app).lesson is not None)
        assert "the next step, 0 → 1, one function at a time:" in shown(app).text
        await pilot.press("s")
        await wait_for(pilot, lambda: "the step just taken, 0 → 1:" in shown(app).text)
        head, body = shown(app).text.split("the next step, 1 → 2, one function at a time:")
        assert "the step just taken, 0 → 1:\n  w 0.1343642 → 3.639948 · " in head
        assert "w ← 3.639948 + 0.0005 × " in body  # the numbers below are the next step's
        assert "0 → 1" not in body


@pytest.mark.app
async def test_the_explanation_follows_training_and_survives_divergence():
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("e", "space")
        await wait_for(pilot, lambda: app.session.state is State.DIVERGED)
        await wait_for(pilot, lambda: shown(app).lesson is not None and shown(app).lesson.w == app.session.view().w)
        view = app.session.view()
        assert_displays(shown(app), shown(app).lesson)
        assert f"Epoch {view.diverged_at}" in shown(app).text
        assert "✗ diverged here: the cost passed 1,000,000 times its start" in shown(app).text
        assert f"The next step, {view.diverged_at:,} → {view.diverged_at + 1:,}, would be:" in shown(app).text
        await pilot.press("s", "space", "n")  # nothing to do, nothing breaks
        assert isinstance(app.screen, LessonScreen)


@pytest.mark.app
async def test_f10_opens_it_from_a_focused_field():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        assert isinstance(app.focused, Input)
        await pilot.press("e")  # typed into the field
        assert not isinstance(app.screen, LessonScreen)
        await pilot.press("f10")
        assert isinstance(app.screen, LessonScreen)


@pytest.mark.app
async def test_from_150_columns_it_is_a_pane_of_the_main_screen():
    app = make_app(**ARTICLE_START)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one("#lesson-pane-text", EpochExplainedView)
        # The lesson follows the first frame, and is laid out in the one after.
        await wait_for(pilot, lambda: pane.lesson is not None and pane.region.height > 20)
        assert pane.region.width > 70
        assert_is_the_literal_port(pane.lesson, 0.1343642, 0.8474337, 0.0005)
        await pilot.press("s")
        await wait_for(pilot, lambda: "the step just taken, 0 → 1" in pane.text)
        # From 190 columns, beside it, the epochs so far: w's zig-zag as numbers.
        assert not app.query_one("#recent-epochs").display
        await pilot.resize_terminal(200, 60)
        await wait_for(pilot, lambda: app.query_one("#recent-epochs").display)
        recent = app.query_one("#recent-epochs").content.plain.splitlines()
        assert recent[1].split()[:2] == ["0", "0.1343642"] and recent[2].split()[:2] == ["1", "3.639948"]
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: not app.query_one("#lesson-row").display)


@pytest.mark.app
async def test_the_lesson_pane_follows_the_first_frame_rather_than_delay_it():
    at_the_first_frame = []

    class Watched(NanoNeuronApp):
        CSS_PATH = Path(inspect.getfile(NanoNeuronApp)).with_name("app.tcss")

        def on_ready(self) -> None:  # Textual calls it once the first frame is out
            at_the_first_frame.append(self.query_one("#lesson-pane-text", EpochExplainedView).lesson)
            super().on_ready()

    app = Watched(Session(Hyperparameters(**{**SEED_START, **ARTICLE_START})))
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one("#lesson-pane-text", EpochExplainedView)
        await wait_for(pilot, lambda: pane.lesson is not None and plots_drawn(app))  # numpy imported: approx uses it
        assert at_the_first_frame == [None]
        assert_is_the_literal_port(pane.lesson, 0.1343642, 0.8474337, 0.0005)


@pytest.mark.app
async def test_the_lesson_flag_opens_it_at_the_start():
    app = make_app(w0=None, b0=None, seed=1)
    app._open_lesson = True
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen) and shown(app).lesson is not None)
        # seed 1 draws w = 0.13436424411…: eight digits, for ŷ(50) = 0.13436424 × 50 + … to check out
        assert "w ← 0.13436424 + 0.0005 × 7011.167 = 3.639948" in shown(app).text


@pytest.mark.unit
def test_lesson_flag_gives_everyone_the_same_start(monkeypatch, tmp_path):
    from nanoneuron_tui import app as app_module
    from nanoneuron_tui.cli import build_parser, open_app

    started = {}

    def capture(self):
        started["hyper"], started["lesson"] = self.session.hyper, self._open_lesson

    monkeypatch.setattr(app_module.NanoNeuronApp, "run", capture)
    monkeypatch.setattr(app_module, "missing_terminal", lambda: None)  # the app's run, stubbed, needs none
    state = ["--state", str(tmp_path / "session.json")]
    assert open_app(build_parser().parse_args(["--lesson", *state])) == 0
    assert started["lesson"] is True
    assert started["hyper"].initial_neuron() == pytest.approx((0.1343642, 0.8474337), abs=1e-7)
    open_app(build_parser().parse_args(["--lesson", "--seed", "5", *state]))
    assert started["hyper"].seed == 5
    open_app(build_parser().parse_args(state))
    assert started["lesson"] is False


# -- in a real terminal ------------------------------------------------------------------------


@pytest.mark.e2e
def test_e_then_s_s_in_a_real_terminal_shows_three_epochs_numbers(terminal):
    from nanoneuron_tui.core.run import Run

    run = Run(C2F, 0.1343642, 0.8474337, 0.0005)
    epochs = [explain_epoch(C2F, *run.trained_neuron(epoch), 0.0005) for epoch in range(3)]
    term = terminal("--w0", "0.1343642", "--b0", "0.8474337")
    term.wait_for("paused")
    term.keys("e")
    screen = term.wait_for("Epoch 0 of 70,000")
    assert epochs[0].updates[0].text in screen and epochs[0].updates[1].text in screen
    for epoch in (1, 2):
        term.keys("s")
        lesson, before = epochs[epoch], epochs[epoch - 1]
        shown = [
            f"the step just taken, {epoch - 1} → {epoch}:",
            f"w {before.figures(before.w)} → {lesson.figures(lesson.w)}",
            lesson.updates[0].text,
            lesson.updates[1].text,
            lesson.section("predict").lines[1],
        ]
        # Only the changed cells are repainted, line by line: wait for all of them, not the first.
        screen = term.wait_until(lambda screen: all(text in screen for text in shown), f"epoch {epoch} never showed")
    assert "w ← 1.3888337 + 0.0005 × 2890.789" in screen  # the zig-zag: w falls back, then climbs
    term.keys("Escape")
    term.wait_for("status ❚❚ paused")


@pytest.mark.app
async def test_lesson_mode_from_the_palette_starts_over_with_the_explanation_in_view():
    app = make_app(**ARTICLE_START)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "s", "s")
        app.action_lesson_mode()
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, LessonScreen)
                and app.screen.query(EpochExplainedView)
                and shown(app).lesson is not None
            ),
        )
        assert app.session.view().epoch == 0 and app.session.state is State.PAUSED
        assert "Epoch 0 of 70,000" in shown(app).text
        await pilot.press("a")  # to alpha, from the explanation
        assert not isinstance(app.screen, LessonScreen)
        assert app.focused is app.query_one("#field-alpha", Input)


@pytest.mark.e2e
def test_the_plots_are_drawn_behind_a_lesson_opened_at_the_start(terminal):
    # The plots draw once plotext is imported, after the first frame: the lesson screen is on top by then.
    term = terminal("--lesson", "--seed", "1")
    term.wait_for("Epoch 0 of 70,000")
    term.keys("Escape")
    term.wait_until(lambda screen: screen.count("└┬") >= 2, "the cost plot and the fit view were never drawn")
