"""A plot keeps its last picture and its titles until the new one is ready; before its first, its name."""

from __future__ import annotations

import threading

import pytest

import nanoneuron_tui.app as app_module
from nanoneuron_tui.session import State
from nanoneuron_tui.widgets import plotting
from nanoneuron_tui.widgets.cost_plot import CostPlot
from nanoneuron_tui.widgets.cost_surface import CostSurfaceView
from nanoneuron_tui.widgets.fit_view import FitView
from nanoneuron_tui.widgets.plotting import PlotWidget
from tests.helpers import make_app, plots_drawn, wait_for

pytestmark = pytest.mark.app

WIDE = (160, 48)  # all three plots on screen (and the lesson's two slices of the cost)
MAIN_PLOTS = (CostPlot, FitView, CostSurfaceView)


def main_plots(app) -> list[PlotWidget]:
    return [app.query_one(kind) for kind in MAIN_PLOTS]


def pictures_on_screen(app) -> bool:
    return all(plot._key is not None for plot in main_plots(app)) and plots_drawn(app)


def looks(plot: PlotWidget) -> tuple[str, str, str]:
    return plot.render().plain, str(plot.border_title), str(plot.border_subtitle)


async def test_a_slow_picture_leaves_the_last_one_and_its_titles_on_screen(monkeypatch):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: pictures_on_screen(app))
        plots = main_plots(app)
        before = {plot: looks(plot) for plot in plots}
        assert all("drawing…" not in picture and title for picture, title, _ in before.values())
        # Every picture from now on takes until the test says so: a very busy machine.
        building, finish = threading.Event(), threading.Event()
        for plot in plots:
            real_build = plot.build

            def slow_build(*args, real_build=real_build):
                building.set()
                finish.wait(timeout=30)
                return real_build(*args)

            monkeypatch.setattr(plot, "build", slow_build)
        try:
            await pilot.press("f")  # to the last epoch: every plot and the cost plot's title change
            await wait_for(pilot, lambda: app.session.state is State.FINISHED and building.is_set())
            await wait_for(pilot, lambda: "finished" in app.query_one("#readouts").text)  # the app goes on
            for plot in plots:
                assert looks(plot) == before[plot], f"{type(plot).__name__} changed before its picture was ready"
                assert not plot.drawn
        finally:
            finish.set()
        await wait_for(pilot, lambda: pictures_on_screen(app))
        for plot in plots:
            assert looks(plot)[0] != before[plot][0], f"{type(plot).__name__} never showed the new picture"
        assert "whole run" in looks(plots[0])[1] and "first epochs" in before[plots[0]][1]


async def test_only_the_latest_of_several_requests_is_built_after_a_slow_one(monkeypatch):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: pictures_on_screen(app))
        plot = app.query_one(CostPlot)
        built: list[object] = []
        building, finish = threading.Event(), threading.Event()
        real_build = plot.build

        def slow_build(width, height, key, inputs=None):
            built.append(key)
            building.set()
            finish.wait(timeout=30)
            return real_build(width, height, key, inputs)

        monkeypatch.setattr(plot, "build", slow_build)
        try:
            await pilot.press("s")
            await wait_for(pilot, building.is_set)
            await pilot.press("s", "s", "s")  # asked for while the first is being built
            await wait_for(pilot, lambda: app.session.view().epoch == 4)
        finally:
            finish.set()
        await wait_for(pilot, lambda: plot.drawn and plot._key[2] == plot.picture_key(plot._inputs))
        assert len(built) == 2  # the first, then only the latest: never a queue of stale pictures


async def test_before_its_first_picture_a_plot_shows_its_name_and_that_one_is_coming(monkeypatch):
    # On a loaded machine importing plotext and numpy took seconds; the plots were empty boxes.
    imported, finish = threading.Event(), threading.Event()

    def slow_import() -> None:
        finish.wait(timeout=30)
        imported.set()

    monkeypatch.setattr(plotting, "_PLOTTING_IMPORTED", imported)
    monkeypatch.setattr(plotting, "import_plotting", slow_import)
    monkeypatch.setattr(app_module, "import_plotting", slow_import)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        try:
            await pilot.press("f")
            await wait_for(pilot, lambda: "finished" in app.query_one("#readouts").text)
            plots = main_plots(app)
            for plot in plots:
                assert str(plot.border_title) == plot.TITLE and plot.TITLE
                assert "drawing…" in plot.render().plain
        finally:
            finish.set()
        await wait_for(pilot, lambda: pictures_on_screen(app))
        for plot in plots:
            assert "drawing…" not in plot.render().plain
        assert "whole run" in str(app.query_one(CostPlot).border_title)
