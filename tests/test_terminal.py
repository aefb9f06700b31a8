"""End to end: the installed `nanoneuron` in a real terminal (tmux), keys in, screen out."""

import re
import time

from tests.terminal import epoch_on


def test_learn_pause_step_fast_forward_predict_reset(terminal):
    term = terminal("--w0", "0.9492", "--b0", "0.457", "--pace", "5")
    screen = term.wait_for("paused")
    assert epoch_on(screen) == 0
    assert re.search(r"cost\s+3014 ", screen)  # the untrained neuron's cost

    term.keys("Space")
    term.wait_for("running")
    term.keys("Space")
    screen = term.wait_for("paused")
    stopped = epoch_on(screen)
    assert stopped > 0

    term.keys("s")
    term.wait_for(f"{stopped + 1:,} / 70,000")
    term.keys("f")
    screen = term.wait_for("finished")
    assert "70,000 / 70,000" in screen
    assert "1.800066" in screen  # w after the seed run

    term.keys("p")
    term.keys("C-a", "C-k")
    term.type("100")
    screen = term.wait_for("correct 212 °F")
    term.keys("Escape")
    time.sleep(0.3)  # a lone Escape is told from an escape sequence by the pause after it
    term.keys("r")
    screen = term.wait_for("paused")
    assert epoch_on(screen) == 0

    term.keys("C-q")
    deadline = time.monotonic() + 5
    while not term.dead and time.monotonic() < deadline:
        time.sleep(0.1)
    assert term.dead, term.screen()
