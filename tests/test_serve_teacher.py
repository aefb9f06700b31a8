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


async def test_a_challenge_for_everyone_reaches_both_students_and_the_table_ranks_who_met_it(tmp_path, teacher_key):
    from nanoneuron_tui.serve.assignment import current

    async with serving(tmp_path, teachers=frozenset({"teach"}), teacher_keys=keys_of(teacher_key)) as served:
        amy = await Student.arrive(served.port, "amy")
        bob = await Student.arrive(served.port, "bob")
        for student in (amy, bob):
            await student.wait_for(rb"paused")
        teacher = await Student.arrive(served.port, "teach", size=(120, 30), client_keys=[teacher_key], password=None)
        await teacher.wait_for(rb"2 students")
        teacher.press(b"c")
        await teacher.wait_for(rb"A message for the whole class")
        teacher.press(b"race\r")  # the first challenge of the list: alpha-limit
        await until(lambda: current(served.state_dir) is not None, 30, "the class's challenge")
        assert current(served.state_dir).challenge == "alpha-limit"
        marks = [len(amy.screen), len(bob.screen)]
        for student, mark in zip((amy, bob), marks):
            await student.wait_for(rb"race", mark)
            await student.wait_for(rb"The largest alpha", mark)

        # amy meets it: the largest three-digit alpha that converges, then a step.
        mark = len(amy.screen)
        amy.press(b"a")
        await amy.wait_for(rb"Apply", mark)  # the key bar says a field has the keys
        amy.press(b"0.000608\r")  # `a` selects the field's text: typing replaces it
        status = served.state_dir / "users" / "amy" / STATUS_FILE
        await until(lambda: read_status(status).alpha == 0.000608, 60, "amy's new alpha")
        amy.press(b"s")
        await until(
            lambda: any(r.name == "alpha-limit" and r.met for r in read_status(status).challenges), 60, "amy's ✓"
        )
        mark = len(teacher.screen)
        await teacher.wait_for(rb"1 met the challenge", mark)
        await teacher.wait_for("✓ alpha 0.000608".encode(), mark)

        teacher.press(b"x")
        await until(lambda: list(served.state_dir.glob("results-*.csv")), 30, "the results")
        rows = next(served.state_dir.glob("results-*.csv")).read_text().splitlines()
        assert rows[1].startswith("amy,challenge,alpha-limit,yes,alpha 0.000608")
        assert [row.split(",")[:2] for row in rows[1:]] == [
            ["amy", "challenge"],
            ["amy", "guesses"],
            ["bob", "guesses"],
        ]
        for client in (teacher, amy, bob):
            await client.leave()
