"""Practice in the app, through the pilot: y, a number, Enter; a challenge from start to ✓."""

import pytest

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.core.practice import CHALLENGES, Step
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session
from nanoneuron_tui.widgets.guess_prompt import GuessPrompt
from nanoneuron_tui.widgets.readouts import Readouts
from tests.helpers import Notifications, focus, wait_for

pytestmark = pytest.mark.app

SIZE = (80, 24)


def issue_start_app() -> NanoNeuronApp:
    return NanoNeuronApp(Session(Hyperparameters(w0=0.25, b0=0.75)))


async def guess(pilot, app, typed: str) -> None:
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, GuessPrompt))
    await pilot.press(*typed, "enter")


async def test_a_right_then_a_wrong_next_w_from_the_issues_start():
    app = issue_start_app()
    notes = Notifications()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        first = Step.at(app.session.run, 0)
        await guess(pilot, app, f"{first.value('w'):.6g}")
        await wait_for(pilot, lambda: app.session.epoch == 1)
        assert notes.any(f"✓ w ← 0.25 + 0.0005 × {first.dW:.7g} = {first.value('w'):.7g}")
        await wait_for(pilot, lambda: "score 1/1 right · streak 1" in app.query_one(Readouts).text)

        second = Step.at(app.session.run, 1)
        wrong = second.w - second.alpha * second.dW  # the sign of dW flipped
        await guess(pilot, app, f"{wrong:.7g}")
        await wait_for(pilot, lambda: app.session.epoch == 2)
        assert notes.any(f"✗ you said {wrong:.7g}; {second.line('w')}. Likely slip: the sign of dW")
        await wait_for(pilot, lambda: "score 1/2 right · streak 0" in app.query_one(Readouts).text)
        assert app.session.practice.score.guesses == 2


async def test_a_bad_guess_stays_in_the_field_and_escape_leaves_without_one():
    app = issue_start_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, GuessPrompt))
        await pilot.press(*"abc", "enter")
        await wait_for(pilot, lambda: "'abc' is not a number" in str(app.screen.query_one("#guess-help").content))
        assert isinstance(app.screen, GuessPrompt) and app.session.epoch == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, GuessPrompt))
        assert app.session.epoch == 0 and app.session.practice.score.guesses == 0


async def test_arrows_switch_the_guess_to_db():
    app = issue_start_app()
    async with app.run_test(size=SIZE) as pilot:
        step = Step.at(app.session.run, 0)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, GuessPrompt))
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: "this step's dB" in str(app.screen.query_one("#guess-question").content))
        await pilot.press(*f"{step.dB:.7g}", "enter")
        await wait_for(pilot, lambda: app.session.practice.score.right == 1)
        assert app.session.practice.recent[-1].quantity == "dB"


async def test_no_guess_while_running_or_after_divergence():
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.25, b0=0.75, alpha=0.01)))
    notes = Notifications()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.session.state.value == "diverged")
        await pilot.press("y")
        await wait_for(pilot, lambda: notes.any("Diverged: there is no next step to guess"))
        assert not isinstance(app.screen, GuessPrompt)


async def test_y_works_from_a_focused_field_by_its_function_key():
    app = issue_start_app()
    async with app.run_test(size=SIZE) as pilot:
        await focus(pilot, app.query_one("#field-alpha"))
        await pilot.press("shift+f3")
        await wait_for(pilot, lambda: isinstance(app.screen, GuessPrompt))


async def test_a_challenge_from_the_palette_met_end_to_end():
    app = issue_start_app()
    notes = Notifications()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Predict three steps")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.practice.active == "three-in-a-row")
        await wait_for(pilot, lambda: "goal 0 of 3 in a row (y)" in app.query_one(Readouts).text)
        for epoch in range(3):
            step = Step.at(app.session.run, epoch)
            await guess(pilot, app, f"{step.value('w'):.7g}")
            await wait_for(pilot, lambda: app.session.epoch == epoch + 1)
        await wait_for(pilot, lambda: notes.any("✓ Predict three steps: 3 next w in a row"))
        [result] = app.session.practice.results
        assert result.outcome == "met" and result.recheck()
        assert app.session.practice.active is None
        await wait_for(pilot, lambda: "score 3/3 right · streak 3" in app.query_one(Readouts).text)


async def test_giving_up_shows_a_worked_answer():
    session = Session(Hyperparameters(w0=0.25, b0=0.75))
    session.set_practice(session.practice.start("alpha-limit"))
    app = NanoNeuronApp(session)
    notes = Notifications()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Challenge: give up")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notes.any("The largest three-digit alpha below it: 0.000608"))
        assert app.session.practice.results[-1].outcome == "gave-up"


def test_every_challenge_is_in_the_palette():
    from nanoneuron_tui.commands import PALETTE

    actions = {command.action for command in PALETTE}
    assert {f"start_challenge({name!r})" for name in CHALLENGES} <= actions
    assert {"guess", "give_up", "challenge_hint", "challenge_status"} <= actions


async def test_y_works_in_the_epoch_explained_and_the_explanation_follows_the_step():
    app = issue_start_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        step = Step.at(app.session.run, 0)
        await guess(pilot, app, f"{step.value('w'):.7g}")
        await wait_for(pilot, lambda: app.session.epoch == 1 and type(app.screen).__name__ == "LessonScreen")
        assert app.session.practice.score.right == 1


async def test_no_guess_while_running():
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.25, b0=0.75, epochs=1_000_000_000)))
    notes = Notifications()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.state.value == "running")
        await pilot.press("y")
        await wait_for(pilot, lambda: notes.any("Pause first (space)"))
        assert not isinstance(app.screen, GuessPrompt) and app.session.practice.score.guesses == 0


async def test_the_guess_key_inside_the_prompt_opens_no_second_prompt():
    app = issue_start_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, GuessPrompt))
        await pilot.press("shift+f3")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, GuessPrompt))
        assert app.screen is app.default_screen
