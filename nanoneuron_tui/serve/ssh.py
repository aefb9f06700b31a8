"""`nanoneuron serve ssh`: an SSH server whose only program is the app.

Each connection may open one session, with a PTY, and gets its own app
process on its own PTY, in the user's private directory, resuming their saved
session. A session without a PTY, or with a command (`ssh host ls`, SCP),
gets one line saying how to connect, and ends. Everything else SSH can do is
refused by the protocol: subsystems (SFTP), port and agent forwarding, X11,
and environment variables other than TERM, LANG and LC_*.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.lifecycle import TERMINAL_RESET
from nanoneuron_tui.serve import STUDENT_ENV
from nanoneuron_tui.serve.auth import FREE_KEY_TRIES, KEYS, OPEN, PASSWORD, AuthPolicy, Throttle
from nanoneuron_tui.serve.classroom import Classroom
from nanoneuron_tui.serve.frame_rate import FILE_NAME as FRAME_RATE_FILE
from nanoneuron_tui.serve.frame_rate import SharedFrameRate
from nanoneuron_tui.serve.identity import User, name_needs_a_key, record_key_name, user_directory
from nanoneuron_tui.serve.quick_acks import acknowledge_at_once
from nanoneuron_tui.serve.terminal import PtyProgram, clamp_size
from nanoneuron_tui.serve.zygote import Zygote, ZygoteUnavailable

NEEDS_PTY = (
    "nanoneuron is an interactive app and needs a terminal: "
    "connect with `ssh -t -p {port} {user}@{host}` and no command."
)
ACCEPTED_ENV = re.compile(r"TERM|LANG|LC_[A-Z_]{1,32}")
SAFE_VALUE = re.compile(r"[A-Za-z0-9@%+=:,./_-]{1,128}")
SAFE_TERM = re.compile(r"[A-Za-z0-9._+-]{1,64}")
FALLBACK_TERM = "xterm-256color"
WAITING_FOR_A_TURN = b"The class is starting together: your app opens in a moment.\r\n"


@dataclass
class ServeSettings:
    state_dir: Path
    policy: AuthPolicy
    max_sessions: int = 64
    max_per_user: int = 1
    idle_timeout: float = 2 * 3600.0
    # A silent client is dropped after (count_max + 1) intervals without a packet: 27 s.
    keepalive_interval: float = 9.0
    keepalive_count_max: int = 2
    login_timeout: float = 30.0
    # A failed login is answered after this, doubling with each failure of the same name
    # from the same address, up to the most (auth.Throttle).
    failed_auth_delay: float = 2.0
    max_failed_auth_delay: float = 20.0
    failure_window: float = 600.0
    # Who may log in as a teacher (the class view, not an app), and the keys that prove it.
    teachers: frozenset[str] = frozenset()
    teacher_keys: asyncssh.SSHAuthorizedKeys | None = None
    # The app for one client, given its directory, its frame rate and the file where the class's
    # frame rate is kept. None: fork it from the zygote (serve/zygote.py), which has imported
    # everything already; tests may run something else.
    app_command: Callable[[Path, float, Path], Sequence[str]] | None = None
    # Apps starting at once. A class connects together, and a start is CPU-bound: one app per
    # core, in order of arrival, and the first students are in at once instead of all waiting for all.
    starts_at_once: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Seconds an app may take its turn to start; a slower one lets the next begin beside it.
    start_turn: float = 2.0


def child_arguments(home: Path, fps: float, shared_fps: Path) -> list[str]:
    """What serve/child.py takes for one SSH client."""
    return ["ssh", str(home), f"{fps:g}", str(shared_fps)]


def cold_app_command(home: Path, fps: float, shared_fps: Path) -> list[str]:
    """The app in a fresh Python: when the zygote cannot fork it."""
    return [sys.executable, "-m", "nanoneuron_tui.serve.child", *child_arguments(home, fps, shared_fps)]


def log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # User names and addresses come from clients: shown, never sent to the teacher's terminal raw.
    print(f"{stamp} {printable(message)}", file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def app_environment(
    client_env: Mapping[str, str],
    term: str,
    peer: tuple[str, int],
    local: tuple[str, int],
    home: Path,
    student: str | None = None,
) -> dict[str, str]:
    """The app's whole environment: the server's PATH, the client's terminal and language, nothing else."""
    env = {
        key: value
        for key, value in client_env.items()
        if ACCEPTED_ENV.fullmatch(key) and key != "TERM" and SAFE_VALUE.fullmatch(value)
    }
    env.update(
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(home),
        TERM=term,
        # As sshd sets it: the app paces its screen for a network link.
        SSH_CONNECTION=f"{peer[0]} {peer[1]} {local[0]} {local[1]}",
    )
    if student is not None:
        env[STUDENT_ENV] = student  # the name the teacher's view shows (serve/status.py)
    return env


