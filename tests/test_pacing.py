"""The default run's pacing: the first epochs one by one, the whole run in about 15 s."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoneuron_tui.pacing import SLOW_EPOCHS, SLOW_SECONDS, Curve, Playback, playback_seconds

pytestmark = pytest.mark.unit

DEFAULT = Curve(70_000)
DEFAULT_REPORT_RATE = 1000 * 20  # report every 1,000 epochs, 20 reports a second


def test_the_first_epochs_come_one_at_a_time_slowly_enough_to_read():
    shown = [DEFAULT.epoch_at(i * SLOW_SECONDS) for i in range(SLOW_EPOCHS + 1)]
    assert shown == list(range(SLOW_EPOCHS + 1))
    assert DEFAULT.epoch_at(SLOW_SECONDS * 0.99) == 0
    assert SLOW_SECONDS >= 0.5


def test_then_the_run_accelerates_geometrically():
    start = SLOW_EPOCHS * SLOW_SECONDS
    rates = [DEFAULT.rate_at(start + second) for second in range(6)]
    factors = [later / earlier for earlier, later in zip(rates, rates[1:])]
    assert all(math.isclose(f, math.exp(DEFAULT.growth)) for f in factors)
    assert factors[0] > 2
    # No jump where the slow start ends: the rate carries on from one epoch per SLOW_SECONDS.
    assert math.isclose(DEFAULT.rate_at(start + 1e-9), 1 / SLOW_SECONDS, rel_tol=1e-6)


def test_the_default_run_plays_in_about_15_seconds():
    assert 14 <= playback_seconds(DEFAULT, DEFAULT_REPORT_RATE) <= 16
    handover = DEFAULT.handover_epoch(DEFAULT_REPORT_RATE)
    # Where reports take over, the curve goes as fast as they do.
    assert math.isclose(DEFAULT.rate_at(DEFAULT.time_of(handover)), DEFAULT_REPORT_RATE, rel_tol=1e-3)
    assert DEFAULT.epoch_at(DEFAULT.seconds) == 70_000


def test_pace_max_and_slow_reports_skip_the_curve():
    assert DEFAULT.handover_epoch(None) == 0
    assert DEFAULT.handover_epoch(1.0) == 0  # one epoch a second is already slower than the curve


def test_a_short_run_plays_one_epoch_at_a_time_throughout():
    short = Curve(10)
    assert short.growth == 0
    assert [short.epoch_at(i * SLOW_SECONDS) for i in range(12)] == [*range(11), 10]
    assert short.handover_epoch(1000.0) == 10


@given(total=st.integers(1, 10**9), t=st.floats(0, 60), dt=st.floats(0, 5))
def test_the_curve_never_goes_back_and_never_passes_the_end(total, t, dt):
    curve = Curve(total)
    assert 0 <= curve.epoch_at(t) <= curve.epoch_at(t + dt) <= total


@given(total=st.integers(20, 10**9), epoch=st.integers(0, 10**9))
def test_time_of_is_the_inverse_of_epoch_at(total, epoch):
    curve = Curve(total)
    epoch = min(epoch, total)
    assert curve.epoch_at(curve.time_of(epoch)) == epoch


def test_a_playback_picks_the_curve_up_where_the_run_stands():
    playback = Playback.begin(100.0, 0, 70_000, DEFAULT_REPORT_RATE)
    assert playback.target(100.0, 0) == 0
    assert playback.target(100.0 + SLOW_SECONDS, 0) == 1
    # Fallen behind in the slow start (a busy machine): still one epoch at a time.
    assert playback.target(100.0 + 3.5 * SLOW_SECONDS, 1) == 2
    assert playback.target(100.0 + 9 * SLOW_SECONDS, SLOW_EPOCHS) > SLOW_EPOCHS + 1
    assert math.isclose(playback.wait(100.0, 0), SLOW_SECONDS)
    # Resumed at epoch 4 (after a pause): epoch 5 is one slow beat away.
    resumed = Playback.begin(500.0, 4, 70_000, DEFAULT_REPORT_RATE)
    assert resumed.target(500.0, 4) == 4
    assert math.isclose(resumed.wait(500.0, 4), SLOW_SECONDS)
    # It never goes past the handover: from there the reports pace the run.
    assert resumed.target(10_000.0, 100) == resumed.handover == DEFAULT.handover_epoch(DEFAULT_REPORT_RATE)


def test_no_playback_past_the_handover_or_at_pace_max():
    assert Playback.begin(0.0, 20_000, 70_000, DEFAULT_REPORT_RATE) is None
    assert Playback.begin(0.0, 0, 70_000, None) is None


async def test_the_default_run_shows_its_first_epochs_one_by_one_then_hands_over_to_reports():
    from nanoneuron_tui.session import State
    from tests.helpers import make_app, wait_for

    app = make_app()  # the default pace: 20 reports a second of 1,000 epochs
    shown: list[int] = []
    render = app.render_view

    def recording(view=None, urgent=True):
        render(view, urgent)
        shown.append(app.session.view().epoch if view is None else view.epoch)

    app.render_view = recording
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: 4 in shown)
        first = sorted(set(shown))
        assert first[:5] == [0, 1, 2, 3, 4]  # every one of the first epochs was on screen
        await pilot.press("space")  # pause mid-curve
        paused_at = app.session.view().epoch
        await pilot.pause(0.3)
        assert app.session.view().epoch == paused_at
        await pilot.press("space")  # resumes along the curve, to the end
        await wait_for(pilot, lambda: app.session.state is State.FINISHED, timeout=120)
        assert app.session.view().epoch == 70_000
        # Past the handover the reports pace the run again: report epochs, multiples of 1,000.
        late = [epoch for epoch in shown if epoch > DEFAULT.handover_epoch(DEFAULT_REPORT_RATE) + 1000]
        assert late and all(epoch % 1000 == 0 for epoch in late)
