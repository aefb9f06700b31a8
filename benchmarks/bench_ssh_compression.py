"""Bytes on the SSH link while the app trains, with and without ``ssh -C`` (compression).

    python benchmarks/bench_ssh_compression.py [--seconds 10]

Starts sshd on 127.0.0.1 with a throwaway host key and key pair, then runs the
installed app through ``ssh -t`` in a pseudo-terminal at 80x24, training at the
default pace (``--run --epochs 100000000``) for ``--seconds``, and quits with
ctrl+q. OpenSSH's own count of the bytes it received ("Transferred: ...",
printed with -v) is the figure, session setup included; each way is run twice.
Needs root (sshd logs in as root here) and OpenSSH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pty_app import PtyApp, poll  # noqa: E402
from tests.terminal import installed_nanoneuron  # noqa: E402

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def start_sshd(folder: Path) -> tuple[subprocess.Popen, list[str]]:
    """sshd on a free port of 127.0.0.1; returns it and the ssh command that logs in."""
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client.pub").read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\n"
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    poll(listening, timeout=10, interval=0.1, what="sshd to listen")
    ssh = [
        "ssh",
        "-v",
        "-t",
        "-p",
        str(port),
        "-i",
        str(folder / "client"),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "root@127.0.0.1",
    ]
    return server, ssh


def received_bytes(ssh: list[str], compress: bool, seconds: float, folder: Path) -> int:
    remote = f"XDG_STATE_HOME={folder} {installed_nanoneuron()} --run --epochs 100000000"
    link = PtyApp(command=[*ssh, *(["-C"] if compress else []), remote], env={"XDG_STATE_HOME": str(folder)})
    try:
        link.wait_for("running", timeout=30)
        time.sleep(seconds)
        link.send(b"\x11")  # ctrl+q
        found = poll(
            lambda: re.search(r"Transferred: sent (\d+), received (\d+) bytes", link.text()),
            timeout=30,
            what="ssh's byte count",
        )
        return int(found.group(2))
    finally:
        link.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if os.geteuid() != 0 or not os.path.exists(SSHD):
        sys.exit("needs root and OpenSSH's sshd")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        server, ssh = start_sshd(folder)
        try:
            plain = [received_bytes(ssh, False, args.seconds, folder) for _ in range(args.repeat)]
            compressed = [received_bytes(ssh, True, args.seconds, folder) for _ in range(args.repeat)]
        finally:
            server.terminate()
            server.wait(5)
    p, c = statistics.median(plain), statistics.median(compressed)
    print(f"{args.seconds:g} s of training at 80x24 over SSH, bytes received by the client (median of {args.repeat}):")
    print(f"  ssh     {p / 1000:8.1f} KB  {plain}")
    print(f"  ssh -C  {c / 1000:8.1f} KB  {compressed}")
    print(f"  ssh -C sends {p / c:.1f}x fewer bytes")


if __name__ == "__main__":
    main()
