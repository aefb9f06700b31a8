"""Practice: guesses checked (tolerance, likely slip), each challenge's check at its boundary both ways,
the record saved with the session and read back with suspicion, the command line."""

import json

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.core import practice
from nanoneuron_tui.core.data import DataSpec, build_data, celsius_to_fahrenheit_data
from nanoneuron_tui.core.practice import (
    CHALLENGES,
    TOLERANCE,
    Guess,
    Practice,
    Score,
    Situation,
    Step,
    b_crawl,
    check_guess,
    fast_cost,
    first_stop,
    three_significant_below,
)
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.params import Hyperparameters, parse_guess
from nanoneuron_tui.session import Session
from tests.practice_support import START, right_guess, saved_with_a_result

pytestmark = pytest.mark.unit

C2F = celsius_to_fahrenheit_data()


def step_from_start(alpha: float = 0.0005) -> Step:
    return Step.at(Run(C2F, *START, alpha), 0)


def situation(data, alpha: float, epoch: int, start=START, goal: int = 70_000, guesses=()) -> Situation:
    run = Run(data, *start, alpha)
    return Situation(data, run, epoch, goal, tuple(guesses))


# -- a guess ------------------------------------------------------------------------------


def test_the_next_w_from_the_issues_start_is_w_plus_alpha_dw():
    step = step_from_start()
    assert step.value("w") == pytest.approx(0.25 + 0.0005 * step.dW, rel=1e-15)
    assert step.value("w") == pytest.approx(Run(C2F, *START, 0.0005).neuron(1)[0], rel=1e-12)
    assert step.line("w") == f"w ← 0.25 + 0.0005 × {step.dW:.7g} = {step.value('w'):.7g}"


@pytest.mark.parametrize("epoch", [0, 20_000])
@pytest.mark.parametrize("quantity", ["w", "b", "dW", "dB", "cost"])
def test_a_guess_is_right_within_the_tolerance_and_wrong_just_outside_it(quantity, epoch):
    step = Step.at(Run(C2F, *START, 0.0005), epoch)
    value, tolerance = step.value(quantity), step.tolerance(quantity)
    for sign in (1, -1):
        assert check_guess(step, quantity, value + sign * tolerance * 0.999).right
        assert not check_guess(step, quantity, value + sign * tolerance * 1.001).right


def test_the_tolerance_is_a_thousandth_of_the_value_or_for_w_and_b_of_the_step():
    step = Step.at(Run(C2F, *START, 0.0005), 20_000)
    assert step.tolerance("dW") == pytest.approx(TOLERANCE * abs(step.dW), rel=1e-12)
    assert step.tolerance("cost") == pytest.approx(TOLERANCE * step.cost, rel=1e-12)
    for quantity, slope in (("w", step.dW), ("b", step.dB)):
        expected = TOLERANCE * abs(step.alpha * slope) + practice.DISPLAYED * abs(step.value(quantity))
        assert step.tolerance(quantity) == pytest.approx(expected, rel=1e-12)


def test_w_unchanged_is_wrong_while_the_step_shows_in_the_readouts_digits():
    run = Run(C2F, 0.9492, 0.457, 0.0005)
    visible = Step.at(run, 20_000)  # w moves by 4.8e-6: the 7th digit of 1.837584 changes
    verdict = check_guess(visible, "w", visible.w)
    assert not verdict.right and verdict.mistake.startswith("no step")
    # Worked out from the readouts' own digits (w to 7, dW to 4), the next w is right.
    assert check_guess(visible, "w", float(f"{visible.w:.7g}") + 0.0005 * float(f"{visible.dW:.4g}")).right
    hidden = Step.at(run, 60_000)  # w moves by 3e-8: the readouts cannot show it
    assert check_guess(hidden, "w", hidden.w).right


def test_a_value_of_zero_can_be_guessed():
    step = Step(w=1.0, b=0.0, alpha=0.1, dW=0.0, dB=0.0, cost=0.0, count=10)
    assert check_guess(step, "dW", 0.0).right
    assert not check_guess(step, "dW", 1e-6).right


