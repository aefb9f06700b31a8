"""Apps forked from the zygote are still one process per student, sharing nothing that matters.

With the OpenSSH client in tmux, as students type it: one student's state,
files and crash never reach another; the zygote keeps forking after a crash;
and without the zygote the server starts apps the slow way.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nanoneuron_tui.serve.ssh import WAITING_FOR_A_TURN
from nanoneuron_tui.serve.terminal import PtyProgram, open_terminal
from nanoneuron_tui.serve.zygote import APP_NAME, ZYGOTE_NAME, Zygote, parse_request
from tests.serve_support import ServerProcess, Student, apps_serving, serving, until
from tests.terminal import Terminal, epoch_on, process_alive, wait_until
from tests.test_serve_openssh import ssh_command


def student_ssh(port: int, name: str) -> list[str]:
    return [*ssh_command(port)[:-1], f"{name}@127.0.0.1"]


def comm(pid: int) -> bytes:
    return Path(f"/proc/{pid}/comm").read_bytes().strip()


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def open_files(pid: int) -> dict[int, str]:
    """fd -> what it points at ("socket:[INODE]", a path, ...)."""
    found = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found[int(fd.name)] = os.readlink(fd)
        except OSError:
            continue
    return found


def app_of(state_dir: Path, name: str) -> int:
    """The pid of the app working in ``name``'s directory."""
    home = str(state_dir / "users" / name)
    pids = [pid for pid in apps_serving(state_dir) if os.readlink(f"/proc/{pid}/cwd") == home]
    assert len(pids) == 1, (name, pids)
    return pids[0]


@pytest.fixture
def server(tmp_path):
    served = ServerProcess(tmp_path, "--open")
    yield served
    served.stop()
    assert not apps_serving(served.state_dir)


@pytest.mark.e2e
def test_forked_students_share_no_state_no_files_and_no_crash(server):
    alice = Terminal(student_ssh(server.port, "alice"))
    bob = Terminal(student_ssh(server.port, "bob"))
    try:
        alice.wait_for("paused", timeout=60)
        bob.wait_for("paused", timeout=60)
        wait_until(lambda: len(apps_serving(server.state_dir)) == 2, "two apps", 30)
        alice_app, bob_app = app_of(server.state_dir, "alice"), app_of(server.state_dir, "bob")

        # Two processes, forked by the zygote, each a session of its own on its own terminal.
        zygote = parent(alice_app)
        assert parent(bob_app) == zygote and comm(zygote) == ZYGOTE_NAME
        assert comm(alice_app) == comm(bob_app) == APP_NAME
        assert os.getsid(alice_app) == alice_app and os.getsid(bob_app) == bob_app
        # Nothing of the zygote's stays open in an app: not its control socket, not the status
        # socket of a student forked before, not another student's files.
        zygote_sockets = {target for target in open_files(zygote).values() if target.startswith("socket:")}
        for app, other in ((alice_app, "bob"), (bob_app, "alice")):
            files = open_files(app)
            assert not zygote_sockets & set(files.values()), files
            assert not [target for target in files.values() if f"/users/{other}/" in target], files
            assert set(files) >= {0, 1, 2} and os.readlink(f"/proc/{app}/fd/0").startswith("/dev/pts/")
        assert os.readlink(f"/proc/{alice_app}/fd/0") != os.readlink(f"/proc/{bob_app}/fd/0")
        # Each drew its own random neuron (the zygote's random state is not handed down).
        assert alice.line("seed") != bob.line("seed")

        # Alice trains; Bob's neuron stays where it was.
        alice.keys("Space")
        alice.wait_until(lambda screen: "running" in screen and epoch_on(screen) > 0, "Alice never trained", 30)
        assert "paused" in bob.screen() and epoch_on(bob.screen()) == 0
        assert stat.S_IMODE((server.state_dir / "users" / "alice").stat().st_mode) == 0o700

        # Alice's app crashes: her connection ends; Bob's app runs on and answers his keys.
        os.kill(alice_app, signal.SIGKILL)
        alice.wait_until_dead(timeout=30)
        assert alice.exit_status != 0
        assert process_alive(bob_app)
        bob.keys("Space")
        bob.wait_until(lambda screen: "running" in screen and epoch_on(screen) > 0, "Bob's keys stopped working", 30)
        assert app_of(server.state_dir, "bob") == bob_app

        # The zygote forks on: Alice comes back to an app of her own, a new process.
        again = Terminal(student_ssh(server.port, "alice"))
        try:
            again.wait_for("paused", timeout=60)
            returned = app_of(server.state_dir, "alice")
            assert returned != alice_app and parent(returned) == zygote
        finally:
            again.close()
    finally:
        alice.close()
        bob.close()


