"""The session file a nanoneuron app owns: locked, kept, autosaved, tidied.

- One owner: an ``flock`` on ``session.json.lock`` (which holds the owner's pid,
  for the next instance to name). A second instance resumes nothing and saves
  to a fresh ``session-N.json`` beside it.
- The session a new one replaces is kept as ``session.prev.json``; a fresh
  session nobody touched is never saved (it would only push the saved one aside),
  except when served: the student saw that neuron, and connects again to find it.
- Saved while training at most every 30 s, and whenever the session is at rest
  with changes not yet saved (a pause, the end, a step): a link that drops
  silently loses little. Every save is atomic (persist.atomic_writer).
- Temporary files a killed save left behind are removed at the next start, and
  so are an export's (wherever it wrote), listed in ``session.json.temporaries``
  while it runs.
- The session file must be a regular file, or nothing yet; a symlink is owned
  where it leads. The session's own files are never written over by a model
  or an export.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shlex
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nanoneuron_tui import persist
from nanoneuron_tui.core.files import describe_kind
from nanoneuron_tui.paths import as_seen_from

if TYPE_CHECKING:  # only its type: the session module is imported where its states are needed
    from nanoneuron_tui.session import Session

AUTOSAVE_INTERVAL = 30.0  # seconds: what a silent drop of the link can lose at most
ORPHAN_AGE = 60.0  # seconds: a temporary file this old belongs to no save in progress
FRESH_NAMES = 99  # session-2.json ... session-99.json for instances beside the first


class SessionFileInUse(Exception):
    """Another nanoneuron holds the session file."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path, self.pid = path, pid
        holder = f"nanoneuron (pid {pid})" if pid else "another nanoneuron"
        super().__init__(f"{path} is in use by {holder}")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def previous_path(path: Path) -> Path:
    """session.json -> session.prev.json: where the session a new one replaces is kept."""
    return path.with_name(f"{path.stem}.prev{path.suffix}")


def fresh_path(path: Path, number: int) -> Path:
    """session.json -> session-2.json"""
    return path.with_name(f"{path.stem}-{number}{path.suffix}")


def fresh_paths(path: Path) -> Iterator[Path]:
    """``session-N.json`` beside ``path`` that no instance has used: no session saved, no lock taken."""
    for number in range(2, FRESH_NAMES + 1):
        candidate = fresh_path(path, number)
        if not candidate.exists() and not lock_path(candidate).exists():
            yield candidate


def first_fresh_path(path: Path) -> Path:
    return next(fresh_paths(path), fresh_path(path, FRESH_NAMES + 1))


