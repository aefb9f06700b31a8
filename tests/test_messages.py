"""Messages that say what is wrong, where, in our words (issue 22, "weak messages").

Each was found saying too little or saying it in someone else's words: a size in the
wrong unit, a file not named, Python's csv wording, a model not named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nanoneuron_tui import persist
from nanoneuron_tui.core.data import DataError, DataSpec, build_data
from nanoneuron_tui.params import Hyperparameters, format_size, parse_size
from tests.helpers import Notifications, wait_for


def nanoneuron(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanoneuron_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def one_line_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


# -- sizes in units that fit ----------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (1500, "1.5 KB"),
        (999_499, "999 KB"),
        (999_500, "1 MB"),  # rounds up into the next unit, never "1e+03 KB"
        (3_920_000, "3.92 MB"),
        (6 * 10**9, "6 GB"),
        (2 * 10**15, "2,000 TB"),
    ],
)
def test_a_size_is_shown_in_the_unit_that_fits(size, shown):
    assert format_size(size) == shown


@pytest.mark.unit
@pytest.mark.parametrize("size", [1, 7, 1000, 25_000, 5 * 10**6, 10**9, 3 * 10**12])
def test_a_shown_size_reads_back_as_the_same_size(size):
    assert parse_size(format_size(size).removesuffix(" bytes").removesuffix(" byte").replace(" ", "")) == size


@pytest.mark.unit
def test_a_history_over_a_small_limit_says_both_sizes_in_units_that_fit(tmp_path):
    stderr = one_line_usage_error(nanoneuron("train", "--history", str(tmp_path / "h.csv"), "--history-limit", "1kB"))
    assert "a history of 70,000 epochs would take about 3.92 MB, over the limit of 1 KB" in stderr


# -- CSV files: the file and the line, in our words -----------------------------------------------


@pytest.mark.unit
def test_x_values_too_close_to_fit_a_line_name_the_file_and_the_values(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("1e-300,1\n2e-300,2\n3e-300,3\n4e-300,4\n5e-300,5\n")
    with pytest.raises(DataError) as refused:
        build_data(DataSpec(csv=str(path)))
    message = str(refused.value)
    assert message.startswith(f"{path}: the x values, from 1e-300 to ")
    assert "too close together to fit a line" in message


@pytest.mark.unit
def test_a_split_that_leaves_one_x_for_training_names_the_file(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("1,1\n1,2\n2,3\n")
    refusals = []
    for seed in range(8):  # some seeds send the one row with x = 2 to the test split
        try:
            build_data(DataSpec(csv=str(path), split_seed=seed))
        except DataError as problem:
            refusals.append(str(problem))
    assert refusals, "no split seed left a single x value for training"
    assert all(message.startswith(f"{path}: every training row has x = 1") for message in refusals)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"x,y\r1,2\r3,4\r5,6\r", "line 1: lines end in a carriage return alone"),
        (b"1,2\r3,4\r5,7\r", "line 1: lines end in a carriage return alone"),
        (b'1,2\n"3,4\n5,6\n', "line 2: a quote is opened and never closed"),
        (b'1,2\n"3"x,4\n5,6\n', "line 2: a quoted cell has text after its closing quote"),
    ],
    ids=["cr-only", "cr-only-no-header", "open-quote", "after-quote"],
)
def test_what_the_csv_reader_refuses_is_said_in_our_words(tmp_path, content, said):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    stderr = one_line_usage_error(nanoneuron("train", "--data", str(path)))
    assert f"{path}, {said}" in stderr
    for python_words in ("new-line character", "universal-newline", "expected after", "unexpected end of data"):
        assert python_words not in stderr


# -- a model whose data is gone ---------------------------------------------------------------


@pytest.fixture
def model_of_a_moved_csv(tmp_path) -> tuple[Path, Path]:
    data_file = tmp_path / "points.csv"
    data_file.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n")
    model = tmp_path / "model.json"
    persist.save_model(
        model,
        w=1.9,
        b=0.1,
        epoch=10,
        init=(0.5, 0.5),
        hyper=Hyperparameters(w0=0.5, b0=0.5),
        data=build_data(DataSpec(csv=str(data_file))),
    )
    data_file.unlink()
    return model, data_file


@pytest.mark.unit
def test_a_model_whose_csv_is_gone_is_named_at_start(model_of_a_moved_csv):
    model, data_file = model_of_a_moved_csv
    stderr = one_line_usage_error(nanoneuron("--load-model", str(model)))
    assert f"{model}: the data it was trained on cannot be loaded: {data_file} does not exist" in stderr


@pytest.mark.app
async def test_a_model_whose_csv_is_gone_is_named_when_loaded_in_the_app(model_of_a_moved_csv):
    from nanoneuron_tui.app import NanoNeuronApp
    from nanoneuron_tui.session import Session

    model, data_file = model_of_a_moved_csv
    notifications = Notifications()
    app = NanoNeuronApp(Session(Hyperparameters(w0=0.5, b0=0.5)))
    async with app.run_test(size=(100, 30), message_hook=notifications) as pilot:
        app.run_worker(lambda: app._load_model(model), thread=True)  # what the palette's Load model runs
        await wait_for(pilot, lambda: notifications.any("cannot be loaded"))
        assert notifications.any(f"{model}: the data it was trained on cannot be loaded: {data_file} does not exist")
