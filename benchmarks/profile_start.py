"""Where the start goes: cProfile of the app from its construction to its first frame (on_ready).

    python benchmarks/profile_start.py [--size 160x48] [--top 25]

Headless (Textual's run_test), so no terminal's time is in it: it says which work
the first frame waits on, ours or Textual's, not how long a person waits (that is
bench_app.py's launch figure). Textual calls on_ready once the first frame is out;
the profile stops there.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nanoneuron_tui.app import NanoNeuronApp  # noqa: E402
from tests.helpers import make_app  # noqa: E402


def profile_start(size: tuple[int, int]) -> tuple[float, cProfile.Profile]:
    """Milliseconds from the app's construction to its first frame, and the profile of them."""
    profile = cProfile.Profile()
    first_frame: list[float] = []
    on_ready = NanoNeuronApp.on_ready

    def stop_at_the_first_frame(app: NanoNeuronApp) -> None:
        first_frame.append(time.perf_counter())
        profile.disable()
        on_ready(app)

    NanoNeuronApp.on_ready = stop_at_the_first_frame  # type: ignore[method-assign]

    async def start() -> float:
        began = time.perf_counter()
        profile.enable()
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
        return began

    began = asyncio.run(start())
    NanoNeuronApp.on_ready = on_ready  # type: ignore[method-assign]
    return (first_frame[0] - began) * 1000, profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="160x48", help="COLSxROWS (default 160x48)")
    parser.add_argument("--top", type=int, default=25, help="how many functions to list")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.split("x"))
    milliseconds, profile = profile_start((columns, rows))
    stats = pstats.Stats(profile, stream=(out := io.StringIO()))
    total = stats.total_tt * 1000  # type: ignore[attr-defined]
    ours = sum(
        cumulative
        for (path, _, name), (_, _, _, cumulative, callers) in stats.stats.items()  # type: ignore[attr-defined]
        if "nanoneuron_tui" in path and not any("nanoneuron_tui" in caller[0] for caller in callers)
    )
    print(f"{args.size}: first frame {milliseconds:.0f} ms after the app was made (profiled: {total:.0f} ms)")
    print(f"our own code, called from Textual: {ours * 1000:.0f} ms; the rest is Textual's")
    stats.sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
