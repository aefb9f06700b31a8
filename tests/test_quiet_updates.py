"""Repainting only what changed: the cells a widget sends when its text changes a little."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._compositor import ChopsUpdate
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from nanoneuron_tui import partial_updates
from nanoneuron_tui.core.data import DataSpec, build_data
from nanoneuron_tui.core.lesson import explain_epoch
from nanoneuron_tui.widgets.lesson import AT_SPEED_INTERVAL, EpochExplainedView
from nanoneuron_tui.widgets.plotting import changed_regions
from nanoneuron_tui.widgets.quiet_static import QuietStatic, changed_lines, changed_span
from tests.helpers import screen_cells, wait_for

BOLD, PLAIN = Style(bold=True), Style()


def strip(*runs: tuple[str, Style]) -> Strip:
    return Strip([Segment(text, style) for text, style in runs])


# -- which cells changed ----------------------------------------------------------------------


@pytest.mark.unit
def test_a_changed_number_is_the_only_stretch_of_its_line():
    old = strip(("  w = ", PLAIN), ("1.8003", BOLD), (" (target 1.8)", PLAIN))
    new = strip(("  w = ", PLAIN), ("1.8017", BOLD), (" (target 1.8)", PLAIN))
    assert changed_span(old, new) == (10, 12)  # "03" -> "17"
    assert changed_span(old, old) is None


@pytest.mark.unit
def test_a_style_alone_counts_as_a_change_and_a_shorter_line_clears_its_old_end():
    old = strip(("cost 12.5", PLAIN))
    assert changed_span(old, strip(("cost ", PLAIN), ("12.5", BOLD))) == (5, 9)
    assert changed_span(old, strip(("cost 1", PLAIN))) == (6, 9)
    assert changed_span(strip(("ab", PLAIN)), strip(("abcd", PLAIN))) == (2, 4)


@pytest.mark.unit
def test_a_double_width_character_takes_two_cells():
    old = strip(("温度 10", PLAIN))
    new = strip(("温度 11", PLAIN))
    assert changed_span(old, new) == (6, 7)
    # One wide character for another: both of its cells, never half of one.
    assert changed_span(strip(("a温b", PLAIN)), strip(("a度b", PLAIN))) == (1, 3)


@pytest.mark.unit
def test_changed_lines_gives_one_region_per_changed_line():
    old = [strip(("same", PLAIN)), strip(("epoch 9", PLAIN)), strip(("w 1.5", PLAIN))]
    new = [strip(("same", PLAIN)), strip(("epoch 10", PLAIN)), strip(("w 1.5", PLAIN))]
    assert changed_lines(old, new) == [Region(6, 1, 2, 1)]


@pytest.mark.unit
def test_a_style_run_that_grows_by_a_cell_repaints_that_cell_not_the_run():
    """The timeline: the bold part grows and the marker moves one cell; nothing else changes."""

    def timeline(cursor: int) -> Text:
        text = Text()
        text.append("━" * cursor, style="bold")
        text.append("●", style="bold")
        text.append("─" * (9 - cursor), style="dim")
        return text

    assert changed_regions([timeline(4)], [timeline(5)]) == [Region(4, 0, 2, 1)]
    assert changed_regions([timeline(4)], [timeline(4)]) == []


# -- partial updates cropped at both ends ----------------------------------------------------


def rendered(update: ChopsUpdate) -> str:
    console = Console(color_system="truecolor", force_terminal=True, width=80)
    return update.render_segments(console)


@pytest.mark.unit
def test_a_partial_update_starts_where_the_change_starts():
    line = strip(("hello ", PLAIN), ("world", BOLD), (" and more", PLAIN))
    update = ChopsUpdate([{0: line}], [(0, 8, 11)], [[20]])
    partial_updates.install()
    try:
        ours = rendered(update)
    finally:
        partial_updates.uninstall()
    textuals = rendered(update)
    assert ours.startswith("\x1b[1;9H")  # row 1, column 9 (1-based): the 'r' of world
    assert "rld" in ours and "wo" not in ours and "hello" not in ours and "more" not in ours
    assert "hello" in textuals  # Textual's own: from the widget's left edge
    assert len(ours) < len(textuals)


@pytest.mark.unit
def test_a_line_with_double_width_characters_is_sent_from_its_start():
    line = strip(("温度 11", PLAIN))
    update = ChopsUpdate([{0: line}], [(0, 6, 7)], [[7]])
    partial_updates.install()
    try:
        assert rendered(update).startswith("\x1b[1;1H温度")  # never half a character
    finally:
        partial_updates.uninstall()


# -- the widget ------------------------------------------------------------------------------


class Recorded(QuietStatic):
    """A QuietStatic that notes every repaint it asks for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[tuple[Region, ...], bool]] = []

    def refresh(self, *regions, layout: bool = False, **kwargs):
        self.asked.append((regions, layout))
        return super().refresh(*regions, layout=layout, **kwargs)


