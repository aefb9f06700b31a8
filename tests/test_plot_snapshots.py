"""SVG snapshots of the plots at fixed sizes: the valley, the bowl, a line off the chart, a ghost run.

Every plot is drawn from its cache key alone, so these do not depend on timing.
Update them deliberately with `pytest tests/test_plot_snapshots.py --snapshot-update`
and look at the SVGs before committing.
"""

import pytest

from nanoneuron_tui.app import NanoNeuronApp
from nanoneuron_tui.core.data import DataSpec, build_data
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session
from nanoneuron_tui.widgets.plotting import PlotWidget
from tests.helpers import wait_for

pytestmark = pytest.mark.app

SEED_START = dict(w0=0.9492, b0=0.4570)
NARROW, WIDE = (80, 24), (160, 48)


def make_app(normalize: bool = False, projector: bool = False, **hyper) -> NanoNeuronApp:
    session = Session(Hyperparameters(**{**SEED_START, **hyper}), build_data(DataSpec(normalize=normalize)))
    return NanoNeuronApp(session, projector=projector)


def settled(app: NanoNeuronApp):
    """The screen shows the session's latest view, every visible plot drawn, no toast over them."""

    def check() -> bool:
        if app._shown_version != app.session.view().version:
            return False
        plots = [plot for plot in app.query(PlotWidget) if plot.display and plot.content_size.width]
        return all(plot.drawn and plot._deferred is None for plot in plots)

    return check


async def steps(pilot, count: int) -> None:
    for _ in range(count):
        await pilot.press("s")


async def quiet(pilot, app) -> None:
    await wait_for(pilot, settled(app))
    app.clear_notifications()
    await pilot.pause()


def test_first_epochs_while_stepping(snap_compare):
    app = make_app()

    async def run_before(pilot):
        await steps(pilot, 7)
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=NARROW, run_before=run_before)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=lambda s: f"{s[0]}x{s[1]}")
def test_surface_shows_the_narrow_valley(snap_compare, size):
    app = make_app()

    async def run_before(pilot):
        await steps(pilot, 12)
        if size == NARROW:
            await pilot.press("c")
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=lambda s: f"{s[0]}x{s[1]}")
def test_surface_with_normalize_shows_the_round_bowl(snap_compare, size):
    app = make_app(normalize=True, alpha=0.1)

    async def run_before(pilot):
        await steps(pilot, 12)
        if size == NARROW:
            await pilot.press("c")
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_fit_view_with_the_line_off_the_chart(snap_compare):
    app = make_app(w0=0.3, b0=0.7, alpha=0.001, pace=None)

    async def run_before(pilot):
        await pilot.press("f")
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_a_ghost_run_beside_a_new_alpha(snap_compare):
    """Pin 40 epochs at alpha 0.0005, then train 40 at 0.0002: two curves, two lines, two paths."""
    app = make_app()

    async def run_before(pilot):
        app.session.step(40)
        await pilot.press("m")
        app.session.update(alpha=0.0002)
        app.session.reset()
        app.session.step(40)
        app.render_view()
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_projector_digits(snap_compare):
    app = make_app(projector=True)

    async def run_before(pilot):
        await steps(pilot, 3)
        await quiet(pilot, app)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
