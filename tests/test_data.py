"""Beyond the seed: presets, noise, your own CSV, the split, normalization."""

import dataclasses
import json
import math
import subprocess
import sys

import pytest
from textual.widgets import Input, Select

from nanoneuron_tui import persist
from nanoneuron_tui.core.data import PRESETS, DataError, DataSpec, LineFit, build_data, read_csv
from nanoneuron_tui.core.neuron import NanoNeuron, generate_data_sets, train_model
from nanoneuron_tui.core.trainer import Descent, max_stable_alpha
from nanoneuron_tui.params import Hyperparameters
from nanoneuron_tui.session import Session, State
from tests.helpers import make_app, nanoneuron, wait_for

# -- presets and noise -----------------------------------------------------------------


@pytest.mark.unit
def test_the_default_is_the_articles_data():
    data = build_data()
    x_train, y_train, x_test, y_test = generate_data_sets()
    assert list(data.x_train) == x_train and list(data.y_test) == y_test
    assert data.rule == (1.8, 32.0) and data.target_kind == "rule"


@pytest.mark.unit
@pytest.mark.parametrize("key", PRESETS)
def test_every_preset_is_a_linear_conversion(key):
    data = build_data(DataSpec(preset=key))
    w, b = data.rule
    assert len(data.x_train) == len(data.x_test) == 100
    assert data.train.w_best == pytest.approx(w) and data.train.b_best == pytest.approx(b, abs=1e-9)
    assert data.train.residual_cost < 1e-20
    assert data.x_label != data.y_label


@pytest.mark.unit
def test_fahrenheit_to_celsius_is_right():
    data = build_data(DataSpec(preset="f2c"))
    w, b = data.rule
    assert 212 * w + b == pytest.approx(100) and 32 * w + b == pytest.approx(0)


@pytest.mark.unit
def test_noise_is_seeded_and_keeps_the_rule_as_target():
    spec = DataSpec(noise=2.0, noise_seed=7)
    first, again, other = build_data(spec), build_data(spec), build_data(DataSpec(noise=2.0, noise_seed=8))
    assert list(first.y_train) == list(again.y_train) != list(other.y_train)
    assert list(first.x_train) == list(build_data().x_train)
    assert first.train.residual_cost > 1.0  # no line fits noisy data exactly
    assert first.target == (1.8, 32.0)
    spread = [y - (1.8 * x + 32) for x, y in zip(first.x_train, first.y_train)]
    assert 1.0 < math.sqrt(sum(e * e for e in spread) / len(spread)) < 3.0


# -- the split --------------------------------------------------------------------------


@pytest.mark.unit
def test_split_ratio_and_seed():
    spec = DataSpec(test_ratio=0.25, split_seed=3)
    data = build_data(spec)
    assert (len(data.x_train), len(data.x_test)) == (150, 50)
    everything = sorted(list(data.x_train) + list(data.x_test))
    base = build_data()
    assert everything == sorted(list(base.x_train) + list(base.x_test))
    assert list(build_data(spec).x_test) == list(data.x_test)
    assert list(build_data(DataSpec(test_ratio=0.25, split_seed=4)).x_test) != list(data.x_test)
    assert len(build_data(DataSpec(test_ratio=0.0)).x_test) == 0
    assert build_data(DataSpec(test_ratio=0.0)).test is None


# -- CSV files --------------------------------------------------------------------------


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.unit
def test_csv_with_and_without_a_header(tmp_path):
    xs, ys, x_label, y_label = read_csv(write(tmp_path, "km,miles\n0,0\n10,6.21371\n\n20,12.42742\n"))
    assert (list(xs), list(ys), x_label, y_label) == ([0, 10, 20], [0, 6.21371, 12.42742], "km", "miles")
    xs, ys, x_label, y_label = read_csv(write(tmp_path, "1, 2\n3, 4\n", "plain.csv"))
    assert (list(xs), list(ys), x_label, y_label) == ([1, 3], [2, 4], "x", "y")


@pytest.mark.unit
def test_csv_data_has_the_least_squares_line_as_target(tmp_path):
    path = write(tmp_path, "x,y\n" + "".join(f"{x},{2 * x + 1 + (-1) ** x}\n" for x in range(50)))
    data = build_data(DataSpec(csv=str(path)))
    assert data.rule is None and data.target_kind == "least-squares line"
    assert data.target == (pytest.approx(data.train.w_best), pytest.approx(data.train.b_best))
    assert (len(data.x_train), len(data.x_test)) == (40, 10)  # 20% held out by default
    assert (data.x_label, data.y_label) == ("x", "y")


