"""What several test modules share: the reference run, an app to drive, ways to wait.

Test modules import from here (and from `tests.terminal`), never from each other.
"""

from __future__ import annotations

import math
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
