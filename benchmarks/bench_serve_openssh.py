"""`bench_serve.py --openssh`: a class of real OpenSSH clients connecting at once.

    python benchmarks/bench_serve.py --openssh [--levels 1,10,30,50] [--window 10] [--cold]

For each class size a fresh server (`nanoneuron serve ssh --open` as a teacher
runs it, in a process of its own, on 127.0.0.1) and that many `ssh -tt`
clients, each on a real PTY of 80x24 with a throwaway ed25519 key, started
evenly within one second. Each client's screen is kept by pyte, a terminal
emulator. Measured:

- connect: from starting `ssh` to the app's first frame on that client (the
  panes, the status, the key bar), and to its first full screen (both plots
  drawn too), per client: median and worst;
- start CPU: the CPU time the server, the zygote and the apps spent from the
  first connection until every client saw its full screen, per client: the
  cost of a start, which a busy machine does not change much; and the CPU the
  clients took meanwhile (each `ssh`, and this process with its emulators),
  which in a classroom runs on the students' machines;
- memory while the whole class trains at max pace, from /proc/PID/smaps_rollup:
  USS (private pages) and PSS (private + a fair share of the shared ones) per
  student's app (median, worst), and the PSS of the server, the zygote and every
  app together;
- key to screen during the window, on clients picked at random: space sent ->
  "paused" (then "running") on that client's emulated screen; median and worst.

Also the reference: the cold start of benchmarks/minimal_app.py on a PTY
(median of 5), against which one client alone is compared. The load average
is printed at each level: on a shared machine it says what else was running.
With --cold every app starts in a fresh Python, the path before the zygote.
Every wait is bounded in time; only 127.0.0.1 is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path

import asyncssh
import pyte

from nanoneuron_tui import persist
from nanoneuron_tui.params import MAX_EPOCHS, Hyperparameters
from nanoneuron_tui.serve.auth import AuthPolicy
from nanoneuron_tui.serve.identity import User, user_directory
from nanoneuron_tui.serve.ssh import NanoNeuronSSHServer, ServeSettings, cold_app_command, log
from nanoneuron_tui.session import Session

COLUMNS, ROWS = 80, 24
STORM_SPREAD = 1.0  # seconds over which a class's clients start
CONNECT_TIMEOUT = 120.0  # seconds for every client of a level to see the app
KEY_TIMEOUT = 10.0  # seconds for one key to show
MAX_KEYS = 200  # key presses per window at most
MINIMAL_APP = Path(__file__).with_name("minimal_app.py")


def first_frame(text: str) -> bool:
    """The app's first frame: the neuron pane with its status, and the key bar."""
    return ("paused" in text or "running" in text) and "│ w " in text and "^p" in text


def full_screen(text: str) -> bool:
    """The app's first whole screen: the first frame, and both plots drawn (their x axes)."""
    return first_frame(text) and text.count("└┬") >= 2


class Terminal:
    """One program on a real PTY, its screen kept by pyte."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True
        )
        os.close(slave)
        os.set_blocking(self.master, False)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = asyncio.Event()
        self.closed = False
        asyncio.get_running_loop().add_reader(self.master, self._read)

    def _read(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
            self.closed = True
        else:
            self.stream.feed(data)
        self.changed.set()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def until(self, shown, timeout: float) -> float:
        """Until ``shown(screen text)``; the moment it was (time.perf_counter())."""
        deadline = time.perf_counter() + timeout
        while not shown(self.text()):
            if self.closed:
                raise RuntimeError(f"the program ended; its screen:\n{self.text()}")
            self.changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"not seen within {timeout} s; the screen:\n{self.text()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return time.perf_counter()

    def type(self, keys: bytes) -> float:
        os.write(self.master, keys)
        return time.perf_counter()

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if not self.closed:
            asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)


# -- the server, in a process of its own -----------------------------------------------------------------


async def serve(port: int, state_dir: Path, cold: bool) -> None:
    """`nanoneuron serve ssh --open` on 127.0.0.1:port (with --cold: no zygote); ends on SIGTERM."""
    settings = ServeSettings(
        state_dir=state_dir,
        policy=AuthPolicy.open(),
        max_sessions=200,
        app_command=cold_app_command if cold else None,
    )
    server = NanoNeuronSSHServer(settings, asyncssh.generate_private_key("ssh-ed25519"))
    await server.start("127.0.0.1", port)
    log(f"listening on 127.0.0.1:{port}")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop()


class Server:
    def __init__(self, state_dir: Path, cold: bool, script: Path | None = None, options: Sequence[str] = ()) -> None:
        """``script --serve PORT STATE_DIR [options]`` (bench_serve.py by default) in a process of its own."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = state_dir.parent / f"server-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, str(script or Path(__file__).with_name("bench_serve.py"))]
            + ["--serve", str(self.port), str(state_dir), *options]
            + (["--cold"] if cold else []),
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        deadline = time.monotonic() + 120
        while "listening on" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- memory -----------------------------------------------------------------------------------------------


