"""The command line's practice: ``--challenge list`` and ``NAME``, and ``train --session FILE``'s report."""

from __future__ import annotations

import json
import sys

from nanoneuron_tui.core.numbers import quoted
from nanoneuron_tui.core.practice import CHALLENGES, challenge_list, practice_record

LIST = "list"


def challenge_problem(name: str) -> str | None:
    """Why ``--challenge name`` cannot be, in one line with the names there are; None if it can."""
    if name == LIST or name in CHALLENGES:
        return None
    return f"no challenge called {quoted(name)}; there are: {', '.join(CHALLENGES)} (or list)"


def print_challenges() -> int:
    print("\n".join(challenge_list()))
    return 0


def report_saved_session(path: str, as_json: bool, x: float) -> int:
    """``nanoneuron train --session FILE``: the saved session where it stands, and its practice."""
    from nanoneuron_tui import exit_codes, persist
    from nanoneuron_tui.cli import Report

    try:
        session = persist.load_session(path)
    except persist.PersistError as problem:
        print(f"nanoneuron: error: {problem}", file=sys.stderr)
        return exit_codes.USAGE
    for note in session.practice.notes:
        print(f"nanoneuron: {note}", file=sys.stderr)
    view = session.view()
    report = Report(view.hyper, view.data, view.run, view.moment, x)
    practice = practice_record(session.practice)
    if as_json:
        print(json.dumps({**report.as_json(), "practice": practice}, allow_nan=False))
        return exit_codes.OK
    print(report.as_text())
    score = session.practice.score
    print(f"Guesses: {score.words()}")
    for result in session.practice.results:
        print(f"Challenge {result.challenge}: {result.outcome}, {result.result} ({result.time})")
    return exit_codes.OK
