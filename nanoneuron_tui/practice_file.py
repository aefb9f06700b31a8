"""The ``practice`` section of a session file, read back with suspicion.

A hand-edited section never stops a session from loading, and never gives a
learner a ✓ they did not earn: what is malformed is ignored (the whole section,
with one line saying why), and every result claimed as met is checked again
from the state it records (the data, the run, the epoch, the guesses); one that
does not meet its challenge there is dropped, with one line.
The format is documented in docs/practice.md.
"""

from __future__ import annotations

import math
from typing import Any

from nanoneuron_tui import params, persist
from nanoneuron_tui.core.data import DataSet, DataSpec, build_data
from nanoneuron_tui.core.practice import (
    CHALLENGES,
    GAVE_UP,
    MAX_RESULTS,
    MET,
    QUANTITIES,
    RECENT_GUESSES,
    Evidence,
    Guess,
    Practice,
    Result,
    Score,
)

MAX_COUNT = 10**9  # guesses in one session: far more than anyone makes


def read_practice(saved: Any, path: object) -> Practice:
    """The practice a session file holds; an empty one (with a note) if it is malformed."""
    if saved is None:
        return Practice()
    try:
        practice = _practice(saved, path)
    except persist.PersistError as problem:
        return Practice(notes=(f"ignored the practice record: {problem}",))
    built: dict[DataSpec, DataSet] = {}

    def build(spec: DataSpec) -> DataSet:
        """Each data set once, however many results name it (a file may be large)."""
        if spec not in built:
            built[spec] = build_data(spec)
        return built[spec]

    kept = tuple(result for result in practice.results if result.recheck(build))
    notes = list(practice.notes)
    if dropped := len(practice.results) - len(kept):
        notes.append(
            f"ignored {dropped} challenge result{'s' if dropped > 1 else ''} in {path}: "
            "the state recorded with it does not meet the challenge"
        )
    return Practice(practice.score, practice.recent, practice.active, kept, tuple(notes))


def _practice(saved: Any, path: object) -> Practice:
    if not isinstance(saved, dict):
        raise persist._fail(path, "the practice record is not a table")
    notes: list[str] = []
    score = _score(saved.get("score"), path)
    if not score.consistent:
        notes.append(f"ignored the guess score in {path}: its counts contradict each other")
        score = Score()
    recent = saved.get("recent", [])
    if not isinstance(recent, list) or len(recent) > RECENT_GUESSES:
        raise persist._fail(path, "the recent guesses are malformed")
    active = saved.get("active")
    if active is not None and (not isinstance(active, str) or active not in CHALLENGES):
        raise persist._fail(path, "the challenge under way is unknown")
    results = saved.get("results", [])
    if not isinstance(results, list) or len(results) > MAX_RESULTS:
        raise persist._fail(path, "the challenge results are malformed")
    return Practice(
        score,
        tuple(_guess(g, path) for g in recent),
        active,
        tuple(_result(r, path) for r in results),
        tuple(notes),
    )


def _score(saved: Any, path: object) -> Score:
    if saved is None:
        return Score()
    if not isinstance(saved, dict):
        raise persist._fail(path, "the guess score is malformed")
    counts = [
        persist._whole(saved.get(name), path, f"the score's {name}", 0, MAX_COUNT)
        for name in ("guesses", "right", "streak", "best_streak")
    ]
    return Score(*counts)


def _guess(saved: Any, path: object) -> Guess:
    if not isinstance(saved, dict):
        raise persist._fail(path, "a guess is malformed")
    quantity = saved.get("quantity")
    if quantity not in QUANTITIES:
        raise persist._fail(path, "a guess names no quantity")
    huge = persist.MAX_NEURON * params.MAX_MAGNITUDE
    return Guess(
        quantity,
        persist._whole(saved.get("epoch"), path, "a guess's epoch"),
        persist._checked_number(saved.get("w"), path, "a guess's w", magnitude=huge),
        persist._checked_number(saved.get("b"), path, "a guess's b", magnitude=huge),
        _alpha(saved.get("alpha"), path),
        persist._checked_number(saved.get("guess"), path, "a guess", magnitude=params.MAX_MAGNITUDE),
        persist._data_spec(saved.get("data"), path),
    )


def _alpha(value: Any, path: object) -> float:
    alpha = persist._checked_number(value, path, "an alpha", magnitude=params.MAX_MAGNITUDE)
    if not alpha > 0:
        raise persist._fail(path, "an alpha is not above 0")
    return alpha


def _result(saved: Any, path: object) -> Result:
    if not isinstance(saved, dict):
        raise persist._fail(path, "a challenge result is malformed")
    challenge, outcome = saved.get("challenge"), saved.get("outcome")
    if not isinstance(challenge, str) or challenge not in CHALLENGES:
        raise persist._fail(path, "a result names no challenge")
    if outcome not in (MET, GAVE_UP):
        raise persist._fail(path, "a result's outcome is neither met nor gave-up")
    value = saved.get("value")
    if value is not None:
        value = persist._checked_number(value, path, "a result's value", magnitude=math.inf)
    evidence = saved.get("evidence")
    return Result(
        challenge,
        outcome,
        persist._text(saved.get("result"), path, "a result's words", limit=200),
        value,
        persist._whole(saved.get("epoch"), path, "a result's epoch"),
        _alpha(saved.get("alpha"), path),
        persist._text(saved.get("time"), path, "a result's time", limit=40),
        None if evidence is None else _evidence(evidence, path),
    )


def _evidence(saved: Any, path: object) -> Evidence:
    if not isinstance(saved, dict):
        raise persist._fail(path, "a result's evidence is malformed")
    guesses = saved.get("guesses", [])
    if not isinstance(guesses, list) or len(guesses) > RECENT_GUESSES:
        raise persist._fail(path, "a result's guesses are malformed")
    run = persist._run(saved.get("run"), path)
    epoch = persist._whole(saved.get("epoch"), path, "a result's epoch")
    if epoch < run["first_epoch"]:
        raise persist._fail(path, "a result's epoch is before its run began")
    return Evidence(
        persist._data_spec(saved.get("data"), path),
        run,
        epoch,
        persist._whole(saved.get("goal"), path, "a result's goal", 1),
        tuple(_guess(g, path) for g in guesses),
    )