CSV_PROBLEMS = {
    "a non-numeric cell": ("x,y\n1,2\n3,hot\n", "line 3: 'hot' is not a number"),
    "too many columns": ("1,2\n3,4,5\n", "line 2: 3 columns, expected 2"),
    "too few columns": ("1,2\n3\n", "line 2: 1 columns, expected 2"),
    "an empty file": ("", "has no data rows"),
    "a header only": ("x,y\n", "has no data rows"),
    "NaN": ("1,2\nnan,4\n", "line 2: 'nan' is not a finite number"),
    "inf": ("1,2\n2,-inf\n", "line 2: '-inf' is not a finite number"),
    "one distinct x": ("5,1\n5,2\n5,3\n", "at least two different values"),
    "a text header in the middle": ("1,2\nx,y\n", "line 2: 'x' is not a number"),
}


@pytest.mark.unit
@pytest.mark.parametrize("problem", CSV_PROBLEMS)
def test_every_csv_problem_names_itself_and_loads_nothing(tmp_path, problem):
    text, words = CSV_PROBLEMS[problem]
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        build_data(DataSpec(csv=str(path)))
    assert words in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.unit
def test_missing_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_csv(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)))
    with pytest.raises(DataError, match="not a text file"):
        read_csv(tmp_path / "bin.csv")
    with pytest.raises(DataError, match="directory"):
        read_csv(tmp_path)


@pytest.mark.unit
def test_a_large_csv_trains_per_epoch_like_a_small_one(tmp_path):
    rows = 200_000
    path = tmp_path / "big.csv"
    path.write_text("".join(f"{i / 1000},{1.8 * i / 1000 + 32}\n" for i in range(rows)))
    data = build_data(DataSpec(csv=str(path), normalize=True))
    assert len(data.x_train) + len(data.x_test) == rows
    # The trainer only ever sees the summary: the same arithmetic as for 100 points.
    descent = Descent(data.training_fits[0], 0.0, 0.0, 0.5)
    assert descent.cost(0) > 1 and descent.cost(200) < 1e-20


# -- normalization ----------------------------------------------------------------------


@pytest.mark.unit
def test_normalization_lets_a_large_alpha_converge_fast():
    plain = Session(Hyperparameters(w0=0.5, b0=0.5, alpha=0.5, epochs=60))
    plain.step(60)
    assert plain.state is State.DIVERGED
    normalized = Session(Hyperparameters(w0=0.5, b0=0.5, alpha=0.5, epochs=60), build_data(DataSpec(normalize=True)))
    normalized.step(60)
    view = normalized.view()
    assert normalized.state is State.FINISHED
    assert view.w == pytest.approx(1.8, rel=1e-9) and view.b == pytest.approx(32, rel=1e-9)  # in °F per °C
    assert max_stable_alpha(build_data(DataSpec(normalize=True)).training_fits[0]) == pytest.approx(2.0)


@pytest.mark.unit
def test_normalized_training_agrees_with_the_literal_port_on_standardized_x():
    data = build_data(DataSpec(normalize=True, noise=1.0))
    scaling = data.scaling
    xs = [(x - scaling.mean) / scaling.std for x in data.x_train]
    model = NanoNeuron(*data.to_training(0.3, 0.7))
    literal = train_model(model, 300, 0.1, xs, list(data.y_train))
    session = Session(Hyperparameters(w0=0.3, b0=0.7, alpha=0.1, epochs=300), data)
    session.step(300)
    view = session.view()
    final_cost = LineFit.of(xs, list(data.y_train)).cost(model.w, model.b)
    assert view.train_history[1] == pytest.approx([*literal, final_cost], rel=1e-9)
    assert (view.w, view.b) == (
        pytest.approx(data.from_training(model.w, model.b)[0], rel=1e-9),
        pytest.approx(data.from_training(model.w, model.b)[1], rel=1e-9),
    )


# -- the CLI -------------------------------------------------------------------------------