def smaps_rollup(pid: int) -> dict[str, int]:
    """kB by field (Rss, Pss, Private_Clean, ...) of one process; empty if it is gone."""
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value, *_ = line.split()
            fields[name.rstrip(":")] = int(value)
    return fields


def descendants(root: int) -> list[int]:
    """Every process below ``root``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def cpu_seconds(pid: int) -> float:
    """User and system time of one process so far (0 if it is gone)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def tree_cpu_seconds(root: int) -> float:
    return sum(cpu_seconds(pid) for pid in [root, *descendants(root)])


def is_app(pid: int) -> bool:
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        return comm == "nanoneuron-app" or b"nanoneuron_tui.serve.child" in argv
    return False


def memory(server: Server) -> dict[str, float]:
    """MB: USS and PSS per app (median, worst), and the PSS of the server with all it started."""
    everyone = [server.process.pid, *descendants(server.process.pid)]
    rollups = {pid: smaps_rollup(pid) for pid in everyone}
    apps = [roll for pid, roll in rollups.items() if roll and is_app(pid)]
    uss = [(roll["Private_Clean"] + roll["Private_Dirty"]) / 1024 for roll in apps]
    pss = [roll["Pss"] / 1024 for roll in apps]
    return {
        "apps": len(apps),
        "uss_median": statistics.median(uss),
        "uss_worst": max(uss),
        "pss_median": statistics.median(pss),
        "pss_worst": max(pss),
        "rss_median": statistics.median(roll["Rss"] / 1024 for roll in apps),
        "total_pss": sum(roll.get("Pss", 0) for roll in rollups.values()) / 1024,
    }


# -- one class --------------------------------------------------------------------------------------------


def ssh_command(port: int, key: Path, name: str) -> list[str]:
    return [
        "ssh",
        "-F",
        "/dev/null",
        "-tt",
        "-p",
        str(port),
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        f"{name}@127.0.0.1",
    ]


def seed_class(state_dir: Path, names: list[str], fingerprint: str) -> None:
    """A saved session for each student: they resume paused, at max pace, with a run that lasts."""
    for name in names:
        home = user_directory(state_dir, User(name, fingerprint))
        persist.save_session(
            Session(Hyperparameters(epochs=MAX_EPOCHS, pace=None, w0=0.5, b0=0.5)), home / "session.json"
        )


async def one_class(size: int, window: float, cold: bool, work: Path, key: Path, fingerprint: str) -> dict:
    state_dir = work / f"class-{size}"
    names = [f"s{n:03d}" for n in range(size)]
    seed_class(state_dir, names, fingerprint)
    server = Server(state_dir, cold)
    terminals: list[Terminal] = []
    try:
        load_before = os.getloadavg()[0]
        cpu_before = tree_cpu_seconds(server.process.pid)
        clients_before = cpu_seconds(os.getpid())
        storm = time.perf_counter()
        for n, name in enumerate(names):  # evenly within STORM_SPREAD: the class presses Enter
            await asyncio.sleep(max(0.0, storm + n * STORM_SPREAD / size - time.perf_counter()))
            terminals.append(Terminal(ssh_command(server.port, key, name)))
        firsts, shown = await asyncio.gather(
            asyncio.gather(*(t.until(first_frame, CONNECT_TIMEOUT) for t in terminals)),
            asyncio.gather(*(t.until(full_screen, CONNECT_TIMEOUT) for t in terminals)),
        )
        first = [seen - t.started for seen, t in zip(firsts, terminals)]
        connect = [seen - t.started for seen, t in zip(shown, terminals)]
        spread = terminals[-1].started - terminals[0].started
        start_cpu = (tree_cpu_seconds(server.process.pid) - cpu_before) / size
        # What the clients cost the same cores meanwhile: each ssh, and this process's emulators.
        clients_cpu = (
            cpu_seconds(os.getpid()) - clients_before + sum(cpu_seconds(t.process.pid) for t in terminals)
        ) / size

        for t in terminals:  # the whole class trains
            t.type(b" ")
        await asyncio.gather(*(t.until(lambda text: "running" in text, CONNECT_TIMEOUT) for t in terminals))
        await asyncio.sleep(2)  # the steady state
        mem = memory(server)

        keys = []
        chooser = random.Random(size)
        window_end = time.perf_counter() + window
        while time.perf_counter() < window_end and len(keys) < MAX_KEYS:
            client = chooser.choice(terminals)
            pressed = client.type(b" ")
            keys.append(await client.until(lambda text: "paused" in text, KEY_TIMEOUT) - pressed)
            client.type(b" ")
            await client.until(lambda text: "running" in text, KEY_TIMEOUT)
            await asyncio.sleep(chooser.uniform(0.05, 0.25))  # a class types now and then, not in lockstep
        return {
            "clients": size,
            "spread_s": spread,
            "first_median_s": statistics.median(first),
            "first_worst_s": max(first),
            "connect_median_s": statistics.median(connect),
            "connect_worst_s": max(connect),
            "start_cpu_s": start_cpu,
            "clients_cpu_s": clients_cpu,
            **mem,
            "key_median_ms": statistics.median(keys) * 1000,
            "key_worst_ms": max(keys) * 1000,
            "keys": len(keys),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        }
    finally:
        for t in terminals:
            t.close()
        server.stop()
        shutil.rmtree(state_dir, ignore_errors=True)


