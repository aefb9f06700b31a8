"""SVG snapshots at fixed sizes: what a learner sees, pinned down.

Update them deliberately with `pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs before committing.
"""

import pytest

from nanoneuron_tui.session import State
from nanoneuron_tui.widgets.readouts import Readouts
from tests.helpers import make_app, plots_drawn, wait_for

pytestmark = pytest.mark.app

SIZES = [(80, 24), (120, 40)]


def settled(app, state: State):
    """The session reached ``state``, the Neuron pane shows its latest view, and the plots
    show their latest pictures (built in a thread, they may come a moment later)."""

    def shown() -> bool:
        view = app.session.view()
        readouts = app.query_one(Readouts).text
        in_readouts = view.state is state and f"epoch {view.epoch:,} / " in readouts and state.value in readouts
        return in_readouts and plots_drawn(app)

    return shown


async def without_toasts(pilot) -> None:
    """Dismiss notifications: they come and go with time, and cover the panes."""
    pilot.app.clear_notifications()
    await wait_for(pilot, lambda: not pilot.app.screen.query("Toast"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_paused_at_epoch_0(snap_compare, size):
    app = make_app()

    async def run_before(pilot):
        await wait_for(pilot, settled(app, State.PAUSED))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_after_fast_forward(snap_compare, size):
    app = make_app()

    async def run_before(pilot):
        await pilot.press("f")
        await wait_for(pilot, settled(app, State.FINISHED))

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_diverged(snap_compare, size):
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)

    async def run_before(pilot):
        await pilot.press("f")
        await wait_for(pilot, settled(app, State.DIVERGED))
        await without_toasts(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
