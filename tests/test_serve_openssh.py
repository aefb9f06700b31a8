"""End to end with the OpenSSH client in tmux, as a student types it: `ssh -p PORT name@host`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from tests.serve_support import ServerProcess, apps_serving
from tests.terminal import SSH_TO_A_THROWAWAY_HOST, Terminal, epoch_on, wait_until

pytestmark = pytest.mark.e2e


def ssh_command(port: int, *extra: str) -> list[str]:
    if shutil.which("ssh") is None:
        if os.environ.get("CI"):
            pytest.fail("the OpenSSH client must be installed in CI (.ci/run installs it)")
        pytest.skip("the OpenSSH client is not installed (apt-get install openssh-client)")
    return [
        "ssh",
        "-F",
        "/dev/null",
        "-p",
        str(port),
        *SSH_TO_A_THROWAWAY_HOST,
        # No key and no agent: the student is known by name alone, as in a classroom.
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "IdentityAgent=none",
        *extra,
        "student@127.0.0.1",
    ]


@pytest.fixture
def server(tmp_path):
    served = ServerProcess(tmp_path, "--open")
    yield served
    served.stop()
    assert not apps_serving(served.state_dir)


def test_a_student_trains_drops_the_link_and_resumes(server):
    first = Terminal(ssh_command(server.port), size=(80, 24))
    try:
        first.wait_for("paused", timeout=60)
        first.keys("Space")
        first.wait_for("running", timeout=30)
        # The first epochs play one by one (pacing): wait for one to have been trained.
        first.wait_until(lambda screen: epoch_on(screen) > 0, "training never got past epoch 0", timeout=30)
        first.resize(120, 40)
        # The app redraws at the new size: its panes reach the right edge.
        first.wait_until(
            lambda screen: max(len(line.rstrip()) for line in screen.splitlines()) > 100,
            "the app never drew at 120 columns",
            timeout=30,
        )
        first.keys("Space")
        first.wait_for("paused", timeout=30)
        shown = epoch_on(first.screen())
        assert shown > 0
        os.kill(first.pid, signal.SIGKILL)  # the laptop lid closes: ssh dies without a word
    finally:
        first.close()
    saved = server.state_dir / "users" / "student" / "session.json"
    wait_until(lambda: not apps_serving(server.state_dir), "the app to save and exit after the drop", 30)
    epoch = persist.load_session(saved).view().epoch
    assert epoch == shown

    second = Terminal(ssh_command(server.port), size=(80, 24))
    try:
        screen = second.wait_for("paused", timeout=60)
        assert epoch_on(screen) == epoch
        second.keys("C-q")
        second.wait_until_dead(timeout=30)  # ctrl+q ends the app, and with it the student's connection
        wait_until(lambda: not apps_serving(server.state_dir), "the app to exit after ctrl+q", 30)
    finally:
        second.close()


def test_commands_and_no_terminal_are_refused(server):
    exec_attempt = subprocess.run(
        ssh_command(server.port, "-T") + ["cat", "/etc/passwd"], capture_output=True, text=True, timeout=60
    )
    assert exec_attempt.returncode != 0 and "root:" not in exec_attempt.stdout
    no_terminal = subprocess.run(
        ssh_command(server.port, "-T"), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert no_terminal.returncode == 1 and "ssh -t" in no_terminal.stdout
    sftp = subprocess.run(
        ssh_command(server.port, "-s") + ["sftp"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert sftp.returncode != 0
    assert not apps_serving(server.state_dir)


def test_ssh_host_ls_says_how_to_connect_with_the_real_port(server):
    """The README's promise: a command (with or without -t) gets the one `ssh -t` line, and the port is real."""
    for extra in ([], ["-t"]):
        result = subprocess.run(
            ssh_command(server.port, *extra) + ["ls"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 1
        assert f"connect with `ssh -t -p {server.port} student@127.0.0.1` and no command" in result.stdout
        assert "PORT" not in result.stdout
    assert not apps_serving(server.state_dir)


def password_login(port: int, name: str, password: str, askpass: Path) -> subprocess.CompletedProcess:
    """OpenSSH as a student types it, the password typed by SSH_ASKPASS; at LogLevel INFO, the
    client's default, where it shows the server's banners."""
    askpass.write_text(f"#!/bin/sh\necho '{password}'\n")
    askpass.chmod(0o700)
    command = ssh_command(port)
    command[command.index("LogLevel=ERROR")] = "LogLevel=INFO"
    command[-1] = f"{name}@127.0.0.1"
    command[-1:-1] = ["-T", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=3"]
    env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env)


def test_wrong_passwords_slow_one_name_the_client_says_why_and_the_right_one_gets_in(tmp_path):
    (tmp_path / "password").write_text("tulip-42-orbit\n")
    served = ServerProcess(tmp_path, "--password-file", str(tmp_path / "password"), "--failed-auth-delay", "0.02")
    try:
        for _ in range(2):  # six wrong passwords, as a guesser behind the class's address types them
            wrong = password_login(served.port, "dave", "guess", tmp_path / "askpass")
            assert wrong.returncode == 255
        assert "failed logins as dave from 127.0.0.1: each answer now waits" in wrong.stderr
        assert "The right password or key still gets in" in wrong.stderr
        for name in ("dave", "erin"):  # the name guessed at, and a classmate behind the same address
            right = password_login(served.port, name, "tulip-42-orbit", tmp_path / "askpass")
            assert right.returncode == 1 and "ssh -t" in right.stdout, right.stderr
    finally:
        served.stop()


def test_a_name_first_used_with_a_key_needs_it_and_the_client_says_so(server, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=60)

    def login(*options: str, with_key: bool = False) -> subprocess.CompletedProcess:
        command = ssh_command(server.port, "-T")
        command[command.index("LogLevel=ERROR")] = "LogLevel=INFO"  # the client's default: banners shown
        if with_key:  # (ssh takes the first value of an option: replaced, not added)
            command[command.index("PubkeyAuthentication=no")] = "PubkeyAuthentication=yes"
        command[-1:-1] = list(options)
        return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    with_key = login("-o", "IdentitiesOnly=yes", "-i", str(key), with_key=True)
    assert with_key.returncode == 1 and "ssh -t" in with_key.stdout, with_key.stderr  # in, as bob's key
    without = login()
    assert without.returncode == 255
    assert "The name student belongs to a key: log in with that key, or choose another name." in without.stderr