def test_a_right_guess_shows_the_line_and_a_wrong_one_your_number_beside_it():
    step = step_from_start()
    right = check_guess(step, "w", round(step.value("w"), 4))
    assert right.right and right.mistake is None and right.words().startswith("✓ w ← 0.25 + 0.0005 × ")
    wrong = check_guess(step, "w", 1.0)
    assert not wrong.right and wrong.mistake is None
    assert wrong.words() == f"✗ you said 1; {step.line('w')}"


@pytest.mark.parametrize(
    ("quantity", "slip", "named"),
    [
        ("w", lambda s: s.w - s.alpha * s.dW, "the sign of dW"),
        ("w", lambda s: s.w + s.dW, "α forgotten"),
        ("w", lambda s: s.w + s.alpha * s.count * s.dW, "the sum for the mean"),
        ("w", lambda s: s.w, "no step"),
        ("b", lambda s: s.b - s.alpha * s.dB, "the sign of dB"),
        ("b", lambda s: s.b + s.dB, "α forgotten"),
        ("b", lambda s: s.b + s.alpha * s.count * s.dB, "the sum for the mean"),
        ("dW", lambda s: -s.dW, "the sign"),
        ("dW", lambda s: s.count * s.dW, "the sum for the mean"),
        ("dB", lambda s: s.count * s.dB, "the sum for the mean"),
        ("cost", lambda s: s.count * s.cost, "the sum for the mean"),
        ("cost", lambda s: 2 * s.cost, "the half forgotten"),
    ],
)
def test_each_likely_slip_is_named(quantity, slip, named):
    step = step_from_start()
    verdict = check_guess(step, quantity, slip(step))
    assert not verdict.right
    assert verdict.mistake is not None and verdict.mistake.startswith(named)
    assert f"Likely slip: {named}" in verdict.words()


def test_a_slip_is_named_only_within_the_tolerance():
    step = step_from_start()
    sign_slip, tolerance = step.w - step.alpha * step.dW, step.tolerance("w")
    assert check_guess(step, "w", sign_slip + 0.999 * tolerance).mistake.startswith("the sign of dW")
    assert check_guess(step, "w", sign_slip + 1.001 * tolerance).mistake is None


def test_normalized_guesses_are_about_the_trainers_w_prime():
    data = build_data(DataSpec(normalize=True))
    step = Step.at(Run(data, *START, 0.1), 0)
    assert step.primed and step.line("w").startswith("w′ ← ")
    assert step.line("dW").startswith("dW = mean((y − ŷ)·x′)")


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("abc", "'abc' is not a number"),
        ("1e400", "must be a finite number"),
        ("9" * 10_000, "too long"),
        ("", "empty"),
    ],
)
def test_a_bad_guess_is_refused_with_the_fields_words(typed, why):
    with pytest.raises(ValueError, match=why):
        parse_guess(typed)


def test_minus_zero_is_zero():
    assert str(parse_guess("-0")) == "0.0"


def test_the_score_counts_guesses_right_and_streaks():
    score = Score()
    for right in (True, True, False, True):
        score = score.after(right)
    assert score == Score(guesses=4, right=3, streak=1, best_streak=2)
    assert score.consistent and not Score(1, 2, 0, 0).consistent and not Score(3, 3, 2, 1).consistent


# -- each challenge at its boundary, both ways -------------------------------------------


def test_three_significant_digits_below_the_limit():
    assert three_significant_below(0.0006089677) == pytest.approx(0.000608)
    assert three_significant_below(0.000609) == pytest.approx(0.000608)  # strictly below
    assert three_significant_below(1.0) == pytest.approx(0.999)


@pytest.mark.parametrize(("alpha", "met"), [(0.000608, True), (0.000607, False), (0.000609, False)])
def test_alpha_limit_is_the_largest_three_digit_alpha_that_converges(alpha, met):
    assert C2F.train.count == 100 and Run(C2F, *START, alpha).max_stable_alpha == pytest.approx(0.000608968, rel=1e-6)
    progress = CHALLENGES["alpha-limit"].check(situation(C2F, alpha, 1))
    assert progress.met is met
    if met:
        assert progress.value == alpha


