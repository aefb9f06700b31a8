"""`nanoneuron train` when its output cannot be written (issue 22 item 13, issue 17's `| head -1`).

A reader that goes away ends the program quietly with exit code 141, as it ends
`yes`; any other failed write is one line on standard error and exit code 1, never
a traceback and never the usage code 2. Each case has its real cause: a pipe whose
reader has closed, /dev/full, a closed descriptor, a file-size limit for a full disk.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from nanoneuron_tui import exit_codes

pytestmark = pytest.mark.unit

TRAIN = [sys.executable, "-m", "nanoneuron_tui", "train", "--w0", "0.5", "--b0", "0.5"]
# More history than a pipe buffers (64 KiB), so the writer is still writing when the reader goes.
LONG_HISTORY = ["--epochs", "100000", "--history", "-"]
TIMEOUT = 60


def closed_pipe() -> int:
    """The write end of a pipe whose reader is already gone: the first write fails, every time."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


def run(args: list[str], **streams) -> subprocess.CompletedProcess[str]:
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
    result = subprocess.run([*TRAIN, *args], text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, **streams)
    for stream in streams.values():
        if isinstance(stream, int) and stream > 2:
            os.close(stream)
    return result


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == exit_codes.FAILED, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# -- a closed pipe: quiet ----------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["--json"], LONG_HISTORY], ids=["report", "json", "history"])
def test_a_reader_that_is_gone_ends_it_quietly(args):
    """`nanoneuron train | true`: nothing said, the shell's code for a closed pipe."""
    result = run(args, stdout=closed_pipe())
    assert result.returncode == exit_codes.PIPE_CLOSED == 141, result.stderr
    assert result.stderr == ""


def test_head_reads_the_first_lines_of_the_history_and_the_writer_goes_quietly():
    """`nanoneuron train --history - | head -1`: the reader leaves in mid-stream."""
    writer = subprocess.Popen(
        [*TRAIN, *LONG_HISTORY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.readline() == b"epoch,cost\n"
    writer.stdout.close()
    assert writer.wait(TIMEOUT) == exit_codes.PIPE_CLOSED
    # Nothing more is said, not even the report (it goes to standard error beside a streamed
    # history): a pipeline that has lost its reader stops, as Unix tools do.
    assert writer.stderr.read() == b""
    writer.stderr.close()


def test_a_closed_pipe_on_standard_error_ends_it_quietly_too():
    """`nanoneuron train --every 1 2>&1 | head -1`: the progress lines lose their reader."""
    result = run(["--every", "1"], stdout=subprocess.DEVNULL, stderr=closed_pipe())
    assert result.returncode == exit_codes.PIPE_CLOSED


# -- any other failed write: one line, exit 1 -----------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [[], ["--json"], LONG_HISTORY], ids=["report", "json", "history"])
def test_a_full_standard_output_is_one_line_and_exit_1(args):
    with open("/dev/full", "w") as full:
        result = run(args, stdout=full)
    assert_one_line_failure(result, "cannot write standard output: No space left on device")


@pytest.mark.parametrize("args", [[], LONG_HISTORY], ids=["report", "history"])
def test_a_closed_standard_output_is_said_before_any_work(args, tmp_path):
    """`nanoneuron train >&-`: today the report is silently lost and the exit code is 0."""
    model = tmp_path / "m.json"
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *TRAIN, *args, "--save-model", str(model)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert_one_line_failure(result, "standard output is closed")
    assert not model.exists()  # said before anything was done


def limit_file_size(size: int):
    """A full disk, made exact: writing past ``size`` bytes fails with EFBIG (Python ignores SIGXFSZ)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_a_history_file_that_cannot_be_written_is_one_line_and_exit_1(tmp_path):
    history = tmp_path / "h.csv"
    result = run(
        ["--epochs", "100000", "--history", str(history)], preexec_fn=limit_file_size(10_000), stdout=subprocess.DEVNULL
    )
    assert_one_line_failure(result, f"cannot write {history}: File too large")
    assert os.listdir(tmp_path) == []  # no history, and no temporary file left beside it


def test_a_model_that_cannot_be_written_is_one_line_and_exit_1(tmp_path):
    model = tmp_path / "m.json"
    result = run(["--epochs", "10", "--save-model", str(model)], preexec_fn=limit_file_size(50))
    assert_one_line_failure(result, f"cannot write {model}: File too large")
    assert os.listdir(tmp_path) == []


def test_a_refused_output_is_still_the_usage_code(tmp_path):
    """A directory for --history is a bad argument, said before training: exit 2, not 1."""
    result = run(["--history", str(tmp_path)])
    assert result.returncode == exit_codes.USAGE, result.stderr
    assert "not a regular file" in result.stderr


def test_a_plain_run_still_ends_well():
    result = run(["--epochs", "10"])
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("Initial parameters: { w: 0.5, b: 0.5 }")
