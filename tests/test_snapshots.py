"""SVG snapshots at fixed sizes: what a learner sees, pinned down.

Update them deliberately with `pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs before committing.
"""

import pytest

from nanoneuron_tui.session import State
from tests.conftest import make_app, wait_for

SIZES = [(80, 24), (120, 40)]


def settled(app, state: State):
    """The session reached ``state`` and the screen shows its latest view."""
    return lambda: app.session.state is state and app._shown_version == app.session.view().version


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

    assert snap_compare(app, terminal_size=size, run_before=run_before)
