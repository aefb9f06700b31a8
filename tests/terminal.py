"""A real terminal for end-to-end tests: tmux, driven the way a person types."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

SGR = re.compile(r"\x1b\[[0-9;:]*m")  # a colour or attribute escape code
# ssh to a throwaway sshd on 127.0.0.1: its host key is new every time, and ssh's notes are noise.
SSH_TO_A_THROWAWAY_HOST = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
]


def installed_nanoneuron() -> str:
    """The console script installed beside this Python (pip install -e .)."""
    script = Path(sys.executable).parent / "nanoneuron"
    if script.exists():
        return str(script)
    found = shutil.which("nanoneuron")
    if not found:
        pytest.fail("the nanoneuron console script is not installed (pip install -e .)")
    return found


class Terminal:
    """A tmux terminal running ``command``.

    With ``gated=True`` the command waits until ``launch()``, so that a
    recording (``record()``) or a clock can start before its first byte."""

    def __init__(
        self,
        command: list[str],
        size: tuple[int, int] = (80, 24),
        env: dict[str, str] | None = None,
        gated: bool = False,
    ):
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed (apt-get install tmux)")
        self.socket = f"/tmp/nanoneuron-test-{uuid.uuid4().hex[:8]}.sock"
        self.session = "t"
        cols, rows = size
        # Sessions saved on quit go to a folder of the test's own, not the user's state directory.
        self.state_home = tempfile.mkdtemp(prefix="nanoneuron-state-")
        env = {"XDG_STATE_HOME": self.state_home, **(env or {})}
        env_prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell = f"{env_prefix} exec {shlex.join(command)}"
        if gated:
            shell = f"{shlex.join(['tmux', '-S', self.socket, 'wait-for', 'launch'])} && {shell}"
        # The options are in the server's configuration, read before the command starts: set
        # afterwards, a program that exits at once (a refused flag) could take its pane and its
        # exit status with it. A lone Escape reaches the app at once, as in a plain terminal.
        config = Path(self.state_home) / "tmux.conf"
        config.write_text("set -g remain-on-exit on\nset -s escape-time 0\n")
        self.tmux(
            "-f",
            str(config),
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(cols),
            "-y",
            str(rows),
            # The size is the pane's: a COLUMNS or LINES inherited from the test process (ncurses,
            # once loaded, exports them) would override it, and the app would draw 80x24 in any pane.
            f"unset COLUMNS LINES; export TERM=xterm-256color; {shell}",
        )

    def launch(self) -> None:
        """Start the command of a gated terminal."""
        self.tmux("wait-for", "-S", "launch")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def record(self, path: str | Path) -> None:
        """Append every byte the program writes to the terminal to ``path``."""
        self.tmux("pipe-pane", "-t", self.session, "-o", f"cat >> {shlex.quote(str(path))}")

    def resize(self, cols: int, rows: int) -> None:
        self.tmux("resize-window", "-t", self.session, "-x", str(cols), "-y", str(rows))

    def keys(self, *keys: str) -> None:
        """Press keys one by one, a moment apart (an Escape followed at once by
        a letter would read as alt+letter); returns as soon as the last is sent."""
        for i, key in enumerate(keys):
            if i:
                time.sleep(0.05)
            self.tmux("send-keys", "-t", self.session, key)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def screen(self, styled: bool = False) -> str:
        """The visible screen as text; ``styled`` keeps its colours and attributes as escape codes."""
        return self.tmux("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.session)

    def line(self, containing: str, styled: bool = False) -> str:
        """The first screen line that contains ``containing`` (plain text), as shown."""
        for line in self.screen(styled=True).splitlines():
            if containing in SGR.sub("", line):
                return line if styled else SGR.sub("", line)
        raise AssertionError(f"no line shows {containing!r}:\n{self.screen()}")

    def cursor(self) -> tuple[int, int]:
        """Where the terminal's cursor is (column, row): Textual puts it in the focused field."""
        x, y = self.tmux("display-message", "-p", "-t", self.session, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        """Poll the screen until ``text`` is on it; returns that screen."""
        return self.wait_until(lambda screen: text in screen, f"{text!r} never appeared", timeout)

    def wait_until(
        self, condition: Callable[[str], object], what: str = "the condition never held", timeout: float = 10.0
    ) -> str:
        """Poll the screen until ``condition(screen)`` holds; returns that screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}; the screen shows:\n{screen}")
            time.sleep(0.05)

    def wait_until_dead(self, timeout: float = 10.0) -> None:
        """Poll until the program in the terminal has exited."""
        wait_until(lambda: self.dead, f"the program still runs after {timeout} s:\n{self.screen()}", timeout)

    @property
    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "1"

    @property
    def exit_status(self) -> int:
        """The exit code of the program, once it is dead.

        tmux reports it once it has reaped the program, which here it sometimes never does
        (a lost SIGCHLD leaves a zombie); the kernel still shows a zombie's exit code."""
        pid = self.pid
        found: list[int] = []

        def status() -> bool:
            reported = self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead_status}").strip()
            if reported:
                found.append(int(reported))
            elif (zombie := zombie_exit_status(pid)) is not None:
                found.append(zombie)
            return bool(found)

        wait_until(status, "the exit status was never reported")
        return found[0]

    @property
    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)
        Path(self.socket).unlink(missing_ok=True)
        shutil.rmtree(self.state_home, ignore_errors=True)


def process_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat from the third (the state) on; None once the process is reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def process_alive(pid: int) -> bool:
    """Running: neither reaped nor a zombie (a zombie holds no terminal and runs nothing)."""
    fields = process_stat(pid)
    return fields is not None and fields[0] not in "ZX"


def zombie_exit_status(pid: int) -> int | None:
    """The exit code of ``pid`` if it is a zombie (field 52 of /proc/PID/stat), else None."""
    fields = process_stat(pid)
    if fields is None or fields[0] != "Z":
        return None
    return os.waitstatus_to_exitcode(int(fields[-1]))


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition()`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.02)


def recorded(path: Path, marker: bytes, timeout: float = 10.0) -> bytes:
    """The bytes recorded in ``path`` once they include ``marker`` (pipe-pane writes them a little later)."""
    wait_until(lambda: marker in path.read_bytes(), f"{marker!r} was never recorded", timeout)
    return path.read_bytes()


def epoch_on(screen: str) -> int:
    """The epoch the Neuron pane shows."""
    match = re.search(r"epoch\s+([\d,]+) / ", screen)
    assert match, screen
    return int(match.group(1).replace(",", ""))
