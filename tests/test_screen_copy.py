"""Full repaints that send only the lines the terminal does not show already.

Each test replays what was sent on a terminal of its own (``ReplayedScreen``)
and compares it with Textual's own full repaint of the same frame: the
screen must be the same cell for cell, whatever was left out.
"""

from __future__ import annotations

import re
import time

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from nanoneuron_tui import partial_updates
from tests.helpers import ReplayedScreen, make_app, wait_for
from tests.terminal import Terminal, epoch_on, installed_nanoneuron, wait_until

WIDTH, HEIGHT = 12, 3
BOLD, PLAIN, BLUE = Style(bold=True), Style(), Style(color="color(39)")


def line(*runs: tuple[str, Style]) -> Strip:
    text = Strip([Segment(text, style) for text, style in runs])
    return Strip.join([text, Strip([Segment(" " * (WIDTH - text.cell_length), PLAIN)])])


def frame(*lines: Strip, width: int = WIDTH) -> LayoutUpdate:
    return LayoutUpdate([[strip] for strip in lines], Region(0, 0, width, len(lines)))


A = frame(line(("epoch 9", BOLD)), line(("w 1.5", PLAIN)), line(("cost 12", BLUE)))
B = frame(line(("epoch 9", BOLD)), line(("w 1.6", PLAIN)), line(("cost 12", BLUE)))


@pytest.fixture
def console():
    partial_updates.install()
    yield Console(color_system="256", force_terminal=True, width=WIDTH)
    partial_updates.uninstall()


def textuals(update: LayoutUpdate, console: Console) -> list[list]:
    """The screen after Textual's own full repaint of ``update``."""
    partial_updates.uninstall()
    try:
        return ReplayedScreen(WIDTH, HEIGHT).feed(update.render_segments(console)).cells
    finally:
        partial_updates.install()


def rows_sent(output: str) -> list[int]:
    return [int(row) - 1 for row in re.findall(r"\x1b\[(\d+);1H", output)]


@pytest.mark.unit
def test_the_first_frame_is_sent_whole_and_an_identical_one_sends_nothing(console):
    terminal = ReplayedScreen(WIDTH, HEIGHT)
    first = A.render_segments(console)
    assert rows_sent(first) == [0, 1, 2]
    assert terminal.feed(first).cells == textuals(A, console)
    assert A.render_segments(console) == ""


@pytest.mark.unit
def test_a_full_repaint_sends_only_the_lines_that_changed(console):
    terminal = ReplayedScreen(WIDTH, HEIGHT).feed(A.render_segments(console))
    second = B.render_segments(console)
    assert rows_sent(second) == [1]
    assert terminal.feed(second).cells == textuals(B, console)


@pytest.mark.unit
def test_what_a_partial_update_drew_counts_as_shown(console):
    terminal = ReplayedScreen(WIDTH, HEIGHT).feed(A.render_segments(console))
    # "w 1.5" becomes "w 1.6" by a partial update of one cell...
    terminal.feed(ChopsUpdate([{}, {0: B.strips[1][0]}, {}], [(1, 4, 5)], [[], [WIDTH], []]).render_segments(console))
    # ...so a full repaint of B has nothing to send, and one of A sends that line back.
    assert B.render_segments(console) == ""
    back = A.render_segments(console)
    assert rows_sent(back) == [1]
    assert terminal.feed(back).cells == textuals(A, console)


@pytest.mark.unit
def test_a_partial_update_that_repaints_what_is_shown_sends_nothing(console):
    A.render_segments(console)
    same = ChopsUpdate(
        [{0: A.strips[0][0]}, {0: A.strips[1][0]}, {}], [(0, 0, WIDTH), (1, 0, WIDTH)], [[WIDTH], [WIDTH], []]
    )
    assert same.render_segments(console) == ""
    changed = ChopsUpdate([{}, {0: B.strips[1][0]}, {}], [(1, 0, WIDTH)], [[], [WIDTH], []])
    terminal = ReplayedScreen(WIDTH, HEIGHT).feed(A.render_segments(Console(color_system="256", force_terminal=True)))
    assert terminal.feed(changed.render_segments(console)).cells == textuals(B, console)


@pytest.mark.unit
def test_a_new_size_or_forgetting_sends_everything_again(console):
    A.render_segments(console)
    wider = frame(*(Strip.join([strip, Strip([Segment("  ", PLAIN)])]) for [strip] in A.strips), width=WIDTH + 2)
    assert rows_sent(wider.render_segments(console)) == [0, 1, 2]
    assert wider.render_segments(console) == ""
    partial_updates.forget(console)
    assert rows_sent(wider.render_segments(console)) == [0, 1, 2]


@pytest.mark.unit
def test_a_line_with_double_width_characters_drawn_in_part_is_sent_again(console):
    wide = frame(line(("温度 11", PLAIN)), line(("w 1.5", PLAIN)), line(("cost 12", BLUE)))
    wide.render_segments(console)
    ChopsUpdate([{0: wide.strips[0][0]}, {}, {}], [(0, 5, 7)], [[WIDTH], [], []]).render_segments(console)
    assert rows_sent(wide.render_segments(console)) == [0]  # not known cell for cell: sent


