"""`nanoneuron serve ssh` under faults: dropped links resume, churn leaks nothing, bad clients change nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import socket
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from tests.serve_support import Student, serving, until
from tests.terminal import process_alive

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

EPOCH = re.compile(rb"([\d,]+) / 70,000")


def epochs_seen(screen: bytes) -> list[int]:
    return [int(m.group(1).replace(b",", b"")) for m in EPOCH.finditer(screen)]


async def test_dropped_clients_resume_at_the_epoch_they_had(tmp_path):
    rng = random.Random(12)
    async with serving(tmp_path) as served:
        names = [f"student{n}" for n in range(10)]
        students = await asyncio.gather(*(Student.arrive(served.port, name) for name in names))
        await asyncio.gather(*(s.wait_for(b"paused") for s in students))
        for student in students:
            student.press(b" ")
        await asyncio.gather(*(s.wait_for(b"running") for s in students))

        async def drop_later(student):
            # The first epochs play one by one (pacing): each has trained at least one before its drop.
            await until(lambda: max(epochs_seen(bytes(student.screen)), default=0) > 0, 60, "a first epoch")
            await asyncio.sleep(rng.uniform(0.0, 2.0))
            seen = max(epochs_seen(bytes(student.screen)), default=0)
            student.drop()
            return seen

        last_seen = await asyncio.gather(*(drop_later(s) for s in students))
        await until(lambda: served.server.classroom.count == 0, 60, "every dropped session to save and end")

        saved = {}
        for name, seen in zip(names, last_seen):
            view = persist.load_session(served.state_dir / "users" / name / "session.json").view()
            assert view.epoch >= seen  # nothing the learner saw is lost
            saved[name] = view.epoch
        assert sum(epoch > 0 for epoch in saved.values()) == len(names)

        back = await asyncio.gather(*(Student.arrive(served.port, name) for name in names))
        for name, student in zip(names, back):
            await student.wait_for(f"{saved[name]:,} / 70,000".encode())
            await student.wait_for(b"paused")
        await asyncio.gather(*(s.leave() for s in back))


def open_fds() -> dict[int, str]:
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # a descriptor closed meanwhile
            fds[int(fd)] = os.readlink(f"/proc/self/fd/{fd}")
    return fds


def probe_children() -> list[int]:
    me = str(os.getpid())
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if stat.split(") ", 1)[1].split()[1] == me:
                children.append(int(proc.name))
    return [pid for pid in children if process_alive(pid)]


async def test_200_connect_disconnect_cycles_leave_nothing_behind(tmp_path):
    rng = random.Random(200)
    async with serving(tmp_path, probe=True) as served:
        # One session first, so that everything the server keeps for good exists already.
        warm = await Student.arrive(served.port, "warm")
        await warm.probe_event("start")
        await warm.leave()
        await until(lambda: served.server.classroom.count == 0, what="the warm-up to end")
        fds_before = open_fds()

        async def cycle(n: int) -> None:
            student = await Student.arrive(served.port, f"c{n % 20}x{n}")
            how = rng.choice(("at once", "after start", "quit"))
            if how != "at once":
                await student.probe_event("start")
            if how == "quit":
                student.press(b"q")
                await student.ended()
            if rng.random() < 0.5:
                student.drop()
            else:
                await student.leave()

        for batch in range(20):
            await asyncio.gather(*(cycle(batch * 10 + n) for n in range(10)))
        await until(
            lambda: served.server.classroom.count == 0 and not served.server.connections, 60, "every session to end"
        )
        await until(lambda: not probe_children(), 30, "every program to exit")
        await until(lambda: len(open_fds()) <= len(fds_before), 30, "file descriptors to be closed")
        assert not [target for target in open_fds().values() if target == "/dev/ptmx"]
        assert len(served.user_dirs()) == 201


async def test_garbage_and_a_handshake_that_never_ends_do_not_hurt(tmp_path):
    async with serving(tmp_path, probe=True, login_timeout=1.0) as served:
        student = await Student.arrive(served.port, "steady")
        _, offset = await student.probe_event("start")

        garbage = socket.create_connection(("127.0.0.1", served.port))
        garbage.sendall(random.Random(1).randbytes(100_000))
        silent = socket.create_connection(("127.0.0.1", served.port))
        version_only = socket.create_connection(("127.0.0.1", served.port))
        version_only.sendall(b"SSH-2.0-stuck\r\n")

        def closed_by_server(sock: socket.socket) -> bool:
            sock.settimeout(30)
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                pass
            return True

        for sock in (garbage, silent, version_only):
            assert await asyncio.to_thread(closed_by_server, sock)
            sock.close()
        # The server is still there for everyone, old and new.
        student.press(b"k")
        await student.probe_event("keys", offset)
        newcomer = await Student.arrive(served.port, "newcomer")
        await newcomer.probe_event("start")
        assert served.server.classroom.count == 2
        await student.leave()
        await newcomer.leave()


async def test_a_flood_of_keys_is_held_back_not_buffered_without_end(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port)
        start, offset = await student.probe_event("start")
        os.kill(start["pid"], 19)  # SIGSTOP: the program stops reading its keys
        student.press(b"x" * 1_000_000)
        await asyncio.sleep(1)
        [program] = served.programs()
        assert 0 < len(program._pending_input) < 200_000  # SSH flow control holds the rest
        os.kill(start["pid"], 18)  # SIGCONT
        await student.probe_event("keys", offset)
        await student.leave()
        await until(lambda: not process_alive(start["pid"]), what="the probe to be hung up")
