"""Practice in a session: a guess taken and the step made, a challenge checked as the learner goes.

The glue between the session and ``core/practice.py`` (functions that read the
session's real state, ask the core, and keep the score and results in the
session, so they are saved with it), and ``Coach``, the app's practice actions
that call them: y, the challenges in the palette, the ✓ when one is met.
"""

from __future__ import annotations

import time

from nanoneuron_tui import glyphs
from nanoneuron_tui.core.practice import (
    CHALLENGES,
    MET,
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


class Coach:
    """The app's practice actions, mixed into the app: uses its ``session``, ``notify``,
    ``push_screen`` and ``render_view``."""

    _guess_quantity = "w"  # what the last guess was about: the prompt opens on it

    def action_guess(self) -> None:
        from nanoneuron_tui.widgets.help import HelpScreen
        from nanoneuron_tui.widgets.lesson import LessonScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        if not isinstance(self.screen, LessonScreen) and self.screen is not self.default_screen:
            return  # a dialog (this prompt itself, say) keeps its keys
        view = self.session.view()
        if refusal := guess_refusal(view):
            self.notify(refusal, severity="warning")
            return
        from nanoneuron_tui.widgets.guess_prompt import GuessPrompt

        def answered(answer: tuple[str, float] | None) -> None:
            if answer is not None:
                self._take_guess(*answer)

        prompt = GuessPrompt(self._guess_quantity, view.data.spec.normalize)
        self.push_screen(prompt, answered)

    def _take_guess(self, quantity: str, guess: float) -> None:
        self._guess_quantity = quantity
        verdict = take_guess(self.session, quantity, guess)
        self.render_view()
        if isinstance(verdict, str):
            self.notify(verdict, severity="warning")
            return
        self.last_verdict = verdict.words(glyphs.DONE, glyphs.FAIL)
        severity = "information" if verdict.right else "warning"
        self.notify(self.last_verdict, severity=severity, timeout=12)

    def action_start_challenge(self, name: str) -> None:
        if name not in CHALLENGES:
            return
        goal = start_challenge(self.session, name)
        self.render_view()
        self.notify(f"{CHALLENGES[name].title}: {goal}", title="Challenge", timeout=10)

    def action_challenge_status(self) -> None:
        practice = self.session.practice
        if practice.active is None:
            self.notify("No challenge under way: the palette lists them (Challenge: …).")
            return
        challenge = CHALLENGES[practice.active]
        reached = progress(self.session, self.session.view())
        where = reached.line if reached is not None else ""
        self.notify(f"{challenge.goal} Now: {where}.", title=challenge.title, timeout=10)

    def action_challenge_hint(self) -> None:
        active = self.session.practice.active
        if active is None:
            self.notify("No challenge under way.")
            return
        self.notify(CHALLENGES[active].hint, title="Hint", timeout=10)

    def action_give_up(self) -> None:
        given_up = give_up(self.session)
        self.render_view()
        if given_up is None:
            self.notify("No challenge under way.")
            return
        title, answer = given_up
        self.notify(answer, title=f"Worked answer: {title}", timeout=30)

    def action_challenge_results(self) -> None:
        practice = self.session.practice
        lines = [f"Guesses: {practice.score.words()}"]
        for result in practice.results[-8:]:
            mark = glyphs.DONE if result.outcome == MET else "–"
            lines.append(f"{mark} {result.challenge}: {result.result}")
        self.notify(lines, title="Practice so far", timeout=12)

    def practice_readout(self, view: View) -> tuple[str, str] | None:
        return readout(self.session, view)

    def practice_shown(self, view: View) -> None:
        """After the panes show ``view``: a challenge under way that it meets says ✓ once."""
        result = check_challenge(self.session, view)
        if result is not None:
            self.render_view()  # the readouts' goal row gives way to the score
            title = CHALLENGES[result.challenge].title
            self.notify(f"{glyphs.DONE} {title}: {result.result}", title="Challenge met", timeout=12)

    def practice_notes(self) -> None:
        """At start: what a load ignored, and the challenge under way."""
        practice = self.session.practice
        for note in practice.notes:
            self.notify(note, severity="warning", timeout=10)
        if practice.active is not None:
            challenge = CHALLENGES[practice.active]
            self.notify(f"{challenge.goal} (palette: hint, give up)", title=challenge.title, timeout=10)
