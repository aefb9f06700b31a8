"""The process a server starts for one client: the app, confined to the client's directory.

    python -m nanoneuron_tui.serve.child ssh DIR [FPS [FPS_FILE]]  # an SSH client's own directory; resumes if saved
    python -m nanoneuron_tui.serve.child web PARENT                # a browser tab: a fresh directory under PARENT

FPS is the frame rate the server grants the app, its share of the class's;
FPS_FILE is where the server keeps that share as the class grows and shrinks
(serve/frame_rate.py), for the app to follow.

Over SSH the server has already made the process a session of its own, with
the PTY as its controlling terminal (serve/terminal.py).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from nanoneuron_tui.serve.identity import SESSION_FILE

UNREADABLE_PAUSE = 3.0  # seconds to read why a saved session could not be resumed
# Seconds a new connection waits for the user's previous app to save and go. A student whose
# link dropped may land on another server of the class at once, while the old app still saves.
HANDOVER = 3.0


def app_arguments(directory: Path, resume: bool, fps: str | None = None) -> list[str]:
    return [
        "--confine",
        str(directory),
        "--state",
        str(directory / SESSION_FILE),
        *(["--resume"] if resume else []),
        *(["--fps", fps] if fps else []),
    ]


def run_app(directory: Path, fps: str | None = None) -> int:
    """The app in ``directory``, resuming the saved session there if there is one."""
    from nanoneuron_tui import cli, exit_codes

    os.chdir(directory)  # default file names land in the client's directory
    saved = directory / SESSION_FILE
    # A second session of the same user (--max-per-user above 1, or another server's) starts
    # afresh beside the first, once the first has had its moment to go.
    resume = saved.exists() and free_soon(saved)
    code = cli.main(app_arguments(directory, resume=resume, fps=fps))
    if not (resume and code == exit_codes.USAGE and unreadable(saved)):
        return code
    # The saved session could not be read (the reason is on screen): keep it aside, start afresh.
    kept = saved.with_name(f"unreadable-{int(time.time())}-{SESSION_FILE}")
    saved.replace(kept)
    print(f"Starting a new session; the unreadable one is kept as {kept.name}.", file=sys.stderr, flush=True)
    time.sleep(UNREADABLE_PAUSE)
    return cli.main(app_arguments(directory, resume=False, fps=fps))


def free_soon(saved: Path, timeout: float = HANDOVER) -> bool:
    """Whether ``saved`` is free, or becomes free within ``timeout`` (its app saving on its way out)."""
    deadline = time.monotonic() + timeout
    told = False
    while in_use(saved):
        if time.monotonic() >= deadline:
            return False
        if not told:
            print("Waiting for your previous session to close…", file=sys.stderr, flush=True)
            told = True
        time.sleep(0.1)
    return True


def in_use(saved: Path) -> bool:
    from nanoneuron_tui import session_file

    try:
        session_file.SessionFile.claim(saved, resuming=True).release()
    except session_file.SessionFileInUse:
        return True
    return False


def unreadable(saved: Path) -> bool:
    from nanoneuron_tui import persist
    from nanoneuron_tui.core.data import DataError

    try:
        persist.load_session(saved)
    except (persist.PersistError, DataError):
        return True
    return False


def main(argv: list[str]) -> int:
    mode, place, *frames = argv
    if mode == "ssh" and len(frames) <= 2:
        fps, fps_file = (frames + [None, None])[:2]
        if fps_file:
            from nanoneuron_tui.app import FRAME_RATE_FILE_ENV

            os.environ[FRAME_RATE_FILE_ENV] = fps_file
        return run_app(Path(place), fps)
    if mode == "web" and not frames:
        from nanoneuron_tui.serve import web

        web.use_tab_driver()  # a closed tab is a hang-up
        parent = Path(place)
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with web.open_tab(parent) as tab:
            return run_app(tab)
    raise SystemExit(
        f"usage: python -m nanoneuron_tui.serve.child ssh DIR [FPS [FPS_FILE]] | web PARENT (not {argv!r})"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
