"""The server's host key: loaded, or generated on first start (mode 0600)."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from nanoneuron_tui.core.files import read_regular

MAX_HOST_KEY_BYTES = 64 * 1024  # an RSA key of 16,384 bits is under 13 kB


def load_or_create_host_key(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The host key at ``path`` and whether it was just made.

    Raises ValueError (a FileRefused or asyncssh.KeyImportError) or OSError, with one line.
    """
    if path.exists() or path.is_symlink():
        # A regular file of bounded size, never waited for (a FIFO, /dev/zero).
        return asyncssh.import_private_key(read_regular(path, MAX_HOST_KEY_BYTES, "private host key")), False
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL: never overwrite a key another server just wrote; 0600 from the first byte.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key.export_private_key())
    return key, True
