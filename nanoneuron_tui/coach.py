"""Practice in a session: a guess taken and the step made, a challenge checked as the learner goes.

The glue between the session and ``core/practice.py``: it reads the session's
real state, asks the core, and keeps the score and results in the session (so
they are saved with it). The app calls it and shows what it says.
"""

from __future__ import annotations

import time

from nanoneuron_tui.core.practice import (
    CHALLENGES,
    Guess,
    Progress,
    Result,
    Situation,
    Step,
    Verdict,
    check_guess,
    result_of,
)
from nanoneuron_tui.session import Session, State, View


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def situation(session: Session, view: View) -> Situation:
    return Situation(view.data, view.run, view.epoch, view.epochs, session.practice.recent)


def guess_refusal(view: View) -> str | None:
    """Why no guess can be taken now (there is no next step to guess), or None."""
    return {
        State.RUNNING: "Pause first (space): a guess is about the next step, taken from a paused run.",
        State.DIVERGED: "Diverged: there is no next step to guess. b steps back; a smaller alpha carries on.",
        State.FINISHED: "Finished: there is no next step to guess. Raise epochs, or r to start over.",
        State.PAUSED: None,
    }[view.state]


def take_guess(session: Session, quantity: str, guess: float) -> Verdict | str:
    """Check ``guess`` against the step from the epoch on screen, keep the score, take the step.

    Returns the verdict, or why no guess can be taken now (the state changed meanwhile)."""
    view = session.view()
    if refusal := guess_refusal(view):
        return refusal
    step = Step.at(view.run, view.epoch)
    verdict = check_guess(step, quantity, guess)
    record = Guess(quantity, view.epoch, step.w, step.b, step.alpha, guess, view.data.spec)
    session.set_practice(session.practice.guessed(record, verdict.right))
    session.step(1)
    return verdict


def start_challenge(session: Session, name: str) -> str:
    """Start challenge ``name`` (one at a time); returns its goal."""
    session.set_practice(session.practice.start(name))
    return CHALLENGES[name].goal


def progress(session: Session, view: View) -> Progress | None:
    """How the challenge under way stands, or None when none is."""
    active = session.practice.active
    if active is None:
        return None
    return CHALLENGES[active].check(situation(session, view))


def check_challenge(session: Session, view: View) -> Result | None:
    """The challenge under way met at ``view``: recorded (with its state) and returned; else None."""
    active = session.practice.active
    reached = progress(session, view)
    if active is None or reached is None or not reached.met:
        return None
    result = result_of(CHALLENGES[active], situation(session, view), reached, now())
    session.set_practice(session.practice.finish(result))
    return result


def give_up(session: Session) -> tuple[str, str] | None:
    """Give up the challenge under way: recorded as given up; returns (its title, the worked answer)."""
    active = session.practice.active
    if active is None:
        return None
    challenge = CHALLENGES[active]
    view = session.view()
    here = situation(session, view)
    answer = challenge.answer(here)
    session.set_practice(session.practice.finish(result_of(challenge, here, Progress(False, ""), now())))
    return challenge.title, answer


def readout(session: Session, view: View) -> tuple[str, str] | None:
    """(label, text) for the readouts' practice line, or None before any practice."""
    practice = session.practice
    score = practice.score
    if practice.active is not None:
        reached = progress(session, view)
        line = reached.line if reached is not None else ""
        guessed = f" · {score.right}/{score.guesses}" if score.guesses else ""
        return "goal", f"{line}{guessed}"
    if practice.started:
        # The best streak too would not fit 80×24's readouts: it is in the palette's score and results.
        return "score", f"{score.right}/{score.guesses} right · streak {score.streak}"
    return None
