"""One program on its own pseudo-terminal, driven from the event loop.

The server holds the PTY's master side: bytes the program writes are read
without blocking and handed on; keys are written back, buffered while the
program is busy. The program runs in a session of its own, so a hang-up or a
resize reaches it and its children, and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from nanoneuron_tui.serve.zygote import Zygote, process_gone
from nanoneuron_tui.startup import STARTED_FD_ENV

READ_CHUNK = 65536
INPUT_HIGH_WATER = 64 * 1024  # keys waiting beyond this: the sender should pause
LAST_OUTPUT_WAIT = 1.0  # seconds to pass on what a program wrote as it exited
HANGUP_GRACE = 3.0  # seconds a program has to exit after SIGHUP before it is killed
MAX_COLUMNS, MAX_ROWS = 500, 200  # a bigger window is clamped: nobody reads 10^6 columns
DEFAULT_SIZE = (80, 24)
# The program's first moments, before it becomes itself: in its new session, make the
# PTY its controlling terminal (then a resize sends it SIGWINCH, and should the server
# die, the kernel hangs it up), then exec. Python's preexec_fn could do this, but
# forking a threaded server and running Python code before exec is not safe.
TAKE_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)


def clamp_size(columns: int, rows: int) -> tuple[int, int]:
    """A window size the terminal can hold; 0 (unknown) means the classic 80×24."""
    if columns <= 0 or rows <= 0:
        return DEFAULT_SIZE
    return min(columns, MAX_COLUMNS), min(rows, MAX_ROWS)


class SpawnedProcess:
    """A program this server started itself (``subprocess``): it is our child, we reap it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.pid = process.pid

    async def exited(self) -> int:
        """Until the process has exited (and is reaped), without a thread or a busy poll; its exit code."""
        try:
            await process_gone(self.pid)
        except (AttributeError, OSError):  # no pidfd (not Linux): look now and then
            while self.process.poll() is None:
                await asyncio.sleep(0.2)
        return self.process.wait()


class ProgramProcess(Protocol):
    """What a PtyProgram needs of its process, however it was started (here, or forked by the zygote)."""

    pid: int

    async def exited(self) -> int: ...


def open_terminal(size: tuple[int, int]) -> tuple[int, int]:
    """A fresh PTY of ``size``: (master, slave)."""
    master, slave = pty.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", *reversed(clamp_size(*size)), 0, 0))
    return master, slave


