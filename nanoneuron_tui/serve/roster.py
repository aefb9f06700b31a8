"""The class as the teacher sees it: every student's status, read cheaply, sorted and filtered.

One look at the class is one ``stat`` per student; only a status that changed
since the last look is read again. A status that cannot be read is shown as
such (its row says why), never taken as a student's word for anything else.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nanoneuron_tui.serve.assignment import Assignment
from nanoneuron_tui.serve.status import HEARTBEAT, STATUS_FILE, StatusError, StudentStatus, read_status

GONE_AFTER = 3 * HEARTBEAT  # seconds without a status: the student's connection is gone
STUCK_AFTER = 300.0  # seconds without a new epoch while connected: "no progress"
MANY_WRONG = 3  # wrong guesses, with fewer right than wrong, that call for help


@dataclass(frozen=True)
class Row:
    """One student's line in the class table."""

    folder: str  # the student's directory (unique); the name is what they logged in with
    status: StudentStatus | None
    problem: str | None = None  # why the status could not be read

    @property
    def name(self) -> str:
        return self.status.name if self.status else self.folder

    def connected(self, now: float) -> bool:
        return bool(self.status and self.status.connected and now - self.status.updated < GONE_AFTER)

    def state(self) -> str:
        if self.status is None:
            return "unreadable"
        if self.status.state == "diverged" and self.status.diverged_at is not None:
            return f"diverged at {self.status.diverged_at:,}"
        return self.status.state

    def help_reasons(self, now: float, stuck_after: float = STUCK_AFTER) -> list[str]:
        """Why this student may need the teacher; empty if nothing says so."""
        status = self.status
        if status is None:
            return [f"session unreadable ({self.problem})"]
        reasons = []
        if status.state == "diverged":
            reasons.append("diverged")
        if self.connected(now) and status.state != "finished" and now - status.progressed >= stuck_after:
            reasons.append(f"no progress for {int((now - status.progressed) // 60)} min")
        if status.wrong >= MANY_WRONG and status.wrong > status.right:
            reasons.append(f"{status.wrong} wrong guesses")
        return reasons


@dataclass(frozen=True)
class Counts:
    students: int
    connected: int
    running: int
    diverged: int
    finished: int
    challenge_met: int

    def __str__(self) -> str:
        return (
            f"{self.students} students · {self.connected} here · {self.running} running · "
            f"{self.diverged} diverged · {self.finished} finished · {self.challenge_met} met the challenge"
        )


class Roster:
    """The students of one state directory (every server of the class shares it)."""

    def __init__(self, state_dir: Path) -> None:
        self.users = state_dir / "users"
        self._seen: dict[str, tuple[tuple[int, int, int], Row]] = {}

    def rows(self) -> list[Row]:
        """Every student with a status, read again only where the file changed."""
        try:
            folders = sorted(entry.name for entry in os.scandir(self.users) if entry.is_dir(follow_symlinks=False))
        except OSError:
            folders = []
        rows = []
        for folder in folders:
            path = self.users / folder / STATUS_FILE
            try:
                info = os.stat(path, follow_symlinks=False)
            except OSError:
                self._seen.pop(folder, None)
                continue  # no status yet: a student who never started an app
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
            seen = self._seen.get(folder)
            if seen is None or seen[0] != stamp:
                seen = (stamp, _read(folder, path))
                self._seen[folder] = seen
            rows.append(seen[1])
        return rows


def _read(folder: str, path: Path) -> Row:
    try:
        return Row(folder, read_status(path))
    except StatusError as problem:
        return Row(folder, None, str(problem))
    except OSError as problem:
        return Row(folder, None, problem.strerror or str(problem))


def counts(rows: Iterable[Row], challenge: str | None, now: float) -> Counts:
    rows = list(rows)
    statuses = [row.status for row in rows if row.status]
    return Counts(
        students=len(rows),
        connected=sum(row.connected(now) for row in rows),
        running=sum(status.state == "running" for status in statuses),
        diverged=sum(status.state == "diverged" for status in statuses),
        finished=sum(status.state == "finished" for status in statuses),
        challenge_met=sum(met(status, challenge) is not None for status in statuses) if challenge else 0,
    )


def met(status: StudentStatus, challenge: str | None) -> float | None:
    """When ``status``'s student met ``challenge`` (seconds since the epoch); None if they have not."""
    times = [result.time for result in status.challenges if result.name == challenge and result.met]
    return min(times) if times else None


