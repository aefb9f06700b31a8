"""Files that are not what they seem: FIFOs, devices, symlinks, huge or endless files.

Issue 11, items 4, 5 and 8. Every node here is made by the test in its own
folder; nothing touches the machine's /dev (as root, a regression would
replace a device node with a regular file).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.core.data import DataError, DataSpec, build_data
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session

pytestmark = pytest.mark.unit

# A command that hangs (a FIFO nobody writes to) fails the test by this timeout.
HANG = 30


def nanoneuron(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanoneuron_tui", *args],
        capture_output=True,
        text=True,
        timeout=HANG,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def saved_model(path: Path, preset: str = "c2f") -> Path:
    data = build_data(DataSpec(preset=preset))
    persist.save_model(
        path, w=1.7, b=30.0, epoch=500, init=(0.5, 0.5), hyper=Hyperparameters(w0=0.5, b0=0.5), data=data
    )
    return path


# -- item 4: what we write replaces only regular files -------------------------------------


@pytest.mark.parametrize("flag", ["--history", "--save-model"])
def test_writing_to_a_fifo_is_refused_and_the_fifo_stays(fifo, flag):
    result = nanoneuron("train", "--epochs", "10", flag, str(fifo))
    one_line_error(result, str(fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a regular file


def test_a_directory_or_device_is_never_a_write_target(tmp_path):
    with pytest.raises(persist.PersistError, match="directory"):
        persist.replaceable_target(tmp_path)
    with pytest.raises(persist.PersistError, match="device"):
        persist.replaceable_target("/dev/null")  # only looked at, never written


def test_a_symlink_is_followed_and_its_target_replaced(tmp_path):
    real = tmp_path / "models" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "model.json"
    link.symlink_to(real)
    result = nanoneuron("train", "--epochs", "10", "--save-model", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert persist.load_model(real).epoch == 10
    assert sorted(os.listdir(real.parent)) == ["real.json"]  # the temporary file was renamed beside the target


def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "history.csv"
    link.symlink_to(tmp_path / "made.csv")
    result = nanoneuron("train", "--epochs", "3", "--history", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (tmp_path / "made.csv").read_text().splitlines()[0] == "epoch,cost"


def test_a_symlink_to_a_fifo_is_refused(tmp_path, fifo):
    link = tmp_path / "link.csv"
    link.symlink_to(fifo)
    one_line_error(nanoneuron("train", "--epochs", "3", "--history", str(link)), "FIFO")
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)


def test_replacing_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "model.json"
    saved_model(path)
    path.chmod(0o600)
    saved_model(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_history_dash_streams_to_standard_output_and_the_report_to_standard_error():
    result = nanoneuron("train", "--w0", "0.5", "--b0", "0.5", "--epochs", "5", "--history", "-")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "epoch,cost" and [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2", "3", "4"]
    assert "Cost after the training" in result.stderr


def test_history_to_standard_output_through_a_pipe_is_refused_by_name_not_replaced(tmp_path):
    # What /dev/stdout is: a link to the process's output, here a pipe. The link is the
    # test's own, so even a regression could only replace it, never the machine's /dev/stdout.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    result = nanoneuron("train", "--epochs", "3", "--history", str(link))
    one_line_error(result, "FIFO")
    assert link.is_symlink()


# -- item 5: what we read is a regular file of bounded size, and reading never waits ---------


def test_data_from_a_fifo_is_refused_at_once(fifo):
    one_line_error(nanoneuron("train", "--data", str(fifo)), str(fifo), "FIFO")


def test_a_model_from_a_fifo_is_refused_at_once(fifo, tmp_path):
    one_line_error(nanoneuron("--load-model", str(fifo), "--state", str(tmp_path / "s.json")), "FIFO")


def test_resuming_from_a_fifo_is_refused_at_once(fifo):
    one_line_error(nanoneuron("--resume", "--state", str(fifo)), "FIFO")


def test_devices_are_refused_without_reading_them():
    # In a child with little memory and a deadline: a regression that reads /dev/zero
    # must fail this test, not fill the machine's memory.
    code = """if True:
        from nanoneuron_tui import persist
        from nanoneuron_tui.core.data import DataError, DataSpec, build_data
        for load, path in ((lambda p: build_data(DataSpec(csv=p)), "/dev/zero"),
                           (persist.load_model, "/dev/zero"), (persist.load_session, "/dev/urandom")):
            try:
                load(path)
            except (DataError, persist.PersistError) as problem:
                print(problem)
    """

    def little_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG, preexec_fn=little_memory
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all("device" in line for line in lines), result.stdout + result.stderr


def test_a_huge_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    huge = tmp_path / "model.json"
    with huge.open("wb") as file:
        file.truncate(persist.MAX_FILE_BYTES + 1)  # sparse: no disk, no reading
    with pytest.raises(persist.PersistError, match="too large"):
        persist.load_model(huge)
    with pytest.raises(persist.PersistError, match="too large"):
        persist.load_session(huge)


def test_a_csv_beyond_the_size_cap_is_refused(tmp_path, monkeypatch):
    from nanoneuron_tui.core import csv_data

    path = tmp_path / "big.csv"
    path.write_text("1,2\n3,4\n")
    monkeypatch.setattr(csv_data, "MAX_CSV_BYTES", 4)
    with pytest.raises(DataError, match="too large"):
        build_data(DataSpec(csv=str(path)))


def test_a_line_without_end_is_refused_not_read_forever(tmp_path):
    from nanoneuron_tui.core import csv_data

    path = tmp_path / "one-line.csv"
    path.write_bytes(b"1" * (csv_data.MAX_LINE_BYTES + csv_data.CHUNK_BYTES + 10))
    with pytest.raises(DataError, match="too long"):
        build_data(DataSpec(csv=str(path)))


def test_a_csv_of_exactly_two_gibibytes_is_read_and_one_byte_more_is_not(tmp_path):
    from nanoneuron_tui.core import csv_data

    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(2 * 1024**3)  # sparse: NUL bytes on no disk, refused after the first read
    with pytest.raises(DataError, match="too long to be a row"):
        csv_data.read_csv(path)
    with path.open("ab") as file:
        file.truncate(2 * 1024**3 + 1)
    with pytest.raises(DataError, match="too large"):
        csv_data.read_csv(path)


def test_a_line_of_64_kibibytes_without_an_end_is_read_and_one_byte_longer_is_not(tmp_path):
    from nanoneuron_tui.core import csv_data

    path = tmp_path / "one-line.csv"
    path.write_bytes(b"1" * 65536)  # one cell: read to the end, then refused for its columns
    with pytest.raises(DataError, match="line 1: 1 columns, expected 2"):
        csv_data.read_csv(path)
    path.write_bytes(b"1" * 65537)
    with pytest.raises(DataError, match="too long to be a row of x,y \\(over 65,536 bytes\\)"):
        csv_data.read_csv(path)


def test_a_file_name_with_a_nul_byte_is_one_line(tmp_path):
    with pytest.raises(DataError, match="not a usable file name"):
        build_data(DataSpec(csv="bad\0name.csv"))
    with pytest.raises(persist.PersistError, match="not a usable file name"):
        persist.load_model("bad\0name.json")


def test_unreadable_files_say_so(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = saved_model(tmp_path / "m.json")
    path.chmod(0)
    with pytest.raises(persist.PersistError, match="permission denied"):
        persist.load_model(path)


# -- item 8: a session remembers its data file by its full path -----------------------------


def test_a_relative_data_path_is_stored_resolved_so_resume_works_from_elsewhere(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "data.csv").write_text("x,y\n" + "".join(f"{x},{3 * x + 1}\n" for x in range(20)))
    result = nanoneuron("train", "--data", "data.csv", "--epochs", "5", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"]["source"] == str(folder / "data.csv")

    here = os.getcwd()
    try:
        os.chdir(folder)
        session = Session(Hyperparameters(w0=0.1, b0=0.2), build_data(DataSpec(csv="data.csv")))
    finally:
        os.chdir(here)
    state = tmp_path / "session.json"
    persist.save_session(session, state)
    assert json.loads(state.read_text())["session"]["data"]["csv"] == str(folder / "data.csv")
    assert persist.load_session(state).data.name == "data.csv"  # from another directory


def test_a_failed_save_on_quit_exits_non_zero(tmp_path, monkeypatch, capsys):
    """run_app returns non-zero when the session could not be saved."""
    from nanoneuron_tui import app as app_module
    from nanoneuron_tui import lifecycle
    from nanoneuron_tui.session_file import SessionFile

    def disk_full(session, path):
        raise persist.PersistError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(persist, "save_session", disk_full)
    monkeypatch.setattr(app_module.NanoNeuronApp, "run", lambda self: (self.session.step(), self.save_session()))
    monkeypatch.setattr(app_module, "missing_terminal", lambda: None)  # the app's run, stubbed, needs none
    session_file = SessionFile.claim(tmp_path / "session.json", resuming=False)
    watch = lifecycle.SignalWatch(lifecycle.Terminal.of_this_process())  # not started: no signal comes
    assert app_module.run_app(Session(), session_file=session_file, watch=watch) != 0
    assert "not saved" in capsys.readouterr().err


# -- item 12: a field takes a number's worth of text, and says what is wrong briefly ----------


async def test_every_field_is_capped_and_a_flood_of_text_gets_a_short_message():
    from textual.widgets import Input

    from nanoneuron_tui import params
    from tests.helpers import focus, make_app

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")  # the data dialog's fields too
        await pilot.pause()
        fields = list(app.screen.query(Input)) + list(app.screen_stack[0].query(Input))
        assert fields and all(field.max_length for field in fields)
        numeric = [field for field in fields if field.id not in ("data-csv",)]
        assert all(field.max_length <= params.MAX_FIELD_CHARS for field in numeric)
        await pilot.press("escape")
        alpha = app.query_one("#field-alpha", Input)
        await focus(pilot, alpha)
        alpha.value = ""
        await pilot.press(*["7"] * (params.MAX_FIELD_CHARS + 20))  # typing stops at the cap
        assert len(alpha.value) == params.MAX_FIELD_CHARS
    for parse in (params.parse_alpha, params.parse_epoch, params.parse_size, params.parse_seed):
        with pytest.raises(ValueError) as caught:
            parse("٧" * 5000)
        assert len(str(caught.value)) < 80


# -- issue 22: the app's own session file, and no terminal ------------------------------------


def test_a_session_file_that_is_a_directory_is_refused_at_start_touching_nothing(tmp_path):
    projects = tmp_path / "projects"
    (projects / "src").mkdir(parents=True)
    (projects / "src" / "main.c").write_text("int main;")
    before = sorted(tmp_path.rglob("*"))
    one_line_error(nanoneuron("--state", str(projects)), str(projects), "directory")
    assert sorted(tmp_path.rglob("*")) == before


def test_a_session_file_that_is_a_fifo_is_refused_at_start(fifo, tmp_path):
    one_line_error(nanoneuron("--state", str(fifo)), str(fifo), "FIFO")
    assert sorted(tmp_path.iterdir()) == [fifo]


def test_without_a_terminal_the_app_says_so_and_exits(tmp_path):
    """``setsid nanoneuron </dev/null >out &`` spun two threads forever."""
    result = nanoneuron("--state", str(tmp_path / "s.json"))
    one_line_error(result, "no terminal", "nanoneuron train")
    assert not (tmp_path / "s.json").exists()
