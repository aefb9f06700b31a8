"""What several test modules share: the reference run, an app to drive, ways to wait.

Test modules import from here (and from `tests.terminal`), never from each other.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from collections.abc import Callable

from textual.message import Message
from textual.notifications import Notify

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session

# What the original NanoNeuron.js prints under Node.js 20, with w and b fixed
# instead of random.
REFERENCE = {
    "w0": 0.9492,
    "b0": 0.4570,
    "epochs": 70000,
    "alpha": 0.0005,
    "cost_first": 3014.2994580200007,
    "cost_last": 2.439545774223358e-06,
    "w": 1.8000660993166346,
    "b": 31.995615750787184,
    "test_cost": 2.4027107865088773e-06,
    "predict_70": 158.00024270295162,
}

SEED_START = {"w0": REFERENCE["w0"], "b0": REFERENCE["b0"]}


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    """Equal to ``rel`` relative error, with no absolute slack to hide a tiny wrong value."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


def nanoneuron(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the command line as a script would: ``python -m nanoneuron_tui ARGS``."""
    return subprocess.run(
        [sys.executable, "-m", "nanoneuron_tui", *args], capture_output=True, text=True, timeout=timeout
    )


def make_app(run: bool = False, fps: float | None = None, **hyper) -> NanoNeuronApp:
    """The app on the article's seed start (w0, b0 fixed), with any hyperparameter changed."""
    settings = {**SEED_START, **hyper}
    return NanoNeuronApp(Session(Hyperparameters(**settings)), run=run, fps=fps)


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app work until ``condition()`` holds (the worker is a real thread).

    No settling pause after it: ``pilot.pause()`` waits for the process to go
    idle, which takes its full second while training runs at max pace. Wait
    for exactly what you assert instead."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


async def focus(pilot, widget) -> None:
    """Focus ``widget`` and wait until it has the focus (``focus()`` only schedules it).

    Until then a report from the trainer may rewrite a field's value: the form
    leaves alone only the field being edited."""
    widget.focus()
    await wait_for(pilot, lambda: widget.has_focus)


class Notifications:
    """Every notification the app shows, caught as ``run_test(message_hook=...)``."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)

    def any(self, text: str) -> bool:
        """Some notification says ``text``."""
        return any(text in shown for shown in self.messages)


# -- what a terminal shows, replayed from the bytes sent to it -----------------------------------

_SEQUENCE = re.compile(r"\x1b\[([0-9;]*)m|\x1b\[(\d+);(\d+)H|\x1b\[[0-9;]*[A-Za-z]|\x1b\][^\x1b]*\x1b\\|([^\x1b])")
_OFF = {22: {"1", "2"}, 23: {"3"}, 24: {"4", "21"}, 25: {"5", "6"}, 27: {"7"}, 28: {"8"}, 29: {"9"}}
RESET_STATE: tuple = (frozenset(), None, None)  # (attributes, foreground, background)


def sgr(state: tuple, parameters: str) -> tuple:
    """The drawing state after ``\x1b[<parameters>m``."""
    attributes, foreground, background = state
    tokens = parameters.split(";") if parameters else ["0"]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("38", "48"):
            size = 3 if tokens[index + 1] == "5" else 5
            colour = ";".join(tokens[index : index + size])
            foreground, background = (colour, background) if token == "38" else (foreground, colour)
            index += size
            continue
        number = int(token)
        if number == 0:
            attributes, foreground, background = RESET_STATE
        elif number in _OFF:
            attributes = attributes - _OFF[number]
        elif number in (39, 49):  # the default colour
            foreground, background = (None, background) if number == 39 else (foreground, None)
        elif 30 <= number <= 37 or 90 <= number <= 97:
            foreground = token
        elif 40 <= number <= 47 or 100 <= number <= 107:
            background = token
        else:
            attributes = attributes | {token}
        index += 1
    return attributes, foreground, background


def screen_cells(output: str) -> list[tuple[str, tuple]]:
    """Replay escape sequences as a terminal would: each character with the SGR state it is drawn in."""
    state = RESET_STATE
    cells = []
    for match in _SEQUENCE.finditer(output):
        if match.group(1) is not None:
            state = sgr(state, match.group(1))
        elif match.group(4) is not None and match.group(4) != "\n":
            cells.append((match.group(4), state))
    return cells


class ReplayedScreen:
    """A terminal of single-width cells: the bytes sent to it place (character, SGR state) cells."""

    def __init__(self, width: int, height: int) -> None:
        self.cells = [[(" ", RESET_STATE)] * width for _ in range(height)]

    def feed(self, output: str) -> ReplayedScreen:
        state, row, column = RESET_STATE, 0, 0
        for match in _SEQUENCE.finditer(output):
            if match.group(1) is not None:
                state = sgr(state, match.group(1))
            elif match.group(2) is not None:
                row, column = int(match.group(2)) - 1, int(match.group(3)) - 1
            elif match.group(4) is not None and match.group(4) != "\n":
                self.cells[row][column] = (match.group(4), state)
                column += 1
        return self

    def text(self) -> list[str]:
        return ["".join(character for character, _ in line) for line in self.cells]


def plots_drawn(app: NanoNeuronApp) -> bool:
    """Every plot laid out on screen shows the latest picture asked of it (pictures are built in a thread)."""
    from nanoneuron_tui.widgets.plotting import PlotWidget

    plots = [plot for plot in app.query(PlotWidget) if plot.display and plot.content_size.width]
    return all(plot.drawn and plot._deferred is None for plot in plots)


def student_status(name: str = "ann", when: float | None = None, **changes: object):
    """A student's status as their app would write it, ``when`` (default now) for both its times."""
    from nanoneuron_tui.serve.status import StudentStatus

    moment = time.time() if when is None else when
    fields: dict[str, object] = dict(
        name=name,
        connected=True,
        state="paused",
        epoch=100,
        epochs=70000,
        alpha=0.0005,
        w=1.5,
        b=3.0,
        cost=12.5,
        test_cost=13.0,
        diverged_at=None,
        updated=moment,
        progressed=moment,
        costs=(3000.0, 100.0, 12.5),
    )
    fields.update(changes)
    return StudentStatus(**fields)