def test_alpha_limit_needs_a_step_taken_with_that_alpha():
    assert not CHALLENGES["alpha-limit"].check(situation(C2F, 0.000608, 0)).met
    # The alpha of the step that led to the epoch counts, not the one typed since.
    run = Run(C2F, *START, 0.0005).with_alpha(5, 0.000608)
    assert not CHALLENGES["alpha-limit"].check(Situation(C2F, run, 5, 70_000)).met
    assert CHALLENGES["alpha-limit"].check(Situation(C2F, run, 6, 70_000)).met


def test_fast_cost_is_met_at_the_first_epoch_below_the_goal_and_not_one_before():
    run = Run(C2F, *START, 0.0005)
    first = next(e for e in range(40_000, 70_000) if run.cost(e) < 1e-3)
    assert run.cost(first - 1) >= 1e-3
    check = CHALLENGES["fast-cost"].check
    assert not check(Situation(C2F, run, first - 1, 70_000)).met
    met = check(Situation(C2F, run, first, 70_000))
    assert met.met and met.value == first
    # Further on, the result is still the epoch it first got there.
    assert check(Situation(C2F, run, 70_000, 70_000)).value == first


def test_fast_cost_with_normalization_takes_one_epoch():
    data = build_data(DataSpec(normalize=True))
    assert fast_cost()(situation(data, 1.0, 1)).value == 1
    assert not fast_cost()(situation(data, 1.0, 0)).met


def test_fast_cost_does_not_count_a_start_already_below_the_goal():
    assert not fast_cost()(situation(C2F, 0.0005, 1, start=(1.8, 32.0))).met


def test_b_crawl_boundary_in_epochs_and_in_b():
    data = build_data(DataSpec(normalize=True))
    run = Run(data, *START, 0.05)
    crossed = next(e for e in range(200) if run.neuron(e)[1] > 16)
    assert crossed > 2
    here = Situation(data, run, crossed, 70_000)
    assert b_crawl(within=crossed)(here).met and b_crawl(within=crossed)(here).value == crossed
    assert not b_crawl(within=crossed - 1)(here).met
    assert not b_crawl()(Situation(data, run, crossed - 1, 70_000)).met  # b not past 16 yet
    assert not b_crawl(threshold=run.neuron(crossed)[1])(here).met  # past means above
    assert b_crawl(threshold=run.neuron(crossed)[1] * (1 - 1e-12))(here).met


def test_b_crawl_without_normalization_takes_thousands_of_epochs():
    progress = CHALLENGES["b-crawl"].check(situation(C2F, 0.0005, 70_000))
    assert not progress.met and "after > 100 epochs" in progress.line


def test_b_crawl_needs_the_celsius_data():
    data = build_data(DataSpec(preset="km2mi", normalize=True))
    assert not CHALLENGES["b-crawl"].check(situation(data, 1.0, 5)).met


def test_three_in_a_row_needs_three_right_guesses_of_w_checked_again():
    run = Run(C2F, *START, 0.0005)
    three = [right_guess(run, e) for e in range(3)]
    check = CHALLENGES["three-in-a-row"].check
    assert check(Situation(C2F, run, 3, 70_000, tuple(three))).met
    assert not check(Situation(C2F, run, 3, 70_000, tuple(three[:2]))).met
    just_out = [*three[:2], right_guess(run, 2, nudge=1.001)]
    assert not check(Situation(C2F, run, 3, 70_000, tuple(just_out))).met
    just_in = [*three[:2], right_guess(run, 2, nudge=0.999)]
    assert check(Situation(C2F, run, 3, 70_000, tuple(just_in))).met
    # A guess at another quantity breaks the row.
    other = Guess("b", 2, three[2].w, three[2].b, 0.0005, Step.at(run, 2).value("b"), C2F.spec)
    assert not check(Situation(C2F, run, 3, 70_000, (*three[:2], other))).met


def other_units_situation(off: float) -> Situation:
    """km2mi (no bias), standing at epoch 3 of a run whose neuron there misses 70 by ``off``."""
    data = build_data(DataSpec(preset="km2mi"))
    target_w, _ = data.target
    start = (target_w + off / 70, 0.0)
    run = Run(data, 0.1, 0.0, 0.0005, first_epoch=3, start=start)
    return Situation(data, run, 3, 70_000)


