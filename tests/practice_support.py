"""What the practice tests share: the issue's start, a right guess, a session saved with a result."""

from __future__ import annotations

from nanoneuron_tui import persist
from nanoneuron_tui.core.practice import CHALLENGES, Guess, Situation, Step, result_of
from nanoneuron_tui.core.run import Run
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session

START = (0.25, 0.75)  # the start: the first step takes w to 3.56815


def right_guess(run: Run, epoch: int, nudge: float = 0.0) -> Guess:
    """A guess of the next w from ``epoch``: right, or ``nudge`` tolerances off."""
    step = Step.at(run, epoch)
    guess = step.value("w") + nudge * step.tolerance("w")
    return Guess("w", epoch, step.w, step.b, step.alpha, guess, run.data.spec)


def saved_with_a_result(tmp_path):
    """A session at epoch 60,000 that met fast-cost (at 46,213), then started b-crawl and guessed once."""
    session = Session(Hyperparameters(w0=START[0], b0=START[1]))
    run = session.run
    guess = right_guess(run, 0)
    session.step(1)
    practice_now = session.practice.start("fast-cost")
    session.go_to(60_000)
    view = session.view()
    here = Situation(view.data, view.run, view.epoch, view.epochs, practice_now.recent)
    progress = CHALLENGES["fast-cost"].check(here)
    result = result_of(CHALLENGES["fast-cost"], here, progress, "2026-12-04T19:00:00Z")
    session.set_practice(practice_now.finish(result).start("b-crawl").guessed(guess, True))
    path = tmp_path / "session.json"
    persist.save_session(session, path)
    return session, path
