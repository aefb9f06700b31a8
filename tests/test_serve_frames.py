"""A class shares the CPU: each served app draws its share of the class's frames."""

from __future__ import annotations

import asyncio
import os

import pytest

from nanoneuron_tui import app as app_module
from nanoneuron_tui.app import FRAME_RATE_FILE_ENV
from nanoneuron_tui.serve import child
from nanoneuron_tui.serve import frame_rate as frames
from nanoneuron_tui.serve.frame_rate import CLASS_FRAMES_PER_SECOND, LEAST_FPS, MOST_FPS, SharedFrameRate, frame_rate
from nanoneuron_tui.widgets.cost_plot import CostPlot
from nanoneuron_tui.widgets.cost_surface import CostSurfaceView
from nanoneuron_tui.widgets.fit_view import FitView
from tests.helpers import make_app, wait_for
from tests.serve_support import Student, serving, until


@pytest.mark.unit
@pytest.mark.parametrize(
    ("class_size", "fps"),
    [(0, 4), (1, 4), (15, 4), (16, 3.75), (20, 3), (30, 2), (40, 1.5), (60, 1), (64, 1), (500, 1)],
)
def test_each_app_gets_an_equal_share_of_the_class_frames(class_size, fps):
    assert frame_rate(class_size) == fps


@pytest.mark.unit
def test_the_class_never_draws_more_than_its_budget_once_the_shares_shrink():
    assert MOST_FPS == 4 and LEAST_FPS == 1  # alone, as over SSH; never a frozen screen
    for size in range(1, 200):
        share = frame_rate(size)
        assert LEAST_FPS <= share <= MOST_FPS
        assert share <= frame_rate(size - 1)
        if LEAST_FPS < share < MOST_FPS:
            assert share * size == pytest.approx(CLASS_FRAMES_PER_SECOND)


@pytest.mark.unit
def test_the_child_hands_its_frame_rate_and_the_class_file_to_the_app(tmp_path, monkeypatch):
    arguments = child.app_arguments(tmp_path, resume=True, fps="2")
    assert arguments[-2:] == ["--fps", "2"] and "--resume" in arguments
    assert "--fps" not in child.app_arguments(tmp_path, resume=False)
    started = []
    monkeypatch.setattr(child, "run_app", lambda directory, fps=None: started.append((directory, fps)) or 0)
    monkeypatch.delenv(FRAME_RATE_FILE_ENV, raising=False)  # restored as it was after the test
    assert child.main(["ssh", str(tmp_path), "2"]) == 0
    assert FRAME_RATE_FILE_ENV not in os.environ
    assert child.main(["ssh", str(tmp_path), "1.5", str(tmp_path / "frame-rate")]) == 0
    assert os.environ[FRAME_RATE_FILE_ENV] == str(tmp_path / "frame-rate")
    assert started == [(tmp_path, "2"), (tmp_path, "1.5")]
    for wrong in (["ssh", str(tmp_path), "2", "f", "3"], ["web", str(tmp_path), "2"], ["exec", str(tmp_path)]):
        with pytest.raises(SystemExit, match="usage"):
            child.main(wrong)


@pytest.mark.unit
@pytest.mark.asyncio
async def test_the_class_frame_rate_is_written_once_per_change(tmp_path, monkeypatch):
    writes = []
    real_write = frames.write_replacing
    monkeypatch.setattr(frames, "write_replacing", lambda path, text: writes.append(text) or real_write(path, text))
    shared = SharedFrameRate(tmp_path / "state" / "frame-rate", report=pytest.fail)
    # Thirty arrive in a burst: every share is returned at once, the file ends at the last.
    assert [shared.publish(size) for size in range(1, 31)][-3:] == [60 / 28, 60 / 29, 2]
    await until(lambda: shared._writing.done(), 10, "the writes")
    assert (tmp_path / "state" / "frame-rate").read_text() == "2\n"
    assert len(writes) < 30 and writes[-1] == "2\n"
    shared.publish(30)  # no change, no write
    assert shared._writing.done() and len(writes) == len(set(writes))
    shared.publish(20)
    await until(lambda: (tmp_path / "state" / "frame-rate").read_text() == "3\n", 10, "the new share")


@pytest.mark.unit
@pytest.mark.asyncio
async def test_a_frame_rate_that_cannot_be_written_is_reported(tmp_path):
    (tmp_path / "state").write_text("a file where the directory should be")
    problems = []
    shared = SharedFrameRate(tmp_path / "state" / "frame-rate", report=problems.append)
    assert shared.publish(30) == 2
    await until(lambda: problems, 10, "the report")
    assert "cannot share the frame rate" in problems[0]


@pytest.mark.app
@pytest.mark.asyncio
async def test_a_served_app_follows_the_class_frame_rate(tmp_path, monkeypatch):
    shared = tmp_path / "frame-rate"
    shared.write_text("2\n")
    monkeypatch.setenv(FRAME_RATE_FILE_ENV, str(shared))
    monkeypatch.setattr(app_module, "FRAME_RATE_CHECK", 0.05)
    app = make_app(fps=4)

    def plots_every() -> set[float]:
        return {app.query_one(plot).min_interval for plot in (CostPlot, FitView, CostSurfaceView)}

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fps == 2)
        assert app.frame_interval == 0.5 and plots_every() == {1.0}
        shared.write_text("not a frame rate")
        shared.write_text("100")  # out of bounds: ignored too
        await pilot.pause(0.3)
        assert app.fps == 2
        await pilot.press("e")  # the epoch explained on a screen of its own: the plots are below it
        shared.write_text("4")
        await wait_for(pilot, lambda: app.fps == 4)
        assert app.frame_interval == 0.25 and plots_every() == {0.5}
        shared.unlink()  # a server gone: the app goes on at the rate it has
        await pilot.pause(0.3)
        assert app.fps == 4


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_the_server_gives_each_newcomer_its_share_and_tells_the_class(tmp_path, monkeypatch):
    monkeypatch.setattr(frames, "CLASS_FRAMES_PER_SECOND", 6)  # a small budget: three students show it
    async with serving(tmp_path, probe=True) as served:
        granted = []
        students = []
        for name in ("ada", "bea", "cy", "di"):
            students.append(await Student.arrive(served.port, name))
            started, _ = await students[-1].probe_event("start")
            granted.append(started["argv"][-2])
        shared = served.server.frame_rate.path  # this server's own share of the class
        assert granted == ["4", "3", "2", "1.5"] and started["argv"][-1] == str(shared)
        await until(lambda: shared.exists() and shared.read_text() == "1.5\n", 10, "the class's share")
        for student in students[:2]:
            await student.leave()
        await until(lambda: shared.read_text() == "3\n", 10, "a larger share for the two left")
        await asyncio.gather(*(student.leave() for student in students[2:]))