def test_other_units_is_met_within_a_tenth_at_seventy_and_missed_just_outside():
    check = CHALLENGES["other-units"].check
    assert check(other_units_situation(0.1 * (1 - 1e-9))).met
    assert not check(other_units_situation(0.1 * (1 + 1e-9))).met


def test_other_units_needs_another_preset_and_a_learned_answer():
    check = CHALLENGES["other-units"].check
    assert not check(situation(C2F, 0.0005, 70_000)).met
    data = build_data(DataSpec(preset="km2mi"))
    assert not check(situation(data, 0.0005, 0, start=data.target)).met  # typed in, not learned
    assert check(situation(data, 0.0005, 70_000)).met


def test_test_floor_is_met_at_the_first_epoch_the_test_cost_stops_falling_and_within_100_after():
    data = build_data(DataSpec(noise=5.0))
    run = Run(data, *START, 0.0005)
    stop = first_stop(run, 70_000)
    assert stop is not None and 1000 < stop < 70_000
    check = CHALLENGES["test-floor"].check
    assert not check(Situation(data, run, stop - 1, 70_000)).met
    assert check(Situation(data, run, stop, 70_000)).met
    assert check(Situation(data, run, stop + 99, 70_000)).met
    assert not check(Situation(data, run, stop + 100, 70_000)).met


def test_test_floor_needs_noise():
    assert not CHALLENGES["test-floor"].check(situation(C2F, 0.0005, 30_000)).met


@pytest.mark.parametrize("name", list(CHALLENGES))
def test_every_challenge_has_a_worked_answer_from_a_fresh_start(name):
    answer = CHALLENGES[name].answer(situation(C2F, 0.0005, 0))
    assert len(answer) > 40


def test_at_least_six_challenges_are_listed_one_line_each():
    lines = practice.challenge_list()
    assert len(lines) == len(CHALLENGES) >= 6
    assert all(line.split()[0] in CHALLENGES and "\n" not in line for line in lines)


# -- saved with the session, read back with suspicion -----------------------------------


def test_score_results_and_the_challenge_under_way_survive_a_save(tmp_path):
    session, path = saved_with_a_result(tmp_path)
    loaded = persist.load_session(path)
    assert loaded.practice == session.practice
    assert loaded.practice.results[0].outcome == "met" and loaded.practice.active == "b-crawl"
    assert loaded.practice.notes == ()


def edited(path, change) -> str:
    document = json.loads(path.read_text())
    change(document["session"]["practice"])
    path.write_text(json.dumps(document))
    return str(path)


def test_a_forged_result_is_ignored_with_one_line(tmp_path):
    _, path = saved_with_a_result(tmp_path)

    def forge(section):
        section["results"][0]["value"] = 12  # the recorded run reached the goal at 46,213
        section["results"][0]["result"] = "12 epochs"

    loaded = persist.load_session(edited(path, forge))
    assert loaded.practice.results == ()
    assert len(loaded.practice.notes) == 1 and "does not meet the challenge" in loaded.practice.notes[0]
    assert loaded.practice.score.guesses == 1  # the rest is kept


def test_a_result_whose_evidence_was_moved_is_ignored(tmp_path):
    _, path = saved_with_a_result(tmp_path)

    def move(section):
        section["results"][0]["evidence"]["epoch"] = 100  # the cost is still high there

    assert persist.load_session(edited(path, move)).practice.results == ()


def test_a_met_result_without_evidence_is_ignored(tmp_path):
    _, path = saved_with_a_result(tmp_path)
    assert persist.load_session(edited(path, lambda s: s["results"][0].update(evidence=None))).practice.results == ()


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(score={"guesses": 1, "right": 5, "streak": 0, "best_streak": 0}),
        lambda s: s.update(score={"guesses": "many"}),
        lambda s: s.update(results="all of them"),
        lambda s: s["results"][0].update(challenge="nope"),
        lambda s: s["results"][0].update(outcome="won"),
        lambda s: s.update(active="nope"),
        lambda s: s["recent"][0].update(guess=1e400),
        lambda s: s["results"][0]["evidence"]["run"].update(segments=[]),
    ],
)
def test_a_hand_edited_practice_record_never_stops_the_session_loading(tmp_path, change):
    session, path = saved_with_a_result(tmp_path)
    loaded = persist.load_session(edited(path, change))
    assert loaded.epoch == session.epoch  # the session itself loads
    assert len(loaded.practice.notes) == 1 and "\n" not in loaded.practice.notes[0]
    assert all(result.recheck() for result in loaded.practice.results)