@pytest.mark.unit
def test_train_reports_the_data_it_used(tmp_path):
    result = nanoneuron(
        "train",
        "--preset",
        "km2mi",
        "--noise",
        "0.5",
        "--noise-seed",
        "2",
        "--test-ratio",
        "0.3",
        "--normalize",
        "--alpha",
        "0.5",
        "--epochs",
        "200",
        "--seed",
        "1",
        "--json",
        "--predict",
        "10",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    data = report["data"]
    assert (data["name"], data["x"], data["y"], data["train_size"], data["test_size"]) == (
        "Kilometres to miles",
        "km",
        "mi",
        140,
        60,
    )
    assert data["normalized"] and data["noise"] == 0.5 and data["test_ratio"] == 0.3
    assert data["target"] == {"w": 0.621371, "b": 0.0, "kind": "rule"}
    assert report["correct"] == pytest.approx(6.21371)
    assert report["w"] == pytest.approx(0.621371, rel=0.01)


@pytest.mark.unit
def test_train_on_a_csv_file(tmp_path):
    path = write(tmp_path, "hours,score\n1,52\n2,55\n3,61\n4,64\n5,70\n6,71\n7,77\n8,80\n9,86\n10,88\n")
    result = nanoneuron(
        "train", "--data", str(path), "--normalize", "--alpha", "0.3", "--epochs", "500", "--predict", "11"
    )
    assert result.returncode == 0, result.stderr
    assert 'NanoNeuron "thinks" that 11 hours in score is:' in result.stdout
    assert "The least-squares line says:" in result.stdout


@pytest.mark.unit
def test_a_bad_csv_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path, "1,2\n3,x\n")
    result = nanoneuron("train", "--data", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "line 2" in result.stderr and "Traceback" not in result.stderr
    result = nanoneuron("train", "--test-ratio", "0.95")
    assert result.returncode == 2 and "0.9" in result.stderr


# -- the app and saved sessions ---------------------------------------------------------------


@pytest.mark.app
async def test_data_dialog_switches_data_and_labels(tmp_path):
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n")
        await pilot.press("d")
        dialog = app.screen
        dialog.query_one("#data-preset", Select).value = "km2mi"
        dialog.query_one("#data-normalize").value = True
        dialog.query_one("#data-apply").press()
        await wait_for(pilot, lambda: app.session.data.name == "Kilometres to miles")
        view = app.session.view()
        assert view.epoch == 0 and view.data.name == "Kilometres to miles" and view.data.spec.normalize
        assert str(app.query_one("#ask-unit").content) == "km"
        await wait_for(pilot, lambda: "mi against km" in str(app.query_one("#fit-view").border_title))
        assert "(x normalized)" in str(app.query_one("#readouts").border_title)

        # A bad file is explained in the dialog and changes nothing.
        await pilot.press("d")
        dialog = app.screen
        (tmp_path / "bad.csv").write_text("1,2\n3,x\n")
        dialog.query_one("#data-csv", Input).value = str(tmp_path / "bad.csv")
        dialog.query_one("#data-apply").press()
        await wait_for(pilot, lambda: "line 2" in str(dialog.query_one("#data-message").content))
        await pilot.press("escape")
        assert app.session.data.name == "Kilometres to miles"


@pytest.mark.unit
def test_a_saved_session_remembers_its_data(tmp_path):
    data = build_data(DataSpec(preset="kg2lb", noise=0.2, test_ratio=0.1, normalize=True))
    session = Session(Hyperparameters(w0=0.1, b0=0.2, alpha=0.3), data)
    session.step(40)
    persist.save_session(session, tmp_path / "s.json")
    restored = persist.load_session(tmp_path / "s.json")
    assert restored.data.spec == data.spec
    assert (restored.view().w, restored.view().b) == (session.view().w, session.view().b)


@pytest.mark.app
async def test_a_csv_in_the_app_is_judged_against_the_best_line(tmp_path):
    path = write(tmp_path, "hours,score\n" + "".join(f"{h},{50 + 4 * h + (-1) ** h}\n" for h in range(20)))
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("d")
        app.screen.query_one("#data-csv", Input).value = str(path)
        app.screen.query_one("#data-apply").press()
        await wait_for(pilot, lambda: app.session.data.name == "data.csv")
        await pilot.pause()
        answer = str(app.query_one("#answer").content)
        assert "best line" in answer and "score" in answer
        assert str(app.query_one("#ask-unit").content) == "hours"


# -- the representable range (issue 11, item 9) ---------------------------------------------

OUT_OF_RANGE = {
    "y whose square overflows": ("x,y\n0,1\n1,1e155\n2,3\n", "line 3"),
    "x near the float limit": ("1e308,1\n2,3\n4,5\n", "line 1"),
    "x of 1e200": ("1,2\n1e200,5\n4,5\n", "line 2"),
    "just past the limit": ("1,2\n3,-1.0000001e15\n", "line 2"),
}


@pytest.mark.unit
@pytest.mark.parametrize("case", OUT_OF_RANGE)
def test_values_beyond_the_representable_range_are_refused_by_line(tmp_path, case):
    text, line = OUT_OF_RANGE[case]
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        build_data(DataSpec(csv=str(path)))
    message = str(caught.value)
    assert str(path) in message and f"{line}:" in message and "beyond" in message and "\n" not in message


@pytest.mark.unit
def test_values_at_the_limit_are_accepted_and_every_cost_stays_finite(tmp_path):
    path = write(tmp_path, "0,-1e15\n1e15,1e15\n5e14,0\n-1e15,3\n1,2\n")
    data = build_data(DataSpec(csv=str(path), test_ratio=0.0))
    fit = data.train
    for w, b in [(0.0, 0.0), (1e15, -1e15), (-1e15, 1e15)]:
        assert math.isfinite(fit.cost(w, b)) and all(map(math.isfinite, fit.gradient(w, b)))


@pytest.mark.unit
def test_a_best_line_beyond_the_range_is_refused(tmp_path):
    path = write(tmp_path, "0,0\n1e-150,1\n0,0.5\n1e-150,1.5\n")  # a slope of 1e150
    with pytest.raises(DataError, match="beyond"):
        build_data(DataSpec(csv=str(path), test_ratio=0.0))


# -- ASCII numbers, headers and quotes (issue 11, item 11) ------------------------------------

STRICT_CELLS = {
    "Arabic-Indic digits": ("x,y\n1,2\n٧٠,3\n", "line 3", "ASCII"),
    "an underscore": ("1,2\n0_0,3\n", "line 2", "'0_0' is not a number"),
    "a Unicode minus in the first row is not a header": ("−40,−40\n0,32\n", "line 1", "ASCII"),
    "thousands separators in quotes are not a header": ('"1,000","1,832"\n2,3\n', "line 1", "'1,000' is not a number"),
    "an unterminated quote": ('x,y\n1,2\n"3,4\n', "line 3", "line 3:"),
    "an empty cell": ("1,2\n3,\n", "line 2", "empty"),
    "a blank line's worth of spaces as a cell": ("1,2\n3,   \n", "line 2", "empty"),
    "hexadecimal": ("1,2\n0x10,3\n", "line 2", "'0x10' is not a number"),
}


@pytest.mark.unit
@pytest.mark.parametrize("case", STRICT_CELLS)
def test_only_plain_ascii_numbers_are_numbers(tmp_path, case):
    text, line, words = STRICT_CELLS[case]
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        build_data(DataSpec(csv=str(path)))
    message = str(caught.value)
    assert f"{line}:" in message and words in message and str(path) in message and "\n" not in message


@pytest.mark.unit
def test_the_forms_a_csv_may_take(tmp_path):
    rows = "".join(f"{x},{2 * x + 1}\n" for x in range(10))
    forms = {
        "quoted header": '"km","miles"\n' + rows,
        "byte order mark": "\ufeffkm,miles\n" + rows,
        "blank lines first and between": "\n\nkm,miles\n\n" + rows.replace("\n", "\n\n", 3),
        "windows line ends": ("km,miles\n" + rows).replace("\n", "\r\n"),
        "spaces around cells": "km , miles\n" + rows.replace(",", " , "),
        "no newline at the end": "km,miles\n" + rows.rstrip("\n"),
        "exponents and signs": "km,miles\n" + "".join(f"{x}e0,+{2 * x + 1}.0E+00\n" for x in range(10)),
    }
    for name, text in forms.items():
        xs, ys, x_label, y_label = read_csv(write(tmp_path, text, "form.csv"))
        assert list(xs) == list(range(10)) and list(ys) == [2 * x + 1 for x in range(10)], name
        assert (x_label, y_label) == ("km", "miles"), name


@pytest.mark.unit
def test_a_header_is_only_the_first_row(tmp_path):
    with pytest.raises(DataError, match="line 3: 'x' is not a number"):
        read_csv(write(tmp_path, "a,b\n1,2\nx,y\n"))


# -- the fast reader and the careful one agree (issue 11, item 14) ----------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nanoneuron_tui.core import csv_data  # noqa: E402

CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-1e16, max_value=1e16).map(lambda v: f"{v:.17g}"),
    st.integers(-(10**17), 10**17).map(str),
    st.text(alphabet="0123456789.eE+- _", min_size=0, max_size=8),
    st.text(max_size=4),
)
LINE = st.one_of(
    st.tuples(CELL, CELL).map(lambda cells: ",".join(cells)),
    st.lists(CELL, min_size=1, max_size=3).map(",".join),
    st.just(""),
)


