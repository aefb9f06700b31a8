"""The key bar: the screen's keys in its first frame, whole keys only, a click presses one."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from nanoneuron_tui.bindings import MAIN_SCREEN
from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.key_bar import KeyBar
from tests.helpers import make_app, wait_for

pytestmark = pytest.mark.app

EVERY_KEY_AT_80 = "␣ Run s Step n +N f End r Reset p Ask b Back g Go to e Explain ? Help ^p …"


def bar_text(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def test_the_keys_are_in_the_first_frame():
    # Textual's Footer filled in only after the first frame, with a second layout of the screen.
    app = make_app()
    painted = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.call_after_refresh(lambda: painted.append(bar_text(app)))
        await wait_for(pilot, lambda: painted)
    assert painted[0] == EVERY_KEY_AT_80


async def test_each_action_is_shown_once_by_its_first_key_in_the_order_bound():
    app = make_app()
    async with app.run_test(size=(200, 24)):
        shown, left_out = app.screen.query_one(KeyBar).keys()
    expected = [binding for binding in MAIN_SCREEN if binding.show]
    assert [key.binding.action for key in shown] == [binding.action for binding in expected]
    assert [key.binding.key for key in shown] == [binding.key.split(",")[0] for binding in expected]
    assert not left_out


@pytest.mark.parametrize(
    "columns, text",
    [
        (60, "␣ Run s Step n +N f End r Reset p Ask b Back g Go to …"),
        (63, "␣ Run s Step n +N f End r Reset p Ask b Back g Go to …"),  # "e Explain …" needs 64
        (64, "␣ Run s Step n +N f End r Reset p Ask b Back g Go to e Explain …"),
        (73, "␣ Run s Step n +N f End r Reset p Ask b Back g Go to e Explain ? Help …"),
        (74, EVERY_KEY_AT_80),  # the last key needs no room for a "…"
    ],
)
async def test_a_narrow_bar_shows_whole_keys_and_says_there_are_more(columns, text):
    app = make_app()
    async with app.run_test(size=(columns, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(KeyBar).size.width == columns)
        assert bar_text(app) == text
        assert len(text) <= columns


async def test_clicking_a_key_presses_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        [step] = [key for key in app.screen.query_one(KeyBar).keys()[0] if key.binding.action == "step"]
        await pilot.click(KeyBar, offset=(step.end - 1, 0))
        await wait_for(pilot, lambda: app.session.view().epoch == 1)
        await pilot.click(KeyBar, offset=(step.start - 1, 0))  # the gap before it presses nothing
        await pilot.click(KeyBar, offset=(step.end, 0))  # nor does the one after it
        await pilot.pause()
        assert app.session.view().epoch == 1 and app.session.state is State.PAUSED


class Switches(App[None]):
    BINDINGS = [Binding("a", "on", "On"), Binding("b", "off", "Off")]

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "off" else True  # None: shown, but it cannot be used now


async def test_a_key_that_cannot_be_used_now_is_dimmed():
    app = Switches()
    async with app.run_test(size=(40, 5)):
        bar = app.query_one(KeyBar).render()
    dimmed = {bar.plain[span.start : span.end] for span in bar.spans if span.style.dim}
    assert "b" in dimmed and " Off" in dimmed
    assert not {"a", " On"} & dimmed


class Extra(Widget, can_focus=True):
    BINDINGS = [Binding("x", "app.on", "Extra")]

    def render(self) -> str:
        return ""  # only the bar may say "Extra"


class WithAField(Switches):
    AUTO_FOCUS = None

    def compose(self) -> ComposeResult:
        yield Extra()
        yield KeyBar()


async def test_the_bar_is_redrawn_when_the_focus_brings_other_keys():
    app = WithAField()
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "Off" in app.export_screenshot())
        assert "Extra" not in app.export_screenshot()
        app.query_one(Extra).focus()
        await wait_for(pilot, lambda: "Extra" in app.export_screenshot())


async def test_the_lesson_screen_has_a_bar_of_its_own():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen is not app.screen_stack[0])
        assert app.screen.query_one(KeyBar) is not app.screen_stack[0].query_one(KeyBar)
        assert bar_text(app).startswith("v Every value / Slopes ␣ Run s Step")  # the lesson screen's own key first
