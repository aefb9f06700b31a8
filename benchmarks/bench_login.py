"""How long an OpenSSH client takes to log in to `nanoneuron serve ssh`, with and without quick acks.

    python benchmarks/bench_login.py [--logins 15]

Two servers on 127.0.0.1, in processes of their own: one as shipped, one with
`serve/quick_acks.py` switched off (the handshake as the kernel acknowledges
it by itself). Against each, one at a time, `ssh -v -tt` on a PTY of 80x24
with a throwaway ed25519 key; the clock starts as `ssh` starts and stops when
it prints "Authenticated to", then when the app's first frame is on its
screen (read by pyte). The two servers take turns, so a busy moment of the
machine falls on both. Prints the medians and their ratio, and the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_serve_openssh as openssh  # noqa: E402

AUTHENTICATED = "Authenticated to"


async def serve(port: int, state_dir: Path, quick_acks: bool) -> None:
    if not quick_acks:
        from nanoneuron_tui.serve import ssh

        ssh.acknowledge_at_once = lambda connection: lambda: None  # the handshake as the kernel paces it
    await openssh.serve(port, state_dir, cold=False)


async def one_login(port: int, key: Path, name: str) -> tuple[float, float]:
    """(seconds to "Authenticated to", seconds to the app's first frame) for one `ssh -v`."""
    command = openssh.ssh_command(port, key, name)
    command[command.index("LogLevel=ERROR")] = "LogLevel=DEBUG1"
    command.insert(1, "-v")
    terminal = openssh.Terminal(command)
    try:
        authenticated = await terminal.until(lambda text: AUTHENTICATED in text, 30) - terminal.started
        first_frame = await terminal.until(openssh.first_frame, 60) - terminal.started
        return authenticated, first_frame
    finally:
        terminal.close()


async def measure(logins: int) -> None:
    if shutil.which("ssh") is None:
        raise SystemExit("bench_login: the OpenSSH client (ssh) is not installed")
    work = Path(tempfile.mkdtemp(prefix="bench-login-"))
    servers: dict[str, openssh.Server] = {}
    try:
        key = work / "student_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; {logins} logins to each server, in turns")
        servers = {
            label: openssh.Server(work / f"state-{n}", cold=False, script=Path(__file__), options=options)
            for n, (label, options) in enumerate((("quick acks", []), ("without", ["--no-quick-acks"])))
        }
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in servers}
        for n in range(logins):
            for label, server in servers.items():
                times[label].append(await one_login(server.port, key, f"s{n:03d}"))
                await asyncio.sleep(0.2)  # the last app saves and goes
        for label, pairs in times.items():
            auth = statistics.median(a for a, _ in pairs)
            frame = statistics.median(f for _, f in pairs)
            print(f"{label:>10}: logged in {auth * 1000:.0f} ms, first frame {frame * 1000:.0f} ms (medians)")
        quick, slow = (statistics.median(a for a, _ in times[label]) for label in servers)
        print(f"login with quick acks: {quick / slow:.2f}x the time without; load {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=15, help="logins to each server")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "STATE_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--no-quick-acks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(int(args.serve[0]), Path(args.serve[1]), quick_acks=not args.no_quick_acks))
        return
    asyncio.run(measure(args.logins))


if __name__ == "__main__":
    main()
