"""The screens shown in the README and the manual, rendered by the app itself.

Each screen is a command line, the keys a person would press, and a terminal
size. The pages mark where a screen goes with a comment naming it, followed by
a text block:

    <!-- screen: main -->
    ```text
    ...
    ```

`python docs/screens.py` renders every screen and writes it into each page that
names it; `python docs/screens.py --check` says which pages have drifted from
the app (tests/test_screens.py runs the check, so a change to the app that
alters a screen fails the suite until the pages are rendered again).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
BLOCK = re.compile(r"(<!-- screen: (?P<name>[\w-]+) -->\n```text\n)(?P<body>.*?)(```)", re.DOTALL)


@dataclass(frozen=True)
class Screen:
    argv: tuple[str, ...]  # the app's command line, or `serve class` on a demonstration class
    keys: tuple[str, ...]
    size: tuple[int, int] = (80, 24)
    notes: bool = False  # keep the notifications on screen (a guess's verdict is one)


# The article's start (w0, b0 fixed, so the screens do not change from run to run).
SEED = ("--w0", "0.9492", "--b0", "0.457")
SCREENS: dict[str, Screen] = {
    "main": Screen(SEED, ("g", *"44000", "enter", "z")),
    "surface": Screen(SEED, (*"n" * 20, "c")),
    "surface-normalized": Screen((*SEED, "--normalize", "--alpha", "0.1"), (*"s" * 12, "c")),
    "explained": Screen(("--lesson",), ("s", "s")),
    # A guess of the next w that forgets to step: ✗, the line that computes it, the likely slip.
    "guess": Screen(("--w0", "0.25", "--b0", "0.75"), ("y", *"0.25", "enter"), notes=True),
    "class": Screen(("serve", "class"), ("s", "s", "S"), size=(112, 10)),
    # What a command prints (no keys): the list of challenges.
    "challenges": Screen(("--challenge", "list"), ()),
}


async def render(screen: Screen) -> str:
    """The screen's text, line by line, as the terminal would show it (trailing blanks dropped)."""
    if screen.argv[:2] == ("serve", "class"):
        return await render_class(screen)
    if screen.argv == ("--challenge", "list"):
        return printed(screen.argv)
    from nanoneuron_tui.app import NanoNeuronApp
    from nanoneuron_tui.cli import build_parser, build_session

    args = build_parser().parse_args(list(screen.argv))
    app = NanoNeuronApp(build_session(args), run=args.run, lesson=args.lesson, projector=args.projector)
    async with app.run_test(size=screen.size, notifications=screen.notes) as pilot:
        for key in screen.keys:
            await pilot.press(key)
        await settle(pilot, app, keep_notes=screen.notes)
        return text_of(app)


def printed(argv: tuple[str, ...]) -> str:
    """What ``nanoneuron ARGV`` prints, as a shell shows it (the command line first)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "nanoneuron_tui", *argv], capture_output=True, text=True, check=True, timeout=120
    )
    return f"$ nanoneuron {' '.join(argv)}\n{done.stdout}"


def text_of(app) -> str:
    strips = app.screen._compositor.render_strips()
    return "".join(strip.text.rstrip() + "\n" for strip in strips)


async def render_class(screen: Screen) -> str:
    """The teacher's view of a class of four, made up for the picture (their statuses as the apps write them)."""
    import tempfile

    from nanoneuron_tui.serve.class_view import ClassView
    from nanoneuron_tui.serve.status import STATUS_FILE, ChallengeResult, StudentStatus, write_status

    now = time.time()
    usual = dict(connected=True, epochs=70000, alpha=0.0005, updated=now, progressed=now, diverged_at=None)
    students = [
        StudentStatus(
            "amara",
            state="running",
            epoch=41000,
            w=1.802,
            b=31.89,
            cost=1.8e-3,
            test_cost=1.7e-3,
            guesses=6,
            right=5,
            **usual,
        ),
        StudentStatus(
            "ben",
            state="diverged",
            epoch=9,
            w=None,
            b=None,
            cost=None,
            test_cost=None,
            guesses=3,
            right=1,
            **{**usual, "alpha": 0.001, "diverged_at": 9},
        ),
        StudentStatus(
            "chloe",
            state="paused",
            epoch=12,
            w=1.56,
            b=23.09,
            cost=240.4,
            test_cost=242.9,
            challenge="b-crawl",
            challenge_progress="b 14.2 at epoch 12",
            **{**usual, "alpha": 0.1},
            challenges=(ChallengeResult("alpha-limit", True, "alpha 0.000608", 1, 0.000608, now),),
        ),
        StudentStatus(
            "dev",
            state="finished",
            epoch=70000,
            w=1.8001,
            b=31.996,
            cost=2.4e-6,
            test_cost=2.4e-6,
            **{**usual, "connected": False},
        ),
    ]
    with tempfile.TemporaryDirectory() as state_dir:
        for student in students:
            home = Path(state_dir) / "users" / student.name
            home.mkdir(parents=True)
            write_status(home / STATUS_FILE, student)
        app = ClassView(Path(state_dir))
        async with app.run_test(size=screen.size) as pilot:
            for key in screen.keys:
                await pilot.press(key)
            await pilot.pause()
            return text_of(app)


async def settle(pilot, app, timeout: float = 60.0, keep_notes: bool = False) -> None:
    """Wait until the screen shows the session's latest view with every visible plot drawn."""
    from nanoneuron_tui.widgets.plotting import PlotWidget

    def settled() -> bool:
        if app._shown_version != app.session.view().version:
            return False
        plots = [plot for plot in app.query(PlotWidget) if plot.display and plot.content_size.width]
        return all(plot.drawn and plot._deferred is None for plot in plots)

    deadline = time.monotonic() + timeout
    while not settled():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not settle")
        await pilot.pause(0.05)
    if keep_notes:
        while not app._notifications:  # the verdict comes a moment after the keys
            if time.monotonic() > deadline:
                raise TimeoutError("no notification came")
            await pilot.pause(0.05)
    else:
        app.clear_notifications()
    await pilot.pause()


def render_all(names: Sequence[str]) -> dict[str, str]:
    async def every() -> dict[str, str]:
        return {name: await render(SCREENS[name]) for name in names}

    return asyncio.run(every())


def names_on(page: Path) -> list[str]:
    return [match["name"] for match in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def written(page: Path, screens: dict[str, str]) -> str:
    """The page with each of its screens as rendered."""
    return BLOCK.sub(lambda m: m[1] + screens[m["name"]] + m[4], page.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which pages differ from the app")
    args = parser.parse_args(argv)
    wanted = {name for page in PAGES for name in names_on(page)}
    unknown = sorted(wanted - SCREENS.keys())
    if unknown:
        print(f"screens.py: no screen named {', '.join(unknown)}", file=sys.stderr)
        return 2
    screens = render_all(sorted(wanted))
    drifted = [page for page in PAGES if written(page, screens) != page.read_text(encoding="utf-8")]
    for page in drifted:
        if args.check:
            print(f"{page.relative_to(ROOT)}: its screens differ from the app (python docs/screens.py)")
        else:
            page.write_text(written(page, screens), encoding="utf-8")
            print(f"{page.relative_to(ROOT)}: screens rendered again")
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    sys.exit(main())
