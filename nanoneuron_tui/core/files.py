"""Reading files we did not write: only regular files, only so large, never waiting.

``open()`` on a FIFO waits for a writer that may never come; on ``/dev/zero`` a
read never ends; a terminal device opened without care can become the process's
controlling terminal. Here a file is opened without blocking and without
following anything but ordinary symlinks, then looked at (``fstat`` on the open
descriptor, so it cannot be swapped in between) and refused unless it is a
regular file of bounded size.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(ValueError):
    """The file cannot be read; the message says why, in one line, naming it."""


def describe_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], limit: int, what: str) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file of at most ``limit`` bytes.

    Raises FileRefused otherwise; ``what`` names the kind of file expected ("CSV file").
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileRefused(f"{path} does not exist") from None
    except PermissionError:
        raise FileRefused(f"cannot read {path}: permission denied") from None
    except OSError as problem:
        raise FileRefused(f"cannot read {path}: {problem.strerror or problem}") from None
    except ValueError:  # a NUL character in the name
        raise FileRefused(f"{path!r} is not a usable file name") from None
    try:
        mode, size = (info := os.fstat(descriptor)).st_mode, info.st_size
        if not stat.S_ISREG(mode):
            raise FileRefused(f"{path} is {describe_kind(mode)}, not a {what}")
        if size > limit:
            raise FileRefused(f"{path} is too large for a {what} ({size:,} bytes; at most {limit:,})")
        # O_NONBLOCK means nothing for a regular file; reads simply return its bytes.
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes (see ``open_regular``)."""
    with open_regular(path, limit, what) as file:
        try:
            content = file.read(limit + 1)
        except OSError as problem:
            raise FileRefused(f"cannot read {path}: {problem.strerror or problem}") from None
    if len(content) > limit:  # it grew after we looked
        raise FileRefused(f"{path} is too large for a {what} (more than {limit:,} bytes)")
    return content
