"""Helpers for the `nanoneuron serve` tests: a server on 127.0.0.1 and students with asyncssh clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from nanoneuron_tui.serve.auth import AuthPolicy
from nanoneuron_tui.serve.ssh import NanoNeuronSSHServer, ServeSettings
from nanoneuron_tui.serve.zygote import APP_NAME
from tests.terminal import installed_nanoneuron

PROBE = Path(__file__).with_name("serve_probe.py")
PROBE_LINE = re.compile(rb"PROBE (\{[^\n]*\})\n")


def probe_command(home: Path, fps: float, shared_fps: Path) -> list[str]:
    """Run the probe instead of the app: quick to start, and it reports what it gets."""
    return [sys.executable, str(PROBE), str(home), f"{fps:g}", str(shared_fps)]


@dataclass
class Served:
    server: NanoNeuronSSHServer
    port: int
    state_dir: Path

    def user_dirs(self) -> list[Path]:
        users = self.state_dir / "users"
        return sorted(users.iterdir()) if users.exists() else []

    def programs(self):
        return [seat.program for seat in self.server.classroom.seats() if seat.program]


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, policy: AuthPolicy | None = None, probe: bool = False, **settings):
    settings.setdefault("failed_auth_delay", 0.1)
    if probe:
        settings["app_command"] = probe_command
    config = ServeSettings(state_dir=tmp_path / "state", policy=policy or AuthPolicy.open(), **settings)
    server = NanoNeuronSSHServer(config, asyncssh.generate_private_key("ssh-ed25519"))
    port = await server.start("127.0.0.1", 0)
    try:
        yield Served(server, port, config.state_dir)
    finally:
        await server.stop()


async def connect(port: int, username: str = "alice", **options) -> asyncssh.SSHClientConnection:
    options.setdefault("client_keys", None)
    options.setdefault("password", "any")  # --open: keyboard-interactive, no prompt
    return await asyncssh.connect(
        "127.0.0.1", port, username=username, known_hosts=None, agent_path=None, config=None, **options
    )


@dataclass
class Student:
    """One client with a terminal: everything the server sends is kept in ``screen``."""

    conn: asyncssh.SSHClientConnection
    process: asyncssh.SSHClientProcess
    screen: bytearray = field(default_factory=bytearray)
    reader: asyncio.Task | None = None

    @classmethod
    async def arrive(
        cls, port: int, username: str = "alice", size=(80, 24), term="xterm-256color", env=None, **options
    ) -> Student:
        conn = await connect(port, username, **options)
        process = await conn.create_process(term_type=term, term_size=size, encoding=None, env=env or {})
        student = cls(conn, process)
        student.reader = asyncio.create_task(student._read())
        return student

    async def _read(self) -> None:
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
            while chunk := await self.process.stdout.read(65536):
                self.screen += chunk

    async def wait_for(self, pattern: bytes, start: int = 0, timeout: float = 60.0) -> re.Match:
        """Until ``pattern`` (a regex) shows in what arrived from offset ``start``."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while not (found := compiled.search(self.screen, start)):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never came; last bytes: {bytes(self.screen[-400:])!r}")
            if self.reader and self.reader.done() and not compiled.search(self.screen, start):
                raise AssertionError(f"the connection ended before {pattern!r}: {bytes(self.screen[-400:])!r}")
            await asyncio.sleep(0.02)
        return found

    async def probe_event(self, event: str, start: int = 0, timeout: float = 30.0) -> tuple[dict, int]:
        """The probe's next report of ``event`` after offset ``start``, and the offset after it."""
        offset = start
        while True:
            found = await self.wait_for(rb"PROBE \{[^\n]*\}\n", offset, timeout)
            report = json.loads(PROBE_LINE.match(self.screen, found.start()).group(1))
            offset = found.end()
            if report["event"] == event:
                return report, offset

    def press(self, keys: bytes) -> None:
        self.process.stdin.write(keys)

    async def ended(self, timeout: float = 30.0) -> int | None:
        """The exit status the server sent when the session ended."""
        await asyncio.wait_for(self.process.wait_closed(), timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.reader, 5)
        return self.process.exit_status

    async def leave(self) -> None:
        self.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.conn.wait_closed(), 10)
        if self.reader:
            self.reader.cancel()

    def drop(self) -> None:
        """The link dies: the socket closes without a goodbye."""
        self.conn.abort()
        if self.reader:
            self.reader.cancel()


async def until(condition, timeout: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def seed_session(state_dir: Path, username: str, **hyper) -> None:
    """Leave a saved session in a user's directory, as if they had set it up before: they resume it."""
    from nanoneuron_tui import persist
    from nanoneuron_tui.params import Hyperparameters
    from nanoneuron_tui.serve.identity import User, user_directory
    from nanoneuron_tui.session import Session

    home = user_directory(state_dir, User(username))
    persist.save_session(Session(Hyperparameters(**hyper)), home / "session.json")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def apps_serving(state_dir: Path) -> list[int]:
    """The app processes serving clients from ``state_dir``: started afresh, or forked from the zygote."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                forked = (proc / "comm").read_bytes().strip() == APP_NAME
                # A forked app has the zygote's command line; it works in its student's directory.
                place = [os.readlink(proc / "cwd").encode()] if forked else argv
            except OSError:
                continue
            if (forked or b"nanoneuron_tui.serve.child" in argv) and any(str(state_dir).encode() in a for a in place):
                found.append(int(proc.name))
    return found


class ServerProcess:
    def __init__(self, tmp_path: Path, *flags: str, state_dir: Path | None = None, name: str = "server") -> None:
        self.port = free_port()
        self.state_dir = state_dir or tmp_path / "state"
        self.log = tmp_path / f"{name}.log"
        self.process = subprocess.Popen(
            [
                installed_nanoneuron(),
                "serve",
                "ssh",
                "--port",
                str(self.port),
                "--state-dir",
                str(self.state_dir),
                *flags,
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        deadline = time.monotonic() + 60
        while "listening on" not in self.text():
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def text(self) -> str:
        return self.log.read_text()

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.terminated = True

    def stop(self) -> int:
        if not getattr(self, "terminated", False):
            self.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
