"""`nanoneuron train`: the seed run, headless, as scripts use it."""

import csv
import json
import math
import subprocess
import sys

import pytest

from nanoneuron_tui.core.neuron import NanoNeuron, generate_data_sets, train_model
from tests.helpers import REFERENCE, close, nanoneuron

pytestmark = pytest.mark.unit


SEED_RUN = ("train", "--w0", str(REFERENCE["w0"]), "--b0", str(REFERENCE["b0"]))


def test_text_report_reads_like_the_original():
    result = nanoneuron(*SEED_RUN)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert close(float(lines["Cost before the training"]), REFERENCE["cost_first"])
    assert close(float(lines["Cost after the training"]), REFERENCE["cost_last"])
    assert close(float(lines["Cost on new testing data"]), REFERENCE["test_cost"])
    assert close(float(lines['NanoNeuron "thinks" that 70°C in Fahrenheit is']), REFERENCE["predict_70"])
    assert lines["Correct answer is"] == "158"
    w = float(lines["NanoNeuron parameters"].split("w: ")[1].split(",")[0])
    assert close(w, REFERENCE["w"])


def test_json_report_has_every_key():
    result = nanoneuron(*SEED_RUN, "--json", "--predict", "100")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {
        "cost_before",
        "cost_after",
        "w",
        "b",
        "test_cost",
        "celsius",
        "prediction",
        "correct",
        "epochs_run",
        "status",
        "diverged_at",
    } <= report.keys()
    assert close(report["w"], REFERENCE["w"]) and close(report["b"], REFERENCE["b"])
    assert close(report["cost_after"], REFERENCE["cost_last"])
    assert close(report["test_cost"], REFERENCE["test_cost"])
    assert report["celsius"] == 100 and report["correct"] == 212
    assert close(report["prediction"], 100 * report["w"] + report["b"])
    assert (report["epochs_run"], report["status"], report["diverged_at"]) == (70000, "finished", None)


def test_seed_makes_the_random_start_repeatable():
    first = json.loads(nanoneuron("train", "--seed", "7", "--epochs", "10", "--json").stdout)
    second = json.loads(nanoneuron("train", "--seed", "7", "--epochs", "10", "--json").stdout)
    other = json.loads(nanoneuron("train", "--seed", "8", "--epochs", "10", "--json").stdout)
    assert first == second
    assert first["w0"] != other["w0"]
    assert 0 <= first["w0"] < 1 and 0 <= first["b0"] < 1


