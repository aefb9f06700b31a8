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
    argv: tuple[str, ...]
    keys: tuple[str, ...]
    size: tuple[int, int] = (80, 24)


# The article's start (w0, b0 fixed, so the screens do not change from run to run).
SEED = ("--w0", "0.9492", "--b0", "0.457")
SCREENS: dict[str, Screen] = {
    "main": Screen(SEED, ("g", *"44000", "enter", "z")),
    "surface": Screen(SEED, (*"n" * 20, "c")),
    "surface-normalized": Screen((*SEED, "--normalize", "--alpha", "0.1"), (*"s" * 12, "c")),
}


async def render(screen: Screen) -> str:
    """The screen's text, line by line, as the terminal would show it (trailing blanks dropped)."""
    from nanoneuron_tui.app import NanoNeuronApp
    from nanoneuron_tui.cli import build_parser, build_session

    args = build_parser().parse_args(list(screen.argv))
    app = NanoNeuronApp(build_session(args), run=args.run, lesson=args.lesson, projector=args.projector)
    async with app.run_test(size=screen.size) as pilot:
        for key in screen.keys:
            await pilot.press(key)
        await settle(pilot, app)
        strips = app.screen._compositor.render_strips()
        return "".join(strip.text.rstrip() + "\n" for strip in strips)


async def settle(pilot, app, timeout: float = 60.0) -> None:
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
