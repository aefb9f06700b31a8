import asyncio
import time

import pytest

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session

SEED_START = dict(w0=0.9492, b0=0.4570)


def make_app(run: bool = False, **hyper) -> NanoNeuronApp:
    settings = {**SEED_START, **hyper}
    return NanoNeuronApp(Session(Hyperparameters(**settings)), run=run)


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app work until ``condition()`` holds (the worker is a real thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)
    await pilot.pause()


@pytest.fixture
def app_factory():
    return make_app
