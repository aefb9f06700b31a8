"""Who a client is, and the private directory their sessions live in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

SESSION_FILE = "session.json"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")


def is_plain_name(name: str) -> bool:
    """A name that can be a folder's name as it is."""
    return _PLAIN_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class User:
    """A username, plus the fingerprint of the key they proved they hold, if they used one."""

    name: str
    fingerprint: str | None = None

    def __str__(self) -> str:
        return self.name if self.fingerprint is None else f"{self.name} ({self.fingerprint})"

    @property
    def directory_name(self) -> str:
        """A file name for this user: readable, and different for every (name, key).

        A name that is not plain (dots, slashes, spaces, too long) or that comes
        with a key gets a hash suffix, so no two users can ever share a folder.
        """
        if _PLAIN_NAME.fullmatch(self.name) and self.fingerprint is None:
            return self.name
        readable = re.sub(r"[^A-Za-z0-9_-]", "_", self.name)[:32] or "_"
        digest = hashlib.sha256(f"{self.name}\0{self.fingerprint or ''}".encode()).hexdigest()[:16]
        return f"{readable}-{digest}"


def user_directory(state_dir: Path, user: User) -> Path:
    """The user's private directory, created (mode 0700) if needed."""
    users = state_dir / "users"
    users.mkdir(mode=0o700, parents=True, exist_ok=True)
    home = users / user.directory_name
    home.mkdir(mode=0o700, exist_ok=True)
    return home
