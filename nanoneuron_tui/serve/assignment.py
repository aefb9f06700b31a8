"""What the teacher gives the whole class: one challenge and a message, in a file every app watches.

The teacher's view writes ``class.json`` in the state directory; each served
student's app looks at it once a second (a ``stat``), and when it changes shows
the message and starts the challenge. A student who connects later finds it on
arrival. Ending it removes nothing: the file says there is no challenge any more.

While the teacher looks over a student's shoulder, the view keeps a file of that
student's name in ``watching/`` fresh; only then does the student's app write a
copy of its screen (``screen.txt`` beside its session) once a second. The
teacher's view reads that copy: it never sends the student's app anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSIGNMENT_FILE = "class.json"
WATCHING_DIR = "watching"
SCREEN_FILE = "screen.txt"
FORMAT = "nanoneuron-class"
VERSION = 1
MAX_BYTES = 16 * 1024
MAX_SCREEN_BYTES = 256 * 1024
MESSAGE_LIMIT = 500
WATCH_FRESH = 3.0  # seconds: a watch this old has ended (the teacher left without a word)


@dataclass(frozen=True)
class Assignment:
    challenge: str | None  # None: no challenge for everyone at the moment
    message: str
    started: float  # when the teacher gave it (seconds since the epoch)

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **self.__dict__}

    @classmethod
    def from_dict(cls, document: Any) -> Assignment:
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ValueError("not a nanoneuron class file")
        challenge, message, started = document.get("challenge"), document.get("message"), document.get("started")
        if challenge is not None and (not isinstance(challenge, str) or not 0 < len(challenge) <= 64):
            raise ValueError("the challenge is not a name")
        if not isinstance(message, str) or len(message) > MESSAGE_LIMIT:
            raise ValueError(f"the message is not a text of at most {MESSAGE_LIMIT} characters")
        if isinstance(started, bool) or not isinstance(started, int | float):
            raise ValueError("no time the challenge started")
        return cls(challenge, message, float(started))


def give(state_dir: Path, challenge: str | None, message: str) -> Assignment:
    """Give the class ``challenge`` (None ends it) with ``message``; what was written."""
    from nanoneuron_tui import persist

    assignment = Assignment(challenge, message[:MESSAGE_LIMIT], time.time())
    with persist.atomic_writer(state_dir / ASSIGNMENT_FILE) as out:
        json.dump(assignment.as_dict(), out)
    return assignment


def current(state_dir: Path) -> Assignment | None:
    """What the class has been given, or None (nothing, or a file that is not ours)."""
    from nanoneuron_tui.core.files import read_regular

    try:
        raw = read_regular(state_dir / ASSIGNMENT_FILE, MAX_BYTES, "class file")
        return Assignment.from_dict(json.loads(raw.decode("utf-8")))
    except (OSError, ValueError):  # JSON and Unicode errors are ValueErrors
        return None


class AssignmentWatch:
    """A student's side: has the class file changed since the last look? One ``stat`` a look."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._stamp: tuple[int, int, int] | None = None

    def changed(self) -> Assignment | None:
        """The assignment, if it changed since the last call (the first call reports one already given)."""
        try:
            info = os.stat(self.state_dir / ASSIGNMENT_FILE)
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        return current(self.state_dir)


# -- looking over a student's shoulder ----------------------------------------------------


def watch_marker(state_dir: Path, folder: str) -> Path:
    return state_dir / WATCHING_DIR / folder


def keep_watching(state_dir: Path, folder: str) -> None:
    """Say (again) that the teacher is looking at ``folder``'s screen."""
    marker = watch_marker(state_dir, folder)
    with contextlib.suppress(OSError):
        marker.parent.mkdir(mode=0o700, exist_ok=True)
        marker.touch()


def stop_watching(state_dir: Path, folder: str) -> None:
    with contextlib.suppress(OSError):
        watch_marker(state_dir, folder).unlink()


def watched(state_dir: Path, folder: str, now: float | None = None) -> bool:
    try:
        touched = os.stat(watch_marker(state_dir, folder), follow_symlinks=False).st_mtime
    except OSError:
        return False
    return (now if now is not None else time.time()) - touched < WATCH_FRESH


def read_screen(student_dir: Path) -> str | None:
    """The copy of a student's screen, if their app has written a fresh one."""
    from nanoneuron_tui.core.files import read_regular

    path = student_dir / SCREEN_FILE
    try:
        if time.time() - os.stat(path, follow_symlinks=False).st_mtime > WATCH_FRESH:
            return None
        return read_regular(path, MAX_SCREEN_BYTES, "screen copy").decode("utf-8", "replace")
    except OSError:
        return None
