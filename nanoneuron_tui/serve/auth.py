"""Who may log in: anyone (--open), listed keys (--authorized-keys) or a class password.

Failed passwords are answered slowly and counted per source address; an
address with too many recent failures is turned away at once.
"""

from __future__ import annotations

import hmac
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from nanoneuron_tui.core.files import FileRefused, read_regular

MAX_PASSWORD_FILE_BYTES = 4096  # a password on the first line, perhaps a comment after it
MAX_AUTHORIZED_KEYS_BYTES = 4 * 1024 * 1024  # some 5,000 keys
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


@dataclass
class FailureLedger:
    """Failed logins per source address over a sliding window."""

    limit: int = 20
    window: float = 600.0
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def record(self, address: str) -> None:
        self._failures[address].append(time.monotonic())

    def blocked(self, address: str) -> bool:
        recent = self._failures.get(address)
        if not recent:
            return False
        horizon = time.monotonic() - self.window
        while recent and recent[0] < horizon:
            recent.popleft()
        if not recent:
            del self._failures[address]
            return False
        return len(recent) >= self.limit
