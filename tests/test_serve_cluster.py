"""A class larger than one machine: two servers share one state directory behind HAProxy (TCP mode).

A student who lands on either server gets their own session, resumed exactly;
a teacher on either sees the whole class.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time

import asyncssh
import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.serve.status import STATUS_FILE, read_status
from tests.serve_support import ServerProcess, Student, apps_serving, free_port, until

pytestmark = pytest.mark.e2e

HAPROXY_CONFIG = """\
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend class
    bind 127.0.0.1:{port}
    default_backend servers

backend servers
    balance roundrobin
    server one 127.0.0.1:{one}
    server two 127.0.0.1:{two}
"""


@pytest.fixture
def haproxy():
    path = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("HAProxy must be installed in CI (.ci/run installs it)")
        pytest.skip("HAProxy is not installed (apt-get install haproxy)")
    return path


@pytest.fixture
def teacher_key(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "teachers").write_bytes(key.export_public_key())
    return key


@pytest.fixture
def cluster(tmp_path, haproxy, teacher_key):
    state = tmp_path / "state"
    flags = ("--open", "--teacher", "teach", "--teacher-keys", str(tmp_path / "teachers"))
    servers = [ServerProcess(tmp_path, *flags, state_dir=state, name=name) for name in ("one", "two")]
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, one=servers[0].port, two=servers[1].port))
    balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield port, servers, state
    finally:
        balancer.terminate()
        balancer.wait(timeout=10)
        for server in servers:
            server.stop()
        assert not apps_serving(state)


async def arrive(port: int, name: str, **options) -> Student:
    deadline = time.monotonic() + 30
    while True:  # HAProxy may still be binding its port
        try:
            return await Student.arrive(port, name, **options)
        except (OSError, asyncssh.Error):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def test_two_servers_behind_haproxy_serve_one_class(cluster, teacher_key):
    port, servers, state = cluster
    amy = await arrive(port, "amy")
    await amy.wait_for(rb"paused")
    first = next(i for i in (0, 1) if "connect amy from" in servers[i].text())
    amy.press(b"s" * 5)
    status = state / "users" / "amy" / STATUS_FILE
    await until(lambda: status.exists() and read_status(status).epoch == 5, 30, "amy at epoch 5")
    w_saved = read_status(status).w
    amy.drop()  # the link dies without a word; amy connects again at once

    again = await arrive(port, "amy")  # round robin: the other server this time
    await again.wait_for(rb"paused")
    assert "connect amy from" in servers[1 - first].text(), "amy's second connection should land on the other server"
    bob = await arrive(port, "bob")
    await bob.wait_for(rb"paused")
    await until(lambda: read_status(status).connected and read_status(status).epoch == 5, 30, "amy resumed")
    assert read_status(status).w == w_saved  # exactly where she left it
    assert not (state / "users" / "amy" / "session-2.json").exists()
    saved = persist.load_session(state / "users" / "amy" / "session.json").view()
    assert (saved.epoch, saved.w) == (5, w_saved)

    teacher = await arrive(port, "teach", size=(120, 30), client_keys=[teacher_key], password=None)
    await teacher.wait_for(rb"2 students")
    await teacher.wait_for(rb"amy")
    await teacher.wait_for(rb"bob")
    for client in (teacher, again, bob):
        await client.leave()
