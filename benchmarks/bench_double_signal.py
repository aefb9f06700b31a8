"""Stop signals in pairs, tried many times on a loaded machine (issue 22, item 1).

    python benchmarks/bench_double_signal.py [--trials 20] [--busy 2] [--case pair|shell|both]

Two ways a stop signal comes twice:

- ``pair``: the installed app in a pseudo-terminal at 80x24, ``--run --epochs
  100000000``, training; two SIGTERMs, the second as soon as the app has taken
  the first (it is no longer pending), well under a millisecond later: the
  save is under way when the second arrives.
- ``shell``: the issue's reproduction. An interactive bash in tmux runs the app
  (same flags); once it trains, ``tmux kill-server``. bash re-sends its SIGHUP
  to its jobs, and the kernel sends one more when bash, the session leader, goes.

A trial passes if the process is gone within 2 s of the (first) signal with
its session saved by the stop itself (written after the signal, epoch > 0) and
no temporary file left beside it. ``--busy`` CPU loops run beside every trial.
The clock starts when the first signal is sent.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui import persist  # noqa: E402
from tests.pty_app import PtyApp  # noqa: E402
from tests.terminal import installed_nanoneuron, process_alive  # noqa: E402

PROMISE = 2.0  # seconds from the signal to the end of the process
TRAINING = ("--w0", "0.9492", "--b0", "0.457", "--run", "--epochs", "100000000")


def pending(pid: int, signum: int) -> bool:
    """``signum`` sent to the process and not yet taken by any of its threads."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    shared = re.search(r"^ShdPnd:\s*([0-9a-f]+)", status, re.MULTILINE)
    return bool(shared and int(shared.group(1), 16) & (1 << (signum - 1)))


def outcome(state: Path, pid: int, signalled: float, signalled_wall: float) -> tuple[bool, float, str]:
    """(passed, seconds from the signal to the end, what happened) once the process is gone or late."""
    while process_alive(pid) and time.monotonic() - signalled < 10:
        time.sleep(0.005)
    took = time.monotonic() - signalled
    gone = not process_alive(pid)
    try:
        epoch = persist.load_session(state).view().epoch
        saved = epoch > 0 and state.stat().st_mtime >= signalled_wall - 0.05
    except persist.PersistError:
        epoch, saved = 0, False
    leftovers = [p.name for p in state.parent.iterdir() if p.name.endswith(".tmp")]
    passed = gone and took <= PROMISE and saved and not leftovers
    note = (
        f"{'saved at epoch ' + format(epoch, ',') if saved else 'NOT SAVED'}, "
        f"{'gone' if gone else 'STILL RUNNING'}{', temporary files left: ' + ' '.join(leftovers) if leftovers else ''}"
    )
    return passed, took, note


def pair_trial(folder: Path) -> tuple[bool, float, str]:
    state = folder / "session.json"
    app = PtyApp(*TRAINING, "--state", str(state), env={"XDG_STATE_HOME": str(folder)})
    try:
        deadline = time.monotonic() + 30
        while not re.search(r"[1-9][\d,]* / [\d,]+", app.text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        signalled, signalled_wall = time.monotonic(), time.time()
        os.kill(app.pid, signal.SIGTERM)
        while pending(app.pid, signal.SIGTERM) and time.monotonic() - signalled < 5:
            pass  # no sleep: the second comes the moment the first is taken
        os.kill(app.pid, signal.SIGTERM)
        return outcome(state, app.pid, signalled, signalled_wall)
    finally:
        app.close()


def shell_trial(folder: Path) -> tuple[bool, float, str]:
    state = folder / "session.json"
    server = f"bench-double-{os.getpid()}-{folder.name}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True).stdout

    environment = {**os.environ, "XDG_STATE_HOME": str(folder), "TERM": "xterm-256color"}
    for name in ("COLUMNS", "LINES"):  # the pane's own size, not ours
        environment.pop(name, None)
    subprocess.run(
        ["tmux", "-L", server, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "bash --norc -i"],
        env=environment,
        check=True,
    )
    try:
        command = f"{installed_nanoneuron()} {' '.join(TRAINING)} --state {state}"
        tmux("send-keys", command, "Enter")
        deadline = time.monotonic() + 30
        while not re.search(r"[1-9][\d,]* / [\d,]+", tmux("capture-pane", "-p")) and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(app_pid(state))
        signalled, signalled_wall = time.monotonic(), time.time()
        tmux("kill-server")
        return outcome(state, pid, signalled, signalled_wall)
    finally:
        tmux("kill-server")
        # A server that went with its last session may leave its socket behind.
        socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (socket_dir / server).unlink(missing_ok=True)


def app_pid(state: Path) -> str:
    """The app's pid, from its lock file (the shell started it, not us)."""
    return (state.parent / f"{state.name}.lock").read_text().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--busy", type=int, default=2, help="busy CPU loops running beside the trials")
    parser.add_argument("--case", choices=("pair", "shell", "both"), default="both")
    args = parser.parse_args()
    if args.case != "pair" and shutil.which("tmux") is None:
        sys.exit("the shell case needs tmux")

    cases = {"pair": pair_trial, "shell": shell_trial}
    chosen = list(cases) if args.case == "both" else [args.case]
    busy = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(args.busy)]
    results: dict[str, list[tuple[bool, float, str]]] = {name: [] for name in chosen}
    try:
        for number in range(1, args.trials + 1):
            for name in chosen:
                with tempfile.TemporaryDirectory() as folder:
                    passed, took, note = cases[name](Path(folder))
                results[name].append((passed, took, note))
                print(f"{name} {number:2}: {'pass' if passed else 'FAIL'}  gone {took:.3f} s after; {note}", flush=True)
    finally:
        for loop in busy:  # by their own PIDs, nothing else
            loop.kill()
            loop.wait()

    print()
    for name, outcomes in results.items():
        times = [took for _, took, _ in outcomes]
        print(
            f"{name}: {sum(p for p, _, _ in outcomes)}/{len(outcomes)} saved and gone within {PROMISE:g} s "
            f"({args.busy} busy loops); signal to exit: max {max(times):.3f} s"
        )


if __name__ == "__main__":
    main()