class SessionFile:
    """The session file this process owns: locked while it runs, saved atomically by
    one thread at a time, the session it replaces kept as ``*.prev.json``."""

    def __init__(self, path: Path, lock_fd: int, *, resumed: bool, displaced: SessionFileInUse | None = None) -> None:
        self.path = path
        self._lock_fd = lock_fd
        self.resumed = resumed  # this process carries on the session the file held
        self.displaced = displaced  # the file we wanted, held by another process
        self.found_saved = (not resumed) and path.exists()  # a session we will replace
        self._saving = threading.Lock()
        self._tracked: set[Path] = set()  # temporary files of ours elsewhere (exports), being written
        self._tracking = threading.Lock()
        self._rotated = False
        self._final = False  # saved on the way out: no autosave may start a write the exit would cut
        self._as_started: dict[str, object] | None = None
        # Served (`nanoneuron serve`): the student's folder. Messages then name files relative
        # to it and say what a student can do, and even an untouched session is saved.
        self.served_in: Path | None = None

    # -- claiming -----------------------------------------------------------

    @classmethod
    def claim(cls, path: Path, *, resuming: bool) -> SessionFile:
        """Own ``path``, or raise SessionFileInUse if another nanoneuron does.

        A symlink is owned where it leads (two links to one file are one session, and the
        session it replaces is kept beside the file, not beside the link). Raises PersistError,
        before anything is written, if ``path`` or its lock is not a regular file.
        """
        path = persist.replaceable_target(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_lock(lock_path(path))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as problem:
            holder = _pid_in(fd)
            os.close(fd)
            if problem.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise SessionFileInUse(path, holder) from None
            raise
        # Who holds it, for the next instance to name.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        owned = cls(path, fd, resumed=resuming)
        remove_orphan_temporaries(path)
        remove_tracked_temporaries(path)  # the lock is ours: whoever wrote them is gone
        return owned

    @classmethod
    def claim_or_fresh(cls, path: Path) -> SessionFile:
        """Own ``path``; if another nanoneuron does, own the first free ``session-N.json`` beside it."""
        try:
            return cls.claim(path, resuming=False)
        except SessionFileInUse as in_use:
            for candidate in fresh_paths(in_use.path):
                try:
                    owned = cls.claim(candidate, resuming=False)
                except SessionFileInUse:
                    continue
                owned.displaced = in_use
                return owned
            raise

    @contextlib.contextmanager
    def tracking(self, temporary: Path) -> Iterator[None]:
        """Keep ``temporary`` (an export's, anywhere) listed beside the session file while the
        block runs, so the next start removes it if this process is killed meanwhile."""
        with self._tracking:
            self._tracked.add(temporary)
            _write_tracked(self.path, self._tracked)
        try:
            yield
        finally:
            with self._tracking:
                self._tracked.discard(temporary)
                _write_tracked(self.path, self._tracked)

    def protects(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is one of this session's own files (the session, its lock, the one
        kept before it, the list of its exports' temporary files), which nothing else may replace."""
        own = {self.path, lock_path(self.path), previous_path(self.path), tracked_path(self.path)}
        return Path(os.path.realpath(path)) in own

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)  # closing the last descriptor drops the flock

    # -- saving -------------------------------------------------------------

    def started_with(self, session: Session) -> None:
        """Remember the fresh session as it starts: until it differs there is nothing worth
        saving (an untouched session would only push the saved one aside)."""
        self._as_started = session.to_dict()

    def save(self, session: Session) -> bool:
        """Save ``session`` atomically; False if it is a fresh session nobody touched.

        Raises persist.PersistError with one line if the file cannot be written.
        """
        with self._saving:
            if self._final:
                return False  # the process is ending: the save on the way out was the last
            if not self.resumed and self.served_in is None and session.to_dict() == self._as_started:
                return False
            if not self._rotated:
                if not self.resumed:
                    keep_previous(self.path)
                self._rotated = True
            persist.save_session(session, self.path)
            return True

    def save_for_exit(self, session: Session) -> str:
        """Pause and save on the way out; returns the half-line that says what became of it."""
        session.pause()
        try:
            saved = self.save(session)
        except persist.PersistError as problem:
            shown = as_seen_from(self.served_in, problem) if self.served_in is not None else problem
            return f"the session was not saved: {shown}"
        finally:
            with self._saving:
                self._final = True
        if not saved:
            return "nothing new to save"
        if self.served_in is not None:
            return "session saved; connect again to carry on"
        return f"session saved; {resume_command(self.path)} carries on"

    def start_notes(self) -> list[str]:
        """What a person should know at start: whose file this is, and a saved session waiting."""
        if self.served_in is not None:
            return self._served_start_notes()
        notes = []
        if self.displaced is not None:
            notes.append(
                f"{self.displaced}: this session saves to {self.path.name} instead "
                f"({resume_command(self.path)} resumes it)."
            )
        if self.found_saved:
            notes.append(
                f"A saved session is waiting: quit and run {resume_command(self.path)} to carry it on. "
                f"Once this session is saved, that one is kept as {previous_path(self.path).name}."
            )
        return notes

    def _served_start_notes(self) -> list[str]:
        """The same, for a student: no server paths, no commands they cannot type."""
        if self.displaced is not None:
            return [
                f"Your saved session is open in another connection: this one is saved as {self.path.name}, "
                "and the next connection carries on the first."
            ]
        if self.found_saved:
            kept = previous_path(self.path).name
            return [f"A saved session is waiting; once this one is saved, that one is kept as {kept}."]
        return []


def resume_command(path: Path) -> str:
    """The command that carries on the session saved at ``path``."""
    if os.path.realpath(path) == os.path.realpath(persist.default_state_path()):
        return "nanoneuron --resume"
    return f"nanoneuron --resume --state {shlex.quote(str(path))}"


def _open_lock(lock: Path) -> int:
    """The lock file, opened (made if need be); PersistError naming it if it is anything but
    a regular file. Never waits: a FIFO put there opens at once and is refused."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    except OSError as problem:
        with contextlib.suppress(OSError):
            _refuse_unless_regular(lock, os.lstat(lock).st_mode)
        raise persist.PersistError(f"cannot use {lock}: {problem.strerror or problem}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        _refuse_unless_regular(lock, mode)
    return fd


def _refuse_unless_regular(lock: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = "a symlink" if stat.S_ISLNK(mode) else describe_kind(mode)
        raise persist.PersistError(f"{lock} is {kind}, not nanoneuron's lock file; remove it")


def _pid_in(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None


def keep_previous(path: Path) -> None:
    """Keep the session at ``path`` as ``*.prev.json`` before it is replaced; ``path`` stays whole
    meanwhile (a second name for the same file, then an atomic rename over the old one)."""
    previous = previous_path(path)
    staging = previous.with_name(f".{previous.name}.{os.getpid()}.link")
    try:
        os.link(path, staging, follow_symlinks=False)
        os.replace(staging, previous)
    except FileNotFoundError:
        return  # nothing saved yet
    except OSError:
        # A file system without hard links: move it aside instead.
        with contextlib.suppress(OSError):
            os.unlink(staging)
        with contextlib.suppress(OSError):
            os.replace(path, previous)


def remove_orphan_temporaries(path: Path, older_than: float = ORPHAN_AGE) -> list[Path]:
    """Delete temporary files a killed save of ``path`` left behind: only names of the
    atomic writer's own pattern, only regular files we own, only ones older than any
    save in progress could be. Returns what was removed."""
    pattern = persist.temporary_name_pattern(path)
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        entries = list(os.scandir(path.parent))
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if (
                    entry.is_file(follow_symlinks=False)
                    and info.st_uid == os.geteuid()
                    and now - info.st_mtime > older_than
                ):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def tracked_path(path: Path) -> Path:
    """session.json -> session.json.temporaries: temporary files of ours elsewhere, being written."""
    return path.with_name(path.name + ".temporaries")


TRACKED_BYTES = 1_000_000  # far more names than exports ever run at once


def _write_tracked(path: Path, temporaries: set[Path]) -> None:
    listing = tracked_path(path)
    with contextlib.suppress(OSError):
        if not temporaries:
            os.unlink(listing)
            return
        fd = os.open(listing, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.writelines(f"{temporary}\n" for temporary in sorted(temporaries))


def remove_tracked_temporaries(path: Path) -> list[Path]:
    """Delete the temporary files a killed process was writing elsewhere (exports), as listed
    beside ``path``: only names of the atomic writer's pattern, only regular files we own."""
    from nanoneuron_tui.core.files import FileRefused, read_regular

    listing = tracked_path(path)
    try:
        names = read_regular(listing, TRACKED_BYTES, "list of temporary files").decode("utf-8").splitlines()
    except (FileRefused, OSError, UnicodeDecodeError):
        names = []  # none listed, or nothing we could trust
    removed = []
    for name in names:
        temporary = Path(name)
        if not temporary.is_absolute() or not persist.ANY_TEMPORARY_NAME.fullmatch(temporary.name):
            continue
        with contextlib.suppress(OSError):
            info = os.lstat(temporary)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                os.unlink(temporary)
                removed.append(temporary)
    with contextlib.suppress(OSError):
        os.unlink(listing)
    return removed


# -- saving while training -------------------------------------------------------------------


class Autosaver:
    """Saves the session whenever it is at rest (paused, finished, diverged) with changes not
    yet saved, and while it trains at most every ``interval`` seconds: a silent drop of the
    link loses at most that.

    A thread of its own that looks every ``poll`` seconds, so a save never waits for the
    event loop, nor holds it up; a run shorter than a look is still caught, since it changed
    the session.
    """

    def __init__(
        self,
        session: Session,
        save: Callable[[], object],
        *,
        interval: float = AUTOSAVE_INTERVAL,
        poll: float = 0.25,
        report: Callable[[str], object] = lambda problem: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.save = save
        self.interval = interval
        self.poll = poll
        self.report = report
        self.clock = clock
        self.saves = 0
        self.looks = 0  # times it has looked at the session: tests wait on it, not on the clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nanoneuron-autosave", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from nanoneuron_tui.session import State

        saved_version = self.session.view().version
        last_save = self.clock()
        while not self._stop.wait(self.poll):
            self.looks += 1
            training = self.session.state is State.RUNNING
            if training and self.clock() - last_save < self.interval:
                continue
            version = self.session.view().version
            if version == saved_version:
                continue
            try:
                self.save()
            except persist.PersistError as problem:
                self.report(str(problem))
            else:
                self.saves += 1
            saved_version = version
            last_save = self.clock()
