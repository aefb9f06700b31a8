"""`nanoneuron serve web` on 127.0.0.1: the page, a tab's app over the websocket, confined to the tab."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from nanoneuron_tui.serve.web import (
    MAX_INPUT_CHARS,
    OPEN_MARK,
    StateDirError,
    bounded_size,
    exposure_warning,
    forward,
    is_loopback,
    open_tab,
    sweep_closed_tabs,
    tabs_directory,
)
from tests.serve_support import apps_serving, free_port
from tests.terminal import installed_nanoneuron

pytestmark = pytest.mark.e2e


def app_processes_in(tabs: Path) -> list[int]:
    """Processes running the app confined to a tab directory under ``tabs``."""
    return apps_serving(tabs)


async def until(condition, timeout=60.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not (result := await condition() if asyncio.iscoroutinefunction(condition) else condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
    return result


async def visit(port: int, tabs: Path) -> None:
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:

        async def page():
            try:
                async with http.get(base + "/") as response:
                    return response.status, await response.text()
            except aiohttp.ClientConnectionError:
                return None

        status, html = await until(page, what="the web server to answer")
        assert status == 200 and f"ws://127.0.0.1:{port}/ws" in html

        async with http.ws_connect(f"{base}/ws?width=100&height=32") as websocket:
            screen = bytearray()

            async def read_until(text: bytes):
                deadline = time.monotonic() + 60
                while text not in screen:
                    assert time.monotonic() < deadline, f"{text!r} never came: {bytes(screen[-300:])!r}"
                    message = await websocket.receive(timeout=60)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        screen.extend(message.data)
                    elif message.type != aiohttp.WSMsgType.TEXT:
                        raise AssertionError(f"the websocket closed: {message}")

            await read_until(b"paused")
            [tab] = await until(lambda: list(tabs.glob("tab-*")), what="the tab's directory")
            assert tab.stat().st_mode & 0o777 == 0o700
            [pid] = await until(lambda: app_processes_in(tabs), what="the tab's app")
            # Saved files land in the tab's own directory, and nowhere else.
            await websocket.send_str(json.dumps(["stdin", "\x10"]))  # ctrl+p: the command palette
            await read_until(b"Search")
            await websocket.send_str(json.dumps(["stdin", "Save model"]))
            await asyncio.sleep(0.5)
            await websocket.send_str(json.dumps(["stdin", "\r"]))
            await read_until(b"Save the model")
            await websocket.send_str(json.dumps(["stdin", "\r"]))
            await until(lambda: (tab / "nanoneuron-model.json").exists(), what="the model to be saved in the tab")
        # The tab is closed: its app ends and its directory goes.
        await until(lambda: not app_processes_in(tabs), what="the tab's app to end")
        await until(lambda: not tab.exists(), what="the tab's directory to go")


def test_a_browser_tab_gets_its_own_confined_app(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [installed_nanoneuron(), "serve", "web", "--port", str(port), "--state-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        asyncio.run(visit(port, tmp_path / "web"))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert not app_processes_in(tmp_path / "web")
    assert "WARNING" not in server.stderr.read()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_warning(host):
    assert is_loopback(host) and exposure_warning(host, 8000) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_anything_beyond_this_machine_is_warned_about(host):
    warning = exposure_warning(host, 8000)
    assert warning and "no authentication" in warning and "reverse proxy" in warning and host in warning


# -- every way a tab can go ends its app ------------------------------------------------------


class WebServer:
    """`nanoneuron serve web` on a free port of 127.0.0.1, stopped by SIGTERM at the end."""

    def __init__(self, state_dir: Path) -> None:
        self.port = free_port()
        self.tabs = state_dir / "web"
        self.process = subprocess.Popen(
            [installed_nanoneuron(), "serve", "web", "--port", str(self.port), "--state-dir", str(state_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in app_processes_in(self.tabs):  # a leak must not outlive the test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def open_socket(http: aiohttp.ClientSession, port: int, query: str):
    async def attempt():
        try:
            return await http.ws_connect(f"http://127.0.0.1:{port}/ws?{query}")
        except aiohttp.ClientConnectionError:
            return None

    return await until(attempt, what="the web server to take a websocket")


async def seen_then_gone(tabs: Path, what: str) -> None:
    """The tab's app appeared (it may start after the socket closed), then ended by itself."""
    seen: set[int] = set()

    def started() -> bool:
        seen.update(app_processes_in(tabs))
        return bool(seen)

    deadline = time.monotonic() + 60
    while not started():
        assert time.monotonic() < deadline, f"no app started for the tab ({what})"
        await asyncio.sleep(0.02)
    await until(lambda: not (seen & set(app_processes_in(tabs))), timeout=20, what=f"the tab's app to end ({what})")


