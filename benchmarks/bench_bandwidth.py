"""Bytes per second the app sends to the terminal while it trains: what crosses an SSH link.

    python benchmarks/bench_bandwidth.py [--seconds 10]

Runs the installed app in tmux, records every byte it writes (tmux pipe-pane),
starts training at the default pace and report interval, and measures a
window after start-up. "ssh" sets SSH_CONNECTION as sshd would, which lowers
the frame rate; "local" does not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.terminal import Terminal, installed_nanoneuron  # noqa: E402

# Epochs enough to keep training through the whole window at the default pace.
ARGS = ["--w0", "0.9492", "--b0", "0.457", "--epochs", "100000000"]


def bytes_per_second(size: tuple[int, int], env: dict[str, str], seconds: float) -> float:
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "bytes"
        record.touch()
        term = Terminal([installed_nanoneuron(), *ARGS], size=size, env=env)
        try:
            term.record(record)
            term.wait_for("paused")
            term.keys("Space")
            time.sleep(1.0)  # past the first frames of the run
            start_bytes, start = os.path.getsize(record), time.monotonic()
            time.sleep(seconds)
            return (os.path.getsize(record) - start_bytes) / (time.monotonic() - start)
        finally:
            term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    ssh = {"SSH_CONNECTION": "127.0.0.1 50000 127.0.0.1 22"}
    for where, env in (("ssh", ssh), ("local", {})):
        small = bytes_per_second((80, 24), env, args.seconds)
        large = bytes_per_second((160, 48), env, args.seconds)
        print(f"{where:5}: 80x24 {small / 1024:.1f} KB/s, 160x48 {large / 1024:.1f} KB/s "
              f"({large / small:.2f}x)")


if __name__ == "__main__":
    main()
