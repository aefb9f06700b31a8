import time

import pytest

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session
from tests.terminal import Terminal, installed_nanoneuron

SEED_START = dict(w0=0.9492, b0=0.4570)


def make_app(run: bool = False, fps: float | None = None, **hyper) -> NanoNeuronApp:
    settings = {**SEED_START, **hyper}
    return NanoNeuronApp(Session(Hyperparameters(**settings)), run=run, fps=fps)


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app work until ``condition()`` holds (the worker is a real thread).

    No settling pause after it: ``pilot.pause()`` waits for the process to go
    idle, which takes its full second while training runs at max pace. Wait
    for exactly what you assert instead."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


@pytest.fixture
def terminal():
    """Start the installed nanoneuron in tmux: terminal(*args, size=..., env=...)."""
    terminals = []

    def start(*args, size=(80, 24), env=None):
        term = Terminal([installed_nanoneuron(), *args], size=size, env=env)
        terminals.append(term)
        return term

    yield start
    for term in terminals:
        term.close()
