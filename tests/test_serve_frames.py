"""A class shares the CPU: each served app draws its share of the class's frames."""

from __future__ import annotations

import pytest

from nanoneuron_tui.serve import child, classroom
from nanoneuron_tui.serve.classroom import CLASS_FRAMES_PER_SECOND, LEAST_FPS, MOST_FPS, frame_rate
from tests.serve_support import Student, serving


@pytest.mark.unit
@pytest.mark.parametrize(("class_size", "fps"), [(0, 4), (1, 4), (15, 4), (16, 3.75), (20, 3), (30, 2),
                                                 (40, 1.5), (60, 1), (64, 1), (500, 1)])
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
def test_the_child_hands_its_frame_rate_to_the_app(tmp_path):
    arguments = child.app_arguments(tmp_path, resume=True, fps="2")
    assert arguments[-2:] == ["--fps", "2"] and "--resume" in arguments
    assert "--fps" not in child.app_arguments(tmp_path, resume=False)
    for wrong in (["ssh", str(tmp_path), "2", "3"], ["web", str(tmp_path), "2"], ["exec", str(tmp_path)]):
        with pytest.raises(SystemExit, match="usage"):
            child.main(wrong)


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_the_server_gives_each_newcomer_its_share_of_the_class(tmp_path, monkeypatch):
    monkeypatch.setattr(classroom, "CLASS_FRAMES_PER_SECOND", 6)  # a small budget: three students show it
    async with serving(tmp_path, probe=True) as served:
        granted = []
        students = []
        for name in ("ada", "bea", "cy", "di"):
            students.append(await Student.arrive(served.port, name))
            started, _ = await students[-1].probe_event("start")
            granted.append(started["argv"][-1])
        assert granted == ["4", "3", "2", "1.5"]
        for student in students:
            await student.leave()
