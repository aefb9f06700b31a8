"""A class shares the CPU: each app draws its share of the class's frames, told by a small file.

Every app draws a frame whenever training moves. Thirty of them drawing four
frames a second each left two cores no time for the keys, so the server
divides a budget of frames between the sessions it runs: each new app starts
at its share (the child's FPS argument), and the server rewrites
STATE_DIR/frame-rate whenever the class grows or shrinks; every app reads
it once a second and follows (app.FRAME_RATE_FILE_ENV).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

# At max pace a frame at 80x24 costs about 8 ms of CPU (a plot every other frame
# included), so 60 frames a second keep a whole class within half a core.
CLASS_FRAMES_PER_SECOND = 60
MOST_FPS = 4.0  # what the app draws over SSH on its own (app.SSH_FPS): a small class sees no change
LEAST_FPS = 1.0  # below one frame a second training stops looking alive
FILE_NAME = "frame-rate"


def frame_rate(class_size: int) -> float:
    """Frames a second for each app of a class of ``class_size``: an equal share of the class's budget."""
    return min(MOST_FPS, max(LEAST_FPS, CLASS_FRAMES_PER_SECOND / max(1, class_size)))


class SharedFrameRate:
    """The class's frame rate, kept in a file its apps read. Writes happen off the event loop,
    one at a time, and a burst of arrivals costs one write, not one each."""

    def __init__(self, path: Path, report: Callable[[str], None]) -> None:
        self.path = path
        self.report = report  # a failed write is said once; the apps keep the rate they have
        self.fps: float | None = None
        self._writing: asyncio.Task[None] | None = None

    def publish(self, class_size: int) -> float:
        """The share of a class of ``class_size``, written for the apps already running; returned for a new one."""
        fps = frame_rate(class_size)
        if fps != self.fps:
            self.fps = fps
            if self._writing is None or self._writing.done():
                self._writing = asyncio.get_running_loop().create_task(self._write())
        return fps

    async def _write(self) -> None:
        written = None
        while written != self.fps:
            written = self.fps
            try:
                await asyncio.to_thread(write_replacing, self.path, f"{written:g}\n")
            except OSError as problem:
                self.report(f"cannot share the frame rate in {self.path}: {problem.strerror or problem}")
                return


def write_replacing(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place: a reader sees all or nothing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
