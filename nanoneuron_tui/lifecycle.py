"""How a nanoneuron process lives and ends.

Every way it can end — ctrl+q, SIGHUP, SIGTERM, SIGINT, SIGQUIT, a closed or a
stalled terminal — saves the session, restores the terminal where it still can,
and exits promptly with the conventional code (128 + the signal).

The hard case is a terminal that stops reading: Textual's output queue fills,
the event loop blocks in ``Queue.put`` and anything that waits for the loop
(asyncio's signal handlers among them) never runs. So the stop signals are
blocked in every thread and taken by one thread of our own with ``sigwait``:
it saves, asks the app to leave and, if the app cannot, ends the process
itself by a deadline.

The session file has one owner (an ``flock`` on a lock file beside it); the
session it replaces is kept as ``session.prev.json``; it is saved while
training runs, at most every 30 s and at every pause, so a link that drops
silently loses little; and temporary files left by a killed save are cleaned
up at the next start.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shlex
import signal
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from nanoneuron_tui import persist

STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
EXIT_DEADLINE = 0.8  # seconds from a stop signal to the end of the process, once the session is saved
HANGUP_DEADLINE = 0.3  # the same after a hang-up: there is no terminal to wait for
SAVE_DEADLINE = 1.5  # a save still running by then is abandoned: the old file stays whole (atomic writes)
TERMINAL_WRITE_DEADLINE = 0.2  # a terminal that does not take the restoring bytes by then never will
AUTOSAVE_INTERVAL = 30.0  # seconds: what a silent drop of the link can lose at most
ORPHAN_AGE = 60.0  # seconds: a temporary file this old belongs to no save in progress
FRESH_NAMES = 99  # session-2.json ... session-99.json for instances beside the first

# What Textual turns on, turned off again: keyboard protocol, mouse reporting,
# bracketed paste, focus events, in-band resize; line wrap and the cursor back;
# the alternate screen left.
TERMINAL_RESET = (
    "\x1b[<u"
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"
    "\x1b[?2004l\x1b[?1004l\x1b[?2048l"
    "\x1b[?7h\x1b[?25h"
    "\x1b[?1049l"
).encode()


def exit_code(signum: int) -> int:
    """The shell's convention for a process ended by a signal."""
    return 128 + signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


# -- the terminal --------------------------------------------------------------------