@pytest.mark.unit
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=6))
def test_the_fast_way_reads_exactly_what_the_careful_way_reads(lines):
    """Whatever the bytes, the fast way either declines or gives the careful way's numbers."""
    chunk = ("\n".join(lines) + "\n").encode()
    if b"\r" in chunk:  # a carriage return inside a cell is another line to a reader: not a chunk we make
        return
    try:
        careful = csv_data._careful_rows(chunk, "f.csv", 1)
    except DataError:
        careful = None
    fast = csv_data._fast_rows(chunk)
    if fast is None:
        return
    assert careful is not None, chunk
    assert list(fast[0]) == list(careful[0]) and list(fast[1]) == list(careful[1]), chunk


@pytest.mark.unit
@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e15, 1e15), st.floats(-1e15, 1e15)), min_size=2, max_size=200))
def test_numbers_read_are_the_numbers_written(tmp_path_factory, rows):
    """Every value comes back bit for bit as Python's float() reads it."""
    path = tmp_path_factory.mktemp("csv") / "values.csv"
    path.write_text("".join(f"{x!r},{y!r}\n" for x, y in rows))
    columns = csv_data.read_csv(path) if len({x for x, _ in rows}) > 1 else None
    if columns is not None:
        assert list(columns.x) == [x for x, _ in rows] and list(columns.y) == [y for _, y in rows]