@pytest.mark.unit
def test_a_shorter_screen_sends_its_lines_again(console):
    A.render_segments(console)
    shorter = frame(*(strip for [strip] in A.strips[:2]))
    assert rows_sent(shorter.render_segments(console)) == [0, 1]


@pytest.mark.unit
def test_after_forgetting_a_partial_update_is_sent_even_if_it_repaints_what_was_there(console):
    A.render_segments(console)
    partial_updates.forget(console)
    same = ChopsUpdate([{0: A.strips[0][0]}, {}, {}], [(0, 0, WIDTH)], [[WIDTH], [], []])
    assert same.render_segments(console) != ""


@pytest.mark.unit
def test_a_change_of_style_alone_is_sent(console):
    terminal = ReplayedScreen(WIDTH, HEIGHT).feed(A.render_segments(console))
    bolder = frame(line(("epoch 9", BOLD)), line(("w 1.5", BOLD)), line(("cost 12", BLUE)))
    sent = bolder.render_segments(console)
    assert rows_sent(sent) == [1]
    assert terminal.feed(sent).cells == textuals(bolder, console)
    plain_again = ChopsUpdate([{}, {0: A.strips[1][0]}, {}], [(1, 0, 5)], [[], [WIDTH], []])
    assert terminal.feed(plain_again.render_segments(console)).cells == textuals(A, console)


@pytest.mark.unit
def test_a_wide_character_beside_a_zero_width_one_is_never_cut_in_half(console):
    # "e" and a combining accent are one cell, 温 two: as many cells as characters.
    before = frame(line(("ae\u0301温b", PLAIN)), line(("w 1.5", PLAIN)), line(("cost 12", BLUE)))
    after = frame(line(("ae\u0301温c", PLAIN)), line(("w 1.5", PLAIN)), line(("cost 12", BLUE)))
    before.render_segments(console)
    # A change from the right half of 温 to the "c": sent from the start of the line.
    sent = ChopsUpdate([{0: after.strips[0][0]}, {}, {}], [(0, 3, 5)], [[WIDTH], [], []]).render_segments(console)
    assert sent.startswith("\x1b[1;1H") and "温" in sent


@pytest.mark.app
async def test_the_terminal_getting_the_focus_back_or_ctrl_l_forgets_what_it_showed():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        copy = partial_updates.screen_copy(app.console)
        copy.size, copy.lines = (80, 24), [None] * 24
        app.post_message(events.AppFocus())
        await wait_for(pilot, lambda: copy.size is None)
        copy.size = (80, 24)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: copy.size is None)


@pytest.mark.unit
def test_each_console_has_a_copy_of_its_own(console):
    A.render_segments(console)
    other = Console(color_system="256", force_terminal=True, width=WIDTH)
    assert rows_sent(A.render_segments(other)) == [0, 1, 2]  # another app, another terminal


def settled(term: Terminal) -> str:
    """The screen, styles included, once three looks in a row agree (nothing moves while paused)."""
    looks = [term.screen(styled=True)]
    deadline = time.monotonic() + 10
    while len(looks) < 3 or len(set(looks[-3:])) > 1:
        assert time.monotonic() < deadline, "the screen never settled"
        time.sleep(0.1)
        looks.append(term.screen(styled=True))
    return looks[-1]


@pytest.mark.e2e
def test_after_dialogs_screens_and_a_resize_the_terminal_shows_what_a_full_redraw_shows(tmp_path):
    """Whatever the repaints left out, ctrl+l (every line sent again) changes nothing on screen."""
    sent = tmp_path / "sent.bin"
    term = Terminal([installed_nanoneuron(), "--w0", "0.9492", "--b0", "0.457"], size=(100, 30))
    try:
        term.record(sent)
        term.wait_until(lambda screen: "paused" in screen and screen.count("└┬") >= 2, "no plots", timeout=30)
        term.keys("s")
        term.wait_until(lambda screen: epoch_on(screen) == 1, "the step never showed")
        # Each dialog or screen opened, then closed, once it is seen.
        for key, shows, leave in (
            ("g", "Go to epoch", "Escape"),
            ("?", "F1 or Esc closes", "Escape"),
            ("e", "dW = ", "e"),
        ):
            term.keys(key)
            term.wait_for(shows)
            term.keys(leave)
            term.wait_until(lambda screen: shows not in screen, f"{shows!r} never went")
        term.keys("n")
        term.wait_until(lambda screen: epoch_on(screen) == 1000, "the report step never showed")
        term.resize(90, 28)
        term.keys("d")
        term.wait_for("what NanoNeuron learns from")
        term.keys("Escape")
        term.wait_until(lambda screen: "learns from" not in screen and "paused" in screen, "the dialog stayed")
        before = settled(term)
        sent_before = len(sent.read_bytes())
        term.keys("C-l")
        # Every line of the 28 sent again, the last one included (tmux records what it has drawn).
        wait_until(lambda: b"\x1b[28;1H" in sent.read_bytes()[sent_before:], "ctrl+l sent no full redraw")
        assert settled(term) == before
    finally:
        term.close()