# -- the table ---------------------------------------------------------------------------

COLUMNS = ("name", "connected", "epoch", "alpha", "cost", "test", "state", "challenge", "guesses")


def cell(row: Row, column: str, now: float, given: Assignment | None = None) -> str:
    """The text of one cell; with a challenge given to the class, its column says who met it and how fast."""
    status = row.status
    if column == "name":
        return row.name
    if column == "connected":
        return "yes" if row.connected(now) else "no"
    if column == "state":
        return row.state()
    if status is None:
        return "—"
    if column == "epoch":
        return f"{status.epoch:,}"
    if column == "alpha":
        return f"{status.alpha:.4g}"
    if column == "cost":
        return "∞" if status.cost is None else f"{status.cost:.4g}"
    if column == "test":
        return "—" if status.test_cost is None else f"{status.test_cost:.4g}"
    if column == "challenge":
        if given is not None and given.challenge is not None:
            when = met(status, given.challenge)
            if when is not None:
                result = next(r.result for r in status.challenges if r.name == given.challenge and r.met)
                return f"✓ {result} ({_minutes(when - given.started)})"
            if status.challenge != given.challenge:
                return "not started"
        return f"{status.challenge} {status.challenge_progress}".strip() if status.challenge else ""
    if column == "guesses":
        return f"{status.right}/{status.guesses}" if status.guesses else ""
    raise KeyError(column)


def _minutes(seconds: float) -> str:
    if seconds < 0:
        return "met before"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def sort_key(row: Row, column: str, now: float, given: Assignment | None = None) -> tuple[bool | float | str, ...]:
    """How ``column`` orders rows: numbers as numbers, unreadable rows last whichever way;
    with a challenge given to the class, its column ranks who met it first."""
    status = row.status
    if column == "challenge" and status is not None and given is not None and given.challenge is not None:
        when = met(status, given.challenge)
        return (False, 0 if when is not None else 1, when or 0.0, row.name.casefold())
    if column in ("name", "state", "challenge"):
        return (status is None, cell(row, column, now).casefold())
    if column == "connected":
        return (status is None, not row.connected(now))
    if status is None:
        return (True, 0.0)
    value = {
        "epoch": status.epoch,
        "alpha": status.alpha,
        "cost": math.inf if status.cost is None else status.cost,
        "test": math.inf if status.test_cost is None else status.test_cost,
        "guesses": status.right / status.guesses if status.guesses else -1.0,
    }[column]
    return (False, value)


def arranged(
    rows: Sequence[Row],
    column: str,
    descending: bool,
    needs_help: bool,
    now: float,
    given: Assignment | None = None,
    stuck_after: float = STUCK_AFTER,
) -> list[Row]:
    chosen = [row for row in rows if not needs_help or row.help_reasons(now, stuck_after)]
    ordered = sorted(chosen, key=lambda row: sort_key(row, column, now, given), reverse=descending)
    if descending:  # unreadable rows stay last
        ordered.sort(key=lambda row: row.status is None)
    return ordered


# -- results to keep ---------------------------------------------------------------------

RESULT_FIELDS = ("student", "kind", "challenge", "met", "result", "epoch", "alpha", "time", "right", "guesses")


def results_csv(rows: Iterable[Row]) -> str:
    """One line per student and challenge, and one per student for the guess score."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_FIELDS)
    for row in sorted(rows, key=lambda row: row.name.casefold()):
        status = row.status
        if status is None:
            continue
        for result in status.challenges:
            writer.writerow(
                (
                    _cell_text(status.name),
                    "challenge",
                    result.name,
                    "yes" if result.met else "no",
                    _cell_text(result.result),
                    result.epoch,
                    f"{result.alpha:.17g}",
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result.time)),
                    "",
                    "",
                )
            )
        writer.writerow(
            (_cell_text(status.name), "guesses", "", "", "", status.epoch, "", "", status.right, status.guesses)
        )
    return out.getvalue()


def _cell_text(text: str) -> str:
    # A spreadsheet runs a cell that begins like a formula; a name is never one.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_results(state_dir: Path, rows: Iterable[Row]) -> Path:
    """Write the class's results into the state directory; the file's path."""
    from nanoneuron_tui import persist

    path = state_dir / time.strftime("results-%Y%m%d-%H%M%S.csv", time.gmtime())
    with persist.atomic_writer(path) as out:
        out.write(results_csv(rows))
    return path