@pytest.mark.parametrize(
    "moment",
    ["before the first byte", "during start, after a resize", "during start, after a huge resize", "mid-run"],
)
def test_a_tab_closed_at_any_moment_ends_its_app(tmp_path, moment):
    server = WebServer(tmp_path)

    async def tab_closes():
        async with aiohttp.ClientSession() as http:
            websocket = await open_socket(http, server.port, "width=142&height=39")
            if moment == "during start, after a resize":
                await websocket.send_str(json.dumps(["resize", {"width": 142, "height": 44}]))
                await asyncio.sleep(0.3)  # the reproduction's pause: the app is still importing
            elif moment == "during start, after a huge resize":
                await websocket.send_str(json.dumps(["resize", {"width": 3000, "height": 3000}]))
            elif moment == "mid-run":
                screen = bytearray()
                while b"paused" not in screen:
                    message = await websocket.receive(timeout=60)
                    assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
                    if message.type == aiohttp.WSMsgType.BINARY:
                        screen.extend(message.data)
            await websocket.close()
            await seen_then_gone(server.tabs, moment)

    try:
        asyncio.run(tab_closes())
    finally:
        server.stop()


def test_the_server_going_ends_every_tab(tmp_path):
    """The network drops or the server is killed: the apps' input ends, and so do they."""
    server = WebServer(tmp_path)

    async def tab_opens():
        async with aiohttp.ClientSession() as http:
            websocket = await open_socket(http, server.port, "width=100&height=30")
            await until(lambda: app_processes_in(server.tabs), what="the tab's app")
            server.process.kill()  # no goodbye to anyone
            server.process.wait()
            await until(lambda: not app_processes_in(server.tabs), timeout=20, what="the tab's app to end")
            await websocket.close()

    try:
        asyncio.run(tab_opens())
    finally:
        server.stop()


def test_the_window_size_in_the_query_is_clamped_before_the_app_starts(tmp_path):
    server = WebServer(tmp_path)

    async def huge_tab():
        async with aiohttp.ClientSession() as http:
            websocket = await open_socket(http, server.port, "width=99999999&height=99999999")
            [pid] = await until(lambda: app_processes_in(server.tabs), what="the tab's app")
            environ = dict(
                entry.split(b"=", 1)
                for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                if b"=" in entry
            )
            assert (environ[b"COLUMNS"], environ[b"ROWS"]) == (b"500", b"200")
            await websocket.close()

    try:
        asyncio.run(huge_tab())
    finally:
        server.stop()