def test_a_session_without_practice_saves_no_practice_section(tmp_path):
    session = Session(Hyperparameters(w0=START[0], b0=START[1]))
    assert "practice" not in session.to_dict()
    assert session.practice == Practice()


def test_the_list_fits_an_80_column_terminal():
    assert all(len(line) <= 80 for line in practice.challenge_list())


def test_no_guess_is_taken_at_the_end_of_the_run():
    from nanoneuron_tui import coach

    session = Session(Hyperparameters(w0=START[0], b0=START[1], epochs=2))
    session.go_to(2)
    said = coach.take_guess(session, "w", 1.0)
    assert isinstance(said, str) and said.startswith("Finished: there is no next step")
    assert session.practice.score.guesses == 0 and session.epoch == 2


def test_saving_keeps_the_apps_own_results_without_checking_them_again(tmp_path, monkeypatch):
    session, path = saved_with_a_result(tmp_path)

    def never(*_):
        raise AssertionError("checked again on save")

    monkeypatch.setattr(practice.Result, "recheck", never)
    persist.save_session(session, path)  # an autosave: no data rebuilt per result
    assert json.loads(path.read_text())["session"]["practice"]["results"][0]["value"] == 46_213


def test_a_load_builds_each_data_set_once_however_many_results_name_it(tmp_path, monkeypatch):
    from nanoneuron_tui import practice_file

    session, path = saved_with_a_result(tmp_path)
    [result] = session.practice.results
    session.set_practice(session.practice.finish(result).finish(result))
    persist.save_session(session, path)
    built = []
    real = practice_file.build_data
    monkeypatch.setattr(practice_file, "build_data", lambda spec: built.append(spec) or real(spec))
    assert len(persist.load_session(path).practice.results) == 3
    assert built == [C2F.spec]


def test_guesses_before_a_challenge_starts_do_not_count_for_it():
    run = Run(C2F, *START, 0.0005)
    before = Practice()
    for epoch in range(3):
        before = before.guessed(right_guess(run, epoch), True)
    started = before.start("three-in-a-row")
    assert started.recent == () and started.score == before.score
    assert not CHALLENGES["three-in-a-row"].check(Situation(C2F, run, 3, 70_000, started.recent)).met


def test_the_test_floor_answer_of_a_billion_epoch_run_comes_at_once():
    data = build_data(DataSpec(noise=5.0))
    run = Run(data, *START, 0.0005)
    here = Situation(data, run, 0, 1_000_000_000)
    assert f"epoch {first_stop(run, 70_000):,}" in CHALLENGES["test-floor"].answer(here)


def test_each_quantity_has_its_own_line():
    step = step_from_start()
    m = "100 points"
    assert step.line("b") == f"b ← 0.75 + 0.0005 × {step.dB:.7g} = {step.value('b'):.7g}"
    assert step.line("dW") == f"dW = mean((y − ŷ)·x) over {m} = {step.dW:.7g}"
    assert step.line("dB") == f"dB = mean(y − ŷ) over {m} = {step.dB:.7g}"
    assert step.line("cost") == f"cost = mean((y − ŷ)² / 2) over {m} = {step.cost:.7g}"
    assert [step.value(q) for q in ("dW", "dB", "cost")] == [step.dW, step.dB, step.cost]


def test_results_are_counted_in_epochs_singular_and_plural():
    assert practice.epochs_words(1) == "1 epoch" and practice.epochs_words(0) == "0 epochs"
    assert practice.epochs_words(2) == "2 epochs" and practice.epochs_words(46_213) == "46,213 epochs"


def test_a_session_keeps_the_last_200_results():
    result = practice.Result("fast-cost", practice.GAVE_UP, "gave up", None, 0, 0.0005, "t")
    kept = Practice()
    for _ in range(practice.MAX_RESULTS + 1):
        kept = kept.finish(result)
    assert len(kept.results) == practice.MAX_RESULTS == 200


