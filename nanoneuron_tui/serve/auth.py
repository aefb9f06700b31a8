"""Who may log in: anyone (--open), listed keys (--authorized-keys) or a class password.

Failed passwords and refused keys are counted per (user name, address) and
answered ever more slowly (Throttle); nobody is ever locked out.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from nanoneuron_tui.core.files import FileRefused, read_regular

MAX_PASSWORD_FILE_BYTES = 4096  # a password on the first line, perhaps a comment after it
MAX_AUTHORIZED_KEYS_BYTES = 4 * 1024 * 1024  # some 5,000 keys
FREE_KEY_TRIES = 3  # refused keys answered at once: an OpenSSH client offers every key it has
OPEN, KEYS, PASSWORD = "open", "authorized-keys", "password"


class AuthSetupError(Exception):
    """A key or password file that cannot be used; one line saying why."""


@dataclass
class AuthPolicy:
    mode: str
    authorized_keys: asyncssh.SSHAuthorizedKeys | None = None
    password: bytes | None = None

    @classmethod
    def open(cls) -> AuthPolicy:
        return cls(OPEN)

    @classmethod
    def from_authorized_keys(cls, path: Path) -> AuthPolicy:
        try:
            text = read_regular(path, MAX_AUTHORIZED_KEYS_BYTES, "keys file").decode("utf-8")
            return cls(KEYS, authorized_keys=asyncssh.import_authorized_keys(text))
        except (FileRefused, ValueError, asyncssh.KeyImportError) as problem:
            raise AuthSetupError(f"cannot read authorized keys from {path}: {problem}") from None

    @classmethod
    def from_password_file(cls, path: Path) -> AuthPolicy:
        try:
            lines = read_regular(path, MAX_PASSWORD_FILE_BYTES, "password file").decode("utf-8").splitlines()
        except (FileRefused, UnicodeDecodeError) as problem:
            raise AuthSetupError(f"cannot read the password file {path}: {problem}") from None
        if not lines or not lines[0]:
            raise AuthSetupError(f"the password file {path} is empty: its first line is the class password")
        return cls(PASSWORD, password=lines[0].encode("utf-8"))

    def accepts_key(self, key: asyncssh.SSHKey, address: str) -> bool:
        if self.mode == OPEN:
            return True
        if self.mode == KEYS and self.authorized_keys is not None:
            return self.authorized_keys.validate(key, "", address) is not None
        return False

    def accepts_password(self, password: str) -> bool:
        if self.mode != PASSWORD or self.password is None:
            return False
        # Constant time: how long the answer takes says nothing about how close the guess was.
        return hmac.compare_digest(password.encode("utf-8", "surrogateescape"), self.password)


class _Tries:
    """The failed tries of one name from one address, and the turn its tries wait for."""

    def __init__(self) -> None:
        self.failures = 0
        self.last = time.monotonic()
        self.turn = asyncio.Lock()


@dataclass
class Throttle:
    """Failed logins, per (user name, address): tries are judged one at a time, and each
    failure is answered after a delay that doubles, up to ``max_delay``.

    Never a lock-out: the right password or key gets in at its turn, however many wrong
    ones came before it. Per name as well as per address, so a class behind one NAT is
    not slowed by one student's typos (or by someone guessing at another's name).
    Failures older than ``window`` are forgotten, as are a name's once it gets in.
    """

    first_delay: float = 2.0
    max_delay: float = 20.0
    window: float = 600.0
    max_tracked: int = 10_000  # (name, address) pairs remembered at once: memory stays bounded
    _tries: dict[tuple[str, str], _Tries] = field(default_factory=dict)

    def delay(self, failures: int, free: int = 0) -> float:
        """How long the answer to the ``failures``-th failure waits; the first ``free`` ones do not."""
        if failures <= free:
            return 0.0
        return min(self.first_delay * 2.0 ** min(failures - free - 1, 32), self.max_delay)

    async def judge(
        self,
        user: str,
        address: str,
        check: Callable[[], bool],
        *,
        free: int = 0,
        on_failure: Callable[[int, float], object] = lambda failures, delay: None,
    ) -> bool:
        """``check()`` in this (user, address)'s turn; on failure ``on_failure(failures, delay)``,
        then the delay, before the answer (and before the next try's turn)."""
        key = (user, address)
        tries = self._tries_of(key)
        async with tries.turn:
            if check():
                tries.failures = 0
                return True
            now = time.monotonic()
            if now - tries.last > self.window:
                tries.failures = 0
            tries.failures += 1
            tries.last = now
            delay = self.delay(tries.failures, free)
            on_failure(tries.failures, delay)
            await asyncio.sleep(delay)
            return False

    def failures(self, user: str, address: str) -> int:
        tries = self._tries.get((user, address))
        return 0 if tries is None else tries.failures

    def _tries_of(self, key: tuple[str, str]) -> _Tries:
        tries = self._tries.get(key)
        if tries is None:
            if len(self._tries) >= self.max_tracked:
                self._forget_idle()
            tries = self._tries[key] = _Tries()
        return tries

    def _forget_idle(self) -> None:
        """Make room: the stale first, then the oldest; never a pair whose tries are under way."""
        idle = sorted((tries.last, key) for key, tries in self._tries.items() if not tries.turn.locked())
        horizon = time.monotonic() - self.window
        stale = [key for last, key in idle if last < horizon] or [key for _, key in idle[: len(idle) // 2 + 1]]
        for key in stale:
            del self._tries[key]