class FakeAppService:
    """What the server passes on to a tab's app."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(("stdin", data))

    async def set_terminal_size(self, width: int, height: int) -> None:
        self.sent.append(("resize", width, height))

    async def blur(self) -> None:
        self.sent.append(("blur",))

    async def focus(self) -> None:
        self.sent.append(("focus",))


def passed_on(*messages: str) -> list[tuple]:
    app = FakeAppService()

    async def deliver():
        for message in messages:
            await forward(message, websocket=None, app_service=app)

    asyncio.run(deliver())
    return app.sent


def test_sizes_from_the_browser_are_clamped_before_the_app_sees_them():
    resize = ["resize", {"width": 1e8, "height": 99999999}]
    assert passed_on(json.dumps(resize)) == [("resize", 80, 24)]  # not a whole number: the classic size
    assert passed_on(json.dumps(["resize", {"width": 3000, "height": 3000}])) == [("resize", 500, 200)]
    assert passed_on(json.dumps(["resize", {"width": 120, "height": 40}])) == [("resize", 120, 40)]
    assert passed_on(json.dumps(["resize", {"width": -5, "height": True}])) == [("resize", 80, 24)]
    assert bounded_size("99999999", "99999999") == (500, 200)
    assert bounded_size("9" * 400, "x") == (80, 24)


def test_keyboard_messages_over_the_bound_never_reach_the_app():
    assert passed_on(json.dumps(["stdin", "s"])) == [("stdin", b"s")]
    assert passed_on(json.dumps(["stdin", "x" * MAX_INPUT_CHARS])) == [("stdin", b"x" * MAX_INPUT_CHARS)]
    assert passed_on(json.dumps(["stdin", "x" * 1_000_000])) == []
    assert passed_on(json.dumps(["stdin", "x" * (MAX_INPUT_CHARS + 1)])) == []
    deep = "[" * 100_000 + "]" * 100_000
    for junk in ("not json", "{}", "[]", "[1, 2]", '["stdin", 5]', '["resize", "big"]', '["launch", "x"]', deep):
        assert passed_on(junk) == []


# -- the state directory: only what the server made is ever removed ---------------------------


def test_files_in_the_state_directory_are_never_deleted(tmp_path):
    thesis = tmp_path / "web" / "thesis"
    thesis.mkdir(parents=True)
    (thesis / "c1.txt").write_text("x")
    (tmp_path / "web" / "tab-mine").mkdir()  # a tab's name, but not a tab of ours
    assert tabs_directory(tmp_path) == tmp_path / "web"
    assert (thesis / "c1.txt").read_text() == "x" and (tmp_path / "web" / "tab-mine").is_dir()


def test_a_closed_tab_is_swept_an_open_one_never(tmp_path):
    tabs = tabs_directory(tmp_path)
    with open_tab(tabs) as open_one:
        (open_one / "session.json").write_text("{}")
        with open_tab(tabs) as killed:
            pass
        killed.mkdir()  # as a killed tab leaves it: the directory and its mark, unlocked
        (killed / OPEN_MARK).write_text("")
        assert sweep_closed_tabs(tabs) == [killed]
        assert (open_one / "session.json").exists()
    assert not open_one.exists()


@pytest.mark.parametrize("layout", ["a regular file", "web a symlink", "web a regular file"])
def test_a_state_directory_that_cannot_hold_tabs_is_refused_in_one_line(tmp_path, layout):
    state = tmp_path / "state"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("x")
    if layout == "a regular file":
        state.write_text("x")
    else:
        state.mkdir()
        if layout == "web a symlink":
            (state / "web").symlink_to(elsewhere)
        else:
            (state / "web").write_text("x")
    with pytest.raises(StateDirError):
        tabs_directory(state)
    result = subprocess.run(
        [installed_nanoneuron(), "serve", "web", "--port", str(free_port()), "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr.startswith("nanoneuron serve: error: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (elsewhere / "keep.txt").exists()


def test_a_tabs_app_uses_the_tab_driver_even_if_textual_was_imported_first(monkeypatch):
    """A process forked after Textual's import (a pre-started one) still gets the tab's driver."""
    import textual.constants
    from textual.app import App

    from nanoneuron_tui.serve.tab_driver import TabDriver
    from nanoneuron_tui.serve.web import use_tab_driver

    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    monkeypatch.setattr(textual.constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
    use_tab_driver()
    assert App().driver_class is TabDriver


def test_the_server_passes_every_browser_message_through_the_bounds():
    from aiohttp import WSMsgType

    from nanoneuron_tui.serve.web import make_server

    class Message:
        def __init__(self, data: str) -> None:
            self.type, self.data = WSMsgType.TEXT, data

    class Socket:
        def __init__(self, *texts: str) -> None:
            self.messages = [Message(text) for text in texts]

        def __aiter__(self):
            return self

        async def __anext__(self):
            if not self.messages:
                raise StopAsyncIteration
            return self.messages.pop(0)

    app = FakeAppService()
    server = make_server("true", "127.0.0.1", 8000, None)
    socket = Socket(
        json.dumps(["stdin", "x" * 1_000_000]),
        json.dumps(["resize", {"width": 99999999, "height": 99999999}]),
        json.dumps(["stdin", "q"]),
    )
    asyncio.run(server._process_messages(socket, app))
    assert app.sent == [("resize", 500, 200), ("stdin", b"q")]
