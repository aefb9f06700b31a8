"""The summary of a sample set (LineFit) and the standardization (Scaling) at their edges."""

from __future__ import annotations

import dataclasses
import math

import pytest

from nanoneuron_tui.core.samples import DataError, LineFit, Scaling

pytestmark = pytest.mark.unit

XS, YS = [0.0, 1.0, 2.0, 4.0], [32.0, 33.8, 35.6, 39.2]


def test_any_iterable_of_values_is_read_once_as_a_list_would_be():
    assert LineFit.of(iter(XS), (y for y in YS)) == LineFit.of(XS, YS)
    assert LineFit.of(tuple(XS), YS) == LineFit.of(XS, YS)


def test_x_and_y_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="the same number of values"):
        LineFit.of(XS, YS[:-1])
    with pytest.raises(ValueError, match="the same number of values"):
        LineFit.of(iter(XS[:-1]), iter(YS))


def test_no_points_are_refused_and_one_point_has_no_slope():
    with pytest.raises(ValueError, match="no data points"):
        LineFit.of([], [])
    one = LineFit.of([3.0], [7.0])
    assert (one.count, one.x_mean, one.y_mean, one.x_variance) == (1, 3.0, 7.0, 0.0)
    assert one.w_best == 0.0 and one.b_best == 7.0 and one.residual_cost == 0.0


def test_summaries_cannot_be_changed_after_the_fact():
    fit = LineFit.of(XS, YS)
    scaling = Scaling.of(fit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.w_best = 2.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        scaling.mean = 0.0  # type: ignore[misc]
    assert math.isclose(fit.w_best, 1.8) and math.isclose(fit.b_best, 32.0)


def test_a_data_error_is_a_value_error():
    # Callers that catch ValueError (a bad field, a bad file) catch it too.
    assert issubclass(DataError, ValueError)
