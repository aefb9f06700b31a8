"""The collector held off during the start, and given back once the app is up; the starter told."""

from __future__ import annotations

import gc
import os

import pytest

from nanoneuron_tui import startup
from tests.helpers import make_app, wait_for


@pytest.fixture
def collector():
    """Leave the collector as the test found it, frozen objects included."""
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


@pytest.mark.unit
def test_held_then_resumed_the_start_is_frozen_out_of_later_passes(collector):
    gc.unfreeze()
    startup.hold_collection()
    assert not gc.isenabled()
    built_at_start = [[n] for n in range(1000)]  # containers the collector would walk
    startup.resume_collection()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built_at_start)


@pytest.mark.unit
def test_resuming_a_collection_never_held_freezes_nothing(collector):
    gc.unfreeze()
    startup.resume_collection()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.app
async def test_the_app_gives_the_collector_back_once_its_plots_can_draw(collector):
    startup.hold_collection()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: gc.isenabled())


@pytest.mark.unit
def test_the_starter_is_told_once_on_the_pipe_it_named(monkeypatch):
    is_up, says_up = os.pipe()
    monkeypatch.setenv(startup.STARTED_FD_ENV, str(says_up))
    startup.tell_the_starter()
    startup.tell_the_starter()  # once only: the variable is gone with the first
    assert startup.STARTED_FD_ENV not in os.environ
    assert os.read(is_up, 16) == b"up"
    assert os.read(is_up, 16) == b""  # and its end closed: nothing else will come
    os.close(is_up)


@pytest.mark.unit
@pytest.mark.parametrize("named", [None, "", "not a number"])
def test_without_a_starter_nothing_is_written(monkeypatch, named):
    if named is None:
        monkeypatch.delenv(startup.STARTED_FD_ENV, raising=False)
    else:
        monkeypatch.setenv(startup.STARTED_FD_ENV, named)
    startup.tell_the_starter()
    assert startup.STARTED_FD_ENV not in os.environ


@pytest.mark.unit
def test_a_starter_that_stopped_listening_is_no_trouble(monkeypatch):
    is_up, says_up = os.pipe()
    os.close(is_up)
    monkeypatch.setenv(startup.STARTED_FD_ENV, str(says_up))
    startup.tell_the_starter()  # EPIPE, not a crash (SIGPIPE is ignored, as Python starts)
    with pytest.raises(OSError):
        os.fstat(says_up)  # closed all the same
