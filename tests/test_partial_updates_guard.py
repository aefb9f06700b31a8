"""The Textual patch stays safe: on any Textual but the one it was written for, Textual's own updates."""

from __future__ import annotations

import logging

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import Strip

from nanoneuron_tui import partial_updates

pytestmark = pytest.mark.unit

LOGGER = "nanoneuron_tui.partial_updates"


@pytest.fixture
def textuals_own(monkeypatch):
    """Textual's own methods in place at the start, a process that has said nothing yet, and
    nothing left replaced at the end."""
    partial_updates.uninstall()
    monkeypatch.setattr(partial_updates, "_said_why_not", False)
    monkeypatch.delenv(partial_updates.SWITCH, raising=False)
    yield ChopsUpdate.render_segments, LayoutUpdate.render_segments
    partial_updates.uninstall()


def replaced() -> tuple[bool, bool]:
    return (
        ChopsUpdate.render_segments is partial_updates.render_chops,
        LayoutUpdate.render_segments is partial_updates.render_layout,
    )


def warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_the_pinned_textual_is_the_one_the_patch_was_written_for():
    # If the pin in pyproject.toml moves, the patch switches itself off: this says so in the suite.
    assert partial_updates.TEXTUAL_VERSION == partial_updates.PATCHED_TEXTUAL == "8.2.8"


def test_on_the_patched_textual_both_methods_are_replaced_and_nothing_is_logged(textuals_own, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert partial_updates.install() is True
    assert replaced() == (True, True)
    assert warnings(caplog) == []
    partial_updates.uninstall()
    assert (ChopsUpdate.render_segments, LayoutUpdate.render_segments) == textuals_own


@pytest.mark.parametrize("other", ["8.2.9", "8.3.0", "9.0.0", "8.2.8rc1"])
def test_on_another_textual_its_own_updates_stay_and_the_log_says_so_once(textuals_own, monkeypatch, caplog, other):
    monkeypatch.setattr(partial_updates, "TEXTUAL_VERSION", other)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert partial_updates.install() is False
        assert partial_updates.install() is False  # a second app in the same process: said already
    assert replaced() == (False, False)
    assert (ChopsUpdate.render_segments, LayoutUpdate.render_segments) == textuals_own
    [said] = warnings(caplog)
    assert other in said and "8.2.8" in said


def test_textuals_own_output_is_sent_when_switched_off(textuals_own, monkeypatch):
    # What reaches the terminal is Textual's, byte for byte: a partial update from the widget's left edge.
    line = Strip([Segment("hello ", Style()), Segment("world", Style(bold=True))])
    update = ChopsUpdate([{0: line}], [(0, 8, 11)], [[11]])
    console = Console(color_system="256", force_terminal=True, width=20)
    expected = update.render_segments(console)
    assert "hello" in expected
    monkeypatch.setattr(partial_updates, "TEXTUAL_VERSION", "9.0.0")
    partial_updates.install()
    assert update.render_segments(console) == expected


def test_the_environment_can_switch_the_patch_off(textuals_own, monkeypatch, caplog):
    monkeypatch.setenv(partial_updates.SWITCH, "off")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert partial_updates.install() is False
    assert replaced() == (False, False)
    [said] = warnings(caplog)
    assert partial_updates.SWITCH in said
    monkeypatch.setenv(partial_updates.SWITCH, "on")
    assert partial_updates.install() is True