@pytest.mark.unit
def test_a_plain_file_never_takes_the_careful_way(tmp_path, monkeypatch):
    def refuse(*args):
        raise AssertionError("a plain chunk went the slow way")

    monkeypatch.setattr(csv_data, "CHUNK_BYTES", 4096)  # many chunks, each through the fast way
    path = write(tmp_path, "km,miles\n" + "".join(f"{i * 0.37!r},{i * 0.229!r}\n" for i in range(20_000)))
    careful = csv_data._careful_rows
    monkeypatch.setattr(
        csv_data, "_careful_rows", lambda chunk, where, line: careful(chunk, where, line) if line == 1 else refuse()
    )
    data = build_data(DataSpec(csv=str(path), test_ratio=0.25))
    assert len(data.x_train) + len(data.x_test) == 20_000 and (data.x_label, data.y_label) == ("km", "miles")


@pytest.mark.unit
def test_line_numbers_count_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "CHUNK_BYTES", 64)
    text = "x,y\n" + "".join(f"{i},{i}\n" for i in range(1, 300)) + "\n" + "7,seven\n"
    with pytest.raises(DataError, match="line 302: 'seven' is not a number"):
        read_csv(write(tmp_path, text))


@pytest.mark.unit
def test_growing_columns_keep_what_they_hold():
    from array import array

    columns = csv_data._Growing(2)
    columns.add(array("d", [1, 2]), array("d", [10, 20]))  # exactly full
    columns.add(array("d", [3]), array("d", [30]))  # one more: it grows from full
    columns.add(array("d", range(4, 20)), array("d", range(40, 200, 10)))  # more than twice its room
    assert columns.size == 19
    assert list(columns.x[:19]) == list(range(1, 20)) and list(columns.y[:19]) == list(range(10, 200, 10))


CSV_WORDS = {
    "an open quote": (b'1,2\n"3,4\n5,6\n', "line 2: a quote is opened and never closed"),
    "text after a quote": (b'1,2\n"3"x,4\n5,6\n', "line 2: a quoted cell has text after its closing quote"),
    "bare carriage returns": (
        b"x,y\r1,2\r3,4\r",
        "line 1: lines end in a carriage return alone (an old Mac format); save the file with ordinary line ends",
    ),
    "an empty cell": (b"1,2\n,3\n", "line 2: a cell is empty"),
    "a cell beyond the range": (
        b"1,2\n3,2e15\n",
        "line 2: '2e15' is beyond ±1e+15, the largest size NanoNeuron works with",
    ),
}


