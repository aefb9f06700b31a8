"""End to end with the OpenSSH client in tmux, as a student types it: `ssh -p PORT name@host`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

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