class Terminal:
    """The terminal as it was before the app changed it, so it can be put back from any thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        try:
            self.attributes: list | None = termios.tcgetattr(fd)
        except termios.error:
            self.attributes = None  # not a terminal: nothing to restore

    @classmethod
    def of_this_process(cls) -> Terminal:
        # Textual writes to stderr and reads stdin; both are the same terminal when it matters.
        return cls(sys.__stderr__.fileno())

    @property
    def is_terminal(self) -> bool:
        return self.attributes is not None

    def restore(self, line: str = "") -> None:
        """Leave the app's modes and print ``line``, without ever blocking for long.

        The bytes are written by a throwaway thread: a terminal that stopped reading
        would block the write forever, and nothing it could show matters then.
        """
        if self.is_terminal:
            with contextlib.suppress(termios.error, OSError):
                # TCSANOW: immediately, without waiting for output that may never drain.
                termios.tcsetattr(self.fd, termios.TCSANOW, self.attributes)
        data = (TERMINAL_RESET if self.is_terminal else b"") + (f"{line}\n".encode() if line else b"")
        if data:
            writer = threading.Thread(target=_write_all, args=(self.fd, data), daemon=True)
            writer.start()
            writer.join(TERMINAL_WRITE_DEADLINE)


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(fd, data):]


def say(line: str) -> None:
    """One line on stderr, if anyone can still read it (a hung-up terminal cannot)."""
    _write_all(sys.__stderr__.fileno(), f"{line}\n".encode())


# -- stop signals in the app -----------------------------------------------------------


class SignalWatch:
    """Handles the stop signals on a thread of its own, whatever the event loop is doing.

    ``start()`` must run before any other thread exists: threads inherit the
    signal mask, and a stop signal must never go to a thread that cannot act on it.
    On the first signal it calls ``save()`` (with a deadline), then ``leave(code)``,
    which asks the app to exit in the ordinary way. If the process is still there
    at the deadline it restores the terminal itself and ends with ``os._exit``.
    A second stop signal ends the process at once.
    """

    def __init__(
        self,
        terminal: Terminal,
        *,
        exit_deadline: float = EXIT_DEADLINE,
        hangup_deadline: float = HANGUP_DEADLINE,
        save_deadline: float = SAVE_DEADLINE,
        force_exit: Callable[[int], object] = os._exit,
    ) -> None:
        self.terminal = terminal
        self.exit_deadline = exit_deadline
        self.hangup_deadline = hangup_deadline
        self.save_deadline = save_deadline
        self._force_exit = force_exit
        self._save: Callable[[], str] = lambda: ""
        self._leave: Callable[[int], object] | None = None
        self.signum: int | None = None
        self.farewell = ""  # the one line to print on the way out
        self._terminal_restored = threading.Event()

    @property
    def code(self) -> int | None:
        return None if self.signum is None else exit_code(self.signum)

    def start(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        threading.Thread(target=self._watch, name="nanoneuron-signals", daemon=True).start()

    def attach(self, save: Callable[[], str], leave: Callable[[int], object]) -> None:
        """What to do on a signal: ``save()`` returns the line to leave with; ``leave(code)``
        asks the app to exit from any thread, without waiting."""
        self._save, self._leave = save, leave

    def terminal_restored(self) -> None:
        """The app has left its screen: a forced exit from now on must not touch the terminal."""
        self._terminal_restored.set()

    def _watch(self) -> None:
        signum = signal.sigwait(STOP_SIGNALS)
        threading.Thread(target=self.stop, args=(signum,), name="nanoneuron-stop", daemon=True).start()
        signal.sigwait(STOP_SIGNALS)  # asked twice: no more waiting
        self._end_now()

    def stop(self, signum: int) -> None:
        """What a stop signal does (on the watch's thread): save, ask the app to leave, end by the deadline."""
        started = time.monotonic()
        self.signum = signum
        self.farewell = self._saved_within_deadline()
        leave = self._leave
        if leave is None:
            # No app yet (still loading its data): the terminal is as it was; just go.
            self.terminal_restored()
            self._end_now()
            return
        with contextlib.suppress(Exception):
            leave(exit_code(signum))
        deadline = self.hangup_deadline if signum == signal.SIGHUP else self.exit_deadline
        remaining = started + deadline - time.monotonic()
        # The app leaves in the ordinary way if it can; the wait below only runs out
        # when it cannot (a stalled or dead terminal blocks its output).
        time.sleep(max(0.0, remaining))
        self._end_now()

    def _saved_within_deadline(self) -> str:
        outcome: list[str] = []

        def save() -> None:
            try:
                outcome.append(self._save())
            except Exception as problem:  # noqa: BLE001 - whatever it was, the process still ends
                outcome.append(f"the session was not saved: {problem}")

        saver = threading.Thread(target=save, name="nanoneuron-final-save", daemon=True)
        saver.start()
        saver.join(self.save_deadline)
        return outcome[0] if outcome else "the session was not saved in time"

    def _end_now(self) -> None:
        code = self.code or exit_code(signal.SIGTERM)
        if not self._terminal_restored.is_set():
            self.terminal.restore(self.line())
        elif self._leave is None:
            say(self.line())
        self._force_exit(code)

    def line(self) -> str:
        """The one line said on the way out."""
        if self.signum is None:
            return ""
        return "; ".join(filter(None, (f"nanoneuron: stopped by {signal_name(self.signum)}", self.farewell)))


# -- stop signals headless ---------------------------------------------------------------


class Stopped(BaseException):
    """A stop signal arrived; raised in the main thread so ``with`` blocks clean up on the way out.

    A BaseException, like KeyboardInterrupt: ordinary ``except Exception`` must not swallow it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum
        self.code = exit_code(signum)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within this block a stop signal raises ``Stopped`` in the main thread (single-threaded use)."""

    def handler(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


# -- the session file ----------------------------------------------------------------------


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
        self._rotated = False
        self._as_started: dict | None = None

    # -- claiming -----------------------------------------------------------

    @classmethod
    def claim(cls, path: Path, *, resuming: bool) -> SessionFile:
        """Own ``path``, or raise SessionFileInUse if another nanoneuron does."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
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
        return owned

    @classmethod
    def claim_or_fresh(cls, path: Path) -> SessionFile:
        """Own ``path``; if another nanoneuron does, own the first free ``session-N.json`` beside it."""
        try:
            return cls.claim(path, resuming=False)
        except SessionFileInUse as in_use:
            for number in range(2, FRESH_NAMES + 1):
                candidate = fresh_path(path, number)
                if candidate.exists():
                    continue  # someone's saved session: not ours to replace
                try:
                    owned = cls.claim(candidate, resuming=False)
                except SessionFileInUse:
                    continue
                owned.displaced = in_use
                return owned
            raise

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)  # closing the last descriptor drops the flock

    # -- saving -------------------------------------------------------------

    def started_with(self, session) -> None:
        """Remember the fresh session as it starts: until it differs there is nothing worth
        saving (an untouched session would only push the saved one aside)."""
        self._as_started = session.to_dict()

    def save(self, session) -> bool:
        """Save ``session`` atomically; False if it is a fresh session nobody touched.

        Raises persist.PersistError with one line if the file cannot be written.
        """
        with self._saving:
            if not self.resumed and session.to_dict() == self._as_started:
                return False
            if not self._rotated:
                if not self.resumed:
                    keep_previous(self.path)
                self._rotated = True
            persist.save_session(session, self.path)
            return True

    def save_for_exit(self, session) -> str:
        """Pause and save on the way out; returns the half-line that says what became of it."""
        session.pause()
        try:
            saved = self.save(session)
        except persist.PersistError as problem:
            return f"the session was not saved: {problem}"
        if not saved:
            return "nothing new to save"
        return f"session saved; {resume_command(self.path)} carries on"

    def start_notes(self) -> list[str]:
        """What a person should know at start: whose file this is, and a saved session waiting."""
        notes = []
        if self.displaced is not None:
            notes.append(f"{self.displaced}: this session saves to {self.path.name} instead "
                         f"({resume_command(self.path)} resumes it).")
        if self.found_saved:
            notes.append(f"A saved session is waiting: quit and run {resume_command(self.path)} to carry it on. "
                         f"Once this session is saved, that one is kept as {previous_path(self.path).name}.")
        return notes


def resume_command(path: Path) -> str:
    """The command that carries on the session saved at ``path``."""
    if path == persist.default_state_path():
        return "nanoneuron --resume"
    return f"nanoneuron --resume --state {shlex.quote(str(path))}"


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
                if (entry.is_file(follow_symlinks=False) and info.st_uid == os.geteuid()
                        and now - info.st_mtime > older_than):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
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

    def __init__(self, session, save: Callable[[], object], *, interval: float = AUTOSAVE_INTERVAL,
                 poll: float = 0.25, report: Callable[[str], object] = lambda problem: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
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