async def minimal_app_start(runs: int = 5) -> float:
    """The cold start of the smallest Textual app on a PTY: median seconds to its first screen."""
    starts = []
    for _ in range(runs):
        term = Terminal([sys.executable, str(MINIMAL_APP)])
        try:
            starts.append(await term.until(lambda text: "minimal app ready" in text, 60) - term.started)
        finally:
            term.close()
    return statistics.median(starts)


# (heading, width, the cell for a row): one line per class size, the columns aligned under their headings.
COLUMNS_SHOWN = [
    ("clients", 7, lambda r: f"{r['clients']}"),
    ("spread", 7, lambda r: f"{r['spread_s']:.2f} s"),
    ("1st frame med/worst", 19, lambda r: f"{r['first_median_s']:.2f} / {r['first_worst_s']:.2f} s"),
    ("full screen med/worst", 21, lambda r: f"{r['connect_median_s']:.2f} / {r['connect_worst_s']:.2f} s"),
    ("CPU/start", 9, lambda r: f"{r['start_cpu_s']:.2f} s"),
    ("clients' CPU", 12, lambda r: f"{r['clients_cpu_s']:.2f} s"),
    ("USS med/worst", 17, lambda r: f"{r['uss_median']:.1f} / {r['uss_worst']:.1f} MB"),
    ("PSS med/worst", 17, lambda r: f"{r['pss_median']:.1f} / {r['pss_worst']:.1f} MB"),
    ("RSS", 8, lambda r: f"{r['rss_median']:.1f} MB"),
    ("total PSS", 9, lambda r: f"{r['total_pss']:.0f} MB"),
    ("key med/worst (n)", 20, lambda r: f"{r['key_median_ms']:.0f} / {r['key_worst_ms']:.0f} ms ({r['keys']})"),
    ("load", 11, lambda r: f"{r['load_before']:.1f} / {r['load_after']:.1f}"),
]


def print_heading() -> None:
    print("  ".join(f"{heading:>{width}}" for heading, width, _ in COLUMNS_SHOWN))


def print_row(row: dict) -> None:
    print("  ".join(f"{cell(row):>{width}}" for _, width, cell in COLUMNS_SHOWN), flush=True)


async def measure(levels: list[int], window: float, cold: bool) -> None:
    if shutil.which("ssh") is None:
        raise SystemExit("bench_serve --openssh: the OpenSSH client (ssh) is not installed")
    work = Path(tempfile.mkdtemp(prefix="bench-openssh-"))
    try:
        key = work / "student_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        fingerprint = asyncssh.read_public_key(f"{key}.pub").get_fingerprint()
        reference = await minimal_app_start()
        how = "cold: a fresh Python per app" if cold else "apps forked from the zygote"
        print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; {how}")
        print(f"reference: benchmarks/minimal_app.py cold start on a PTY, median of 5: {reference:.2f} s")
        print_heading()
        results = []
        for size in levels:
            results.append(await one_class(size, window, cold, work, key, fingerprint))
            print_row(results[-1])
        alone = [r for r in results if r["clients"] == 1]
        if alone:
            print(
                f"one client alone: {alone[0]['connect_median_s']:.2f} s = "
                f"{alone[0]['connect_median_s'] / reference:.2f}x the minimal Textual app's cold start"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(levels: list[int], window: float, cold: bool) -> None:
    asyncio.run(measure(levels, window, cold))