@pytest.mark.e2e
async def test_without_the_zygote_apps_start_afresh_and_running_ones_still_end(tmp_path):
    async with serving(tmp_path) as served:
        zygote = served.server.zygote
        assert zygote is not None and zygote.running
        alice = await Student.arrive(served.port, "alice")
        await alice.wait_for(rb"paused")
        forked = served.programs()[0].pid
        assert parent(forked) == zygote.process.pid

        zygote.process.kill()  # the zygote dies mid-lesson
        await asyncio.to_thread(zygote.process.wait)
        bob = await Student.arrive(served.port, "bob")
        await bob.wait_for(rb"paused")
        cold = next(program.pid for program in served.programs() if program.pid != forked)
        assert parent(cold) == os.getpid()  # started by the server itself, as before the zygote

        # Alice's app has nobody to report its exit now; the server still sees it end.
        alice.press(b"\x11")  # ctrl+q
        await alice.ended()
        await until(lambda: not process_alive(forked), what="Alice's app to exit")
        await until(lambda: len(served.programs()) == 1, what="Alice's seat to be freed")
        await bob.leave()
        await alice.leave()


@pytest.mark.unit
@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"argv": "ssh", "env": {}, "cwd": "/"}',
        b'{"argv": ["ssh", 1], "env": {}, "cwd": "/"}',
        b'{"argv": ["ssh"], "env": {"A": 1}, "cwd": "/"}',
        b'{"argv": ["ssh"], "env": {}, "cwd": null}',
        b'{"argv": ["ssh"], "env": {}}',
    ],
)
def test_the_zygote_refuses_a_malformed_request(payload):
    with pytest.raises(ValueError):
        parse_request(payload)


@pytest.mark.unit
def test_the_zygote_reads_a_whole_request():
    request = parse_request(b'{"argv": ["ssh", "/d", "2"], "env": {"TERM": "xterm"}, "cwd": "/d"}')
    assert (request.argv, request.env, request.cwd) == (["ssh", "/d", "2"], {"TERM": "xterm"}, "/d")


@pytest.mark.unit
def test_the_server_keeps_its_garbage_collector_only_the_zygote_holds_it():
    probe = "import gc, nanoneuron_tui.serve.ssh, nanoneuron_tui.serve.zygote; print(gc.isenabled())"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.strip() == "True"


@pytest.mark.e2e
async def test_the_zygote_ignores_a_malformed_request_and_reports_each_exit(tmp_path):
    zygote = Zygote()
    await zygote.start()
    try:
        zygote.control.send(b"no json, no descriptors")  # not from the server's code, but never fatal
        master, slave = open_terminal((80, 24))
        try:
            is_up, says_up = os.pipe()
            app = await zygote.fork(
                ["exec", str(tmp_path)], env={"PATH": os.defpath}, cwd=tmp_path, terminal=slave, started=says_up
            )
        finally:
            os.close(slave)
            os.close(says_up)
        shown = bytearray()
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                shown.extend(os.read(master, 4096) or b"")
            except OSError:  # every slave side closed
                loop.remove_reader(master)

        loop.add_reader(master, read)
        try:
            assert await asyncio.wait_for(app.exited(), 30) == 1
            assert os.read(is_up, 16) == b""  # it never came up: the pipe closed with it
            await until(
                lambda: b"usage: python -m nanoneuron_tui.serve.child" in shown, 10, f"the usage line: {shown!r}"
            )
        finally:
            loop.remove_reader(master)
            os.close(master)
            os.close(is_up)
        assert zygote.running
    finally:
        await zygote.stop()
    assert zygote.process.poll() is not None  # gone once the server's end closed


