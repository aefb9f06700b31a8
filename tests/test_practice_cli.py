"""Practice on the command line: --challenge list and NAME, train --session FILE --json."""

import json

import pytest

from nanoneuron_tui.core import practice
from nanoneuron_tui.core.practice import CHALLENGES
from tests.helpers import nanoneuron
from tests.practice_support import saved_with_a_result

pytestmark = pytest.mark.unit


def test_challenge_list_prints_one_line_each():
    done = nanoneuron("--challenge", "list")
    assert done.returncode == 0 and done.stdout.splitlines() == practice.challenge_list()


def test_an_unknown_challenge_is_one_line_exit_2_with_the_list():
    done = nanoneuron("--challenge", "nope")
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "no challenge called 'nope'" in done.stderr and all(name in done.stderr for name in CHALLENGES)


def test_train_json_reports_a_saved_sessions_practice(tmp_path):
    _, path = saved_with_a_result(tmp_path)
    done = nanoneuron("train", "--session", str(path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["epochs_run"] == 60_000
    assert report["practice"]["score"] == {"guesses": 1, "right": 1, "streak": 1, "best_streak": 1}
    [result] = report["practice"]["results"]
    assert result["challenge"] == "fast-cost" and result["outcome"] == "met" and result["value"] == 46_213
    assert report["practice"]["active"] == "b-crawl"


def test_train_session_of_a_bad_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{")
    done = nanoneuron("train", "--session", str(path), "--json")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1


def test_the_manual_shows_the_list_and_a_verdict_as_the_app_writes_them():
    from pathlib import Path

    from nanoneuron_tui.core.data import celsius_to_fahrenheit_data
    from nanoneuron_tui.core.practice import Step, check_guess
    from nanoneuron_tui.core.run import Run

    manual = (Path(__file__).parents[1] / "docs" / "practice.md").read_text()
    assert "\n".join(practice.challenge_list()) in manual
    step = Step.at(Run(celsius_to_fahrenheit_data(), 0.25, 0.75, 0.0005), 0)
    assert check_guess(step, "w", 3.56815).words() + "\n" in manual
    wrong = check_guess(step, "w", -3.06815).words()
    assert " ".join(wrong.split()[:12]) in " ".join(manual.split())
