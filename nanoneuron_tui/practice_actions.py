"""The app's practice actions: y (your guess, then the step), challenges started, checked, given up.

A mixin of the app (``NanoNeuronApp``), kept apart so the app stays about showing the session.
"""

from __future__ import annotations

from nanoneuron_tui import coach, glyphs
from nanoneuron_tui.core.practice import CHALLENGES, MET
from nanoneuron_tui.session import View


class PracticeActions:
    """Mixed into the app: uses its ``session``, ``notify``, ``push_screen`` and ``render_view``."""

    _guess_quantity = "w"  # what the last guess was about: the prompt opens on it

    def action_guess(self) -> None:
        from nanoneuron_tui.widgets.help import HelpScreen
        from nanoneuron_tui.widgets.lesson import LessonScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        if not isinstance(self.screen, LessonScreen) and self.screen is not self.default_screen:
            return  # a dialog (this prompt itself, say) keeps its keys
        view = self.session.view()
        if refusal := coach.guess_refusal(view):
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
        verdict = coach.take_guess(self.session, quantity, guess)
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
        goal = coach.start_challenge(self.session, name)
        self.render_view()
        self.notify(f"{CHALLENGES[name].title}: {goal}", title="Challenge", timeout=10)

    def action_challenge_status(self) -> None:
        practice = self.session.practice
        if practice.active is None:
            self.notify("No challenge under way: the palette lists them (Challenge: …).")
            return
        challenge = CHALLENGES[practice.active]
        reached = coach.progress(self.session, self.session.view())
        where = reached.line if reached is not None else ""
        self.notify(f"{challenge.goal} Now: {where}.", title=challenge.title, timeout=10)

    def action_challenge_hint(self) -> None:
        active = self.session.practice.active
        if active is None:
            self.notify("No challenge under way.")
            return
        self.notify(CHALLENGES[active].hint, title="Hint", timeout=10)

    def action_give_up(self) -> None:
        given_up = coach.give_up(self.session)
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
        self.notify("\n".join(lines), title="Practice so far", timeout=12)

    def practice_shown(self, view: View) -> None:
        """After the panes show ``view``: a challenge under way that it meets says ✓ once."""
        result = coach.check_challenge(self.session, view)
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
