"""The installed nanoneuron in a pseudo-terminal of our own: read from it, stop reading, hang up.

tmux always reads what a program writes; a stalled SSH link does not. Here the
test decides when the terminal reads, and closing our end is a real hang-up:
the kernel sends SIGHUP, and writes to the terminal fail.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tests.terminal import installed_nanoneuron, process_alive


def poll(condition, timeout: float, interval: float = 0.02, what: str = "the condition"):
    """Wait until ``condition()`` is true (and return it), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class PtyApp:
    """``nanoneuron *args`` (or any ``command``) with a pseudo-terminal of ``size`` as its
    controlling terminal."""

    def __init__(
        self,
        *args: str,
        size: tuple[int, int] = (80, 24),
        env: dict[str, str] | None = None,
        keep_slave: bool = True,
        command: list[str] | None = None,
    ) -> None:
        if shutil.which("setsid") is None:
            pytest.skip("setsid (util-linux) is needed to give the app a controlling terminal")
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        environment = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "", **(env or {})}
        environment.pop("TEXTUAL_ALLOW_SIGNALS", None)
        # setsid -c: a session of its own with this terminal as its controlling terminal,
        # so closing our end hangs it up as a dropped SSH connection does.
        self.process = subprocess.Popen(
            ["setsid", "-c", *(command or [installed_nanoneuron()]), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            close_fds=True,
        )
        self.pid = self.process.pid
        # Keeping our own descriptor of the terminal lets us read its settings after the app
        # is gone (a pseudo-terminal nobody holds forgets them).
        self.slave: int | None = slave if keep_slave else None
        if not keep_slave:
            os.close(slave)
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reading = threading.Event()
        self._reading.set()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- the terminal's side ------------------------------------------------------------

    def _read(self) -> None:
        while True:
            self._reading.wait()
            if self._closed:
                return
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return  # the app is gone and nobody else holds the terminal
            if not data:
                return
            with self._lock:
                self.output += data

    def stop_reading(self) -> None:
        """From now on the terminal takes nothing more: the app's writes pile up, then block."""
        self._reading.clear()  # the reader finishes the read it is in (one chunk at most), then waits

    def resume_reading(self) -> None:
        self._reading.set()

    def unread(self) -> int:
        """Bytes the app wrote that the terminal has not taken."""
        return struct.unpack("i", fcntl.ioctl(self.master, termios.FIONREAD, b"\0\0\0\0"))[0]

    def text(self) -> str:
        with self._lock:
            return self.output.decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float = 15.0) -> None:
        poll(lambda: text in self.text(), timeout, what=repr(text))

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def hang_up(self) -> None:
        """Close the terminal: the kernel sends SIGHUP to the app's session."""
        self._closed = True
        self._reading.set()
        os.close(self.master)

    # -- the app's side --------------------------------------------------------------------

    @property
    def gone(self) -> bool:
        return not process_alive(self.pid)

    def main_thread_blocked(self) -> bool:
        """The app's main thread waits on a lock (Queue.put behind a full terminal),
        not in the event loop's poll: its kernel wait channel says which."""
        try:
            channel = Path(f"/proc/{self.pid}/task/{self.pid}/wchan").read_text()
        except OSError:
            return False
        return "futex" in channel

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(") ", 1)[-1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def terminal_settings(self) -> list:
        assert self.slave is not None
        return termios.tcgetattr(self.slave)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if not self._closed:
            self._closed = True
            self._reading.set()
            os.close(self.master)
        if self.slave is not None:
            os.close(self.slave)
            self.slave = None


def last_mode(output: str, mode: str) -> str | None:
    """'h' or 'l': how the output last left a DEC private mode (1049 = alternate screen, ...)."""
    switches = re.findall(rf"\x1b\[\?{mode}([hl])", output)
    return switches[-1] if switches else None


if __name__ == "__main__":  # pragma: no cover - a quick look by hand
    app = PtyApp(*sys.argv[1:])
    time.sleep(3)
    print(app.text()[-500:])
    app.close()