def test_an_unknown_quantity_is_refused():
    with pytest.raises(ValueError, match="no quantity called 'x'"):
        check_guess(step_from_start(), "x", 1.0)


def test_the_score_starts_at_zero_and_says_so():
    assert Score() == Score(0, 0, 0, 0) and Score().consistent
    assert not Score(1, 1, -1, 0).consistent
    assert Score(5, 3, 2, 2).words() == "3/5 right · streak 2 (best 2)"


def test_alpha_limit_says_which_way_to_go():
    run = Run(C2F, *START, 0.0005)
    limit = run.max_stable_alpha
    at_the_limit = CHALLENGES["alpha-limit"].check(situation(C2F, limit, 1))
    assert not at_the_limit.met and at_the_limit.line.endswith("diverges: lower")
    assert CHALLENGES["alpha-limit"].check(situation(C2F, 0.0005, 1)).line == "0.0005 converges: higher?"
    answer = CHALLENGES["alpha-limit"].answer(situation(C2F, 0.0005, 0))
    assert "λ = 3284.2" in answer and "2/λ = 0.000608968" in answer  # the README's valley, 3,284 across


@pytest.mark.parametrize("name", ["fast-cost", "other-units"])
def test_a_diverged_run_meets_nothing(name):
    data = C2F if name == "fast-cost" else build_data(DataSpec(preset="km2mi"))
    run = Run(data, *START, 0.01)
    blown = run.diverged_at
    assert blown is not None
    progress = CHALLENGES[name].check(Situation(data, run, blown, 70_000))
    assert not progress.met
    if name == "fast-cost":
        assert progress.line == "diverged: lower alpha"
    assert Situation(data, run, blown, 70_000).diverged and not Situation(data, run, blown - 1, 70_000).diverged


# -- boundaries a mutation run showed untested (benchmarks/mutation.py nanoneuron_tui/core/practice.py) --


def test_fast_cost_at_exactly_the_goal_is_not_below_it():
    run = Run(C2F, *START, 0.0005)
    at = Situation(C2F, run, 10, 70_000)
    assert not fast_cost(goal=run.cost(10))(at).met
    assert fast_cost(goal=run.cost(0))(at).met  # a start exactly at the goal counts as above it
    # The first epoch *below* a goal equal to epoch 5's cost is 6.
    assert fast_cost(goal=run.cost(5))(at).value == 6


def test_the_fast_cost_answer_gives_the_normalized_epochs():
    assert "alpha 1: 1 epoch." in CHALLENGES["fast-cost"].answer(situation(C2F, 0.0005, 0))


def test_b_crawl_guards_say_why():
    data = build_data(DataSpec(normalize=True))
    km = build_data(DataSpec(preset="km2mi", normalize=True))
    assert b_crawl()(situation(km, 1.0, 5)).line == "needs the °C → °F data (d)"
    at_16 = b_crawl()(situation(data, 1.0, 1, start=(0.25, 16.0)))
    assert not at_16.met and at_16.line == "b starts at 16 or more: r"


def test_b_crawl_at_exactly_the_threshold_is_not_past_it():
    data = build_data(DataSpec(normalize=True))
    run = Run(data, *START, 0.05)
    crossed = next(e for e in range(200) if run.neuron(e)[1] > 16)
    b = run.neuron(crossed)[1]
    here = b_crawl(threshold=b)(Situation(data, run, crossed, 70_000))
    assert here.line == f"b {b:.4g} at {crossed:,}; goal > {b:g}"
    # One epoch on, b has passed it there: the result is that later epoch, not the one that equalled it.
    assert b_crawl(threshold=b)(Situation(data, run, crossed + 1, 70_000)).value == crossed + 1


