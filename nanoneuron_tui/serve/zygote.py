"""A pre-started app process that forks one copy per student: the class connects at once.

A fresh Python per connection spends most of a second importing Textual and
plotext, and holds its own copy of them; thirty students pressing Enter
together wait seconds. The zygote imports everything once, freezes those
objects out of the garbage collector (so the children's collections never
touch, and copy, the shared pages), and then only forks.

    python -m nanoneuron_tui.serve.zygote FD   # started by the server; FD is its end of the control socket

The server and the zygote talk over a socket pair of sequenced packets (no
path on disk, so nobody else can ask for a fork). One request per student,
its file descriptors attached:

    {"argv": [...], "env": {...}, "cwd": "..."}
        + [the PTY's slave side, the student's status socket, the pipe the app says it is up on]

``argv`` is what ``serve/child.py`` takes. The zygote forks; the child becomes
a session of its own on that PTY and runs the app (which writes to the pipe
once its first whole screen is out: startup.py); the zygote writes
``pid N`` on the status socket, and ``exit CODE`` once it has reaped the child
(``CODE`` as ``subprocess`` gives it: negative for a signal). The zygote runs
no threads, so forking it is safe; it ends when the server's end closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nanoneuron_tui.startup import STARTED_FD_ENV

READY = b"ready"
MAX_REQUEST = 64 * 1024  # bytes: argv, environment and directory of one student, with room to spare
READY_TIMEOUT = 60.0  # seconds for the zygote to import everything (a loaded machine at the start of a class)
STOP_GRACE = 5.0  # seconds for the zygote to leave once told
APP_NAME = b"nanoneuron-app"  # what `ps -o comm` and top show for a student's app
ZYGOTE_NAME = b"nanoneuron-fork"
STARTED_FD = 3  # where a forked app finds the pipe it says it is up on


# -- the server's side ----------------------------------------------------------------------------------


class ZygoteUnavailable(OSError):
    """The zygote is not running, or did not take the request: start the app the slow way."""


@dataclass
class ForkedApp:
    """A student's app, forked by the zygote: the server is not its parent, so the zygote reports its exit."""

    pid: int
    status: socket.socket

    async def exited(self) -> int:
        """The exit code once the app has ended (negative: the signal that ended it)."""
        loop = asyncio.get_running_loop()
        try:
            report = await loop.sock_recv(self.status, 64)
        except OSError:
            report = b""
        finally:
            self.status.close()
        if report.startswith(b"exit "):
            return int(report[5:])
        # The zygote died before its child: the app is nobody's child now; wait for it to go.
        await process_gone(self.pid)
        return 1


