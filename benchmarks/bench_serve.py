"""What a class costs `nanoneuron serve ssh`: memory, CPU and bytes per session, and keys under load.

    python benchmarks/bench_serve.py [--levels 1,10,20,30] [--window 10]
    python benchmarks/bench_serve.py --openssh [--levels 1,10,30,50] [--window 10] [--cold]

The --openssh mode (benchmarks/bench_serve_openssh.py) is the class as it
happens: real OpenSSH clients on real PTYs connecting together. Without it:

a server on 127.0.0.1 (in this process) and asyncssh clients (also here). At
each level the class grows to that many sessions, every one training at max
pace (a saved session each resumes: pace max, a run that lasts), then:

- RSS per session: VmRSS of each app process (median);
- CPU per session: its user+system time over the window, as a share of one core (mean);
- bytes/s per session: what each client received over the window (mean);
- frames/s per session: how often the epoch readout reached the client (mean), and
  epochs/s: how far training went meanwhile (median). Before pace "max" trained one
  jump a frame, every 1,000 of those epochs were a report computed;
- server: the CPU of this process (the server, and the clients, which a real class
  runs elsewhere), as a share of one core;
- key to screen: space pressed -> "paused" seen by the client, on up to 10 sessions
  (median, worst); the clock starts when the key is sent.

The largest level whose worst key-to-screen stays under 500 ms is the class
this machine holds. The load average is printed: on a shared machine it says
what else was running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nanoneuron_tui import persist  # noqa: E402
from nanoneuron_tui.params import MAX_EPOCHS, Hyperparameters  # noqa: E402
from nanoneuron_tui.serve.auth import AuthPolicy  # noqa: E402
from nanoneuron_tui.serve.identity import User, user_directory  # noqa: E402
from nanoneuron_tui.serve.ssh import NanoNeuronSSHServer, ServeSettings  # noqa: E402
from nanoneuron_tui.session import Session  # noqa: E402

KEY_BUDGET = 0.5  # seconds: the bar for key to screen
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


EPOCH_READOUT = re.compile(rb"([\d,]+) / 1,000,000,000")  # the epoch readout of a MAX_EPOCHS run


class Client:
    def __init__(self, name: str) -> None:
        self.name = name
        self.screen = bytearray()
        self.epochs_seen: list[tuple[float, int]] = []  # (when, epoch) each time the readout arrived

    async def connect(self, port: int) -> float:
        """Connect; seconds until the app's first full frame (its status line) arrives."""
        started = time.perf_counter()
        self.conn = await asyncssh.connect(
            "127.0.0.1",
            port,
            username=self.name,
            password="-",
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            config=None,
        )
        self.process = await self.conn.create_process(term_type="xterm-256color", term_size=(80, 24), encoding=None)
        self.reader = asyncio.create_task(self._read())
        await self.wait_for(b"paused", 0)
        return time.perf_counter() - started

    async def _read(self) -> None:
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
            while chunk := await self.process.stdout.read(65536):
                self.screen += chunk
                now = time.perf_counter()
                self.epochs_seen += [(now, int(found.replace(b",", b""))) for found in EPOCH_READOUT.findall(chunk)]

    def frames_and_epochs(self, start: float, end: float) -> tuple[int, int]:
        """Readouts that arrived between ``start`` and ``end``, and the epochs training went meanwhile."""
        seen = [epoch for when, epoch in self.epochs_seen if start <= when <= end]
        return len(seen), (seen[-1] - seen[0] if seen else 0)

    async def wait_for(self, text: bytes, start: int, timeout: float = 120) -> None:
        deadline = time.perf_counter() + timeout
        while self.screen.find(text, start) < 0:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.name}: no {text!r}")
            await asyncio.sleep(0.002)

    async def press(self, key: bytes, then_see: bytes) -> float:
        mark = len(self.screen)
        started = time.perf_counter()
        self.process.stdin.write(key)
        await self.wait_for(then_see, mark)
        return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(levels: list[int], window: float) -> list[dict]:
    state = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    settings = ServeSettings(state_dir=state, policy=AuthPolicy.open(), max_sessions=max(levels) + 1)
    server = NanoNeuronSSHServer(settings, asyncssh.generate_private_key("ssh-ed25519"))
    port = await server.start("127.0.0.1", 0)
    clients: list[Client] = []
    results = []
    try:
        for level in levels:
            newcomers = [Client(f"s{n:03d}") for n in range(len(clients), level)]
            for client in newcomers:
                home = user_directory(state, User(client.name))
                persist.save_session(
                    Session(Hyperparameters(epochs=MAX_EPOCHS, pace=None, w0=0.5, b0=0.5)), home / "session.json"
                )
            launches = await asyncio.gather(*(c.connect(port) for c in newcomers))
            await asyncio.gather(*(c.press(b" ", b"running") for c in newcomers))
            clients += newcomers
            pids = {seat.user.name: seat.program.pid for seat in server.classroom.seats()}
            await asyncio.sleep(2)  # everyone training: the steady state

            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            server_before = cpu_seconds(os.getpid())
            bytes_before = {c.name: len(c.screen) for c in clients}
            window_start = time.perf_counter()
            await asyncio.sleep(window)
            window_end = time.perf_counter()
            cpu = [(cpu_seconds(pid) - cpu_before[name]) / window for name, pid in pids.items()]
            server_cpu = (cpu_seconds(os.getpid()) - server_before) / window
            rates = [(len(c.screen) - bytes_before[c.name]) / window for c in clients]
            shown = [c.frames_and_epochs(window_start, window_end) for c in clients]
            rss = [rss_mb(pid) for pid in pids.values()]

            keys = []
            for client in clients[:10]:
                keys.append(await client.press(b" ", b"paused"))
                await client.press(b" ", b"running")
            results.append(
                {
                    "sessions": level,
                    "launch_s": statistics.median(launches),
                    "rss_mb": statistics.median(rss),
                    "cpu_core": statistics.mean(cpu),
                    "bytes_per_s": statistics.mean(rates),
                    "frames_per_s": statistics.mean(frames for frames, _ in shown) / window,
                    "epochs_per_s": statistics.median(epochs for _, epochs in shown) / window,
                    "server_core": server_cpu,
                    "key_median_ms": statistics.median(keys) * 1000,
                    "key_worst_ms": max(keys) * 1000,
                    "load": os.getloadavg()[0],
                }
            )
            print_row(results[-1])
    finally:
        for client in clients:
            client.conn.close()
        await server.stop()
    return results


