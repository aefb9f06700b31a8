"""Over a real SSH connection: launch, train, drop the link mid-training, resume.

sshd runs on 127.0.0.1 with a throwaway host key and a key pair made here;
`ssh -t` inside tmux is the learner's terminal. The test skips only where
sshd cannot run at all, and never in CI.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from tests.terminal import SSH_TO_A_THROWAWAY_HOST, Terminal, epoch_on, installed_nanoneuron

pytestmark = pytest.mark.e2e

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def cannot_run(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the SSH test must run in CI, but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    if not os.path.exists(SSHD) or shutil.which("ssh") is None:
        cannot_run("sshd or ssh is not installed (apt-get install openssh-server openssh-client)")
    if os.geteuid() != 0:
        cannot_run("sshd needs root here to log in and allocate terminals")
    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    port = free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPidFile {keys / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\n"
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege-separation directory
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                cannot_run(f"sshd did not start: {server.stderr.read()[-500:]}")
            time.sleep(0.1)
    ssh = [
        "ssh",
        "-t",
        "-p",
        str(port),
        "-i",
        str(keys / "client"),
        *SSH_TO_A_THROWAWAY_HOST,
        "-o",
        "BatchMode=yes",
        "root@127.0.0.1",
    ]
    yield ssh
    server.terminate()
    server.wait(timeout=5)


def remote_processes(state: str) -> list[int]:
    """nanoneuron processes using this state file (not the tmux or ssh that launched them)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "stat").read_text().split(") ")[-1]
        except (OSError, ValueError):
            continue
        if status.startswith("Z") or not argv or Path(argv[0].decode(errors="replace")).name in ("tmux", "ssh"):
            continue
        if state.encode() in argv and any(arg.endswith(b"nanoneuron") for arg in argv[:2]):
            found.append(int(entry.name))
    return found


def test_train_over_ssh_drop_the_link_and_resume(sshd, tmp_path):
    state = tmp_path / "remote-session.json"
    app = f"{installed_nanoneuron()} --state {state}"
    term = Terminal([*sshd, f"{app} --w0 0.9492 --b0 0.457 --pace 10"], size=(80, 24))
    try:
        term.wait_for("paused", timeout=20)
        term.keys("n")
        term.wait_for("1,000 / 70,000")
        term.keys("Space")
        seen = epoch_on(
            term.wait_until(
                lambda screen: "running" in screen and epoch_on(screen) > 1000,
                "training never moved on from epoch 1,000",
            )
        )
        assert remote_processes(str(state)), "the app should be running on the far side"
        # The link drops: the ssh client dies without a word.
        os.kill(term.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while remote_processes(str(state)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not remote_processes(str(state)), "nanoneuron outlived its SSH connection"
    finally:
        term.close()

    saved = persist.load_session(state).view()
    assert saved.epoch >= seen
    again = Terminal([*sshd, f"{app} --resume"], size=(80, 24))
    try:
        screen = again.wait_for("paused", timeout=20)
        assert epoch_on(screen) == saved.epoch
        assert re.search(rf"│ w\s+{re.escape(f'{saved.w:.7g}')}\s", screen)
        assert re.search(rf"│ b\s+{re.escape(f'{saved.b:.7g}')}\s", screen)
        again.keys("C-q")
        deadline = time.monotonic() + 5
        while remote_processes(str(state)) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        again.close()