async def process_gone(pid: int) -> None:
    """Until process ``pid`` (not necessarily ours) no longer exists."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    gone: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not gone.done():
            gone.set_result(None)

    loop.add_reader(pidfd, wake)
    try:
        await gone
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


class Zygote:
    """The server's handle on the pre-started process: start it, ask it for apps, stop it."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.control is not None

    async def start(self) -> None:
        """Start the zygote and wait until it has imported everything; ZygoteUnavailable if it cannot."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nanoneuron_tui.serve.zygote", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                env=zygote_environment(),
                start_new_session=True,  # the teacher's ctrl+c reaches the server, which stops us in order
            )
        except OSError as problem:
            ours.close()
            raise ZygoteUnavailable(f"cannot start the zygote: {problem}") from problem
        finally:
            theirs.close()
        ours.setblocking(False)
        try:
            greeting = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(ours, 64), READY_TIMEOUT)
        except (TimeoutError, OSError) as problem:
            greeting = repr(problem).encode()
        if greeting != READY:
            ours.close()
            self._end_process()
            raise ZygoteUnavailable(f"the zygote did not start: {greeting[:200]!r}")
        self.control = ours

    async def fork(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, terminal: int, started: int
    ) -> ForkedApp:
        """A new app on ``terminal`` (a PTY's slave side), which writes to ``started`` (a pipe's write end)
        once it is up; the caller may close both once this returns."""
        if not self.running or self.control is None:
            raise ZygoteUnavailable("the zygote is not running")
        request = json.dumps({"argv": list(argv), "env": dict(env), "cwd": str(cwd)}).encode()
        if len(request) > MAX_REQUEST:
            raise ZygoteUnavailable("the request is too long")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setblocking(False)
        try:
            await send_with_fds(self.control, request, [terminal, theirs.fileno(), started])
        except OSError as problem:
            ours.close()
            raise ZygoteUnavailable(f"the zygote did not take the request: {problem}") from problem
        finally:
            theirs.close()  # the zygote holds its own copy now
        try:
            report = await asyncio.get_running_loop().sock_recv(ours, 64)
        except OSError:
            report = b""
        except BaseException:  # cancelled: the app, if forked, is hung up when its terminal's master closes
            ours.close()
            raise
        if not report.startswith(b"pid "):
            ours.close()
            raise ZygoteUnavailable(f"the zygote did not fork: {report!r}")
        return ForkedApp(int(report[4:]), ours)

    async def stop(self) -> None:
        """Close the control socket (the zygote leaves; its running apps stay), and reap it."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                await asyncio.wait_for(asyncio.to_thread(self.process.wait), STOP_GRACE)
            except TimeoutError:
                self._end_process()

    def _end_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def zygote_environment() -> dict[str, str]:
    """What the zygote imports under: nothing of the server's but PATH; one BLAS thread (no threads at a fork)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }


async def send_with_fds(sock: socket.socket, payload: bytes, fds: list[int]) -> None:
    """One packet with file descriptors attached, waiting (without blocking the loop) while the zygote is behind."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            socket.send_fds(sock, [payload], fds)
            return
        except BlockingIOError:
            writable: asyncio.Future[None] = loop.create_future()

            def wake() -> None:
                if not writable.done():
                    writable.set_result(None)

            loop.add_writer(sock, wake)
            try:
                await writable
            finally:
                loop.remove_writer(sock)


# -- the zygote itself ------------------------------------------------------------------------------------


# What Textual, Rich and asyncio import only as an app starts, not as it is imported (seen by
# tracing a forked app's first second: each import there is work every child would repeat).
IMPORTED_AS_AN_APP_STARTS = (
    "concurrent.futures.thread",
    "textual.drivers.headless_driver",
    "textual.drivers.linux_driver",
    "textual.layouts.factory",
    "textual.layouts.grid",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.layouts.vertical",
    "textual.pilot",
    "textual.scrollbar",
)


def preload() -> None:
    """Everything a student's app imports, once, for every child to share."""
    import importlib

    from rich.cells import cell_len

    import nanoneuron_tui.app  # noqa: F401  (Textual, the widgets, the session)
    import nanoneuron_tui.cli  # noqa: F401
    import nanoneuron_tui.persist  # noqa: F401
    import nanoneuron_tui.serve.child  # noqa: F401
    import nanoneuron_tui.session_file  # noqa: F401
    from nanoneuron_tui.widgets.plotting import import_plotting

    for name in IMPORTED_AS_AN_APP_STARTS:
        importlib.import_module(name)
    cell_len("°→❚")  # Rich loads its table of character widths on the first wide character
    # plotext and numpy, which an app imports in a thread after its first frame: imported
    # here, the plots draw in the first frame.
    import_plotting()


def thread_count() -> int:
    """Threads of this process, as the kernel counts them (C libraries' threads included)."""
    return len(os.listdir("/proc/self/task"))


def serve(control: socket.socket) -> int:
    """Fork an app for each request until the server's end closes; reap each and report its exit."""
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    watched: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, status socket)
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                if not take_request(control, selector, watched):
                    return 0
            else:
                pidfd = key.fd
                pid, status = watched.pop(pidfd)
                selector.unregister(pidfd)
                os.close(pidfd)
                _, wait_status = os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    status.send(b"exit %d" % os.waitstatus_to_exitcode(wait_status))
                status.close()