def test_other_units_boundaries_are_exact():
    data = build_data(DataSpec(preset="km2mi"))
    run = Run(data, 0.5, 1.0, 0.0005)
    target_w, target_b = data.target
    correct = target_w * 70 + target_b
    start_off = abs(run.w0 * 70 + run.b0 - correct)
    assert practice.other_units(error=start_off)(Situation(data, run, 100, 70_000)).line.startswith("the start")
    w, b = run.neuron(100)
    off = abs(w * 70 + b - correct)
    assert practice.other_units(error=off)(Situation(data, run, 100, 70_000)).met
    assert not practice.other_units(error=off * (1 - 1e-12))(Situation(data, run, 100, 70_000)).met


def test_test_floor_guards_say_why():
    assert CHALLENGES["test-floor"].check(situation(C2F, 0.0005, 30_000)).line == "needs noisy data (d)"
    assert CHALLENGES["test-floor"].answer(situation(C2F, 0.0005, 0)).startswith("First add noise")
    noisy = build_data(DataSpec(noise=5.0))
    blowing = Run(noisy, *START, 0.01)
    assert blowing.diverged_at is not None
    here = Situation(noisy, blowing, max(0, blowing.diverged_at - 10), 70_000)
    diverging = CHALLENGES["test-floor"].check(here)
    assert not diverging.met and diverging.line == "diverges: lower alpha"
    # Any noise at all will do, however little.
    slight = build_data(DataSpec(noise=0.5))
    assert CHALLENGES["test-floor"].check(situation(slight, 0.0005, 10)).line == "test cost still falling"
    assert "First add noise" not in CHALLENGES["test-floor"].answer(situation(slight, 0.0005, 0))


def test_the_test_cost_has_stopped_when_1000_epochs_lower_it_by_under_a_thousandth():
    run = Run(build_data(DataSpec(noise=5.0)), *START, 0.0005)
    for epoch in (10, 20_000, 36_000, 36_500, 60_000):
        now, later = run.test_cost(epoch), run.test_cost(epoch + 1000)
        assert practice.test_cost_stopped(run, epoch) == (now - later < 1e-3 * now)
    assert first_stop(run, 10) is None  # still falling at the last epoch looked at


def test_the_list_aligns_the_goals_after_the_longest_name():
    width = max(len(name) for name in CHALLENGES)
    assert all(line[width : width + 2] == "  " and line[width + 2] != " " for line in practice.challenge_list())


def test_a_practice_keeps_the_last_three_guesses_and_evidence_too():
    run = Run(C2F, *START, 0.0005)
    four = [right_guess(run, e) for e in range(4)]
    kept = Practice()
    for guess in four:
        kept = kept.guessed(guess, True)
    assert kept.recent == tuple(four[1:])
    evidence = practice.Evidence.of(Situation(C2F, run, 4, 70_000, tuple(four)))
    assert evidence.guesses == tuple(four[1:])


def test_an_unknown_challenge_cannot_start():
    with pytest.raises(ValueError, match="no challenge called 'nope'"):
        Practice().start("nope")


def test_a_given_up_result_claims_nothing_and_needs_no_evidence():
    here = situation(C2F, 0.0005, 5)
    gave_up = practice.result_of(CHALLENGES["fast-cost"], here, practice.Progress(False, "x", "a result", 3), "t")
    assert (gave_up.outcome, gave_up.result, gave_up.value, gave_up.evidence) == ("gave-up", "gave up", None, None)
    assert gave_up.recheck()


def test_a_met_result_whose_data_file_is_gone_is_not_believed(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(20)))
    data = build_data(DataSpec(csv=str(csv)))
    run = Run(data, 0.0, 0.0, 0.001)
    here = Situation(data, run, 20_000, 70_000)
    met = CHALLENGES["fast-cost"].check(here)
    assert met.met
    result = practice.result_of(CHALLENGES["fast-cost"], here, met, "t")
    assert result.recheck()
    csv.unlink()
    assert not result.recheck()


def test_a_guess_on_other_data_keeps_its_data_through_a_save():
    km = build_data(DataSpec(preset="km2mi", noise=1.5, noise_seed=7))
    run = Run(km, *START, 0.0005)
    record = practice.practice_record(Practice().guessed(right_guess(run, 0), True))
    assert record["recent"][0]["data"] == {
        "preset": "km2mi",
        "csv": None,
        "noise": 1.5,
        "noise_seed": 7,
        "test_ratio": None,
        "split_seed": 0,
        "normalize": False,
    }
