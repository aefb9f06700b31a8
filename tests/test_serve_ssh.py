"""`nanoneuron serve ssh` with asyncssh clients on 127.0.0.1: what a client gets, and all it is refused.

Most tests run a probe in place of the app (tests/serve_probe.py): it starts in
a blink and reports its environment, terminal size and signals.
"""

from __future__ import annotations

import asyncio
import os

import asyncssh
import pytest
from asyncssh.packet import String

from nanoneuron_tui.serve import auth
from nanoneuron_tui.serve.auth import FREE_KEY_TRIES, AuthPolicy, Throttle
from nanoneuron_tui.serve.identity import User
from tests.serve_support import Student, connect, serving, until
from tests.terminal import process_alive

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]


async def test_each_client_gets_its_own_program_on_its_own_terminal(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        alice = await Student.arrive(served.port, "alice", size=(100, 30), term="xterm-256color")
        bob = await Student.arrive(served.port, "bob", size=(80, 24), term="screen")
        a, _ = await alice.probe_event("start")
        b, _ = await bob.probe_event("start")
        assert a["pid"] != b["pid"]
        assert a["size"] == [100, 30] and b["size"] == [80, 24]
        assert a["env"]["TERM"] == "xterm-256color" and b["env"]["TERM"] == "screen"
        assert a["controlling_terminal"] and b["controlling_terminal"]
        assert a["cwd"] == str(served.state_dir / "users" / "alice")
        assert b["cwd"] == str(served.state_dir / "users" / "bob")
        assert oct(os.stat(a["cwd"]).st_mode & 0o777) == "0o700"
        # As sshd would: the app knows it is remote and paces its screen.
        assert a["env"]["SSH_CONNECTION"].startswith("127.0.0.1 ")
        alice.press(b"hi")
        keys, _ = await alice.probe_event("keys")
        assert bytes.fromhex(keys["hex"]) == b"hi"
        alice.press(b"q")
        assert await alice.ended() == 0
        assert process_alive(b["pid"])
        await bob.leave()


async def test_resizes_reach_the_program_and_absurd_sizes_are_clamped(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port, size=(80, 24))
        _, offset = await student.probe_event("start")
        student.process.change_terminal_size(132, 43)
        resized, offset = await student.probe_event("resize", offset)
        assert resized["size"] == [132, 43]
        student.process.change_terminal_size(10**6, 10**6)
        resized, offset = await student.probe_event("resize", offset)
        assert resized["size"] == [500, 200]
        await student.leave()
    async with serving(tmp_path, probe=True) as served:
        huge = await Student.arrive(served.port, size=(10**6, 3))
        start, _ = await huge.probe_event("start")
        assert start["size"] == [500, 3]
        await huge.leave()


async def test_only_term_lang_and_lc_variables_are_accepted(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(
            served.port,
            env={
                "LANG": "fr_FR.UTF-8",
                "LC_TIME": "C",
                "PATH": "/evil",
                "LD_PRELOAD": "/tmp/x.so",
                "TEXTUAL_SCREENSHOT": "1",
                "LC_ALL": "$(reboot)",
            },
        )
        start, _ = await student.probe_event("start")
        env = start["env"]
        assert env["LANG"] == "fr_FR.UTF-8" and env["LC_TIME"] == "C"
        assert "LD_PRELOAD" not in env and "TEXTUAL_SCREENSHOT" not in env and env["PATH"] != "/evil"
        assert "LC_ALL" not in env  # accepted by name, but not a value a locale has
        # Refused by the protocol: asked with want-reply, the server says no.
        channel = student.process.channel
        assert await channel._make_request(b"env", String("LD_PRELOAD"), String("/tmp/x.so")) is False
        assert await channel._make_request(b"env", String("LC_NUMERIC"), String("C")) is True
        await student.leave()


async def test_exec_subsystems_and_scp_are_refused(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        for command in ("ls /", "scp -t /tmp", "nanoneuron train"):
            for terminal in ({}, {"term_type": "xterm"}):  # `ssh host ls`, `ssh -t host ls`
                conn = await connect(served.port)
                process = await conn.create_process(command, encoding=None, **terminal)
                output = await asyncio.wait_for(process.stdout.read(), 30)
                await process.wait_closed()
                assert process.exit_status == 1
                assert f"connect with `ssh -t -p {served.port} alice@127.0.0.1` and no command".encode() in output
                conn.close()
        conn = await connect(served.port)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_process(subsystem="sftp")
        with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
            await conn.start_sftp_client()
        assert served.programs() == []
        conn.close()


async def test_port_agent_and_x11_forwarding_are_refused(tmp_path, unused_tcp_port):
    async with serving(tmp_path, probe=True) as served:
        conn = await connect(served.port)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("127.0.0.1", served.port)  # -L: a tunnel through the server
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", unused_tcp_port, "127.0.0.1", 9)  # -R
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_unix_connection("/run/sshd.sock")
        student = await Student.arrive(served.port, "bob")
        await student.probe_event("start")
        channel = student.process.channel
        assert await channel._make_request(b"auth-agent-req@openssh.com") is False
        assert (
            await channel._make_request(b"x11-req", b"\0", String("MIT-MAGIC-COOKIE-1"), String("00" * 16), b"\0\0\0\0")
            is False
        )
        conn.close()
        await student.leave()


async def test_one_session_per_connection(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port)
        await student.probe_event("start")
        for _ in range(100):
            with pytest.raises(asyncssh.ChannelOpenError):
                await student.conn.create_process(term_type="xterm")
        assert len(served.programs()) == 1
        student.press(b"x")
        await student.probe_event("keys")  # the first session never noticed
        await student.leave()


async def test_a_session_without_a_terminal_is_told_to_use_ssh_t(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        conn = await connect(served.port)
        process = await conn.create_process(encoding=None)  # like `ssh -T`
        output = await asyncio.wait_for(process.stdout.read(), 30)
        await process.wait_closed()
        assert f"ssh -t -p {served.port} alice@127.0.0.1".encode() in output and output.count(b"\n") == 1
        assert process.exit_status == 1
        assert served.programs() == []
        conn.close()


async def test_a_hang_up_reaches_the_program(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port)
        start, _ = await student.probe_event("start")
        student.drop()
        marker = served.state_dir / "users" / "alice" / "hung-up"
        await until(marker.exists, what="the probe to be hung up")
        assert marker.read_text().split() == [str(start["pid"])]
        await until(lambda: not process_alive(start["pid"]), what="the probe to exit")
        await until(lambda: served.server.classroom.count == 0, what="the seat to be freed")


async def test_a_silent_client_is_noticed_by_keepalives(tmp_path):
    async with serving(tmp_path, probe=True, keepalive_interval=0.3, keepalive_count_max=2) as served:
        student = await Student.arrive(served.port)
        start, _ = await student.probe_event("start")
        # The Wi-Fi dies: no FIN, no RST, nothing more arrives from the client.
        student.conn._transport.pause_reading()
        student.conn._transport.write = lambda data: None
        marker = served.state_dir / "users" / "alice" / "hung-up"
        await until(marker.exists, what="keep-alives to notice the silent client")
        await until(lambda: not process_alive(start["pid"]), what="the probe to exit")
        student.drop()


async def test_authorized_keys_let_in_only_their_holders(tmp_path):
    allowed = asyncssh.generate_private_key("ssh-ed25519")
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_bytes(allowed.export_public_key())
    async with serving(tmp_path, AuthPolicy.from_authorized_keys(keys_file), probe=True) as served:
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(served.port, client_keys=[stranger])
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(served.port, password="anything")
        student = await Student.arrive(served.port, "carol", client_keys=[allowed])
        start, _ = await student.probe_event("start")
        expected = User("carol", allowed.get_fingerprint()).directory_name
        assert start["cwd"] == str(served.state_dir / "users" / expected)
        assert expected.startswith("carol-") and expected != "carol"
        await student.leave()


async def test_a_class_password_never_locks_out_the_right_one(tmp_path):
    password_file = tmp_path / "class-password"
    password_file.write_text("correct horse\n")
    policy = AuthPolicy.from_password_file(password_file)
    async with serving(tmp_path, policy, probe=True, failed_auth_delay=0.01, max_failed_auth_delay=0.05) as served:
        student = await Student.arrive(served.port, "dave", password="correct horse")
        start, _ = await student.probe_event("start")
        assert start["cwd"].endswith("/users/dave")

        async def guess(name: str) -> None:
            with pytest.raises((asyncssh.PermissionDenied, asyncssh.ConnectionLost, asyncssh.DisconnectError)):
                await connect(served.port, name, password="wrong")

        # Twenty wrong guesses at once from one address, as the reproduction did.
        await asyncio.gather(*(guess("dave") for _ in range(20)))
        throttle = served.server.throttle
        assert throttle.failures("dave", "127.0.0.1") >= 20  # each wrong password counts (a client may try twice)
        assert throttle.failures("erin", "127.0.0.1") == 0  # a classmate behind the same address: untouched
        # The right password still gets in, from the same address, for the same name and any other.
        again = await connect(served.port, "dave", password="correct horse")
        classmate = await connect(served.port, "erin", password="correct horse")
        assert throttle.failures("dave", "127.0.0.1") == 0  # in: forgotten
        again.close()
        classmate.close()
        await student.leave()


async def test_refused_keys_are_counted_and_slowed_like_passwords(tmp_path):
    allowed = asyncssh.generate_private_key("ssh-ed25519")
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_bytes(allowed.export_public_key())
    policy = AuthPolicy.from_authorized_keys(keys_file)
    async with serving(tmp_path, policy, probe=True, failed_auth_delay=0.01, max_failed_auth_delay=0.05) as served:
        banners: list[str] = []

        class Client(asyncssh.SSHClient):
            def auth_banner_received(self, msg: str, lang: str) -> None:
                banners.append(msg)

        for _ in range(FREE_KEY_TRIES + 3):
            stranger = asyncssh.generate_private_key("ssh-ed25519")
            with pytest.raises(asyncssh.PermissionDenied):
                await connect(served.port, "carol", client_keys=[stranger], client_factory=Client)
        assert served.server.throttle.failures("carol", "127.0.0.1") == FREE_KEY_TRIES + 3
        # The free tries say nothing; every slowed one says why, and that the right key still works.
        assert len(banners) == 3 and all("failed logins as carol" in banner for banner in banners)
        assert "right password or key still gets in" in banners[-1]
        student = await Student.arrive(served.port, "carol", client_keys=[allowed])
        await student.probe_event("start")
        await student.leave()


async def test_tries_for_one_name_are_judged_one_at_a_time_each_failure_slower(monkeypatch):
    events: list[tuple] = []
    pause = asyncio.sleep

    async def sleep(delay: float) -> None:
        events.append(("answered after", delay))
        await pause(0)

    monkeypatch.setattr(auth.asyncio, "sleep", sleep)
    throttle = Throttle(first_delay=1.0, max_delay=6.0)

    def check(n: int):
        def wrong() -> bool:
            events.append(("check", n))
            return False

        return wrong

    on_failure = lambda failures, delay: events.append(("failure", failures))  # noqa: E731
    results = await asyncio.gather(
        *(throttle.judge("dave", "10.0.0.1", check(n), on_failure=on_failure) for n in range(5))
    )
    assert results == [False] * 5
    # Each try waits for the answer to the one before: parallel guessing is no faster.
    expected = []
    for n, delay in enumerate([1.0, 2.0, 4.0, 6.0, 6.0]):
        expected += [("check", n), ("failure", n + 1), ("answered after", delay)]
    assert events == expected
    assert [throttle.delay(n, free=2) for n in range(1, 6)] == [0.0, 0.0, 1.0, 2.0, 4.0]


async def test_the_throttle_remembers_a_bounded_number_of_names():
    throttle = Throttle(first_delay=0.0, max_tracked=100)
    for n in range(1000):
        await throttle.judge(f"user{n}", "10.0.0.1", lambda: False)
    assert len(throttle._tries) <= 100
    assert throttle.failures("user999", "10.0.0.1") == 1


async def test_open_mode_tells_key_holders_apart(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with serving(tmp_path, probe=True) as served:
        without = await Student.arrive(served.port, "eve")
        with_key = await Student.arrive(served.port, "eve", client_keys=[key])
        a, _ = await with_key.probe_event("start")
        b, _ = await without.probe_event("start")
        assert a["cwd"] != b["cwd"]
        assert b["cwd"].endswith("/users/eve")
        await with_key.leave()
        await without.leave()
        # eve used her name without a key first: a key does not take it from her.
        again = await Student.arrive(served.port, "eve")
        c, _ = await again.probe_event("start")
        assert c["cwd"] == b["cwd"]
        await again.leave()


async def test_with_open_a_key_users_folder_and_name_need_their_key(tmp_path):
    bobs_key = asyncssh.generate_private_key("ssh-ed25519")
    async with serving(tmp_path, probe=True) as served:
        bob = await Student.arrive(served.port, "bob", client_keys=[bobs_key])
        start, _ = await bob.probe_event("start")
        folder = User("bob", bobs_key.get_fingerprint()).directory_name
        assert start["cwd"] == str(served.state_dir / "users" / folder)
        await bob.leave()
        # The folder's name, computable from bob's public key alone, is no way in.
        intruder = await Student.arrive(served.port, folder)
        intruded, _ = await intruder.probe_event("start")
        assert intruded["cwd"] != start["cwd"] and os.path.basename(intruded["cwd"]) != folder
        await intruder.leave()
        # Nor is bob's name without bob's key: the client is told why.
        banners: list[str] = []

        class Client(asyncssh.SSHClient):
            def auth_banner_received(self, msg: str, lang: str) -> None:
                banners.append(msg)

        with pytest.raises(asyncssh.PermissionDenied):
            await connect(served.port, "bob", client_factory=Client)
        assert banners and "The name bob belongs to a key" in banners[0]
        # bob with his key is bob, as before.
        again = await Student.arrive(served.port, "bob", client_keys=[bobs_key])
        restart, _ = await again.probe_event("start")
        assert restart["cwd"] == start["cwd"]
        await again.leave()


@pytest.mark.parametrize("name", ["bob-0123456789abcdef", "x-ffffffffffffffff"])
async def test_no_folder_name_of_a_key_user_can_be_typed(name):
    assert User(name).directory_name != name
    assert User(name).directory_name != User(name, "SHA256:abc").directory_name
    assert User("bob-0123456789abcdeg").directory_name == "bob-0123456789abcdeg"  # not a hash: plain


async def test_a_full_class_says_so(tmp_path):
    async with serving(tmp_path, probe=True, max_sessions=2) as served:
        first = await Student.arrive(served.port, "u1")
        second = await Student.arrive(served.port, "u2")
        await first.probe_event("start")
        await second.probe_event("start")
        third = await Student.arrive(served.port, "u3")
        assert await third.ended() == 1
        assert b"The class is full: 2 sessions" in third.screen
        await first.leave()
        await until(lambda: served.server.classroom.count == 1, what="a seat to be freed")
        fourth = await Student.arrive(served.port, "u4")
        await fourth.probe_event("start")
        await second.leave()
        await fourth.leave()


async def test_a_user_connecting_again_takes_over_their_session(tmp_path):
    async with serving(tmp_path, probe=True, max_per_user=1) as served:
        old = await Student.arrive(served.port, "frank")
        first, _ = await old.probe_event("start")
        new = await Student.arrive(served.port, "frank")
        second, _ = await new.probe_event("start")
        # The old session was hung up (it saves) before the new one started.
        marker = served.state_dir / "users" / "frank" / "hung-up"
        assert marker.read_text().split() == [str(first["pid"])]
        assert await old.ended() == 129
        assert b"continues in a new connection" in old.screen
        assert not process_alive(first["pid"]) and process_alive(second["pid"])
        await new.leave()


# Counted from the connection: long enough for the app to start on a loaded machine.
IDLE_TIMEOUT = 3.0


async def test_an_idle_session_is_closed(tmp_path):
    async with serving(tmp_path, probe=True, idle_timeout=IDLE_TIMEOUT) as served:
        student = await Student.arrive(served.port)
        await student.probe_event("start")
        assert await student.ended() == 129
        assert b"without a key press" in student.screen
        assert (served.state_dir / "users" / "alice" / "hung-up").exists()


async def test_keys_keep_a_session_from_idling(tmp_path):
    async with serving(tmp_path, probe=True, idle_timeout=IDLE_TIMEOUT) as served:
        student = await Student.arrive(served.port)
        _, offset = await student.probe_event("start")
        for _ in range(round(2 * IDLE_TIMEOUT / 0.5)):  # typing for twice the idle timeout
            student.press(b"k")
            _, offset = await student.probe_event("keys", offset)
            await asyncio.sleep(0.5)
        assert not (served.state_dir / "users" / "alice" / "hung-up").exists()
        await student.leave()


async def test_stopping_the_server_hangs_up_everyone(tmp_path):
    async with serving(tmp_path, probe=True) as served:
        students = [await Student.arrive(served.port, f"s{n}") for n in range(3)]
        pids = [(await student.probe_event("start"))[0]["pid"] for student in students]
        await served.server.stop()
        for student in students:
            assert await student.ended() == 129
            assert b"The server is stopping" in student.screen
        assert not any(process_alive(pid) for pid in pids)
        assert all((d / "hung-up").exists() for d in served.user_dirs())


async def test_an_app_killed_by_a_signal_leaves_the_student_a_usable_terminal(tmp_path):
    # Merged review: `kill -9` of a student's app left their terminal on the alternate
    # screen with mouse reporting on (the app had no chance to put it back).
    import signal

    from nanoneuron_tui.lifecycle import TERMINAL_RESET

    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port)
        start, offset = await student.probe_event("start")
        os.kill(start["pid"], signal.SIGKILL)
        assert await student.ended() == 128 + signal.SIGKILL
        after = bytes(student.screen[offset:])
        assert TERMINAL_RESET in after
        assert b"connect again" in after.split(TERMINAL_RESET)[-1]