def take_request(
    control: socket.socket, selector: selectors.BaseSelector, watched: dict[int, tuple[int, socket.socket]]
) -> bool:
    """Fork the app one request asks for; False once the server has gone."""
    try:
        payload, fds, flags, _ = socket.recv_fds(control, MAX_REQUEST, 3)
    except InterruptedError:
        return True
    except OSError:
        return False
    if not payload and not fds:
        return False  # the server closed its end
    if len(fds) != 3 or flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        for fd in fds:
            os.close(fd)
        return True
    terminal, status_fd, started = fds
    status = socket.socket(fileno=status_fd)

    def refuse() -> bool:  # the server sees no pid, and starts the app the slow way
        os.close(terminal)
        os.close(started)
        status.close()
        return True

    try:
        request = parse_request(payload)
    except ValueError:
        return refuse()
    if thread_count() != 1:  # never fork a threaded process: say no, the server falls back
        return refuse()
    gc.freeze()  # anything made since the last fork joins the shared, never-collected objects
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: this student waits for the slow way, the class goes on
        return refuse()
    if pid == 0:
        become_app(request, terminal, started)  # never returns
    os.close(terminal)
    os.close(started)  # the app's alone: should it die before it is up, the server sees the pipe close
    with contextlib.suppress(OSError):
        status.send(b"pid %d" % pid)
    pidfd = os.pidfd_open(pid)
    watched[pidfd] = (pid, status)
    selector.register(pidfd, selectors.EVENT_READ)
    return True


@dataclass(frozen=True)
class Request:
    argv: list[str]
    env: dict[str, str]
    cwd: str


def parse_request(payload: bytes) -> Request:
    try:
        fields = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ValueError(problem) from None
    if not isinstance(fields, dict):
        raise ValueError("not an object")
    argv, env, cwd = fields.get("argv"), fields.get("env"), fields.get("cwd")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
        raise ValueError("argv")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError("env")
    if not isinstance(cwd, str):
        raise ValueError("cwd")
    return Request(argv, env, cwd)


def become_app(request: Request, terminal: int, started: int) -> None:
    """In the forked child: leave the zygote behind, take the terminal, run the student's app, exit."""
    code = 1
    try:
        code = _run_as_app(request, terminal, started)
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 1
        if leaving.code is not None and not isinstance(leaving.code, int):
            print(leaving.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)  # the zygote's objects are not ours to finalize


def _run_as_app(request: Request, terminal: int, started: int) -> int:
    # Signals as a fresh Python has them: the zygote's choices are not the app's.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT, signal.SIGCHLD, signal.SIGWINCH):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # A session of its own, the PTY its controlling terminal (a resize sends SIGWINCH, the server's death SIGHUP).
    os.setsid()
    import fcntl
    import termios

    fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(terminal, fd)
    if started != STARTED_FD:
        os.dup2(started, STARTED_FD)
    os.set_inheritable(STARTED_FD, False)  # the app's own, not for any program it runs
    # The control socket, the other students' status sockets, the selector: none of them are this app's.
    os.closerange(STARTED_FD + 1, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 65536)
    # The originals too (typeshed calls them Final): lifecycle restores the terminal through sys.__stderr__.
    sys.stdin = sys.__stdin__ = terminal_stream(0, "surrogateescape")  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = terminal_stream(1, "strict")  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = terminal_stream(2, "backslashreplace")  # type: ignore[misc]
    name_process(APP_NAME)
    os.environ.clear()
    os.environ.update(request.env)
    os.environ[STARTED_FD_ENV] = str(STARTED_FD)
    os.chdir(request.cwd)
    reseed()
    gc.enable()
    from nanoneuron_tui.serve import child

    return child.main(request.argv)


def terminal_stream(fd: int, errors: str) -> io.TextIOWrapper:
    """A standard stream on the terminal, as Python makes one at start-up (the zygote's were made for pipes)."""
    raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
    buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors, line_buffering=True)


def reseed() -> None:
    """Every child would otherwise draw the zygote's random numbers (the app's own seeds come from the OS)."""
    import random

    random.seed()  # os.register_at_fork does it as well; said here, it does not hang on that


def name_process(name: bytes) -> None:
    """The name `ps -o comm` and top show: a teacher tells the apps from the zygote (all share one command line)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "wb") as comm:
        comm.write(name[:15])


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        raise SystemExit("usage: python -m nanoneuron_tui.serve.zygote FD (the server starts it)")
    gc.disable()  # until the freeze: no collection punches holes into pages the children will share
    control = socket.socket(fileno=int(argv[0]))
    name_process(ZYGOTE_NAME)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us by closing the control socket
    preload()
    gc.collect()
    gc.freeze()
    if thread_count() != 1:
        control.send(b"threads: %d" % thread_count())
        return 1
    control.send(READY)
    return serve(control)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