class ServedChannel(asyncssh.SSHServerChannel[bytes]):
    """asyncssh accepts every environment variable; this channel refuses all but a few.

    asyncssh has no public hook for it (the version is pinned), so the one
    request handler is overridden.
    """

    def _process_env_request(self, packet: asyncssh.packet.SSHPacket) -> bool:
        name = packet.get_string()
        value = packet.get_string()
        packet.check_end()
        try:
            key = name.decode("ascii")
        except UnicodeDecodeError:
            return False
        if not ACCEPTED_ENV.fullmatch(key):
            return False
        self._env[name] = value
        return True


class ServedSession(asyncssh.SSHServerSession[bytes]):
    """One client's session: a PTY, then the app on it."""

    def __init__(self, server: NanoNeuronSSHServer, connection: ClientConnection) -> None:
        self.server = server
        self.connection = connection
        self.user = connection.user
        self.address = connection.address
        self.channel: asyncssh.SSHServerChannel[bytes] | None = None
        self.term: str | None = None
        self.command: str | None = None
        self.size = (80, 24)
        self.program: PtyProgram | None = None
        self.finished = asyncio.Event()
        self._last_input = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._end_reason: str | None = None
        self._client_gone = False
        self._hang_up: asyncio.Task[object] | None = None  # held, so the task is not collected mid-way

    # -- what the client asks for -------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.channel = chan

    @property
    def _open_channel(self) -> asyncssh.SSHServerChannel[bytes]:
        """The channel, which asyncssh gives (connection_made) before the session starts."""
        assert self.channel is not None
        return self.channel

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        self.term = term_type if SAFE_TERM.fullmatch(term_type) else FALLBACK_TERM
        self.size = clamp_size(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True  # the "shell" is the app, started in session_started

    def exec_requested(self, command: str) -> bool:
        self.command = command  # never run: the session ends with how to connect instead
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def session_started(self) -> None:
        self.connection.handshake_over()
        self._task = asyncio.get_running_loop().create_task(self._start())

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = clamp_size(width, height)
        self._last_input = time.monotonic()
        if self.program:
            self.program.resize(*self.size)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self._last_input = time.monotonic()
        if self.program and not self.program.write(data) and self.channel:
            self.channel.pause_reading()  # the app is behind on keys: let SSH flow control hold the rest

    def eof_received(self) -> bool:
        return True  # keep the channel: the app decides when the session ends

    def pause_writing(self) -> None:
        if self.program:
            self.program.pause_output()

    def resume_writing(self) -> None:
        if self.program:
            self.program.resume_output()

    def connection_lost(self, exc: Exception | None) -> None:
        self._client_gone = True
        if self.program and self.program.running:
            self.program.discard_output()
            self._hang_up = asyncio.get_running_loop().create_task(self.program.hang_up())

    # -- running the app ----------------------------------------------------------------

    async def _start(self) -> None:
        try:
            await self._run()
        except Exception as problem:  # one client's trouble must never take the server down
            log(f"session of {self.user} from {self.address} failed: {problem!r}")
            if self.program and self.program.running:
                self.program.discard_output()
                await self.program.hang_up()
        finally:
            if self._idle_timer:
                self._idle_timer.cancel()
            self.server.classroom.leave(self)
            self.server.frame_rate.publish(self.server.classroom.count)  # the others may draw more now
            self.finished.set()

    async def _run(self) -> None:
        if self.term is None or self.command is not None:
            self._close(1, self._how_to_connect())
            return
        if self.connection.teacher:
            await self._run_class_view(self.term)
            return
        refusal = await self.server.classroom.admit(self)
        if refusal is not None:
            self._close(1, refusal)
            return
        home = await asyncio.to_thread(user_directory, self.server.settings.state_dir, self.user)
        if self._client_gone or self._end_reason:  # gone, or ended, while we waited
            self._close(1, self._end_reason)
            return
        env = app_environment(
            self._open_channel.get_environment(),
            self.term,
            self.connection.peer,
            self.connection.local,
            home,
            self.user.name,
        )
        if self.server.start_turns.locked():  # a blank terminal would look like a hang
            self._send(WAITING_FOR_A_TURN)
        async with self.server.start_turns:  # first come, first started (ServeSettings.starts_at_once)
            if self._client_gone or self._end_reason:  # gone, or ended, while waiting for the turn
                self._close(1, self._end_reason)
                return
            # The class shares the CPU: the more students, the fewer frames each app draws.
            fps = self.server.frame_rate.publish(self.server.classroom.count)
            try:
                self.program = await self._start_app(home, fps, env)
            except OSError as problem:
                log(f"cannot start the app for {self.user}: {problem}")
                self._close(1, "The server could not start the app; please tell your teacher.")
                return
            await self.program.up(self.server.settings.start_turn)
        if self._client_gone or self._end_reason:  # gone, or ended, while the app started
            self.program.discard_output()
            await self.program.hang_up()
        self.program.resize(*self.size)  # the window may have changed while the app started
        self._watch_idle()
        code = await self.program.wait()
        reason: str | None = self._end_reason  # set by end() while the app ran
        if code < 0:
            # Ended by a signal (killed, or crashed): the app could not put the student's terminal
            # back (alternate screen, mouse reporting on), so the server does.
            self._send(TERMINAL_RESET)
            reason = reason or "The app stopped unexpectedly; connect again to carry on."
        self._close(code if code >= 0 else 128 - code, reason and f"\r\n{reason}")

    async def _run_class_view(self, term: str) -> None:
        """A teacher's session: the class at a glance, in a process of its own like a student's app."""
        state_dir = self.server.settings.state_dir
        await asyncio.to_thread(state_dir.mkdir, mode=0o700, parents=True, exist_ok=True)  # a class of none yet
        env = app_environment({}, term, self.connection.peer, self.connection.local, state_dir)
        try:
            self.program = PtyProgram.spawn(
                [sys.executable, "-m", "nanoneuron_tui.serve.class_view", str(state_dir)],
                env=env,
                cwd=state_dir,
                size=self.size,
                on_output=self._send,
                on_input_drained=self._open_channel.resume_reading,
            )
        except OSError as problem:
            log(f"cannot start the class view for {self.user}: {problem}")
            self._close(1, "The server could not start the class view.")
            return
        self._watch_idle()
        code = await self.program.wait()
        self._close(code if code >= 0 else 128 - code, self._end_reason and f"\r\n{self._end_reason}")

    def _how_to_connect(self) -> str:
        host, port = self.connection.local
        return NEEDS_PTY.format(port=port, user=printable_name(self.user.name), host=host)

    async def _start_app(self, home: Path, fps: float, env: dict[str, str]) -> PtyProgram:
        """The client's app: forked from the zygote, or, if it cannot, started afresh (slower, the same app)."""
        settings, frames = self.server.settings, self.server.frame_rate
        drained = self._open_channel.resume_reading
        zygote = self.server.zygote
        if settings.app_command is None and zygote is not None:
            try:
                return await PtyProgram.fork(
                    zygote,
                    child_arguments(home, fps, frames.path),
                    env=env,
                    cwd=home,
                    size=self.size,
                    on_output=self._send,
                    on_input_drained=drained,
                )
            except ZygoteUnavailable as problem:
                log(f"forking the app for {self.user} failed ({problem}); starting it afresh")
        command = settings.app_command or cold_app_command
        return PtyProgram.spawn(
            command(home, fps, frames.path),
            env=env,
            cwd=home,
            size=self.size,
            on_output=self._send,
            on_input_drained=drained,
        )

    def _send(self, data: bytes) -> None:
        if self.channel and not self._client_gone:
            try:
                self.channel.write(data)
            except (BrokenPipeError, OSError):
                self._client_gone = True

    def _close(self, status: int, message: str | None = None) -> None:
        """Tell the client why, if there is a why, and end the channel with ``status``."""
        if message:
            self._send(f"{message}\r\n".encode())
        if self.channel and not self._client_gone:
            try:
                self.channel.exit(status)
            except (BrokenPipeError, OSError):
                self._client_gone = True

    async def end(self, reason: str) -> None:
        """Hang the app up (it saves), tell the client why, and return once it has exited."""
        self._end_reason = reason
        if self.program and self.program.running:
            await self.program.hang_up()
        await self.finished.wait()

    def _watch_idle(self) -> None:
        timeout = self.server.settings.idle_timeout
        quiet = time.monotonic() - self._last_input
        if quiet < timeout:
            self._idle_timer = asyncio.get_running_loop().call_later(timeout - quiet, self._watch_idle)
            return
        self._hang_up = asyncio.get_running_loop().create_task(
            self.end(
                f"Closed after {duration(timeout)} without a key press. Your session is saved: connect again to resume."
            )
        )


def printable_name(username: str) -> str:
    """A user name as it may be shown or logged: printable, and not too long."""
    shown = printable(username[:40])
    return shown + ("..." if len(username) > 40 else "")


def throttled_banner(name: str, host: str, failures: int, delay: float) -> str:
    """What the client shows while it waits: why, for how long, and that the right one still works."""
    return (
        f"{failures} failed logins as {name} from {host}: each answer now waits {delay:g} s. "
        f"The right password or key still gets in; other names are not slowed.\r\n"
    )


class ClientConnection(asyncssh.SSHServer):
    """One SSH connection: who it is, and its one session."""

    def __init__(self, server: NanoNeuronSSHServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.user = User("?")
        self._key_fingerprint: str | None = None
        self._name_needs_a_key = False
        self.session: ServedSession | None = None
        self.connected_at = time.monotonic()
        self.authenticated = False
        self.teacher = False  # proved with a teacher's key: gets the class view
        self.handshake_over: Callable[[], None] = lambda: None  # set once connected (quick_acks.py)

    @property
    def policy(self) -> AuthPolicy:
        return self.server.settings.policy

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.peer = conn.get_extra_info("peername")[:2]
        self.local = conn.get_extra_info("sockname")[:2]
        host, port = self.peer
        self.address = f"{host}:{port}"
        self.host = host
        self.server.connections.add(self)
        self.handshake_over = acknowledge_at_once(conn)

    @property
    def _open_conn(self) -> asyncssh.SSHServerConnection:
        """The connection, which asyncssh gives (connection_made) before authentication begins."""
        assert self.conn is not None
        return self.conn

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        if self.authenticated:
            log(f"disconnect {self.user} from {self.address} after {duration(time.monotonic() - self.connected_at)}")

    # -- authentication -------------------------------------------------------------------

    def begin_auth(self, username: str) -> bool:
        self.user = User(username)
        if self._is_teachers_name(username) or (
            self.policy.mode == OPEN and name_needs_a_key(self.server.settings.state_dir, username)
        ):
            self._name_needs_a_key = True
            with contextlib.suppress(OSError):
                self._open_conn.send_auth_banner(
                    f"The name {printable_name(username)} belongs to a key: log in with that key, "
                    f"or choose another name.\r\n"
                )
        return True  # even --open asks: a key, if offered, tells students apart

    def auth_completed(self) -> None:
        self.user = User(self.user.name, self._key_fingerprint)
        self.authenticated = True
        self.connected_at = time.monotonic()
        log(f"connect {'teacher ' if self.teacher else ''}{self.user} from {self.address}")
        if self._key_fingerprint is not None:
            self._recording = asyncio.get_running_loop().create_task(self._record_key_name())

    def _is_teachers_name(self, username: str) -> bool:
        return username in self.server.settings.teachers

    async def _record_key_name(self) -> None:
        try:  # off the event loop: it touches the disk
            await asyncio.to_thread(record_key_name, self.server.settings.state_dir, self.user)
        except OSError as problem:
            log(f"cannot record {printable_name(self.user.name)} as a key user's name: {problem}")

    def public_key_auth_supported(self) -> bool:
        return self.policy.mode in (OPEN, KEYS) or bool(self.server.settings.teachers)

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        teacher = self._is_teachers_name(username)

        def accepts() -> bool:
            if teacher:  # a teacher's name opens the class view, and only a teacher's key opens it
                keys = self.server.settings.teacher_keys
                return keys is not None and keys.validate(key, "", self.host) is not None
            return self.policy.accepts_key(key, self.host)

        # Refused keys are counted and slowed like wrong passwords; OpenSSH offers every key it
        # has, so the first few refusals cost nothing.
        accepted = await self.server.throttle.judge(
            username,
            self.host,
            accepts,
            free=FREE_KEY_TRIES,
            on_failure=lambda failures, delay: self._slowed(username, "key", failures, delay),
        )
        if accepted:
            self._key_fingerprint = key.get_fingerprint()
            self.teacher = teacher
        return accepted

    def password_auth_supported(self) -> bool:
        return self.policy.mode == PASSWORD

    async def validate_password(self, username: str, password: str) -> bool:
        return await self.server.throttle.judge(
            username,
            self.host,
            lambda: self.policy.accepts_password(password) and not self._is_teachers_name(username),
            on_failure=lambda failures, delay: self._slowed(username, "password", failures, delay),
        )

    def _slowed(self, username: str, what: str, failures: int, delay: float) -> None:
        """Say why the answer is slow, in the log and where the client shows it (an auth banner)."""
        name = printable_name(username)
        log(f"failed {what} {failures} for {name} from {self.address}: answered after {delay:g} s")
        if delay and self.conn:
            with contextlib.suppress(OSError):
                self.conn.send_auth_banner(throttled_banner(name, self.host, failures, delay))

    def kbdint_auth_supported(self) -> bool:
        # --open without a key: in at once, no prompt; but not as a name a key user logged in with.
        return self.policy.mode == OPEN and not self._name_needs_a_key

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        return not self._is_teachers_name(username)  # a teacher's name needs the teacher's key

    # -- the one session, and nothing else ------------------------------------------------------

    def session_requested(self) -> tuple[asyncssh.SSHServerChannel[bytes], ServedSession] | bool:
        if self.session is not None:
            return False  # one app per connection
        self.session = ServedSession(self.server, self)
        channel: asyncssh.SSHServerChannel[bytes] = self._open_conn.create_server_channel(encoding=None)
        channel.__class__ = ServedChannel  # same object, with the env filter
        return channel, self.session

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        return False


class NanoNeuronSSHServer:
    """The listening server: its settings, its sessions, its connections."""

    def __init__(self, settings: ServeSettings, host_key: asyncssh.SSHKey) -> None:
        self.settings = settings
        self.host_key = host_key
        self.classroom = Classroom(settings.max_sessions, settings.max_per_user)
        self.throttle = Throttle(settings.failed_auth_delay, settings.max_failed_auth_delay, settings.failure_window)
        self.connections: set[ClientConnection] = set()
        self.acceptor: asyncssh.SSHAcceptor | None = None
        # Each server of a class divides its own share: servers behind one load balancer share the
        # state directory, not their CPUs.
        here = f"{FRAME_RATE_FILE}-{socket.gethostname()}-{os.getpid()}"
        self.frame_rate = SharedFrameRate(settings.state_dir / "servers" / here, log)
        self.zygote: Zygote | None = None
        self.start_turns = asyncio.Semaphore(settings.starts_at_once)

    async def start(self, host: str, port: int) -> int:
        """Listen; return the port (useful when ``port`` is 0)."""
        settings = self.settings
        if settings.app_command is None:
            await self._start_zygote()  # before the first client can come
        try:
            self.acceptor = await self._listen(host, port)
        except BaseException:
            if self.zygote:
                await self.zygote.stop()
            raise
        port_taken: int = self.acceptor.sockets[0].getsockname()[1]  # the socket module returns Any
        return port_taken

    async def _listen(self, host: str, port: int) -> asyncssh.SSHAcceptor:
        settings = self.settings
        return await asyncssh.create_server(
            lambda: ClientConnection(self),
            host,
            port,
            server_host_keys=[self.host_key],
            encoding=None,
            line_editor=False,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            keepalive_interval=settings.keepalive_interval,
            keepalive_count_max=settings.keepalive_count_max,
            login_timeout=settings.login_timeout,
            config=None,
            rdns_lookup=False,
        )

    async def _start_zygote(self) -> None:
        """The pre-started app that forks one per client; without it each app starts afresh (slower)."""
        zygote = Zygote()
        try:
            await zygote.start()
        except ZygoteUnavailable as problem:
            log(f"{problem}; every app will start afresh")
            return
        self.zygote = zygote

    async def stop(self, reason: str = "The server is stopping. Your session is saved: connect again later.") -> None:
        """Stop listening, hang up every session (each saves), close every connection."""
        if self.acceptor:
            self.acceptor.close()
        await self.classroom.close(reason)
        for client in list(self.connections):
            if client.conn:
                client.conn.close()
        if self.acceptor:
            await self.acceptor.wait_closed()
        with contextlib.suppress(OSError):
            self.frame_rate.path.unlink()
        if self.zygote:
            await self.zygote.stop()
