"""Practice as a learner meets it: the installed app in tmux at 80×24."""

import json
import subprocess

import pytest

from nanoneuron_tui.core.practice import CHALLENGES
from tests.terminal import Terminal, installed_nanoneuron

pytestmark = pytest.mark.e2e


def test_challenge_list_then_one_started_from_the_command_line_met_and_kept(tmp_path):
    listing = Terminal([installed_nanoneuron(), "--challenge", "list"])
    try:
        listing.wait_for("test-floor")
        # With the scrollback: on a loaded machine the first line may scroll up before the pane settles.
        shown = listing.tmux("capture-pane", "-p", "-S", "-", "-t", listing.session)
        assert all(name in shown for name in CHALLENGES), shown
        assert listing.exit_status == 0
    finally:
        listing.close()

    state = tmp_path / "session.json"
    start = ["--w0", "0.25", "--b0", "0.75", "--normalize", "--alpha", "1"]
    app = Terminal([installed_nanoneuron(), "--state", str(state), "--challenge", "b-crawl", *start])
    try:
        app.wait_for("b 0.75 at 0; goal > 16", timeout=20)  # the readouts' goal line
        app.keys("s")
        app.wait_for("Why does b crawl?: 1 epoch", timeout=10)  # the ✓ toast
        app.keys("C-q")
        app.wait_until_dead()
    finally:
        app.close()

    report = subprocess.run(
        [installed_nanoneuron(), "train", "--session", str(state), "--json"], capture_output=True, text=True
    )
    assert report.returncode == 0, report.stderr
    [result] = json.loads(report.stdout)["practice"]["results"]
    assert (result["challenge"], result["outcome"], result["value"]) == ("b-crawl", "met", 1)

    again = Terminal([installed_nanoneuron(), "--state", str(state), "--resume"])
    try:
        again.wait_for("paused", timeout=20)
        again.wait_for("score  0/0 right", timeout=10)  # the challenge is done: the score line is back
        again.keys("C-q")
        again.wait_until_dead()
    finally:
        again.close()
