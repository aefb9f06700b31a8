"""A data set's parts at their edges: its spec's defaults, its summaries, its names, its bounds."""

from __future__ import annotations

import dataclasses
import math
from array import array

import pytest

from nanoneuron_tui.core.data import PRESETS, DataError, DataSet, DataSpec, build_data
from nanoneuron_tui.core.samples import LineFit

pytestmark = pytest.mark.unit


def points(name: str, rule: tuple[float, float] | None = None, y_label: str = "y") -> DataSet:
    return DataSet(name, "x", y_label, array("d", [0, 1, 2]), array("d", [1, 3, 5]), array("d"), array("d"), rule)


def test_a_spec_without_seeds_makes_the_data_seed_0_makes():
    # The CLI's --noise-seed and --split-seed say "default 0": a spec built without them agrees.
    unseeded = build_data(DataSpec(noise=2.0, test_ratio=0.3))
    seeded = build_data(DataSpec(noise=2.0, noise_seed=0, test_ratio=0.3, split_seed=0))
    assert list(unseeded.x_train) == list(seeded.x_train) and list(unseeded.y_train) == list(seeded.y_train)
    assert list(unseeded.y_test) == list(seeded.y_test)
    assert list(unseeded.y_train) != list(build_data(DataSpec(noise=2.0, noise_seed=1, test_ratio=0.3)).y_train)


def test_specs_and_data_sets_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DataSpec().noise = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        points("p").name = "q"  # type: ignore[misc]


def test_a_files_test_summary_is_of_its_test_points(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text("x,y\n" + "".join(f"{x},{3 * x + 1 + (x % 3)}\n" for x in range(50)))
    data = build_data(DataSpec(csv=str(path), test_ratio=0.4))
    assert data.test is not None and data.test.count == len(data.x_test) == 20
    again = LineFit.of(list(data.x_test), list(data.y_test))
    for field in ("x_mean", "y_mean", "x_variance", "w_best", "b_best", "residual_cost"):
        assert math.isclose(getattr(data.test, field), getattr(again, field), rel_tol=1e-12, abs_tol=1e-12), field
    assert data.train.count == 30


class Untouchable(array):
    def __iter__(self):
        raise AssertionError("the points were read")

    def __getitem__(self, index):
        raise AssertionError("the points were read")


def test_given_summaries_and_extremes_are_used_without_reading_the_points():
    fit, test_fit = LineFit.of([0.0, 2.0], [1.0, 5.0]), LineFit.of([1.0], [3.0])
    data = DataSet(
        "big.csv",
        "x",
        "y",
        Untouchable("d", [0, 2]),
        Untouchable("d", [1, 5]),
        Untouchable("d", [1]),
        Untouchable("d", [3]),
        summaries=(fit, test_fit),
        extremes=(0.0, 2.0, 1.0, 5.0),
    )
    assert data.train is fit and data.test is test_fit
    assert data.bounds == (0.0, 2.0, 1.0, 5.0)


def test_the_y_name_of_a_conversion_is_what_it_converts_to():
    assert points("Celsius to Fahrenheit", rule=(1.8, 32.0)).y_name == "Fahrenheit"
    assert points("Miles to kilometres to go", rule=(1.6, 0.0)).y_name == "kilometres to go"  # split once
    # A file has no rule: its y label names y, whatever the file is called.
    assert points("speed to time.csv", y_label="seconds").y_name == "seconds"
    assert points("Doubling", rule=(2.0, 0.0), y_label="twice").y_name == "twice"


def test_the_bounds_of_the_articles_training_points():
    x_min, x_max, y_min, y_max = build_data(DataSpec()).bounds
    assert (x_min, x_max) == (0.0, 99.0)
    assert math.isclose(y_min, 32.0) and math.isclose(y_max, 1.8 * 99 + 32)


def test_an_unknown_preset_is_a_data_error_naming_the_presets():
    with pytest.raises(DataError, match="no preset called 'k2c'; there are c2f, f2c"):
        build_data(DataSpec(preset="k2c"))


def test_noise_on_a_split_preset_moves_y_and_not_x():
    plain = build_data(DataSpec(test_ratio=0.25))
    noisy = build_data(DataSpec(test_ratio=0.25, noise=1.0))
    assert list(noisy.x_train) == list(plain.x_train) and list(noisy.x_test) == list(plain.x_test)
    assert all(a != b for a, b in zip(noisy.y_train, plain.y_train))


def test_a_file_whose_best_line_is_exactly_at_the_largest_size_is_used(tmp_path):
    # w = 1e15 exactly (MAX_MAGNITUDE): at the limit is within it; the next file is beyond it.
    at_limit = tmp_path / "steep.csv"
    at_limit.write_text("0,0\n0.5,5e14\n1,1e15\n")
    data = build_data(DataSpec(csv=str(at_limit), test_ratio=0.0))
    assert data.train.w_best == 1e15 and data.train.b_best == 0.0
    beyond = tmp_path / "steeper.csv"
    beyond.write_text("0,0\n0.5,1e15\n")  # w = 2e15
    with pytest.raises(DataError, match="is beyond"):
        build_data(DataSpec(csv=str(beyond), test_ratio=0.0))
    offset = tmp_path / "high.csv"
    offset.write_text("0,1e15\n1,1e15\n2,1e15\n")
    assert build_data(DataSpec(csv=str(offset), test_ratio=0.0)).train.b_best == 1e15


def test_a_split_keeps_two_training_points_whatever_the_ratio():
    data = build_data(DataSpec(test_ratio=1.0))
    assert (len(data.x_train), len(data.x_test)) == (2, 198)


def test_what_a_report_says_about_a_preset_and_a_file(tmp_path):
    preset = build_data(DataSpec(noise=0.5, noise_seed=7)).describe()
    assert preset == {
        "name": "Celsius to Fahrenheit",
        "source": "preset c2f",
        "x": "°C",
        "y": "°F",
        "train_size": 100,
        "test_size": 100,
        "noise": 0.5,
        "noise_seed": 7,
        "test_ratio": None,
        "split_seed": None,  # the article's fixed split: no shuffle
        "normalized": False,
        "target": {"w": 1.8, "b": 32.0, "kind": "rule"},
    }
    assert build_data(DataSpec(test_ratio=0.5, split_seed=3)).describe()["split_seed"] == 3
    assert build_data(DataSpec()).describe()["noise_seed"] is None  # no noise, no seed
    path = tmp_path / "line.csv"
    path.write_text("a,b\n0,1\n1,3\n2,5\n3,7\n4,9\n")
    file = build_data(DataSpec(csv=str(path), split_seed=4)).describe()
    assert file["source"] == str(path) and file["split_seed"] == 4 and file["test_ratio"] is None
    assert file["target"] == {"w": pytest.approx(2.0), "b": pytest.approx(1.0), "kind": "least-squares line"}
    assert (file["x"], file["y"], file["train_size"] + file["test_size"]) == ("a", "b", 5)


def test_presets_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PRESETS["c2f"].w = 2.0  # type: ignore[misc]
