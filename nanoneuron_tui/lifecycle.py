"""How a nanoneuron process ends: on any stop signal, promptly and tidily.

Every way it can end — ctrl+q, SIGHUP, SIGTERM, SIGINT, SIGQUIT, a closed or a
stalled terminal — saves the session, restores the terminal where it still can,
and exits with the conventional code (128 + the signal).

The hard case is a terminal that stops reading: Textual's output queue fills,
the event loop blocks in ``Queue.put`` and anything that waits for the loop
(asyncio's signal handlers among them) never runs. So in the app the stop
signals are blocked in every thread and taken by one thread of our own with
``sigwait``: it saves, asks the app to leave and, if the app cannot, restores
the terminal itself and ends the process by a deadline. Headless, where there
is one thread, a stop signal raises an exception that unwinds ``with`` blocks,
so temporary files are removed on the way out.

What is saved, where, and how often is session_file.py's business.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator

from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.exit_codes import after_signal

STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
EXIT_DEADLINE = 0.8  # seconds from a stop signal to the end of the process, once the session is saved
HANGUP_DEADLINE = 0.3  # the same after a hang-up: there is no terminal to wait for
SAVE_DEADLINE = 1.2  # a save still running by then is abandoned: the old file stays whole (atomic writes)
TERMINAL_WRITE_DEADLINE = 0.2  # a terminal that does not take the restoring bytes by then never will
HANGUP_CHECK = 0.5  # seconds between looks at the terminal, for a hang-up that sent no SIGHUP

# What Textual turns on, turned off again: keyboard protocol, mouse reporting,
# bracketed paste, focus events, in-band resize; line wrap and the cursor back;
# the alternate screen left.
TERMINAL_RESET = (
    b"\x1b[<u"
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"
    b"\x1b[?2004l\x1b[?1004l\x1b[?2048l"
    b"\x1b[?7h\x1b[?25h"
    b"\x1b[?1049l"
)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


# -- the terminal --------------------------------------------------------------------


class Terminal:
    """The terminal as it was before the app changed it, so it can be put back from any thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        try:
            # [iflag, oflag, cflag, lflag, ispeed, ospeed, cc]: numbers, then the control characters.
            self.attributes: list[int | list[bytes | int]] | None = termios.tcgetattr(fd)
        except termios.error:
            self.attributes = None  # not a terminal: nothing to restore

    @classmethod
    def of_this_process(cls) -> Terminal:
        # Textual writes to stderr and reads stdin; both are the same terminal when it matters.
        return cls(_stderr_fd())

    @property
    def is_terminal(self) -> bool:
        return self.attributes is not None

    def hung_up(self) -> bool:
        """The terminal was closed (the kernel answers EIO on a hung-up terminal)."""
        if not self.is_terminal:
            return False
        try:
            termios.tcgetattr(self.fd)
        except termios.error as problem:
            return bool(problem.args[0] == errno.EIO)
        return False

    def restore(self, line: str = "") -> None:
        """Leave the app's modes and print ``line``, without ever blocking for long.

        The bytes are written by a throwaway thread: a terminal that stopped reading
        would block the write forever, and nothing it could show matters then.
        """
        if self.attributes is not None:  # a terminal
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
            data = data[os.write(fd, data) :]


def say(line: str) -> None:
    """One line on stderr, if anyone can still read it (a hung-up terminal cannot)."""
    _write_all(_stderr_fd(), f"{printable(line)}\n".encode())  # it may name a file


def _stderr_fd() -> int:
    """The original stderr's descriptor. Python started without one sets ``sys.__stderr__`` to None:
    then it is 2, closed, which is no terminal and whose writes fail quietly."""
    stream = sys.__stderr__
    return stream.fileno() if stream is not None else 2


# -- stop signals in the app -----------------------------------------------------------


