"""`nanoneuron serve web`: the app in a browser tab, through textual-serve.

textual-serve starts one process per tab from a command line; ours makes the
tab a fresh directory and runs the app confined to it. textual-serve has no
authentication: bound beyond this machine, it says so loudly.
"""

from __future__ import annotations

import contextlib
import ipaddress
import shlex
import shutil
import sys
from pathlib import Path


NO_AUTH_WARNING = (
    "WARNING: {host} is reachable from other machines and `serve web` has no authentication: "
    "anyone who can reach port {port} gets a session. Put it behind a reverse proxy that authenticates."
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def exposure_warning(host: str, port: int) -> str | None:
    """What to print when the server can be reached from beyond this machine."""
    return None if is_loopback(host) else NO_AUTH_WARNING.format(host=host, port=port)


def tab_command(tabs: Path) -> str:
    """The command textual-serve runs for each new tab."""
    return shlex.join([sys.executable, "-m", "nanoneuron_tui.serve.child", "web", str(tabs)])


def serve_web(host: str, port: int, state_dir: Path, public_url: str | None = None) -> int:
    from textual_serve.server import Server

    tabs = state_dir / "web"
    # A tab's directory lives as long as the tab; any left by a crash are for no one.
    shutil.rmtree(tabs, ignore_errors=True)
    tabs.mkdir(mode=0o700, parents=True)
    warning = exposure_warning(host, port)
    if warning:
        print(f"\033[1m{warning}\033[0m", file=sys.stderr, flush=True)
    Server(tab_command(tabs), host=host, port=port, title="NanoNeuron", public_url=public_url).serve()
    return 0
