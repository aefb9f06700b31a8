"""End to end: the installed `nanoneuron` in a real terminal (tmux), keys in, screen out."""

import re

import pytest

from tests.terminal import epoch_on

pytestmark = pytest.mark.e2e

ASK = "│ °C "  # the prediction box's line


def test_learn_pause_step_fast_forward_predict_reset(terminal):
    term = terminal("--w0", "0.9492", "--b0", "0.457", "--pace", "5")
    screen = term.wait_for("paused")
    assert epoch_on(screen) == 0
    assert re.search(r"cost\s+3014 ", screen)  # the untrained neuron's cost

    term.keys("Space")
    term.wait_until(lambda screen: "running" in screen and epoch_on(screen) > 0, "training never started")
    term.keys("Space")
    screen = term.wait_for("paused")
    stopped = epoch_on(screen)
    assert stopped > 0

    term.keys("s")
    term.wait_for(f"{stopped + 1:,} / 70,000")
    term.keys("f")
    # A frame reaches the terminal in several writes: wait for the whole of it.
    screen = term.wait_until(
        lambda screen: "finished" in screen and "70,000 / 70,000" in screen,
        "the run never showed finished at epoch 70,000",
    )
    assert "1.800066" in screen  # w after the seed run

    term.keys("p")
    # Textual puts the terminal's cursor in the focused field: keys sent
    # before the field has focus would go to the app instead.
    ask_row = term.screen().splitlines().index(term.line(ASK))
    term.wait_until(lambda _: term.cursor()[1] == ask_row, "the prediction box never took focus")
    term.keys("C-a", "C-k")
    term.wait_for("the value is empty")
    term.type("100")
    term.wait_for("correct 212 °F")
    focused = term.line(ASK, styled=True)
    term.keys("Escape")
    # The field looks different once it has let go of the focus. Waiting for
    # that also tells the lone Escape apart from the start of an escape sequence.
    term.wait_until(lambda _: term.line(ASK, styled=True) != focused, "Escape never left the field")
    term.keys("r")
    term.wait_until(lambda screen: epoch_on(screen) == 0 and "paused" in screen, "r never reset to epoch 0")

    term.keys("C-q")
    term.wait_until_dead()
