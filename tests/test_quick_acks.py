"""The handshake's packets are acknowledged at once, and only the handshake's (serve/quick_acks.py)."""

from __future__ import annotations

import socket

import pytest

from nanoneuron_tui.serve import ssh
from nanoneuron_tui.serve.quick_acks import acknowledge_at_once
from tests.serve_support import Student, serving, until

QUICK_ACK = (socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class RecordingSocket:
    def __init__(self, family: int = socket.AF_INET, fails: bool = False) -> None:
        self.family = family
        self.options: list[tuple[int, int, int]] = []
        self.fails = fails

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.options.append((level, option, value))
        if self.fails:
            raise OSError("the client is gone")


class Connection:
    """An asyncio protocol as asyncssh's connection is one: data_received, and its transport's socket."""

    def __init__(self, sock: RecordingSocket | None) -> None:
        self.sock = sock
        self.received: list[tuple[bytes, int | None]] = []

    def get_extra_info(self, name: str, default=None):
        return self.sock if name == "socket" else default

    def data_received(self, data: bytes, datatype: int | None = None) -> None:
        self.received.append((data, datatype))


@pytest.mark.unit
def test_every_packet_is_acknowledged_at_once_until_the_handshake_is_over():
    sock = RecordingSocket()
    connection = Connection(sock)
    handshake_over = acknowledge_at_once(connection)
    connection.data_received(b"SSH-2.0-OpenSSH_9.2\r\n")
    connection.data_received(b"kexinit", None)
    assert sock.options == [QUICK_ACK, QUICK_ACK]  # the kernel forgets it: set again on each arrival
    handshake_over()
    connection.data_received(b"a key", 1)
    assert sock.options == [QUICK_ACK, QUICK_ACK]
    assert connection.received == [(b"SSH-2.0-OpenSSH_9.2\r\n", None), (b"kexinit", None), (b"a key", 1)]
    handshake_over()  # twice (the session started, then the connection went): harmless


@pytest.mark.unit
def test_a_client_already_gone_still_has_its_data_handled():
    sock = RecordingSocket(fails=True)
    connection = Connection(sock)
    acknowledge_at_once(connection)
    connection.data_received(b"last words")
    assert sock.options == [QUICK_ACK]
    assert connection.received == [(b"last words", None)]


@pytest.mark.unit
@pytest.mark.parametrize("sock", [None, RecordingSocket(socket.AF_UNIX)], ids=["no socket", "a unix socket"])
def test_only_tcp_connections_are_touched(sock):
    connection = Connection(sock)
    acknowledge_at_once(connection)()
    connection.data_received(b"data")
    assert "data_received" not in vars(connection)
    assert connection.received == [(b"data", None)]
    assert sock is None or sock.options == []


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_the_server_acknowledges_a_handshake_at_once_and_stops_once_the_session_starts(tmp_path, monkeypatch):
    arrivals: list[str] = []  # "ack" per handshake packet, then "over"

    def recording(connection):
        sock = connection.get_extra_info("socket")

        class Counting:  # the connection's socket, counting the quick acks it is told to send
            family = sock.family

            def setsockopt(self, level, option, value):
                arrivals.append("ack")
                sock.setsockopt(level, option, value)

        real_extra_info = connection.get_extra_info
        connection.get_extra_info = lambda name, default=None: (
            Counting() if name == "socket" else real_extra_info(name, default)
        )
        stop = acknowledge_at_once(connection)
        connection.get_extra_info = real_extra_info

        def over() -> None:
            arrivals.append("over")
            stop()

        return over

    monkeypatch.setattr(ssh, "acknowledge_at_once", recording)
    async with serving(tmp_path, probe=True) as served:
        student = await Student.arrive(served.port, "alice")
        await student.probe_event("start")
        await until(lambda: "over" in arrivals, what="the end of the handshake")
        handshake = arrivals.index("over")
        assert handshake >= 3 and set(arrivals[:handshake]) == {"ack"}  # key exchange, keys, login
        student.press(b"typed after the handshake")
        await student.probe_event("keys")
        assert arrivals[handshake:] == ["over"]
        await student.leave()