@pytest.mark.unit
@pytest.mark.parametrize("case", CSV_WORDS)
def test_what_a_csv_line_is_refused_for_is_said_exactly(tmp_path, case):
    content, words = CSV_WORDS[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        csv_data.read_csv(path)
    assert str(caught.value) == f"{path}, {words}"


@pytest.mark.unit
@pytest.mark.parametrize("content", [b"1,2\n\xff\xfe,3\n", b"1,2\n3,\x004\n"], ids=["not-utf-8", "nul"])
def test_a_line_that_is_not_text_is_named(tmp_path, content):
    path = tmp_path / "binary.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        csv_data.read_csv(path)
    assert str(caught.value) == f"{path} is not a text file (line 2 is not UTF-8 text)"


@pytest.mark.unit
def test_the_first_row_is_a_header_only_if_every_cell_is_a_name(tmp_path):
    # Numbers with letters in them (exponents) are data; cells without a letter name nothing.
    columns = csv_data.read_csv(write(tmp_path, "1e5,2e5\n3,4\n"))
    assert (list(columns.x), columns.x_label) == ([1e5, 3.0], "x")
    with pytest.raises(DataError, match="line 1: '#' is not a number"):
        csv_data.read_csv(write(tmp_path, "#,%\n1,2\n3,4\n"))
    with pytest.raises(DataError, match="line 1: 'km' is not a number"):
        csv_data.read_csv(write(tmp_path, "km,5\n1,2\n3,4\n"))


@pytest.mark.unit
def test_a_read_error_is_said_in_the_systems_words(tmp_path, monkeypatch):
    path = write(tmp_path, "1,2\n3,4\n")

    def fail(error: OSError):
        def read_rows(*args):
            raise error

        return read_rows

    monkeypatch.setattr(csv_data, "_read_rows", fail(OSError(5, "Input/output error")))
    with pytest.raises(DataError) as caught:
        csv_data.read_csv(path)
    assert str(caught.value) == f"cannot read {path}: Input/output error"
    monkeypatch.setattr(csv_data, "_read_rows", fail(OSError("the disk went away")))
    with pytest.raises(DataError) as caught:
        csv_data.read_csv(path)
    assert str(caught.value) == f"cannot read {path}: the disk went away"


@pytest.mark.unit
def test_a_chunk_of_anything_but_plain_numbers_goes_the_careful_way_without_polars(monkeypatch):
    import polars

    asked = []  # (an exception raised here would be taken for polars refusing the chunk)
    monkeypatch.setattr(polars, "read_csv", lambda chunk, **options: asked.append(chunk))
    for chunk in (b'"1","2"\n', b"1,nan\n", "٧,2\n".encode(), b"1_0,2\n"):
        assert csv_data._fast_rows(chunk) is None, chunk
    assert asked == []


@pytest.mark.unit
def test_values_at_the_limit_take_the_fast_way(tmp_path, monkeypatch):
    def refuse(*args):
        raise AssertionError("a plain chunk went the slow way")

    careful = csv_data._careful_rows
    monkeypatch.setattr(
        csv_data, "_careful_rows", lambda chunk, where, line: careful(chunk, where, line) if line == 1 else refuse()
    )
    columns = csv_data.read_csv(write(tmp_path, "x,y\n1e15,-1e15\n-1e15,1e15\n0,0\n"))
    assert list(columns.x) == [1e15, -1e15, 0.0] and list(columns.y) == [-1e15, 1e15, 0.0]


@pytest.mark.unit
def test_columns_outgrowing_the_first_guess_keep_every_value_in_order(tmp_path, monkeypatch):
    """The row count is guessed from the first chunk's lines: long ones there, short ones after,
    and the columns must grow (twice here) without losing or moving a value."""
    monkeypatch.setattr(csv_data, "CHUNK_BYTES", 1024)
    long_lines = "".join(f"{i},{' ' * 200}{-i}\n" for i in range(5))
    short_lines = "".join(f"{i},{-i}\n" for i in range(5, 5000))
    columns = csv_data.read_csv(write(tmp_path, long_lines + short_lines))
    assert list(columns.x) == list(range(5000)) and list(columns.y) == [-i for i in range(5000)]


@pytest.mark.unit
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=3, max_size=300))
def test_the_numpy_summaries_equal_the_exact_ones(rows):
    import numpy as np

    xs, ys = [x for x, _ in rows], [y for _, y in rows]
    if len(set(xs)) < 2:
        return
    exact = LineFit.of(xs, ys)
    fast = csv_data.summarise(np.array(xs), np.array(ys))
    scale = max(map(abs, xs + ys)) or 1.0
    assert fast.count == exact.count
    assert fast.x_mean == pytest.approx(exact.x_mean, rel=1e-12, abs=1e-12 * scale)
    assert fast.y_mean == pytest.approx(exact.y_mean, rel=1e-12, abs=1e-12 * scale)
    assert fast.x_variance == pytest.approx(exact.x_variance, rel=1e-9, abs=1e-12 * scale**2)
    for w, b in [(0.5, 0.5), (exact.w_best, exact.b_best), (-3.0, 100.0)]:
        assert fast.cost(w, b) == pytest.approx(exact.cost(w, b), rel=1e-9, abs=1e-12 * scale**2)