class SignalWatch:
    """Handles the stop signals on a thread of its own, whatever the event loop is doing.

    ``start()`` must run before any other thread exists: threads inherit the
    signal mask, and a stop signal must never go to a thread that cannot act on it.
    On the first signal it calls ``save()`` (with a deadline), then ``leave(code)``,
    which asks the app to exit in the ordinary way. If the process is still there
    at the deadline it restores the terminal itself and ends with ``os._exit``.

    Signals often come in pairs that nobody typed twice: an interactive bash
    re-sends its SIGHUP to its jobs, and the kernel sends one more when the
    shell goes; ``kill`` in a script may fire twice within a millisecond. So a
    second signal never cuts the save short. A third one does, and so does any
    repeat once the save is over (done, or abandoned at its deadline): a person
    who insists is heard, and the save is never what is lost. Repeated hang-ups
    insist on nothing (no one is at a closed terminal) and are let be.
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
        self._saving = threading.Event()  # set from the first stop signal until the save is over
        # The app's thread and the watch's can both reach the end: the line is said once.
        self._farewell_lock = threading.Lock()
        self._farewell_said = False

    @property
    def code(self) -> int | None:
        return None if self.signum is None else after_signal(self.signum)

    def start(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        threading.Thread(target=self.take_signals, name="nanoneuron-signals", daemon=True).start()
        if self.terminal.is_terminal:
            threading.Thread(target=self.watch_for_hang_up, name="nanoneuron-hang-up", daemon=True).start()

    def attach(self, save: Callable[[], str], leave: Callable[[int], object]) -> None:
        """What to do on a signal: ``save()`` returns the line to leave with; ``leave(code)``
        asks the app to exit from any thread, without waiting."""
        self._save, self._leave = save, leave

    def terminal_restored(self) -> None:
        """The app has left its screen: a forced exit from now on must not touch the terminal."""
        self._terminal_restored.set()

    def take_signals(self) -> None:
        """The watch thread: the first stop signal starts the stop; a repeat that insists ends the process.

        ``sigwait``, never ``sigtimedwait``: after a SIGSTOP that outlasts its timeout,
        Python's ``sigtimedwait`` (3.11 at least) returns the unfilled ``siginfo`` of its
        interrupted wait, any number (or SIGBUS's) as if it were a signal. ``sigwait``
        answers with the signal the kernel gave, however long the process was stopped.
        """
        signum = signal.sigwait(STOP_SIGNALS)
        self._saving.set()  # before the stop thread runs: a repeat a microsecond later must see it
        threading.Thread(target=self.stop, args=(signum,), name="nanoneuron-stop", daemon=True).start()
        repeats = 0
        while True:
            repeat = signal.sigwait(STOP_SIGNALS)
            repeats += 1
            if self.cuts_short(repeat, repeats):
                break
        self._end_now()

    def cuts_short(self, repeat: int, repeats: int) -> bool:
        """Whether the ``repeats``-th stop signal after the first ends the process at once."""
        if repeat == signal.SIGHUP:
            return False  # nobody at a closed terminal insists; the hang-up deadline is short anyway
        if not self._saving.is_set():
            return True  # the save is over: nothing is lost by going now
        return repeats >= 2

    def watch_for_hang_up(self) -> None:
        """A terminal found hung up counts as SIGHUP, for the hang-ups that send none
        (a terminal closed before the app became its controlling process)."""
        while self.signum is None and not self._saving.is_set():
            if self.terminal.hung_up():
                os.kill(os.getpid(), signal.SIGHUP)  # blocked everywhere: the watch thread takes it
                return
            time.sleep(HANGUP_CHECK)

    def stop(self, signum: int) -> None:
        """What a stop signal does: save, ask the app to leave, end the process by the deadline.

        Runs on a thread of its own, so the watch can still take a second signal meanwhile."""
        started = time.monotonic()
        self.signum = signum
        self._saving.set()
        try:
            self.farewell = self._saved_within_deadline()
        finally:
            self._saving.clear()
        leave = self._leave
        if leave is None:
            # No app yet (still loading its data): the terminal is as it was; just go.
            self.terminal_restored()
            self._end_now()
            return
        with contextlib.suppress(Exception):
            leave(after_signal(signum))
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
        code = self.code or after_signal(signal.SIGTERM)
        if self._terminal_restored.is_set():
            # The app left its screen but may not have said why yet (the deadline can fall
            # between the two): the line must not be lost with the process.
            self.say_farewell()
        else:
            self.terminal.restore(self.line() if self._take_the_farewell() else "")
        self._force_exit(code)

    def say_farewell(self) -> None:
        if self._take_the_farewell():
            say(self.line())

    def _take_the_farewell(self) -> bool:
        """True for the one caller that is to say the line."""
        with self._farewell_lock:
            said, self._farewell_said = self._farewell_said, True
            return not said

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
        self.code = after_signal(signum)


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