def test_divergence_names_the_epoch_and_exits_3():
    result = nanoneuron("train", "--w0", "0.3", "--b0", "0.7", "--alpha", "0.001", "--json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["status"] == "diverged"
    epoch = report["diverged_at"]
    assert isinstance(epoch, int) and 0 < epoch < 50
    assert f"diverged at epoch {epoch}" in result.stderr
    assert "smaller alpha" in result.stderr
    assert math.isfinite(report["w"]) and math.isfinite(report["b"])


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "abc"], "is not a number"),
        (["--epochs", "0"], "at least 1"),
        (["--epochs", "-5"], "at least 1"),
        (["--epochs", "2.5"], "whole number"),
        (["--epochs", "1e12"], "at most"),
        (["--alpha", "0"], "greater than 0"),
        (["--alpha", "nan"], "NaN"),
        (["--alpha", "inf"], "finite"),
        (["--w0", "1e300"], "too large"),
        (["--b0", "x"], "is not a number"),
        (["--every", "0"], "at least 1"),
        (["--predict", "hot"], "is not a number"),
        (["--seed", "-1"], "0 or more"),
        (["--frobnicate"], "unrecognized"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_exit_2(args, words):
    result = nanoneuron("train", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_history_csv_has_every_epoch(tmp_path):
    path = tmp_path / "history.csv"
    result = nanoneuron(
        "train", "--w0", "0.5", "--b0", "0.5", "--epochs", "2500", "--every", "1000", "--history", str(path)
    )
    assert result.returncode == 0, result.stderr
    with path.open() as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "cost"]
    assert [int(r[0]) for r in rows[1:]] == list(range(2500))
    x_train, y_train, *_ = generate_data_sets()
    literal = train_model(NanoNeuron(0.5, 0.5), 2500, 0.0005, x_train, y_train)
    assert all(math.isclose(float(r[1]), c, rel_tol=1e-9) for r, c in zip(rows[1:], literal))
    # --every prints progress to stderr and keeps stdout the report.
    assert [line.split()[1] for line in result.stderr.splitlines()] == ["1000/2500", "2000/2500", "2500/2500"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_history_to_an_unwritable_place_is_one_line(tmp_path):
    result = nanoneuron("train", "--epochs", "10", "--history", str(tmp_path / "missing" / "h.csv"))
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_headless_path_does_not_import_textual():
    code = (
        "import sys; from nanoneuron_tui.cli import main; main(['train', '--epochs', '5']);"
        "print([m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'plotext')])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_shared_flags_work_before_or_after_train():
    before = json.loads(nanoneuron("--epochs", "5", "--preset", "km2mi", "--normalize", "train", "--json").stdout)
    after = json.loads(nanoneuron("train", "--epochs", "5", "--preset", "km2mi", "--normalize", "--json").stdout)
    for report in (before, after):
        assert report["epochs_run"] == 5
        assert report["data"]["name"] == "Kilometres to miles" and report["data"]["normalized"]


def test_save_model_after_training(tmp_path):
    from nanoneuron_tui import persist

    path = tmp_path / "model.json"
    report = json.loads(nanoneuron(*SEED_RUN, "--epochs", "3000", "--json", "--save-model", str(path)).stdout)
    model = persist.load_model(path)
    assert (model.w, model.b, model.epoch) == (report["w"], report["b"], 3000)
    assert (model.w0, model.b0) == (REFERENCE["w0"], REFERENCE["b0"])
    assert model.hyper.epochs == 3000
    assert model.data_name == "Celsius to Fahrenheit" and model.data.preset == "c2f"


# -- parsing: numbers, negative values, conflicting flags (issue 11, items 11 and 12) -----------


def test_negative_numbers_in_any_spelling_are_values_not_flags():
    result = nanoneuron(
        "train", "--w0", "-1e5", "--b0", "-.5", "--epochs", "1", "--alpha", "1e-9", "--json", "--predict", "-4e1"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["w0"], report["b0"], report["x"]) == (-1e5, -0.5, -40)
    # A real unknown option that happens to start with a minus is still one.
    assert "unrecognized" in nanoneuron("train", "-e5").stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "٧٠"], "ASCII"),  # Arabic-Indic digits: float() would read 70
        (["--epochs", "1__0"], "is not a number"),  # the old parser dropped underscores: 10
        (["--alpha", "0_0005"], "is not a number"),
        (["--w0", "１"], "ASCII"),  # a full-width digit
        (["--b0", "0x10"], "is not a number"),
        (["--seed", "1" * 5000], "too long"),
    ],
)
def test_only_ascii_decimal_numbers_are_accepted(args, words):
    result = nanoneuron("train", *args)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 200


def test_a_long_value_gets_a_short_message():
    from nanoneuron_tui import params

    for parse in (params.parse_alpha, params.parse_epochs, params.parse_weight, params.parse_pace):
        for text in ("9" * 5000, "x" * 5000, "1" * 39 + "z"):
            with pytest.raises(ValueError) as caught:
                parse(text)
            assert len(str(caught.value)) < 80


CONFLICTS = [
    (["train", "--data", "x.csv", "--preset", "km2mi"], "--data and --preset"),
    (["--preset", "km2mi", "train", "--data", "x.csv"], "--data and --preset"),
    (["--every", "5", "train"], "after 'train'"),
    (["--run", "train"], "--run before 'train'"),
    (["--pace", "5", "train"], "--pace before 'train'"),
    (["--load-model", "m.json", "train"], "--load-model before 'train'"),
    (["train", "--history", ""], "--history needs a file name (or - for standard output)"),
    (["train", "--save-model", " "], "--save-model needs a file name"),
    (["--state", ""], "--state needs a file name"),
    (["--data", ""], "--data needs a file name"),
    (["--resume", "--load-model", "m.json"], "--load-model would be ignored"),
    (["--resume", "--alpha", "0.1"], "--alpha would be ignored"),
    (["--resume", "--every", "10"], "--every would be ignored"),
    (["--resume", "--data", "x.csv"], "--data would be ignored"),
    (["--resume", "--normalize"], "--normalize would be ignored"),
    (["--resume", "--preset", "c2f"], "--preset would be ignored"),
]