@pytest.mark.unit
def test_the_numpy_summaries_add_every_block_once(monkeypatch):
    """Blocks of 4 over 10 values: [0:4], [4:8], [8:10]; small whole numbers, so every sum is exact."""
    import numpy as np

    monkeypatch.setattr(csv_data, "SUMMARY_BLOCK", 4)
    xs = [float(x) for x in range(10)]
    ys = [2 * x + 1 + (-1) ** x for x in range(10)]
    fit = csv_data.summarise(np.array(xs), np.array(ys))
    exact = LineFit.of(xs, ys)
    assert dataclasses.replace(fit, residual_cost=0.0) == dataclasses.replace(exact, residual_cost=0.0)
    assert fit.residual_cost == pytest.approx(exact.residual_cost, rel=1e-14)  # its last bit is rounding
    assert (fit.count, fit.x_mean, fit.x_variance) == (10, 4.5, 8.25)  # var of 0..9: (100 - 1) / 12


@pytest.mark.unit
def test_the_numpy_summaries_of_one_x_and_of_a_narrow_spread():
    import numpy as np

    # One distinct x (a split can leave the training part so): no slope, the mean of y as the line.
    one_x = csv_data.summarise(np.array([5.0, 5.0]), np.array([1.0, 3.0]))
    assert (one_x.w_best, one_x.b_best, one_x.residual_cost) == (0.0, 2.0, 0.5)  # ((-1)² + 1²) / 2 / 2
    # x spread by less than 1 (sxx = 0.125) still gets its slope, and a line through both points.
    narrow = csv_data.summarise(np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    assert (narrow.w_best, narrow.b_best, narrow.residual_cost) == (2.0, 0.0, 0.0)


@pytest.mark.unit
def test_the_split_is_exact_seeded_and_keeps_every_row(tmp_path):
    path = write(tmp_path, "".join(f"{i},{-i}\n" for i in range(1000)))
    first = build_data(DataSpec(csv=str(path), test_ratio=0.3, split_seed=5))
    again = build_data(DataSpec(csv=str(path), test_ratio=0.3, split_seed=5))
    other = build_data(DataSpec(csv=str(path), test_ratio=0.3, split_seed=6))
    assert (len(first.x_train), len(first.x_test)) == (700, 300)
    assert list(first.x_test) == list(again.x_test) != list(other.x_test)
    assert sorted(list(first.x_train) + list(first.x_test)) == list(range(1000))
    assert all(y == -x for x, y in zip(first.x_train, first.y_train))  # rows stay whole
    assert isinstance(first.x_train[0], float) and first.bounds == (
        min(first.x_train),
        max(first.x_train),
        min(first.y_train),
        max(first.y_train),
    )


def ten_rows() -> csv_data.Columns:
    import numpy as np

    return csv_data.Columns(np.arange(10.0), np.arange(10.0) * 10, "x", "y")


@pytest.mark.unit
def test_the_bounds_are_the_training_rows_alone():
    # One row held out: by seed 7 the last (x = 9), by seed 23 the first (x = 0). Either lies
    # beyond the rows kept for training, so the bounds must leave it out.
    last_out = csv_data.split(ten_rows(), 0.1, 7)
    assert list(last_out.x_test) == [9.0] and list(last_out.y_test) == [90.0]
    assert list(last_out.x_train) == [float(x) for x in range(9)]
    assert last_out.bounds == (0.0, 8.0, 0.0, 80.0)
    assert (last_out.train.count, last_out.train.x_mean) == (9, 4.0)
    assert (last_out.test.count, last_out.test.x_mean) == (1, 9.0)
    first_out = csv_data.split(ten_rows(), 0.1, 23)
    assert list(first_out.x_test) == [0.0] and first_out.bounds == (1.0, 9.0, 10.0, 90.0)
    # In descending order the last training row is the smallest: the bounds reach it too.
    descending = csv_data.Columns(ten_rows().x[::-1].copy(), ten_rows().y[::-1].copy(), "x", "y")
    zero_out = csv_data.split(descending, 0.1, 7)  # holds out the last row again: x = 0
    assert list(zero_out.x_test) == [0.0] and zero_out.bounds == (1.0, 9.0, 10.0, 90.0)


@pytest.mark.unit
def test_columns_and_splits_are_frozen():
    columns = ten_rows()
    with pytest.raises(dataclasses.FrozenInstanceError):
        columns.x_label = "km"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        csv_data.split(columns, 0.1, 7).bounds = (0.0, 0.0, 0.0, 0.0)  # type: ignore[misc]


@pytest.mark.unit
def test_one_row_is_not_a_line(tmp_path):
    with pytest.raises(DataError, match="x needs at least two different values"):
        csv_data.read_csv(write(tmp_path, "x,y\n1,2\n"))


@pytest.mark.unit
def test_a_split_keeps_two_training_rows_and_may_hold_out_none():
    # 99 % of 10 rows would leave none to train on; a line needs two, so 8 are held out.
    most = csv_data.split(ten_rows(), 0.99, 1)
    assert (len(most.x_train), len(most.x_test)) == (2, 8)
    none = csv_data.split(ten_rows(), 0.0, 1)
    assert (len(none.x_train), len(none.x_test), none.test) == (10, 0, None)
    below_zero = csv_data.split(ten_rows(), -0.5, 1)
    assert (len(below_zero.x_train), len(below_zero.x_test)) == (10, 0)
    # Without noise the values are left as they are, bit for bit (even the sign of a zero).
    negative_zero = csv_data.Columns(ten_rows().x, ten_rows().y * -1.0, "x", "y")
    assert math.copysign(1.0, csv_data.split(negative_zero, 0.0, 1).y_train[0]) == -1.0
    # Noise is seeded by noise_seed, 0 unless given.
    assert list(csv_data.split(ten_rows(), 0.0, 1, noise=1.0).y_train) == list(
        csv_data.split(ten_rows(), 0.0, 1, noise=1.0, noise_seed=0).y_train
    )


@pytest.mark.unit
def test_noise_on_a_file_is_seeded(tmp_path):
    path = write(tmp_path, "".join(f"{i},{i}\n" for i in range(100)))
    noisy = build_data(DataSpec(csv=str(path), noise=1.0, noise_seed=3))
    assert list(noisy.y_train) == list(build_data(DataSpec(csv=str(path), noise=1.0, noise_seed=3)).y_train)
    assert list(noisy.y_train) != list(noisy.x_train)


@pytest.mark.unit
def test_a_load_can_be_cancelled_between_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "CHUNK_BYTES", 1024)
    path = write(tmp_path, "".join(f"{i},{i}\n" for i in range(10_000)))
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) >= 3

    with pytest.raises(csv_data.LoadCancelled):
        build_data(DataSpec(csv=str(path)), cancelled=cancelled)
    assert len(asked) == 3  # it stopped at the first chunk after the question was answered yes