def print_row(row: dict) -> None:
    print(
        f"{row['sessions']:>8} {row['launch_s']:>9.2f} s {row['rss_mb']:>7.1f} MB {row['cpu_core'] * 100:>8.1f} % "
        f"{row['bytes_per_s'] / 1024:>8.1f} KB/s {row['frames_per_s']:>6.1f} {row['epochs_per_s'] / 1e6:>7.2f} M "
        f"{row['server_core'] * 100:>6.1f} % "
        f"{row['key_median_ms']:>8.0f} ms {row['key_worst_ms']:>8.0f} ms {row['load']:>6.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--levels", default=None, help="class sizes to measure, growing (default 1,10,20,30; with --openssh 1,10,30,50)"
    )
    parser.add_argument("--window", type=float, default=10.0, help="seconds of training measured at each level")
    parser.add_argument(
        "--openssh", action="store_true", help="real OpenSSH clients on PTYs, a connect storm per level"
    )
    parser.add_argument(
        "--cold", action="store_true", help="--openssh: every app in a fresh Python (the path before the zygote)"
    )
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "STATE_DIR"), help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve or args.openssh:
        import bench_serve_openssh as openssh  # pyte, from the bench extra, only for this mode
    if args.serve:
        asyncio.run(openssh.serve(int(args.serve[0]), Path(args.serve[1]), args.cold))
        return
    if args.openssh:
        openssh.main(sorted({int(n) for n in (args.levels or "1,10,30,50").split(",")}), args.window, args.cold)
        return
    args.levels = args.levels or "1,10,20,30"
    levels = sorted({int(n) for n in args.levels.split(",")})
    print(f"{os.cpu_count()} cores; every session trains at max pace; key = space -> 'paused' on screen")
    print(
        f"{'sessions':>8} {'launch':>11} {'RSS/app':>10} {'CPU/app':>10} {'bytes/app':>13} {'fps':>6} "
        f"{'epochs/s':>9} {'server':>8} {'key med':>11} {'key worst':>11} {'load':>6}"
    )
    results = asyncio.run(measure(levels, args.window))
    holding = [r["sessions"] for r in results if r["key_worst_ms"] < KEY_BUDGET * 1000]
    baseline = results[0]
    print(
        f"key to screen, {results[-1]['sessions']} sessions vs {baseline['sessions']}: "
        f"{results[-1]['key_median_ms'] / baseline['key_median_ms']:.1f}x the median"
    )
    print(
        f"largest class measured with every key under {KEY_BUDGET * 1000:.0f} ms: "
        f"{max(holding) if holding else 'none'} sessions"
    )


if __name__ == "__main__":
    main()
