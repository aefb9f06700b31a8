"""Pace "max" trains in one jump a frame: no report computed that no frame shows, and still exact."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoneuron_tui.app import Trained
from nanoneuron_tui.pacing import MAX_PACE_REPORTS, ReportClock
from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.help import GuidePane
from tests.helpers import REFERENCE, close, make_app, wait_for

SIZE = (80, 24)


@pytest.mark.unit
def test_a_report_is_due_at_once_then_at_the_pace():
    clock = ReportClock(pace=4, last=100.0)
    assert clock.take(100.0) == 1  # training shows itself as it starts
    assert clock.take(100.2) == 0  # 0.8 of a report: not yet
    assert clock.take(100.25) == 1
    assert clock.take(101.25) == 4
    assert clock.take(101.0) == 0  # a clock that steps back owes nothing more


@pytest.mark.unit
@given(st.lists(st.floats(0, 2), min_size=1, max_size=40), st.floats(0.5, 20_000))
def test_irregular_frames_lose_no_report_and_invent_none(gaps, pace):
    clock = ReportClock(pace=pace, last=0.0)
    now = taken = 0.0
    for gap in gaps:
        now += gap
        taken += clock.take(now)
    # However the frames fell, the reports taken are the ones due by the last (one at the start).
    exact = 1 + pace * now
    assert math.floor(exact) - 1 <= taken <= math.floor(exact)  # rounding may hold one back, never more


def count_training(app) -> dict[str, int]:
    """Wrap the session's training calls and the app's reports to the screen with counters."""
    counts = {"trained": 0, "shown": 0}
    session = app.session
    for name in ("train_to", "train_towards_report"):
        original = getattr(session, name)

        def counted(*args, _original=original, **kwargs):
            counts["trained"] += 1
            return _original(*args, **kwargs)

        setattr(session, name, counted)
    post = app.post_message

    def counted_post(message):
        if isinstance(message, Trained):
            counts["shown"] += 1
        return post(message)

    app.post_message = counted_post
    return counts


@pytest.mark.app
async def test_max_pace_computes_no_more_reports_than_frames():
    app = make_app(pace=None, epochs=1_000_000_000, every=1000, fps=4)
    counts = count_training(app)
    async with app.run_test(size=SIZE) as pilot:
        started = time.monotonic()
        await pilot.press("space")
        await wait_for(pilot, lambda: counts["shown"] >= 6)
        await pilot.press("space")
        elapsed = time.monotonic() - started
        trained, shown = counts["trained"], counts["shown"]
        epoch = app.session.view().epoch
    # Each training call is one jump, and each jump is shown: nothing computed in between.
    assert trained == shown
    # At most one frame per frame interval (a loaded machine only makes fewer)...
    assert shown <= elapsed * app.fps + 2
    # ...and yet the run goes at max pace: thousands of reports a frame, landing on reports.
    assert epoch % 1000 == 0
    assert epoch >= (shown - 1) * 1000 * MAX_PACE_REPORTS / 2 / app.fps


@pytest.mark.app
async def test_max_pace_ends_on_the_article_numbers():
    app = make_app(pace=None, fps=4)  # the article's 70,000 epochs
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.state is State.FINISHED)
        view = app.session.view()
    assert view.epoch == REFERENCE["epochs"]
    assert close(view.w, REFERENCE["w"]) and close(view.b, REFERENCE["b"])
    assert close(view.predict(70), REFERENCE["predict_70"]) and close(view.test_cost, REFERENCE["test_cost"], rel=1e-6)


@pytest.mark.app
async def test_a_small_terminal_does_not_compose_the_hidden_guide_every_frame():
    app = make_app(pace=None, epochs=1_000_000_000, fps=8)
    shown = []
    async with app.run_test(size=SIZE) as pilot:
        guide = app.query_one(GuidePane)
        real_show = guide.show
        guide.show = lambda view: (shown.append(view.epoch), real_show(view))
        counts = count_training(app)
        await pilot.press("space")
        await wait_for(pilot, lambda: counts["shown"] >= 4)
        assert not guide.display and shown == []
        # On a tall terminal the guide is on screen, and follows training again.
        await pilot.resize_terminal(80, 40)
        await wait_for(pilot, lambda: guide.display and len(shown) >= 3)
        await pilot.press("space")


@pytest.mark.app
@pytest.mark.parametrize(("fps", "plots_every"), [(8, 0.5), (4, 0.5), (2, 1.0), (1, 2.0)])
def test_plots_redraw_twice_a_second_or_every_other_frame(fps, plots_every):
    assert make_app(fps=fps).plot_interval == plots_every
