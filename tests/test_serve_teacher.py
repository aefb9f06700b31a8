"""A teacher and students over SSH: the teacher's key opens the class view; nothing else does."""

from __future__ import annotations

import asyncssh
import pytest

from nanoneuron_tui.serve.auth import AuthPolicy
from nanoneuron_tui.serve.status import STATUS_FILE, read_status
from tests.serve_support import Student, serving, until

pytestmark = pytest.mark.e2e


@pytest.fixture
def teacher_key():
    return asyncssh.generate_private_key("ssh-ed25519")


def keys_of(*keys) -> asyncssh.SSHAuthorizedKeys:
    return asyncssh.import_authorized_keys("".join(key.export_public_key().decode() for key in keys))


async def test_a_teacher_sees_the_class_live_and_gives_it_a_message(tmp_path, teacher_key):
    async with serving(tmp_path, teachers=frozenset({"teach"}), teacher_keys=keys_of(teacher_key)) as served:
        amy = await Student.arrive(served.port, "amy")
        await amy.wait_for(rb"paused")
        status_file = served.state_dir / "users" / "amy" / STATUS_FILE
        await until(status_file.exists, 30, "amy's status")
        assert read_status(status_file).name == "amy"

        teacher = await Student.arrive(served.port, "teach", size=(120, 30), client_keys=[teacher_key], password=None)
        await teacher.wait_for(rb"1 students")
        await teacher.wait_for(rb"amy")
        assert not (served.state_dir / "users" / "teach").exists()  # a teacher is no student
        mark = len(amy.screen)
        amy.press(b"s" * 3)
        await until(lambda: read_status(status_file).epoch == 3, 30, "amy's three steps to reach her status")
        await teacher.wait_for(rb"3 ", len(teacher.screen))

        from nanoneuron_tui.serve.assignment import give

        give(served.state_dir, None, "eyes on the board")
        await amy.wait_for(rb"eyes on the board", mark)
        await teacher.leave()
        await amy.leave()


@pytest.mark.parametrize("how", ["password", "another key"])
async def test_nobody_reaches_the_class_view_without_the_teachers_key(tmp_path, teacher_key, how):
    intruder = asyncssh.generate_private_key("ssh-ed25519")
    async with serving(tmp_path, teachers=frozenset({"teach"}), teacher_keys=keys_of(teacher_key)) as served:
        options = {"password": "any"} if how == "password" else {"client_keys": [intruder], "password": None}
        with pytest.raises(asyncssh.PermissionDenied):
            await Student.arrive(served.port, "teach", **options)
        # The same intruder under any other name is an ordinary student, never the teacher.
        student = await Student.arrive(served.port, "teach2", **options)
        await student.wait_for(rb"paused")
        await student.leave()


async def test_under_a_class_password_the_teacher_still_needs_the_key(tmp_path, teacher_key):
    policy = AuthPolicy("password", password=b"secret")
    async with serving(
        tmp_path, policy=policy, teachers=frozenset({"teach"}), teacher_keys=keys_of(teacher_key)
    ) as served:
        with pytest.raises(asyncssh.PermissionDenied):
            await Student.arrive(served.port, "teach", password="secret")
        teacher = await Student.arrive(served.port, "teach", client_keys=[teacher_key], password=None)
        await teacher.wait_for(rb"students")
        await teacher.leave()
