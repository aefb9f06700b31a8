"""Keep user-typed file names inside one directory.

A served session (``nanoneuron serve``) belongs to a stranger at the other end
of a network link: whatever they type as a file name must land in their own
directory and nowhere else. ``confined`` turns a typed name into a path under
that directory, or says in one line why it will not.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class ConfinementError(ValueError):
    """A typed file name that would leave the user's directory."""


def confined(root: str | os.PathLike[str], typed: str) -> Path:
    """The path ``typed`` names inside ``root``, resolved; ConfinementError if it would leave it.

    Refused: an empty name, an absolute path, ``~``, any ``..`` step, and any
    name whose resolved location (after following symlinks) is outside ``root``.
    """
    name = typed.strip()
    if not name:
        raise ConfinementError("give a file name")
    if "\0" in name:
        raise ConfinementError(f"{name!r} is not a file name")
    parts = PurePosixPath(name)
    if parts.is_absolute() or name.startswith("~"):
        raise ConfinementError(f"{name}: give a name inside your folder, not an absolute path")
    if ".." in parts.parts:
        raise ConfinementError(f"{name}: '..' is not allowed; files stay inside your folder")
    home = Path(root).resolve()
    # resolve() follows every symlink on the way, so a link pointing out is seen for what it is.
    target = (home / parts).resolve()
    if target != home and home not in target.parents:
        raise ConfinementError(f"{name}: leads outside your folder (a symlink?)")
    return target


def as_seen_from(root: str | os.PathLike[str], text: object) -> str:
    """``text`` (a path, or a message naming one) with the paths in ``root`` named relative to it:
    what a served student may be told (the server's own paths are not theirs to know)."""
    shown = str(text)
    for folder in {str(root).rstrip("/"), str(Path(root).resolve())}:
        shown = shown.replace(folder + "/", "").replace(folder, "your folder")
    return shown
