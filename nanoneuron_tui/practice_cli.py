"""The command line's practice: ``--challenge list`` and ``NAME``, and ``train --session FILE``'s report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

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


def practice_command(args, error: Callable[[str], object]) -> int | None:
    """What the command line's practice flags do before anything else: the exit code, or None
    when the app goes on (with the challenge ``args.challenge`` under way)."""
    if args.command == "train":
        return report_saved_session(args.session, args.json, args.predict)
    if problem := challenge_problem(args.challenge):
        error(problem)  # one line, exit code 2
    return print_challenges() if args.challenge == LIST else None


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
    if as_json:
        text = json.dumps({**report.as_json(), "practice": practice_record(session.practice)}, allow_nan=False)
    else:
        lines = [report.as_text(), f"Guesses: {session.practice.score.words()}"]
        lines += [f"Challenge {r.challenge}: {r.outcome}, {r.result} ({r.time})" for r in session.practice.results]
        text = "\n".join(lines)
    try:
        print(text, flush=True)
    except OSError as problem:  # a closed pipe (| head), a full disk
        print(f"nanoneuron: cannot write the report: {problem.strerror or problem}", file=sys.stderr)
        return exit_codes.FAILED
    return exit_codes.OK
