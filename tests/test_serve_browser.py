"""`nanoneuron serve web` in a real browser: headless Chromium opens the page, draws the app, and goes.

The issue's own reproduction: a screenshot of the page closes the tab while the
app starts. The tab's app must end by itself within seconds, and the page must
show the app (a screenshot of more than a blank page).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import urllib.request

import pytest

from tests.test_serve_web import WebServer, app_processes_in

pytestmark = pytest.mark.e2e

# Headless, and quiet towards a network this machine does not have.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
)


@pytest.fixture
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium must be installed in CI (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_browser_tab_that_goes_at_once_leaves_no_app_behind(tmp_path, chromium):
    server = WebServer(tmp_path / "state")
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:  # the tab's app lives a moment only: look often while the browser runs
        while not done.is_set():
            seen.update(app_processes_in(server.tabs))
            time.sleep(0.02)

    try:
        wait_until(lambda: answers(server.port), 60, "the web server")
        for visit in range(2):  # the leak showed 4 times in 4: twice is enough to see it
            seen.clear()
            done.clear()
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            shot = tmp_path / f"tab-{visit}.png"
            subprocess.run(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={tmp_path / f'profile-{visit}'}",
                    f"--screenshot={shot}",
                    "--virtual-time-budget=4000",
                    f"http://127.0.0.1:{server.port}/",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=120,
                check=False,
            )
            assert shot.exists() and shot.stat().st_size > 5_000, "Chromium drew no page"
            # The tab opened its app (it may start just after the browser has gone) ...
            wait_until(lambda: seen, 30, "the tab's app to start")
            done.set()
            watcher.join()
            # ... and with the tab closed, the app ends within seconds.
            wait_until(lambda: not (seen & set(app_processes_in(server.tabs))), 20, "the closed tab's app to end")
    finally:
        done.set()
        server.stop()
