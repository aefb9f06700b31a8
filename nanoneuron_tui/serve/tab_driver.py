"""The driver of a browser tab's app: Textual's web driver, except that a closed tab is a hang-up.

When a tab closes, textual-serve sends the app a "quit" message and stops
reading what it draws; when the server itself goes, the app's input ends.
Textual's own handling of either depends on the app being ready for it (a quit
that arrives while the app is still starting is lost, and the app then draws
for no one, for ever). Here both become SIGHUP to the process itself, which
lifecycle.SignalWatch takes from any state: it saves, asks the app to leave,
and ends the process by its deadline whatever the event loop is doing.

The app is started with ``TEXTUAL_DRIVER`` naming this class (serve/child.py, web.TAB_DRIVER).
"""

from __future__ import annotations

import os
import signal

from textual.drivers.web_driver import WebDriver


def hang_up() -> None:
    os.kill(os.getpid(), signal.SIGHUP)


class TabDriver(WebDriver):
    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == "quit":  # the tab was closed
            hang_up()
            return
        super().on_meta(packet_type, payload)

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # the input ended, not the app: the server is gone
            hang_up()