class OneText(App[None]):
    def compose(self) -> ComposeResult:
        yield Recorded(Text("epoch 9\nw 1.5\ncost 12.5"), id="text")


async def painted(pilot, widget: Recorded) -> None:
    """Until Textual has drawn the widget's present content (its lines are what we compare with)."""
    first = widget.content.plain.split("\n")[0]
    await wait_for(pilot, lambda: widget._on_screen() is not None and widget._on_screen()[0].text.startswith(first))


@pytest.mark.app
async def test_a_small_change_repaints_only_its_cells():
    app = OneText()
    async with app.run_test(size=(40, 6)) as pilot:
        widget = app.query_one(Recorded)
        await painted(pilot, widget)
        widget.asked.clear()
        widget.update(Text("epoch 10\nw 1.5\ncost 12.5"))
        assert widget.asked == [((Region(6, 0, 2, 1),), False)]
        assert widget.content.plain.startswith("epoch 10")
        await painted(pilot, widget)
        widget.asked.clear()
        widget.update(Text("epoch 10\nw 1.5\ncost 12.5"))  # the same picture
        assert widget.asked == []


@pytest.mark.app
async def test_a_new_line_count_lays_the_widget_out_again():
    app = OneText()
    async with app.run_test(size=(40, 6)) as pilot:
        widget = app.query_one(Recorded)
        await painted(pilot, widget)
        widget.asked.clear()
        widget.update(Text("epoch 9\nw 1.5\ncost 12.5\ndiverged"))
        assert widget.asked == [((), True)]
        await wait_for(pilot, lambda: widget.size.height == 4)


@pytest.mark.app
async def test_paced_updates_show_the_latest_content_when_their_time_is_up():
    app = OneText()
    async with app.run_test(size=(40, 6)) as pilot:
        widget = app.query_one(Recorded)
        await painted(pilot, widget)
        widget.update(Text("epoch 100\nw 1.5\ncost 12.5"), at_most_every=0.3)  # the first is drawn at once
        assert widget.content.plain.startswith("epoch 100")
        widget.update(Text("epoch 200\nw 1.5\ncost 12.5"), at_most_every=0.3)
        widget.update(Text("epoch 300\nw 1.5\ncost 12.5"), at_most_every=0.3)
        assert widget.content.plain.startswith("epoch 100")  # too soon: waiting
        await wait_for(pilot, lambda: widget.content.plain.startswith("epoch 300"))  # the latest, not the one between


@pytest.mark.app
async def test_an_unpaced_update_overtakes_one_that_waits():
    app = OneText()
    async with app.run_test(size=(40, 6)) as pilot:
        widget = app.query_one(Recorded)
        await painted(pilot, widget)
        widget.update(Text("epoch 100\nw 1.5\ncost 12.5"), at_most_every=5)
        widget.update(Text("epoch 200\nw 1.5\ncost 12.5"), at_most_every=5)  # waits up to 5 s
        widget.update(Text("epoch 7\nw 1.5\ncost 12.5"))  # a key: at once
        assert widget.content.plain.startswith("epoch 7")
        await pilot.pause(0.2)
        assert widget.content.plain.startswith("epoch 7")  # the one that waited never comes back
        assert widget._timer is None


# -- the lesson pane while training runs at speed -----------------------------------------------


DATA = build_data(DataSpec())


class LessonOnly(App[None]):
    def compose(self) -> ComposeResult:
        yield EpochExplainedView(id="lesson")


