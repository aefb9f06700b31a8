"""`nanoneuron serve web` on 127.0.0.1: the page, a tab's app over the websocket, confined to the tab."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from nanoneuron_tui.serve.web import exposure_warning, is_loopback
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
