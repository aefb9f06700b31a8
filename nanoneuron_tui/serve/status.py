"""What a student's app tells the class: a small file beside their session, rewritten as it changes.

The teacher's view reads these files, never the sessions: a status is a few
hundred bytes that the student's own process writes at most once a second
while something changes, and every ``HEARTBEAT`` seconds while nothing does,
so the view can tell a student who is there from one whose connection died
without a word. Several servers sharing one state directory (one class
behind a load balancer) see the same files, so a teacher on any of them sees
the whole class.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from nanoneuron_tui.serve import STUDENT_ENV
from nanoneuron_tui.serve.assignment import SCREEN_FILE, Assignment, AssignmentWatch, watched

if TYPE_CHECKING:  # only its type: the session module is imported where its functions are needed
    from nanoneuron_tui.session import Session

STATUS_FILE = "status.json"
FORMAT = "nanoneuron-status"
VERSION = 1
MAX_BYTES = 64 * 1024  # a status is far smaller; a bigger file is not ours
REPORT_EVERY = 1.0  # seconds between looks at the session
HEARTBEAT = 5.0  # seconds: a status this old is rewritten even if nothing changed
COSTS_KEPT = 48  # cost samples for the teacher's small plot of the run
RECENT_KEPT = 5  # latest guesses shown to the teacher
STATES = ("running", "paused", "finished", "diverged")


class StatusError(ValueError):
    """A status file that is not one, or not one we can trust."""


@dataclass(frozen=True)
class ChallengeResult:
    name: str
    met: bool
    result: str  # what the student reached, in words ("412 epochs", "alpha 0.000609")
    epoch: int
    alpha: float
    time: float  # when it was met or given up (seconds since the epoch)


@dataclass(frozen=True)
class StudentStatus:
    name: str
    connected: bool
    state: str
    epoch: int
    epochs: int
    alpha: float
    w: float | None
    b: float | None
    cost: float | None  # None: not a finite number (a diverged neuron)
    test_cost: float | None
    diverged_at: int | None
    updated: float  # when this status was written
    progressed: float  # when the epoch last changed
    guesses: int = 0
    right: int = 0
    challenge: str | None = None  # the challenge under way
    challenge_progress: str = ""
    challenges: tuple[ChallengeResult, ...] = ()
    recent: tuple[str, ...] = ()  # the latest guesses, in words ("epoch 3: w 1.39 ✓")
    costs: tuple[float, ...] = field(default=())  # the run's cost, sampled up to this epoch

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["challenges"] = [asdict(result) for result in self.challenges]
        document["costs"] = list(self.costs)
        document["recent"] = list(self.recent)
        return {"format": FORMAT, "version": VERSION, **document}

    @classmethod
    def from_dict(cls, document: Any) -> StudentStatus:
        """A status from its saved form, every field checked; StatusError names the first bad one."""
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
            raise StatusError("not a nanoneuron status")
        try:
            return cls(
                name=_text(document["name"], 64),
                connected=_flag(document["connected"]),
                state=_choice(document["state"], STATES),
                epoch=_count(document["epoch"]),
                epochs=_count(document["epochs"]),
                alpha=_real(document["alpha"]),
                w=_maybe_real(document["w"]),
                b=_maybe_real(document["b"]),
                cost=_maybe_real(document["cost"]),
                test_cost=_maybe_real(document["test_cost"]),
                diverged_at=None if document["diverged_at"] is None else _count(document["diverged_at"]),
                updated=_real(document["updated"]),
                progressed=_real(document["progressed"]),
                guesses=_count(document.get("guesses", 0)),
                right=_count(document.get("right", 0)),
                challenge=None if document.get("challenge") is None else _text(document["challenge"], 64),
                challenge_progress=_text(document.get("challenge_progress", ""), 200),
                challenges=tuple(_challenge(item) for item in _list(document.get("challenges", []), 100)),
                recent=tuple(_text(words, 200) for words in _list(document.get("recent", []), RECENT_KEPT)),
                costs=tuple(_real(cost) for cost in _list(document.get("costs", []), COSTS_KEPT)),
            )
        except KeyError as missing:
            raise StatusError(f"no {missing.args[0]}") from None

    @property
    def wrong(self) -> int:
        return self.guesses - self.right


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise StatusError(f"a text of at most {limit} characters expected, not {str(value)[:20]!r}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise StatusError("true or false expected")
    return value


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise StatusError(f"one of {', '.join(choices)} expected")
    return str(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StatusError("a whole number of at least 0 expected")
    return value


def _real(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StatusError("a finite number expected")
    return float(value)


def _maybe_real(value: Any) -> float | None:
    return None if value is None else _real(value)


def _list(value: Any, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise StatusError(f"a list of at most {limit} items expected")
    return value


def _challenge(item: Any) -> ChallengeResult:
    if not isinstance(item, dict):
        raise StatusError("a challenge result expected")
    try:
        return ChallengeResult(
            name=_text(item["name"], 64),
            met=_flag(item["met"]),
            result=_text(item["result"], 200),
            epoch=_count(item["epoch"]),
            alpha=_real(item["alpha"]),
            time=_real(item["time"]),
        )
    except KeyError as missing:
        raise StatusError(f"a challenge result without {missing.args[0]}") from None


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def read_status(path: Path) -> StudentStatus:
    """The status in ``path``: a regular file, read without waiting; OSError or StatusError if it cannot be."""
    from nanoneuron_tui.core.files import read_regular

    raw = read_regular(path, MAX_BYTES, "status file")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise StatusError("not JSON") from None
    return StudentStatus.from_dict(document)


def write_status(path: Path, status: StudentStatus) -> None:
    """Replace ``path`` atomically: a reader sees the old status or the new one, never half of one."""
    from nanoneuron_tui import persist

    with persist.atomic_writer(path) as out:
        json.dump(status.as_dict(), out, separators=(",", ":"))


class StatusReporter:
    """A thread that keeps ``path`` up to date with what ``describe()`` says of the student.

    ``describe(connected)`` builds the status (the app's side knows the session);
    the reporter only decides when to write: when it changed, or when the last
    write is ``HEARTBEAT`` seconds old, and once more, disconnected, at the end.
    On the same beat it looks for what the teacher gives the class
    (``on_assignment``) and, while the teacher watches, copies the screen.
    """

    def __init__(
        self,
        path: Path,
        describe: Callable[[bool], StudentStatus],
        *,
        state_dir: Path | None = None,
        on_assignment: Callable[[Assignment], None] | None = None,
        screen_copy: Callable[[], str] | None = None,
    ) -> None:
        self.path = path
        self._describe = describe
        self._state_dir = state_dir
        self._assignments = AssignmentWatch(state_dir) if state_dir and on_assignment else None
        self._on_assignment = on_assignment
        self._screen_copy = screen_copy
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, name="class-status", daemon=True)
        self._last: dict[str, Any] | None = None
        self._written_at = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop reporting and say the student has left (the app is about to exit)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self.report(connected=False)
        with contextlib.suppress(OSError):
            (self.path.parent / SCREEN_FILE).unlink(missing_ok=True)

    def report(self, connected: bool = True) -> None:
        status = self._describe(connected)
        # The times change on every call; what matters is whether anything else did.
        comparable = {**status.as_dict(), "updated": None}
        now = time.time()
        if comparable == self._last and now - self._written_at < HEARTBEAT:
            return
        with contextlib.suppress(OSError):  # a full disk must not take the student's app down
            write_status(self.path, status)
            self._last, self._written_at = comparable, now

    def look_at_the_class(self) -> None:
        """Take in a new assignment; copy the screen if the teacher is watching it."""
        if self._assignments is not None and self._on_assignment is not None:
            assignment = self._assignments.changed()
            if assignment is not None:
                self._on_assignment(assignment)
        if self._state_dir and self._screen_copy and watched(self._state_dir, self.path.parent.name):
            from nanoneuron_tui import persist

            text = self._screen_copy()
            with contextlib.suppress(OSError), persist.atomic_writer(self.path.parent / SCREEN_FILE) as out:
                out.write(text)

    def _report(self) -> None:
        while not self._stop.wait(REPORT_EVERY):
            for duty in (self.report, self.look_at_the_class):
                try:
                    duty()
                except Exception:  # noqa: BLE001 -- the class view is a courtesy; the app goes on
                    continue


class PracticeStatus(TypedDict, total=False):
    """The fields of StudentStatus the practice layer fills in (practice_of)."""

    guesses: int
    right: int
    challenge: str | None
    challenge_progress: str
    challenges: tuple[ChallengeResult, ...]
    recent: tuple[str, ...]


def practice_of(session: Session) -> PracticeStatus:
    """What the student's practice adds to their status: the guess score, the challenge under
    way and where they stand on it, the results so far, the latest guesses in words."""
    import calendar

    from nanoneuron_tui import coach
    from nanoneuron_tui.core.practice import MET, number

    practice = session.practice
    view = session.view()
    reached = coach.progress(session, view)
    results = tuple(
        ChallengeResult(
            name=result.challenge,
            met=result.outcome == MET,
            result=result.result[:200],
            epoch=result.epoch,
            alpha=result.alpha,
            time=float(calendar.timegm(time.strptime(result.time, "%Y-%m-%dT%H:%M:%SZ"))),
        )
        for result in practice.results[-100:]
    )
    recent = []
    for guess in practice.recent[-RECENT_KEPT:]:
        try:
            right = guess.recheck(view.data).right
        except Exception:  # noqa: BLE001 -- its data is gone: say the guess without its mark
            right = None
        mark = "" if right is None else (" ✓" if right else " ✗")
        recent.append(f"epoch {guess.epoch:,}: {guess.quantity} {number(guess.guess)}{mark}")
    return PracticeStatus(
        guesses=practice.score.guesses,
        right=practice.score.right,
        challenge=practice.active,
        challenge_progress=reached.line[:200] if reached is not None else "",
        challenges=results,
        recent=tuple(recent),
    )


def reporter_for(
    session: Session,
    session_path: Path,
    on_assignment: Callable[[Assignment], None] | None = None,
    screen_copy: Callable[[], str] | None = None,
) -> StatusReporter:
    """The reporter of a served student's app, under the name the server gave it.

    The server keeps each student in ``STATE_DIR/users/FOLDER/``: the class's
    files are two levels up from the student's own.
    """
    name = os.environ.get(STUDENT_ENV, "") or session_path.parent.name
    return StatusReporter(
        session_path.parent / STATUS_FILE,
        SessionDescriber(session, name[:64], extras=lambda: practice_of(session)),
        state_dir=session_path.parent.parent.parent,
        on_assignment=on_assignment,
        screen_copy=screen_copy,
    )


class SessionDescriber:
    """The status of one student's session, as their app holds it now.

    It remembers when the epoch last moved, for the teacher's "no progress for
    N minutes"; ``extras()`` adds what the practice layer knows (guesses, challenges).
    """

    def __init__(self, session: Session, name: str, extras: Callable[[], PracticeStatus] | None = None) -> None:
        self.session = session
        self.name = name
        self.extras: Callable[[], PracticeStatus] = extras or PracticeStatus  # no practice: nothing added
        self._epoch: int | None = None
        self._progressed = time.time()

    def __call__(self, connected: bool) -> StudentStatus:
        from nanoneuron_tui.session import sample_epochs

        view = self.session.view()
        now = time.time()
        if view.epoch != self._epoch:
            self._epoch, self._progressed = view.epoch, now
        run = view.run
        costs = [run.cost(epoch) for epoch in sample_epochs(0, view.epoch, COSTS_KEPT)] if view.epoch else [view.cost]
        return StudentStatus(
            name=self.name,
            connected=connected,
            state=view.state.value,
            epoch=view.epoch,
            epochs=view.epochs,
            alpha=view.moment.alpha,
            w=finite(view.w),
            b=finite(view.b),
            cost=finite(view.cost),
            test_cost=finite(view.test_cost),
            diverged_at=view.diverged_at,
            updated=now,
            progressed=self._progressed,
            costs=tuple(cost for cost in costs if math.isfinite(cost)),
            **self.extras(),
        )