class PtyProgram:
    """A program on a fresh PTY; ``on_output`` gets its bytes, ``wait()`` its exit code.

    ``PtyProgram.spawn`` starts a command; ``PtyProgram.fork`` asks the zygote for an app.
    """

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_input_drained: Callable[[], None] = lambda: None,
    ) -> PtyProgram:
        master, slave = open_terminal(size)
        is_up, says_up = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", TAKE_TERMINAL, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env={**env, STARTED_FD_ENV: str(says_up)},
                start_new_session=True,
                close_fds=True,
                pass_fds=[says_up],
            )
        except BaseException:
            os.close(master)
            os.close(is_up)
            raise
        finally:
            # Only the program holds the slave side now, so its exit shows as EOF on the master.
            os.close(slave)
            os.close(says_up)
        return cls(master, SpawnedProcess(process), is_up, on_output=on_output, on_input_drained=on_input_drained)

    @classmethod
    async def fork(
        cls,
        zygote: Zygote,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_input_drained: Callable[[], None] = lambda: None,
    ) -> PtyProgram:
        """The app forked by ``zygote`` (``argv`` as serve/child.py takes it); ZygoteUnavailable if it cannot."""
        master, slave = open_terminal(size)
        is_up, says_up = os.pipe()
        try:
            process = await zygote.fork(argv, env=env, cwd=cwd, terminal=slave, started=says_up)
        except BaseException:
            os.close(master)
            os.close(is_up)
            raise
        finally:
            os.close(slave)  # as above: the app holds the only slave side, and the only write end
            os.close(says_up)
        return cls(master, process, is_up, on_output=on_output, on_input_drained=on_input_drained)

    def __init__(
        self,
        master: int,
        process: ProgramProcess,
        is_up: int,
        *,
        on_output: Callable[[bytes], None],
        on_input_drained: Callable[[], None] = lambda: None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_output = on_output
        self._on_input_drained = on_input_drained
        self._pending_input = bytearray()
        self._reading = False
        self.master = master
        self.process = process
        self._is_up = is_up  # a pipe's read end: the program writes to it once up, or closes it by exiting
        os.set_blocking(is_up, False)
        self._said_up: asyncio.Future[bool] = self._loop.create_future()
        self._loop.add_reader(is_up, self._hear_up)
        os.set_blocking(self.master, False)
        self._output_done = self._loop.create_future()
        self._exit_code: asyncio.Future[int] = self._loop.create_future()
        self.resume_output()
        self._loop.create_task(self._reap())

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return not self._exit_code.done()

    async def up(self, timeout: float) -> bool:
        """Until the program says it is up (True), or has exited or taken ``timeout`` seconds (False)."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._said_up), timeout)
        except TimeoutError:
            return False

    def _hear_up(self) -> None:
        try:
            news = os.read(self._is_up, 16)
        except BlockingIOError:
            return
        except OSError:
            news = b""
        self._stop_hearing_up(said=bool(news))

    def _stop_hearing_up(self, said: bool) -> None:
        if not self._said_up.done():
            self._loop.remove_reader(self._is_up)
            os.close(self._is_up)
            self._said_up.set_result(said)

    # -- output ---------------------------------------------------------------

    def pause_output(self) -> None:
        """The receiver is full: stop reading, so the program blocks on its terminal, as it would on a slow link."""
        if self._reading:
            self._loop.remove_reader(self.master)
            self._reading = False

    def resume_output(self) -> None:
        if not self._reading and not self._output_done.done():
            self._loop.add_reader(self.master, self._read)
            self._reading = True

    def _read(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as problem:
            if problem.errno != errno.EIO:  # EIO: every slave side is closed
                raise
            data = b""
        if data:
            self._on_output(data)
            return
        self.pause_output()
        self._output_done.set_result(None)

    # -- input ----------------------------------------------------------------

    def write(self, data: bytes) -> bool:
        """Send keys to the program; False when so many wait that the sender should pause."""
        if self._output_done.done():
            return True  # the program is gone; its keys go nowhere
        had_backlog = bool(self._pending_input)
        self._pending_input += data
        if not had_backlog:
            self._flush_input()
        return len(self._pending_input) < INPUT_HIGH_WATER

    def _flush_input(self) -> None:
        try:
            while self._pending_input:
                written = os.write(self.master, self._pending_input)
                del self._pending_input[:written]
        except BlockingIOError:
            self._loop.add_writer(self.master, self._flush_input)
            return
        except OSError:
            self._pending_input.clear()  # the program closed its terminal
        self._loop.remove_writer(self.master)
        self._on_input_drained()

    # -- the window and signals ---------------------------------------------------------

    def resize(self, columns: int, rows: int) -> None:
        """New window size; the kernel sends SIGWINCH to the program (its controlling terminal)."""
        if self.running:
            self._set_size(columns, rows)

    def _set_size(self, columns: int, rows: int) -> None:
        columns, rows = clamp_size(columns, rows)
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def signal(self, signum: int) -> None:
        """Signal the program's whole session (it leads its own process group)."""
        if self.running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    async def hang_up(self) -> int:
        """The client is gone: SIGHUP (the app saves and exits), SIGKILL if it has not gone in time."""
        self.signal(signal.SIGHUP)
        try:
            return await asyncio.wait_for(asyncio.shield(self._exit_code), HANGUP_GRACE)
        except TimeoutError:
            self.signal(signal.SIGKILL)
            return await self._exit_code

    def discard_output(self) -> None:
        """Nobody is listening any more: read and drop, so the program never blocks on its terminal."""
        self._on_output = lambda data: None
        self.resume_output()

    async def wait(self) -> int:
        """The exit code, once the program has exited and what it wrote last has been handed on."""
        return await self._exit_code

    async def _reap(self) -> None:
        code = await self.process.exited()
        # Its last frame (the terminal put back as it was) is read before the exit is
        # reported, unless the client has stopped reading: then it waits no longer.
        self.resume_output()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._output_done), LAST_OUTPUT_WAIT)
        self.pause_output()
        self._loop.remove_writer(self.master)
        os.close(self.master)
        self._stop_hearing_up(said=False)
        self._exit_code.set_result(code)
