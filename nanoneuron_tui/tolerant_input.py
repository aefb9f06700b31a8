"""Keys from the terminal that are not UTF-8 are replaced, not fatal.

Textual 8.2.8's input thread (``LinuxDriver.run_input_thread``) decodes what the
terminal sends with a strict incremental UTF-8 decoder: one byte that is not
UTF-8 (``é`` from a Latin-1 terminal, ``\\x9b``, ``\\xff``) raises
``UnicodeDecodeError`` in that thread, and the app ends with a traceback; over
``serve ssh`` a student sees the server's paths. The decoder is the one thing to
change: the thread takes it from its module's ``getincrementaldecoder`` each time
it starts, so ``install`` gives that module a version whose decoders replace
what they cannot decode with U+FFFD (a key no binding has; in a field, a
character its check refuses) and go on.

Only for the Textual this was written against (pinned in pyproject.toml): in
another, the driver may read keys another way, and it is left as it is.
"""

from __future__ import annotations

import codecs
import functools
from importlib.metadata import version

from textual.drivers import linux_driver

TEXTUAL_VERSION = "8.2.8"  # whose input thread decodes with linux_driver.getincrementaldecoder


def tolerant_incremental_decoder(encoding: str):
    """``codecs.getincrementaldecoder``, whose decoders replace bytes they cannot decode."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def install() -> bool:
    """Make the terminal's input thread tolerant; False (nothing changed) on another Textual."""
    if version("textual") != TEXTUAL_VERSION or not hasattr(linux_driver, "getincrementaldecoder"):
        return False
    linux_driver.getincrementaldecoder = tolerant_incremental_decoder  # type: ignore[attr-defined]
    return True