@pytest.mark.e2e
async def test_a_class_arriving_at_once_is_started_in_order_of_arrival_each_app_saying_when_it_is_up(
    tmp_path, monkeypatch
):
    events: list[tuple[str, str]] = []  # ("forked" | "up" | "not up", student), as the server saw them
    fork, up = PtyProgram.fork.__func__, PtyProgram.up

    async def recording_fork(cls, zygote, argv, **options):
        program = await fork(cls, zygote, argv, **options)
        program.student = Path(options["cwd"]).name
        events.append(("forked", program.student))
        return program

    async def recording_up(self, timeout):
        said = await up(self, timeout)
        events.append(("up" if said else "not up", self.student))
        return said

    monkeypatch.setattr(PtyProgram, "fork", classmethod(recording_fork))
    monkeypatch.setattr(PtyProgram, "up", recording_up)
    # One start at a time, and a turn long enough that only the app saying it is up ends it.
    async with serving(tmp_path, starts_at_once=1, start_turn=120) as served:
        students = await asyncio.gather(*(Student.arrive(served.port, name) for name in ("ann", "ben", "cat")))
        for student in students:
            await student.wait_for(rb"paused")
        await until(lambda: len(events) == 6, what=f"three apps up: {events}")
        order = [student for what, student in events if what == "forked"]
        assert events == [step for student in order for step in (("forked", student), ("up", student))]
        assert sorted(order) == ["ann", "ben", "cat"]
        for pid in apps_serving(served.state_dir):  # told, each app closed its end of the pipe
            assert not [target for target in open_files(pid).values() if target.startswith("pipe:")]
        for student in students:
            await student.leave()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("program", "said"),
    [
        ("import os; os.write(int(os.environ['NANONEURON_STARTED_FD']), b'up'); input()", True),
        ("raise SystemExit(3)", False),  # died before it was up: the turn ends at once
        ("input()", False),  # never says it: the turn ends with its time
    ],
    ids=["says it", "dies", "silent"],
)
async def test_a_spawned_program_holds_its_turn_until_up_dead_or_out_of_time(tmp_path, program, said):
    spawned = PtyProgram.spawn(
        [sys.executable, "-c", program], env={"PATH": os.defpath}, cwd=tmp_path, size=(80, 24), on_output=len
    )
    try:
        if program == "input()":
            assert await spawned.up(timeout=0.5) is False
        else:  # told by the pipe, never by the clock: a turn of 120 s would outlast the deadline
            assert await asyncio.wait_for(spawned.up(timeout=120), 60) is said
    finally:
        await spawned.hang_up()


@pytest.mark.e2e
async def test_a_student_waiting_for_a_turn_is_told_so_and_starts_when_it_comes(tmp_path, monkeypatch):
    first_up = asyncio.Event()  # the first app holds the only turn until the test lets it go
    up = PtyProgram.up
    held: list[PtyProgram] = []

    async def held_up(self, timeout):
        if not held:
            held.append(self)
            await first_up.wait()
        return await up(self, timeout)

    monkeypatch.setattr(PtyProgram, "up", held_up)
    async with serving(tmp_path, probe=True, starts_at_once=1) as served:
        ann = await Student.arrive(served.port, "ann")
        await ann.probe_event("start")
        ben = await Student.arrive(served.port, "ben")
        try:
            await ben.wait_for(re.escape(WAITING_FOR_A_TURN), timeout=30)
            assert b"PROBE" not in ben.screen  # told, and not started: the turn is Ann's
        finally:
            first_up.set()
        await ben.probe_event("start")
        assert WAITING_FOR_A_TURN not in ann.screen  # a free turn: straight in
        await asyncio.gather(ann.leave(), ben.leave())
