"""What `nanoneuron train` writes, and how it ends when a write fails.

Every headless writer (the report, its JSON form, progress lines, the cost
history, the saved model) writes inside ``writing``, which sorts a failure
into one of two kinds:

- the reader went away (``nanoneuron train | head -1``): ``PipeClosed``. The
  program ends quietly, as ``seq`` or ``yes`` do when a pipe closes: nothing on
  standard error and exit code 141 (``exit_codes.PIPE_CLOSED``, 128 + SIGPIPE,
  what the shell reports for a tool the closed pipe stopped);
- anything else (a full disk, ``/dev/full``, a closed descriptor): ``WriteFailed``,
  whose message names what could not be written. The program says it in one
  line on standard error and exits 1 (``exit_codes.FAILED``): never a
  traceback, never the usage code 2, never a silent success.

Files are written atomically (``persist.atomic_writer``), so a failure leaves no
half-written file either way.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Literal, TextIO

Stream = Literal["stdout", "stderr"]
NAMES: dict[Stream, str] = {"stdout": "standard output", "stderr": "standard error"}


class PipeClosed(Exception):
    """The reader of a pipe we write to has gone: end quietly."""


class WriteFailed(Exception):
    """An output could not be written; the message says which and why, in one line."""


@contextlib.contextmanager
def writing(target: str) -> Iterator[None]:
    """The writes in the block go to ``target`` (a file name, or "standard output"):
    a closed pipe raises PipeClosed, any other OSError WriteFailed naming ``target``."""
    try:
        yield
    except BrokenPipeError:
        raise PipeClosed(target) from None
    except OSError as problem:
        raise WriteFailed(f"cannot write {target}: {problem.strerror or problem}") from None


def stream(name: Stream) -> TextIO:
    """Standard output or error; WriteFailed if the program was started with it closed
    (``>&-``): Python then drops whatever is printed there, and the work would be lost unsaid."""
    opened = getattr(sys, name)
    if opened is None:
        raise WriteFailed(f"{NAMES[name]} is closed, so the report has nowhere to go")
    return opened


def write(name: Stream, text: str) -> None:
    """``text`` on standard output or error, flushed now, so a failure is caught here and
    not by Python's last flush at exit (which would print a traceback-like complaint)."""
    out = stream(name)
    with writing(NAMES[name]):
        out.write(text)
        out.flush()


def drop_unwritten() -> None:
    """Point standard output and error at /dev/null: what is still buffered for a closed
    pipe or a full disk is dropped, so the flush at exit has nothing left to fail on."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for opened in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # ValueError: a stream without a descriptor
                if opened is not None:
                    os.dup2(null, opened.fileno())
    finally:
        os.close(null)


def say(line: str) -> None:
    """One line on standard error, if it can take it (it may be closed or full too)."""
    with contextlib.suppress(PipeClosed, WriteFailed):
        write("stderr", f"{line}\n")