@pytest.mark.app
async def test_at_speed_the_explanation_changes_at_most_once_a_second_but_steps_and_keys_show_at_once():
    assert AT_SPEED_INTERVAL >= 0.5  # what "at speed" saves depends on it
    app = LessonOnly()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(EpochExplainedView)
        first, later, latest = (explain_epoch(DATA, w, 30.0, 0.0005) for w in (1.5, 1.7, 1.79))
        view.show(first, 1000, 70_000, None, urgent=False)
        assert "Epoch 1,000" in view.text
        view.show(later, 2000, 70_000, None, urgent=False)  # a report at speed, too soon after the last
        assert "Epoch 1,000" in view.text
        view.show(latest, 3000, 70_000, first, urgent=False)  # a report of one step: read it now
        assert "Epoch 3,000" in view.text
        view.show(later, 4000, 70_000, None, urgent=False)
        assert "Epoch 3,000" in view.text
        view.show(first, 5000, 70_000, None, urgent=True)  # a key
        assert "Epoch 5,000" in view.text
        view.show(later, 6000, 70_000, None, urgent=False)
        await wait_for(pilot, lambda: "Epoch 6,000" in view.text)  # the latest, once its time is up


# -- styles sent as changes -----------------------------------------------------------------------


STYLED = strip(
    ("plain ", Style(color="color(253)", bgcolor="color(233)")),
    ("bold", Style(bold=True, color="color(253)", bgcolor="color(233)")),
    ("under", Style(bold=True, underline=True, color="color(253)", bgcolor="color(233)")),
    (" back ", Style(bold=True, color="color(253)", bgcolor="color(233)")),
    ("blue", Style(color="color(39)", bgcolor="color(233)")),
    ("none", None),
    ("red", Style(color="red", reverse=True)),
    ("rgb", Style(color="#102030", italic=True)),
    ("link", Style(link="https://example.org", color="color(39)")),
    ("end", Style(dim=True, bold=True)),
    ("x", Style(bold=True)),
    ("y", Style(dim=True)),
    ("z", Style(dim=True, underline2=True)),
    ("w", Style(dim=True, strike=True, blink=True, conceal=True)),
    ("v", Style(dim=True)),
)


@pytest.mark.unit
def test_styles_sent_as_changes_draw_every_cell_as_textual_does():
    console = Console(color_system="256", force_terminal=True, width=80)
    for line in (STYLED, STYLED.crop(3, 20), STYLED.crop(9, 40)):
        ours, textuals = partial_updates.render_strip(line, console), line.render(console)
        assert screen_cells(ours) == screen_cells(textuals)
        assert len(ours) < len(textuals)
        assert ours.endswith("\x1b[0m")  # the terminal is left in the reset state
    assert "\x1b[24m" in partial_updates.render_strip(STYLED, console)  # an underline ends, nothing restated


@pytest.mark.unit
def test_a_partial_update_with_styles_draws_the_same_cells():
    update = ChopsUpdate([{0: STYLED}], [(0, 8, 30)], [[STYLED.cell_length]])
    partial_updates.install()
    try:
        ours = rendered(update)
    finally:
        partial_updates.uninstall()
    expected = screen_cells(rendered(ChopsUpdate([{8: STYLED.crop(8, 30)}], [(0, 8, 30)], [[30]])))
    assert screen_cells(ours) == expected


@pytest.mark.unit
def test_a_transition_switches_off_by_resetting_and_adds_only_what_is_new():
    assert partial_updates.transition("1;38;5;253", "1;4;38;5;253") == "\x1b[4m"
    assert partial_updates.transition("1;38;5;253", "1;38;5;39") == "\x1b[38;5;39m"
    assert partial_updates.transition("1;4;38;5;253", "1;38;5;253") == "\x1b[24m"
    assert partial_updates.transition("1;2;38;5;253", "2;38;5;253") == "\x1b[22;2m"  # 22 ends both
    assert partial_updates.transition("1;21", "1") == "\x1b[24m"  # 24 ends a double underline too
    assert partial_updates.transition("4;21", "21") == "\x1b[24;21m"  # ...and so ends both: 21 again
    assert partial_updates.transition("5;6", "6") == "\x1b[25;6m"  # 25 ends both blinks
    assert partial_updates.transition("38;5;253;48;5;233", "38;5;253") == "\x1b[0;38;5;253m"
    assert partial_updates.transition("1", "1") == ""
    assert partial_updates.transition("1", "") == "\x1b[0m"
    assert partial_updates.transition("", "4") == "\x1b[4m"
