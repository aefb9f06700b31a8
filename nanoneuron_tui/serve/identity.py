"""Who a client is, and the private directory their sessions live in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

SESSION_FILE = "session.json"
KEY_NAMES = "key-names"  # in the state directory: one empty file for each name a key user logged in with
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
_HASHED_NAME = re.compile(r".*-[0-9a-f]{16}")  # how the folder of a key user (or an odd name) ends


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
        with a key gets a hash suffix, so no two users can ever share a folder;
        so does a name that looks like such a folder's, so that no folder can be
        reached by typing its name.
        """
        if _PLAIN_NAME.fullmatch(self.name) and not _HASHED_NAME.fullmatch(self.name) and self.fingerprint is None:
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


def record_key_name(state_dir: Path, user: User) -> None:
    """A user logged in with a key: a name first used that way needs a key from now on
    (name_needs_a_key). A name someone used without a key first (their folder exists)
    stays theirs: a key cannot take it from them."""
    if user.fingerprint is None or (state_dir / "users" / User(user.name).directory_name).exists():
        return
    claim = _key_name_path(state_dir, user.name)
    claim.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    claim.touch(mode=0o600)


def name_needs_a_key(state_dir: Path, name: str) -> bool:
    """Whether someone has logged in as ``name`` with a key: then nobody may use it without one
    (with --open, a keyless login by that name would pass for them)."""
    return _key_name_path(state_dir, name).exists()


def _key_name_path(state_dir: Path, name: str) -> Path:
    # Hashed: a name may hold any character, and is not shown by listing the directory.
    return state_dir / KEY_NAMES / hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:32]
