"""`nanoneuron serve ssh` as a teacher runs it: the host key, the log, and SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess

import asyncssh
import pytest

from tests.serve_support import ServerProcess, Student, apps_serving, connect
from tests.terminal import installed_nanoneuron

pytestmark = pytest.mark.e2e

PASSWORD = "tulip-42-orbit"


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return path


def test_sigterm_hangs_up_every_session_each_saves_and_the_log_tells_who(tmp_path, password_file):
    server = ServerProcess(tmp_path, "--password-file", str(password_file), "--failed-auth-delay", "0.1")
    try:

        async def classroom():
            with pytest.raises(asyncssh.PermissionDenied):
                await connect(server.port, "mallory", password="guess-" + PASSWORD)
            students = [await Student.arrive(server.port, name, password=PASSWORD) for name in ("ann", "ben")]
            await asyncio.gather(*(s.wait_for(b"paused") for s in students))
            for student in students:
                student.press(b"s")  # one step: now there is something to save
                await student.wait_for(b"1 / 70,000")
            assert len(apps_serving(server.state_dir)) == 2
            server.terminate()
            for student in students:
                await student.ended()
                assert b"The server is stopping" in student.screen

        asyncio.run(classroom())
        assert server.stop() == 0
    finally:
        if server.process.poll() is None:
            server.stop()
    assert not apps_serving(server.state_dir)
    for name in ("ann", "ben"):
        assert (server.state_dir / "users" / name / "session.json").exists()
    log = server.text()
    for name in ("ann", "ben"):
        assert re.search(rf"connect {name} from 127\.0\.0\.1:\d+", log)
        assert re.search(rf"disconnect {name} from 127\.0\.0\.1:\d+ after \d+:\d\d:\d\d", log)
    assert PASSWORD not in log and "guess" not in log


def test_the_host_key_is_made_once_private_and_its_fingerprint_shown(tmp_path):
    first = ServerProcess(tmp_path, "--open")
    first.stop()
    key_file = tmp_path / "state" / "host_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    made = re.search(r"host key .* \(made now\): (SHA256:\S+)", first.text())
    assert made and "\033[1mOPEN" in first.text()
    second = ServerProcess(tmp_path, "--open")
    second.stop()
    loaded = re.search(r"host key .* \(loaded\): (SHA256:\S+)", second.text())
    assert loaded and loaded.group(1) == made.group(1)
    assert asyncssh.read_private_key(str(key_file)).get_fingerprint() == made.group(1)


def test_bad_setups_are_one_line_and_exit_2(tmp_path):
    for flags, words in (
        (["--password-file", str(tmp_path / "missing")], "cannot read the password file"),
        (["--authorized-keys", str(tmp_path / "missing")], "cannot read authorized keys"),
        (["--open", "--max-sessions", "0"], "must be positive"),
    ):
        result = subprocess.run(
            [installed_nanoneuron(), "serve", "ssh", "--state-dir", str(tmp_path), *flags],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and words in result.stderr
        assert result.stderr.count("\n") == 1
    empty = tmp_path / "empty"
    empty.write_text("")
    result = subprocess.run(
        [installed_nanoneuron(), "serve", "ssh", "--password-file", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "empty" in result.stderr
    assert not os.path.exists(tmp_path / "host_key")  # nothing is made for a server that never starts


def serve(*arguments: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [installed_nanoneuron(), *arguments], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("level", [[], ["serve"], ["serve", "ssh"], ["serve", "web"], ["train"]])
def test_every_level_of_the_command_answers_help(level):
    result = serve(*level, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: nanoneuron") and not result.stderr
    if level == ["serve"]:
        assert "ssh" in result.stdout and "web" in result.stdout


@pytest.mark.parametrize("kind", ["ssh", "web"])
@pytest.mark.parametrize("port", ["99999", "-1", "0", "65536", "http"])
def test_a_port_out_of_range_is_refused_as_an_argument(tmp_path, kind, port):
    result = serve("serve", kind, "--open" if kind == "ssh" else "--host=127.0.0.1", f"--port={port}")
    assert result.returncode == 2 and "--port: must be a port number from 1 to 65535" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--password-file", "--authorized-keys", "--host-key"])
@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory"])
def test_the_servers_own_files_are_regular_bounded_and_never_waited_for(tmp_path, flag, special):
    if special == "fifo":
        special = str(tmp_path / "fifo")
        os.mkfifo(special)
    elif special == "directory":
        special = str(tmp_path)
    extra = ["--open"] if flag == "--host-key" else []
    result = serve("serve", "ssh", "--state-dir", str(tmp_path / "state"), *extra, flag, special, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("nanoneuron serve: error: ")
    assert special in result.stderr and result.stderr.count("\n") == 1


def test_a_password_file_too_large_is_refused(tmp_path):
    huge = tmp_path / "password"
    huge.write_bytes(b"x" * 10_000_000)
    result = serve("serve", "ssh", "--password-file", str(huge))
    assert result.returncode == 2 and "too large" in result.stderr and result.stderr.count("\n") == 1


def test_a_session_closed_before_any_key_is_saved_as_the_student_is_told(tmp_path):
    server = ServerProcess(tmp_path, "--open")
    try:

        async def look_and_leave():
            student = await Student.arrive(server.port, "fay")
            await student.wait_for(b"paused")
            server.terminate()  # not one key pressed
            await student.ended()
            assert b"Your session is saved" in student.screen
            assert str(server.state_dir).encode() not in student.screen  # and no server path shown

        asyncio.run(look_and_leave())
        assert server.stop() == 0
    finally:
        if server.process.poll() is None:
            server.stop()
    saved = server.state_dir / "users" / "fay" / "session.json"
    from nanoneuron_tui import persist

    assert persist.load_session(saved).view().epoch == 0  # the neuron she saw, kept for next time
