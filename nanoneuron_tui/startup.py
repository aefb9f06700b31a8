"""The garbage collector held off while the app starts.

Starting the app builds a few hundred thousand objects (Textual, the styles,
the widgets, plotext) that live as long as the process. The collector would
walk them all several times on the way to the first frame: at 80x24 it took
about 45 ms of a 450 ms start, one pass alone 23 ms. So it waits until the
start is over; then what the start built is moved out of its sight
(``gc.freeze``), and later passes walk only what training makes.
"""

from __future__ import annotations

import gc


def hold_collection() -> None:
    gc.disable()


def resume_collection() -> None:
    """Once the app is up (the first frame shown, the plots ready); a no-op if never held."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