@pytest.mark.unit
def test_the_headless_start_does_not_import_the_csv_libraries():
    code = (
        "import sys; from nanoneuron_tui.cli import main; main(['train', '--epochs', '5', '--preset', 'km2mi']);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'polars', 'pandas', 'pyarrow')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.app
async def test_the_data_dialog_refuses_a_fifo_and_out_of_range_data_and_keeps_the_app(tmp_path):
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    huge = write(tmp_path, "0,1\n1,1e155\n", "huge.csv")
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        for path, words in [(fifo, "FIFO"), (huge, "beyond")]:
            await pilot.press("d")
            dialog = app.screen
            dialog.query_one("#data-csv", Input).value = str(path)
            dialog.query_one("#data-apply").press()
            await wait_for(pilot, lambda: words in str(dialog.query_one("#data-message").content))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is not dialog)
        assert app.session.data.name == "Celsius to Fahrenheit"
        await pilot.press("s")
        await wait_for(pilot, lambda: app.session.view().epoch == 1)


@pytest.mark.app
async def test_escape_cancels_a_load_in_progress(tmp_path, monkeypatch):
    import time as clock

    from nanoneuron_tui.widgets import data_dialog

    seen = []

    def slow_build(spec, cancelled):
        deadline = clock.monotonic() + 20
        while not cancelled():
            if clock.monotonic() > deadline:
                raise AssertionError("the load was never cancelled")
            clock.sleep(0.01)
        seen.append("cancelled")
        raise csv_data.LoadCancelled

    monkeypatch.setattr(data_dialog, "build_data", slow_build)
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("d")
        dialog = app.screen
        dialog.query_one("#data-csv", Input).value = str(tmp_path / "any.csv")
        dialog.query_one("#data-apply").press()
        await wait_for(pilot, lambda: "Loading" in str(dialog.query_one("#data-message").content))
        await pilot.press("escape")
        await wait_for(pilot, lambda: seen == ["cancelled"])
        assert app.screen is not dialog and app.session.data.name == "Celsius to Fahrenheit"


@pytest.mark.e2e
def test_the_app_refuses_out_of_range_data_at_start_in_one_line(tmp_path):
    path = write(tmp_path, "0,1\n1,1e155\n2,3\n")
    result = nanoneuron("--data", str(path), "--state", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "line 2" in result.stderr and "beyond" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
