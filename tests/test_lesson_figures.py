"""How the lesson writes one number: plain for everyday sizes, scientific past them."""

import math

import pytest

from nanoneuron_tui.core.lesson import figure

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (1e11, "100000000000"),  # the largest size written plainly
        (1e12, "1e+12"),
        (1.5e12, "1.5e+12"),
        (1e-5, "0.00001"),  # the smallest written plainly
        (1.5e-5, "0.000015"),
        (1e-6, "1e-06"),
        (0.0, "0"),
        (-0.0, "0"),
        (100.0, "100"),  # an operand drops its trailing zeros
        (-3.25, "-3.25"),
        (None, "-"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_a_figure_at_the_edges_of_plain_notation(value, written):
    assert figure(value) == written
