"""The search for the first epoch over a limit (``Descent.first_epoch_over``) against walking every epoch.

Each case is built on data whose cost bowl is aligned with the axes (x centred on 0), so
the two parts of the cost are chosen directly: the steep one along w, the shallow one
along b, each with its size at the start and its factor per epoch. The contract under test:
the first t < end whose cost is over the limit (or not finite), else None; found with a
number of evaluations that grows with log(end), not with how far away the crossing is.
"""

from __future__ import annotations

import math

import pytest

from nanoneuron_tui.core import trainer
from nanoneuron_tui.core.samples import LineFit
from nanoneuron_tui.core.trainer import Descent

pytestmark = pytest.mark.unit

RESIDUAL = 1.0  # the cost of the best line


def bowl(x_variance: float) -> LineFit:
    """Data whose best line is w = b = 0, with mean(x) = 0: the curvature is x_variance along w, 1 along b."""
    return LineFit(
        count=2, x_mean=0.0, y_mean=0.0, x_variance=x_variance, w_best=0.0, b_best=0.0, residual_cost=RESIDUAL
    )


def descent(steep: float, shallow: float, steep_factor: float, x_variance: float = 60_000.0) -> Descent:
    """A descent whose steep part of the cost starts at ``steep`` and is multiplied by
    ``steep_factor`` each epoch, and whose shallow part starts at ``shallow``.

    The step (alpha) is set by ``steep_factor`` (``(1 - alpha * x_variance)**2``, the larger
    root); the shallow part's factor follows from it: ``(1 - alpha)**2``."""
    alpha = (1 + math.sqrt(steep_factor)) / x_variance
    w = math.sqrt(2 * steep / x_variance)  # steep part: x_variance * w**2 / 2
    b = math.sqrt(2 * shallow)  # shallow part: b**2 / 2
    made = Descent(bowl(x_variance), w, b, alpha)
    assert math.isclose(made.cost(0), RESIDUAL + steep + shallow)
    return made


def walked(descent: Descent, limit: float, end: int) -> int | None:
    """The oracle: every epoch in turn."""
    return next((t for t in range(end) if not descent.cost(t) <= limit), None)


def agrees_with_walking(descent: Descent, limit: float, horizon: int = 400) -> int | None:
    """The search finds what walking finds, for no end and for every end up to just past the crossing."""
    crossing = walked(descent, limit, horizon)
    assert crossing is not None, "the case must cross within the horizon"
    assert descent.first_epoch_over(limit) == crossing
    for end in range(crossing + 3):
        assert descent.first_epoch_over(limit, end) == (crossing if crossing < end else None), f"end {end}"
    return crossing


def test_a_large_shrinking_part_still_counts_when_the_growing_part_crosses():
    # The shallow part (1000) shrinks by 1e-4 an epoch while the steep one (1) quadruples:
    # the crossing comes while the shrinking part is nearly all the cost. A search that
    # forgot it (or counted the growing part in its place) would jump past epoch 4 to 6.
    case = descent(steep=1.0, shallow=1000.0, steep_factor=4.0)
    assert case.r[0] == pytest.approx(4.0) and case.r[1] == pytest.approx(0.9999, abs=1e-6)
    assert agrees_with_walking(case, limit=1100.0) == 4
    assert case.cost(3) <= 1100.0 < case.cost(4)


def test_both_parts_growing():
    # Curvatures 1.2 and 1: alpha 2.5 multiplies the steep part by 4 and the shallow one by 2.25.
    case = descent(steep=1.0, shallow=1.0, steep_factor=4.0, x_variance=1.2)
    assert case.r[0] > 1 and case.r[1] > 1
    assert case.r[1] == pytest.approx(2.25)
    assert agrees_with_walking(case, limit=1e6) == 10  # 4**10 is the first power over a million


def test_neither_part_growing():
    case = descent(steep=3.0, shallow=5.0, steep_factor=0.25)
    assert case.r[0] < 1 and case.r[1] < 1
    assert case.first_epoch_over(RESIDUAL + 8.0) is None  # the start is at the limit, not over it
    assert case.first_epoch_over(RESIDUAL + 8.0, end=10) is None
    assert case.first_epoch_over(RESIDUAL + 7.9) == 0  # over it at the start
    assert case.first_epoch_over(RESIDUAL + 7.9, end=1) == 0
    assert case.first_epoch_over(RESIDUAL + 7.9, end=0) is None  # no epoch before 0


def test_the_end_reached_while_the_stride_doubles():
    # The crossing is at epoch 40: ends of 1, 2, 4, ..., 32 (and between) stop the doubling first.
    case = descent(steep=1.0, shallow=0.0, steep_factor=1.5)
    crossing = agrees_with_walking(case, limit=1.5**39.5 + RESIDUAL)
    assert crossing == 40
    for end in (1, 2, 3, 4, 31, 32, 33, 40):
        assert case.first_epoch_over(1.5**39.5 + RESIDUAL, end) is None


@pytest.mark.parametrize("power", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("off_by", [-1, 0, 1])
def test_a_crossing_at_or_beside_a_power_of_two(power, off_by):
    # The stride lands on 2**k exactly: the crossing there, one before and one after.
    crossing = 2**power + off_by
    case = descent(steep=1.0, shallow=0.0, steep_factor=2.0)
    limit = RESIDUAL + 2.0 ** (crossing - 0.5)  # between the costs of epochs crossing - 1 and crossing
    assert agrees_with_walking(case, limit) == crossing


def test_a_part_that_is_exactly_zero_never_counts_as_growing():
    # On the best line along w, a growing factor times zero stays zero: no false crossing.
    case = descent(steep=0.0, shallow=2.0, steep_factor=4.0)
    assert case.first_epoch_over(RESIDUAL + 2.0) is None
    assert case.first_epoch_over(RESIDUAL + 2.0, end=1000) is None


def test_the_search_costs_a_few_evaluations_however_far_past_the_end_the_crossing_is(monkeypatch):
    # Factor 1 + 1e-11: the cost passes a million times its start near epoch 2**40.
    case = descent(steep=1.0, shallow=0.0, steep_factor=1.0 + 1e-11, x_variance=4.0)
    powers = 0
    real_power = trainer._power

    def counted(base: float, exponent: int) -> float:
        nonlocal powers
        powers += 1
        return real_power(base, exponent)

    monkeypatch.setattr(trainer, "_power", counted)
    end = 1000
    assert case.first_epoch_over(1e6 * case.cost(0), end) is None
    # A doubling to the end is about log2(1000) = 10 steps; going on to the far crossing
    # and bisecting back would be about 80.
    assert powers <= 4 * math.log2(end) + 8, powers
