"""A real terminal for end-to-end tests: tmux, driven the way a person types."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest


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
    def __init__(self, command: list[str], size: tuple[int, int] = (80, 24), env: dict[str, str] | None = None):
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
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session, "-x", str(cols), "-y", str(rows),
                  f"TERM=xterm-256color {shell}")
        self.tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        # A lone Escape reaches the app at once, as it does in a plain terminal.
        self.tmux("set-option", "-s", "escape-time", "0")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def record(self, path: str | Path) -> None:
        """Append every byte the program writes to the terminal to ``path``."""
        self.tmux("pipe-pane", "-t", self.session, "-o", f"cat >> {shlex.quote(str(path))}")

    def resize(self, cols: int, rows: int) -> None:
        self.tmux("resize-window", "-t", self.session, "-x", str(cols), "-y", str(rows))

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{screen}")
            time.sleep(0.1)

    @property
    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "1"

    @property
    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)
        Path(self.socket).unlink(missing_ok=True)
        shutil.rmtree(self.state_home, ignore_errors=True)


def epoch_on(screen: str) -> int:
    """The epoch the Neuron pane shows."""
    match = re.search(r"epoch\s+([\d,]+) / ", screen)
    assert match, screen
    return int(match.group(1).replace(",", ""))
