"""`nanoneuron serve web`: the app in a browser tab, through textual-serve.

textual-serve starts one process per tab from a command line; ours makes the
tab a fresh directory and runs the app confined to it. textual-serve has no
authentication: bound beyond this machine, it says so loudly.

What a browser sends is bounded here, before any app process sees it: the
window size (in the websocket's query and in resize messages) is clamped as
an SSH client's is, and keyboard input comes in messages of at most
MAX_INPUT_CHARS; anything else is dropped (aiohttp closes the socket on a
message over 4 MB).
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nanoneuron_tui.serve.terminal import clamp_size

if TYPE_CHECKING:  # only their types: the web server's libraries are imported when it starts
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

NO_AUTH_WARNING = (
    "WARNING: {host} is reachable from other machines and `serve web` has no authentication: "
    "anyone who can reach port {port} gets a session. Put it behind a reverse proxy that authenticates."
)
TAB_DRIVER = "nanoneuron_tui.serve.tab_driver:TabDriver"  # the app's Textual driver in a tab
TAB_PREFIX = "tab-"
OPEN_MARK = ".nanoneuron-tab"  # in every tab's directory, locked by its app while the tab is open
MAX_INPUT_CHARS = 4096  # one keyboard message: keys or a paste; the app has no use for more


class StateDirError(Exception):
    """The state directory cannot hold tabs; one line saying why."""


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
    """The command textual-serve runs (through a shell) for each new tab; ``exec``, so that
    the process textual-serve holds is the app itself."""
    return "exec " + shlex.join([sys.executable, "-m", "nanoneuron_tui.serve.child", "web", str(tabs)])


def use_tab_driver() -> None:
    """Run this process's app with tab_driver.TabDriver, whether or not Textual is imported yet
    (it reads TEXTUAL_DRIVER once, on import: a process forked after that would miss it)."""
    os.environ["TEXTUAL_DRIVER"] = TAB_DRIVER
    constants = sys.modules.get("textual.constants")
    if constants is not None:
        setattr(constants, "DRIVER", TAB_DRIVER)  # noqa: B010 - a module attribute, set at run time


# -- the tabs' directories --------------------------------------------------------------------


def tabs_directory(state_dir: Path) -> Path:
    """``STATE_DIR/web``, made if missing; StateDirError if it cannot be ours.

    Nothing in it is removed but the directories of closed tabs (sweep_closed_tabs).
    """
    if state_dir.exists() and not state_dir.is_dir():
        raise StateDirError(f"the state directory {state_dir} is not a directory")
    tabs = state_dir / "web"
    if tabs.is_symlink():
        raise StateDirError(f"{tabs} is a symbolic link: the tabs' directory must be a real directory")
    try:
        tabs.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise StateDirError(f"{tabs} is not a directory") from None
    except OSError as problem:
        raise StateDirError(f"cannot make {tabs}: {problem.strerror or problem}") from None
    sweep_closed_tabs(tabs)
    return tabs


@contextlib.contextmanager
def open_tab(tabs: Path) -> Iterator[Path]:
    """A fresh directory for one tab, locked as open while the block runs and removed after it.

    A tab whose process was killed leaves its directory behind; the next tab to open sweeps it.
    """
    sweep_closed_tabs(tabs)
    tab = Path(tempfile.mkdtemp(prefix=TAB_PREFIX, dir=tabs))
    # Locked before it takes its name, so a sweep never finds the mark of an open tab unlocked.
    staging = tab / f"{OPEN_MARK}.new"
    mark = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(mark, fcntl.LOCK_EX)
        os.rename(staging, tab / OPEN_MARK)
        yield tab
    finally:
        # Nobody can come back to a closed tab: its files go with it.
        shutil.rmtree(tab, ignore_errors=True)
        os.close(mark)


def sweep_closed_tabs(tabs: Path) -> list[Path]:
    """Remove the directories of tabs whose process is gone: only ours (a tab's name and its
    mark, owned by us), only unlocked (no process holds it). Returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(tabs):
            if not entry.name.startswith(TAB_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            try:
                mark = os.open(os.path.join(entry.path, OPEN_MARK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue  # no mark: not a tab of ours
            try:
                if os.fstat(mark).st_uid != os.geteuid():
                    continue
                fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its tab is open
            else:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
            finally:
                os.close(mark)
    return removed


# -- what a browser may send --------------------------------------------------------------------


def bounded_size(width: object, height: object) -> tuple[int, int]:
    """A window size from a browser: whole numbers, clamped as an SSH client's is."""

    def whole(value: object) -> int:
        if isinstance(value, bool):
            return 0
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit() and len(value) <= 9:
            return int(value)
        return 0  # unknown: the classic size

    return clamp_size(whole(width), whole(height))


def make_server(command: str, host: str, port: int, public_url: str | None) -> Server:
    """textual-serve's server, with what a browser sends bounded before the app sees it."""
    from aiohttp import WSMsgType
    from textual_serve.server import Server

    class BoundedServer(Server):
        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            width, height = bounded_size(request.query.get("width"), request.query.get("height"))
            query = {**request.query, "width": str(width), "height": str(height)}
            return await super().handle_websocket(request.clone(rel_url=request.rel_url.with_query(query)))

        async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                await forward(message.data, websocket, app_service)

    return BoundedServer(command, host=host, port=port, title="NanoNeuron", public_url=public_url)


async def forward(text: str, websocket: web.WebSocketResponse, app_service: AppService) -> None:
    """One message from the browser, passed on to the app if it is one we know and within bounds."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, a number too long, or nested too deep
        return
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return
    kind, body = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin" and isinstance(body, str) and len(body) <= MAX_INPUT_CHARS:
        await app_service.send_bytes(body.encode("utf-8", "replace"))
    elif kind == "resize" and isinstance(body, dict):
        await app_service.set_terminal_size(*bounded_size(body.get("width"), body.get("height")))
    elif kind == "ping" and isinstance(body, str | int | float) and len(str(body)) <= 64:
        await websocket.send_json(["pong", body])
    elif kind == "blur":
        await app_service.blur()
    elif kind == "focus":
        await app_service.focus()


def serve_web(host: str, port: int, state_dir: Path, public_url: str | None = None) -> int:
    try:
        tabs = tabs_directory(state_dir)
    except StateDirError as problem:
        print(f"nanoneuron serve: error: {problem}", file=sys.stderr)
        return 2
    warning = exposure_warning(host, port)
    if warning:
        print(f"\033[1m{warning}\033[0m", file=sys.stderr, flush=True)
    make_server(tab_command(tabs), host, port, public_url).serve()
    return 0
