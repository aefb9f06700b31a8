"""30 students at once, each training at max pace: everyone gets a screen and their keys work."""

from __future__ import annotations

import asyncio

import pytest

from nanoneuron_tui.params import MAX_EPOCHS
from tests.serve_support import Student, seed_session, serving, until

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

CLASS_SIZE = 30


async def test_thirty_students_training_at_max_pace_each_get_their_screen_and_keys(tmp_path):
    names = [f"student{n:02d}" for n in range(CLASS_SIZE)]
    for name in names:
        # Each resumes a run set to max pace that lasts: the whole test long, every app trains.
        seed_session(tmp_path / "state", name, epochs=MAX_EPOCHS, pace=None, w0=0.5, b0=0.5)
    async with serving(tmp_path) as served:
        students = await asyncio.gather(*(Student.arrive(served.port, name) for name in names))
        await asyncio.gather(*(s.wait_for(rb"paused", timeout=180) for s in students))
        assert len({program.pid for program in served.programs()}) == CLASS_SIZE

        marks = [len(s.screen) for s in students]
        for student in students:
            student.press(b" ")
        await asyncio.gather(*(s.wait_for(rb"running", m, timeout=180) for s, m in zip(students, marks)))

        # Under full load, every student's space still pauses their neuron.
        for student in students:
            mark = len(student.screen)
            student.press(b" ")
            await student.wait_for(rb"paused", mark, timeout=60)
        await asyncio.gather(*(s.leave() for s in students))
        await until(lambda: served.server.classroom.count == 0, 120, "every session to save and end")
