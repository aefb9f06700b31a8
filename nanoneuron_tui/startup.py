"""The garbage collector held off while the app starts.

Starting the app builds a few hundred thousand objects (Textual, the styles,
the widgets, plotext) that live as long as the process. The collector would
walk them all several times on the way to the first frame: at 80x24 it took
about 45 ms of a 450 ms start, one pass alone 23 ms. So it waits until the
start is over; then what the start built is moved out of its sight
(``gc.freeze``), and later passes walk only what training makes.
"""

from __future__ import annotations

import contextlib
import gc
import os


def hold_collection() -> None:
    gc.disable()


def resume_collection() -> None:
    """Once the app is up (the first frame shown, the plots ready); a no-op if never held."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


# A server that starts many apps at once (`nanoneuron serve`) starts a few at a time, in
# order of arrival: it passes each the write end of a pipe, named here, and the next app
# starts once this one writes to it (or dies).
STARTED_FD_ENV = "NANONEURON_STARTED_FD"


def tell_the_starter() -> None:
    """The app is up (its first whole screen is out): say so to whoever started it, once."""
    fd = os.environ.pop(STARTED_FD_ENV, "")
    if not fd.isdigit():
        return
    with contextlib.suppress(OSError):  # the starter stopped waiting: nobody to tell
        os.write(int(fd), b"up")
    with contextlib.suppress(OSError):
        os.close(int(fd))
