"""SVG snapshots of the lesson: the explained view at 80x24, the main screen with it at 160x48 and 200x60.

Update them deliberately with `pytest tests/test_lesson_snapshots.py --snapshot-update`
and look at the SVGs before committing.
"""

import pytest

from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.help import HelpScreen
from nanoneuron_tui.widgets.lesson import EpochExplainedView, LessonScreen
from tests.helpers import make_app, plots_drawn, wait_for

ARTICLE_START = dict(w0=0.1343642, b0=0.8474337)  # seed 1: the zig-zag 0.13 → 3.64 → 1.39 → 2.83


def settled(app):
    """The session is paused and the screen shows its latest view, plots included."""
    return lambda: (
        app.session.state is State.PAUSED and app._shown_version == app.session.view().version and plots_drawn(app)
    )


@pytest.mark.app
def test_explained_view_after_two_steps(snap_compare):
    app = make_app(**ARTICLE_START)

    async def run_before(pilot):
        await pilot.press("e", "s", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen) and app.session.view().epoch == 2)
        await wait_for(pilot, lambda: "the step just taken, 1 → 2" in app.screen.query_one(EpochExplainedView).text)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.app
def test_explained_view_diverged_at_60x20(snap_compare):
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)

    async def run_before(pilot):
        await pilot.press("e", "f")
        await wait_for(
            pilot, lambda: app.session.state is State.DIVERGED and app._shown_version == app.session.view().version
        )

    assert snap_compare(app, terminal_size=(60, 20), run_before=run_before)


@pytest.mark.app
def test_help_at_80x24(snap_compare):
    app = make_app(**ARTICLE_START)

    async def run_before(pilot):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.app
@pytest.mark.parametrize("size", [(160, 48), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_with_the_lesson_after_four_steps(snap_compare, size):
    app = make_app(**ARTICLE_START)

    async def run_before(pilot):
        await pilot.press("s", "s", "s", "s")
        await wait_for(pilot, lambda: app.session.view().epoch == 4)
        await wait_for(pilot, settled(app))
        await wait_for(pilot, lambda: "the step just taken, 3 → 4" in app.query_one("#lesson-pane-text").text)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
