"""`nanoneuron serve ssh|web`: the command line of the classroom servers."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from nanoneuron_tui.core.printable import printable

if TYPE_CHECKING:  # only their types: the server's modules are imported when it starts
    import asyncssh

    from nanoneuron_tui.serve.ssh import ServeSettings

EXIT_USAGE = 2
SHUTDOWN_DEADLINE = 5.0  # seconds from SIGTERM to exit, whatever a session does


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see --help)\n")  # it echoes what was typed


Number = TypeVar("Number", int, float)


def _positive(kind: Callable[[str], Number]) -> Callable[[str], Number]:
    def parse(text: str) -> Number:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    return parse


def _teacher_name(text: str) -> str:
    from nanoneuron_tui.serve.identity import is_plain_name

    if not is_plain_name(text):
        raise argparse.ArgumentTypeError(f"a teacher's name is letters, digits, _ and - (up to 32), not {text!r}")
    return text


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text}")
    return port


def default_state_dir() -> Path:
    import platformdirs

    return platformdirs.user_state_path("nanoneuron") / "serve"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nanoneuron serve", description="Serve the app to a class.")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{ssh,web,class,results}")

    ssh = kinds.add_parser(
        "ssh",
        help="an SSH server whose only program is the app",
        description="An SSH server whose only program is the app: students type `ssh -p PORT name@host`.",
    )
    ssh.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    ssh.add_argument("--port", type=_port, default=2222, help="port (default %(default)s)")
    ssh.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where each user's directory and the host key live (default: the platform's state directory)",
    )
    ssh.add_argument(
        "--host-key",
        type=Path,
        default=None,
        help="the server's private host key (default STATE_DIR/host_key; made on first start)",
    )
    auth = ssh.add_mutually_exclusive_group()
    auth.add_argument(
        "--authorized-keys",
        type=Path,
        metavar="FILE",
        help="let in the holders of these public keys (the default mode; default file ~/.ssh/authorized_keys)",
    )
    auth.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="let in anyone who types the class password on this file's first line",
    )
    auth.add_argument("--open", action="store_true", help="let anyone in (a key, if offered, keeps students apart)")
    ssh.add_argument(
        "--teacher",
        type=_teacher_name,
        action="append",
        default=[],
        metavar="NAME",
        help="NAME logs in with a key only and sees the class instead of an app (repeatable)",
    )
    ssh.add_argument(
        "--teacher-keys",
        type=Path,
        metavar="FILE",
        help="the public keys a teacher may log in with (default: the --authorized-keys file)",
    )
    ssh.add_argument("--max-sessions", type=_positive(int), default=64, help="sessions at once (default %(default)s)")
    ssh.add_argument(
        "--max-per-user",
        type=_positive(int),
        default=1,
        help="sessions per user at once; one more takes over the oldest (default %(default)s)",
    )
    ssh.add_argument(
        "--idle-timeout",
        type=_positive(float),
        default=7200.0,
        metavar="SECONDS",
        help="close a session after this long without a key press (default 2 h)",
    )
    # For tests and the benchmark: how fast a silent client is noticed.
    ssh.add_argument("--keepalive", type=_positive(float), default=9.0, help=argparse.SUPPRESS)
    ssh.add_argument("--failed-auth-delay", type=float, default=2.0, help=argparse.SUPPRESS)

    for name, summary in (
        ("class", "the teacher's view of the class, in this terminal"),
        ("results", "write the class's results as CSV into the state directory and print its name"),
    ):
        tool = kinds.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        tool.add_argument("--state-dir", type=Path, default=None, help="the class's state directory (as served)")

    web = kinds.add_parser(
        "web",
        help="a web server: one app per browser tab (no authentication)",
        description="Serve the app in the browser with textual-serve, one process per tab. "
        "There is no authentication: put it behind a reverse proxy that has some.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    web.add_argument("--port", type=_port, default=8000, help="port (default %(default)s)")
    web.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where each tab's directory lives while it is open (default: the platform's state directory)",
    )
    web.add_argument(
        "--public-url", default=None, help="the URL browsers reach the server at, if a proxy stands in front of it"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    state_dir = args.state_dir or default_state_dir()
    if args.kind == "class":
        from nanoneuron_tui.serve.class_view import ClassView

        ClassView(state_dir).run()
        return 0
    if args.kind == "results":
        return write_results(state_dir)
    if args.kind == "web":
        from nanoneuron_tui.serve.web import serve_web

        return serve_web(host=args.host, port=args.port, state_dir=state_dir, public_url=args.public_url)
    return serve_ssh(args, state_dir)


def write_results(state_dir: Path) -> int:
    from nanoneuron_tui.serve.roster import Roster, export_results

    rows = Roster(state_dir).rows()
    if not rows:
        print(f"nanoneuron serve: error: no student has a session in {state_dir}", file=sys.stderr)
        return EXIT_USAGE
    try:
        path = export_results(state_dir, rows)
    except OSError as problem:
        print(f"nanoneuron serve: error: cannot write the results: {problem.strerror or problem}", file=sys.stderr)
        return 1
    print(path)
    return 0


def teacher_keys(args: argparse.Namespace) -> asyncssh.SSHAuthorizedKeys | None:
    """The keys that prove a teacher, or None when no teacher is named. Raises AuthSetupError."""
    from nanoneuron_tui.serve.auth import AuthPolicy, AuthSetupError

    if not args.teacher:
        if args.teacher_keys:
            raise AuthSetupError("--teacher-keys needs --teacher NAME: whose keys are they?")
        return None
    path = args.teacher_keys or args.authorized_keys or Path.home() / ".ssh" / "authorized_keys"
    return AuthPolicy.from_authorized_keys(path).authorized_keys


def serve_ssh(args: argparse.Namespace, state_dir: Path) -> int:
    from nanoneuron_tui.serve.auth import AuthPolicy, AuthSetupError
    from nanoneuron_tui.serve.keys import load_or_create_host_key
    from nanoneuron_tui.serve.ssh import ServeSettings

    try:
        if args.open:
            policy = AuthPolicy.open()
        elif args.password_file:
            policy = AuthPolicy.from_password_file(args.password_file)
        else:
            policy = AuthPolicy.from_authorized_keys(args.authorized_keys or Path.home() / ".ssh" / "authorized_keys")
        keys_of_teachers = teacher_keys(args)
    except AuthSetupError as problem:
        print(f"nanoneuron serve: error: {printable(str(problem))}", file=sys.stderr)
        return EXIT_USAGE
    host_key_path = args.host_key or state_dir / "host_key"
    try:
        host_key, made = load_or_create_host_key(host_key_path)
    except (OSError, ValueError) as problem:
        problem_line = f"nanoneuron serve: error: cannot use the host key {host_key_path}: {problem}"
        print(printable(problem_line), file=sys.stderr)
        return EXIT_USAGE
    settings = ServeSettings(
        state_dir=state_dir,
        policy=policy,
        max_sessions=args.max_sessions,
        max_per_user=args.max_per_user,
        idle_timeout=args.idle_timeout,
        keepalive_interval=args.keepalive,
        failed_auth_delay=args.failed_auth_delay,
        teachers=frozenset(args.teacher),
        teacher_keys=keys_of_teachers,
    )
    print(
        f"host key {host_key_path} ({'made now' if made else 'loaded'}): {host_key.get_fingerprint()}", file=sys.stderr
    )
    return asyncio.run(_run_ssh(settings, host_key, args.host, args.port))


async def _run_ssh(settings: ServeSettings, host_key: asyncssh.SSHKey, host: str, port: int) -> int:
    from nanoneuron_tui.serve.auth import OPEN
    from nanoneuron_tui.serve.ssh import NanoNeuronSSHServer, log

    server = NanoNeuronSSHServer(settings, host_key)
    try:
        port = await server.start(host, port)
    except OSError as problem:
        print(
            f"nanoneuron serve: error: cannot listen on {host}:{port}: {problem.strerror or problem}", file=sys.stderr
        )
        return EXIT_USAGE
    if settings.policy.mode == OPEN:
        print("\033[1mOPEN: anyone who can reach this port gets a session, no password asked.\033[0m", file=sys.stderr)
    log(f"listening on {host}:{port} ({settings.policy.mode}); students type: ssh -p {port} NAME@{host}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log(f"stopping: hanging up {server.classroom.count} sessions")
    try:
        await asyncio.wait_for(server.stop(), SHUTDOWN_DEADLINE - 0.5)
    except TimeoutError:
        log("some sessions did not end in time")
    return 0
