"""A hang-up after a stalled link, tried many times on a loaded machine (issue 11, item 1).

    python benchmarks/bench_hangup.py [--trials 20] [--busy 2] [--parallel 2] [--stall 30]

Each trial runs the installed app in a pseudo-terminal at 80x24 with
SSH_CONNECTION set: ``--run --epochs 100000000``. The terminal reads the app's
output for 4 s, then stops reading for ``--stall`` seconds (the app's writes
pile up until its event loop blocks), then closes: the kernel sends SIGHUP and
every write fails. A trial passes if the process is gone within 2 s of the
close, with its session saved. ``--busy`` CPU loops run beside it throughout.
The clock starts when the terminal is closed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui import persist  # noqa: E402
from tests.pty_app import PtyApp  # noqa: E402

PROMISE = 2.0  # seconds from the close of the terminal to the end of the process


def threads(pid: int) -> str:
    """Each thread of a process that would not go: its name, state and kernel wait channel."""
    found = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            name = (task / "comm").read_text().strip()
            state = (task / "stat").read_text().rsplit(") ", 1)[-1].split()[0]
            found.append(f"{name}:{state}:{(task / 'wchan').read_text()}")
        except OSError:
            continue
    return " ".join(found)


def trial(read: float, stall: float) -> tuple[bool, float, str]:
    """One hang-up: (passed, seconds from close to exit, what happened)."""
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "session.json"
        app = PtyApp(
            "--run",
            "--epochs",
            "100000000",
            "--state",
            str(state),
            env={"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22", "XDG_STATE_HOME": folder},
            keep_slave=False,
        )
        try:
            time.sleep(read)
            app.stop_reading()
            shown = len(app.output)
            time.sleep(stall)
            blocked = app.main_thread_blocked()
            closed = time.monotonic()
            app.hang_up()
            while not app.gone and time.monotonic() - closed < 10:
                time.sleep(0.005)
            took = time.monotonic() - closed
            try:
                saved = persist.load_session(state).view().epoch > 0
            except persist.PersistError:
                saved = False
            passed = app.gone and took <= PROMISE and saved
            note = (
                f"{shown:,} bytes read; {'blocked' if blocked else 'not blocked'} at the close, "
                f"{'saved' if saved else 'NOT SAVED'}, "
                f"{'gone' if app.gone else 'STILL RUNNING: ' + threads(app.pid)}"
            )
            return passed, took, note
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--busy", type=int, default=2, help="busy CPU loops running beside the trials")
    parser.add_argument("--parallel", type=int, default=2, help="trials at once")
    parser.add_argument("--read", type=float, default=4.0, help="seconds the terminal reads")
    parser.add_argument("--stall", type=float, default=30.0, help="seconds it then stops reading")
    args = parser.parse_args()

    busy = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(args.busy)]
    try:
        with ThreadPoolExecutor(args.parallel) as pool:
            results = list(pool.map(lambda _: trial(args.read, args.stall), range(args.trials)))
    finally:
        for loop in busy:  # by their own PIDs, nothing else
            loop.kill()
            loop.wait()

    for number, (passed, took, note) in enumerate(results, 1):
        print(f"trial {number:2}: {'pass' if passed else 'FAIL'}  gone {took:.3f} s after the close; {note}")
    times = [took for _, took, _ in results]
    print(
        f"\n{sum(p for p, _, _ in results)}/{len(results)} trials gone within {PROMISE:g} s with the session "
        f"saved ({args.busy} busy loops, {args.parallel} at once, stall {args.stall:g} s); "
        f"close to exit: median {statistics.median(times):.3f} s, max {max(times):.3f} s"
    )


if __name__ == "__main__":
    main()