@pytest.mark.parametrize("args, words", CONFLICTS, ids=[" ".join(a) for a, _ in CONFLICTS])
def test_conflicting_flags_are_one_line_and_exit_2(args, words):
    result = nanoneuron(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_flags_given_once_are_not_conflicts():
    from nanoneuron_tui.cli import build_parser, conflict

    for args in (
        ["--resume", "--run", "--fps", "4"],
        ["--resume", "--state", "s.json"],
        ["--preset", "c2f"],
        ["train", "--every", "5", "--history", "-"],
        ["--epochs", "5", "train"],
    ):
        assert conflict(build_parser().parse_args(args)) is None, args


def test_a_model_loaded_into_other_data_says_so(tmp_path):
    """Issue 8: a saved model records its data; flags naming other data are an error."""
    model = tmp_path / "km.json"
    result = nanoneuron("train", "--preset", "km2mi", "--epochs", "50", "--save-model", str(model))
    assert result.returncode == 0, result.stderr
    result = nanoneuron("--load-model", str(model), "--preset", "c2f", "--state", str(tmp_path / "s.json"))
    assert result.returncode == 2 and "trained on Kilometres to miles" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_model_alone_brings_its_data(tmp_path):
    from nanoneuron_tui import persist
    from nanoneuron_tui.cli import build_parser, data_for_model

    model_path = tmp_path / "km.json"
    assert (
        nanoneuron(
            "train",
            "--preset",
            "km2mi",
            "--normalize",
            "--alpha",
            "0.1",
            "--epochs",
            "50",
            "--save-model",
            str(model_path),
        ).returncode
        == 0
    )
    model = persist.load_model(model_path)
    data = data_for_model(build_parser().parse_args(["--load-model", str(model_path)]), model)
    assert data.name == "Kilometres to miles" and data.spec.normalize
    same = data_for_model(
        build_parser().parse_args(["--load-model", str(model_path), "--preset", "km2mi", "--normalize"]), model
    )
    assert same.spec == model.data


def test_a_billion_epochs_answer_at_once_with_the_converged_neuron():
    report = json.loads(nanoneuron("train", "--w0", "0.5", "--b0", "0.5", "--epochs", "1e9", "--json").stdout)
    assert report["epochs_run"] == 1_000_000_000 and report["status"] == "finished"
    assert math.isclose(report["w"], 1.8, rel_tol=1e-12) and math.isclose(report["b"], 32, rel_tol=1e-12)


def test_the_article_cost_line_and_the_final_cost_are_told_apart():
    lines = dict(line.split(": ", 1) for line in nanoneuron(*SEED_RUN).stdout.splitlines())
    # The article prints costHistory[epochs - 1]: the cost before the last update.
    assert close(float(lines["Cost after the training"]), REFERENCE["cost_last"])
    final = float(lines["Cost at the end (epoch 70000)"])
    assert final < float(lines["Cost after the training"])
    w, b = (float(part.split(": ")[1]) for part in lines["NanoNeuron parameters"].strip("{ }").split(", "))
    x_train, y_train, *_ = generate_data_sets()
    assert close(final, sum((y - (w * x + b)) ** 2 / 2 for x, y in zip(x_train, y_train)) / 100, rel=1e-6)


def test_a_history_too_large_is_refused_before_training(tmp_path):
    path = tmp_path / "h.csv"
    result = nanoneuron("train", "--epochs", "1e9", "--history", str(path))
    assert result.returncode == 2 and "GB" in result.stderr and "--history-limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not path.exists()
    small = nanoneuron("train", "--epochs", "100", "--history", str(path), "--history-limit", "1KB")
    assert small.returncode == 2 and not path.exists()
    enough = nanoneuron("train", "--epochs", "100", "--history", str(path), "--history-limit", "1MB")
    assert enough.returncode == 0 and len(path.read_text().splitlines()) == 101


def test_a_diverged_history_ends_with_the_blow_up(tmp_path):
    path = tmp_path / "h.csv"
    result = nanoneuron("train", "--w0", "0.3", "--b0", "0.7", "--alpha", "0.001", "--history", str(path), "--json")
    report = json.loads(result.stdout)
    rows = path.read_text().splitlines()[1:]
    assert len(rows) == report["diverged_at"] + 1
    assert float(rows[-1].split(",")[1]) == report["cost_after"] > 1e6 * report["cost_before"]


def test_progress_lines_follow_every_without_walking_every_epoch():
    result = nanoneuron("train", "--w0", "0.5", "--b0", "0.5", "--epochs", "1e9", "--every", "2.5e8")
    assert result.returncode == 0
    assert [line.split()[1] for line in result.stderr.splitlines()] == [
        "250000000/1000000000",
        "500000000/1000000000",
        "750000000/1000000000",
        "1000000000/1000000000",
    ]


# -- from the mutation check (README, "Mutation check"): behaviours no test above pinned down --

NORMALIZED_RUN = ("train", "--normalize", "--alpha", "0.5", "--epochs", "60", "--w0", "0.5", "--b0", "0.5")


def test_the_text_report_prints_b_as_b():
    lines = dict(line.split(": ", 1) for line in nanoneuron(*SEED_RUN).stdout.splitlines())
    w, b = (float(part.split(": ")[1]) for part in lines["NanoNeuron parameters"].strip("{ }").split(", "))
    assert close(w, REFERENCE["w"]) and close(b, REFERENCE["b"])


def test_the_json_report_names_the_seed_of_a_random_start():
    report = json.loads(nanoneuron("train", "--seed", "7", "--epochs", "10", "--json").stdout)
    assert report["seed"] == 7
    text = nanoneuron("train", "--seed", "7", "--epochs", "10").stdout
    assert text.splitlines()[0].endswith("(seed 7)")


def test_normalized_progress_lines_are_in_the_data_units():
    from nanoneuron_tui.core.data import DataSpec, build_data
    from nanoneuron_tui.core.run import Run

    result = nanoneuron(*NORMALIZED_RUN, "--every", "20")
    assert result.returncode == 0, result.stderr
    run = Run(build_data(DataSpec(normalize=True)), 0.5, 0.5, 0.5)
    lines = result.stderr.splitlines()
    assert [line.split()[1] for line in lines] == ["20/60", "40/60", "60/60"]
    for line, epoch in zip(lines, (20, 40, 60), strict=True):
        fields = line.split()
        w, b = run.neuron(epoch)  # the data's units: near 1.8 and 32, not the trainer's ~52 and ~121
        assert math.isclose(float(fields[5]), w, rel_tol=1e-5) and math.isclose(float(fields[7]), b, rel_tol=1e-5)
    assert math.isclose(float(lines[-1].split()[5]), 1.8, rel_tol=1e-4)


def test_a_normalized_model_is_saved_in_the_data_units(tmp_path):
    from nanoneuron_tui import persist

    path = tmp_path / "model.json"
    report = json.loads(nanoneuron(*NORMALIZED_RUN, "--json", "--save-model", str(path)).stdout)
    model = persist.load_model(path)
    assert (model.w, model.b, model.epoch) == (report["w"], report["b"], 60)
    assert math.isclose(model.w, 1.8, rel_tol=1e-6) and math.isclose(model.b, 32, rel_tol=1e-6)
    assert (model.w0, model.b0) == (0.5, 0.5) and model.data.normalize


def test_a_start_on_the_answer_does_not_diverge():
    # Issue 17: with the rule as the start and too large an alpha, the literal port stays at cost 0.
    result = nanoneuron("train", "--w0", "1.8", "--b0", "32", "--alpha", "0.001", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["status"], report["diverged_at"], report["epochs_run"]) == ("finished", None, 70000)


def test_a_tiny_alpha_trains_exactly_and_a_subnormal_one_is_refused():
    # Issue 22: alpha 1e-12 was off the literal port by 1.2e-8 (w) and 6.3e-6 (b); 1e-320 by 1e-299.
    result = nanoneuron("train", "--alpha", "1e-12", "--epochs", "100", "--w0", "0", "--b0", "0", "--json")
    report = json.loads(result.stdout)
    x_train, y_train, _, _ = generate_data_sets()
    model = NanoNeuron(0.0, 0.0)
    train_model(model, 100, 1e-12, x_train, y_train)
    assert close(report["w"], model.w, rel=1e-12) and close(report["b"], model.b, rel=1e-12)
    refused = nanoneuron("train", "--alpha", "1e-320")
    assert refused.returncode == 2 and "too small" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
