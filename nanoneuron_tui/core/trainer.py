"""The fast trainer: the same gradient descent as ``neuron.train_model``, solved exactly.

The cost of a line is a bowl in (w, b). Its curvature is the matrix of second
derivatives (the Hessian) of the cost, which for the mean of ``(y - (w*x + b))**2 / 2`` is

    H = [[mean(x*x), mean(x)],
         [mean(x),   1      ]]

whatever the y values are. In ``LineFit``'s terms (``data.py``) ``mean(x*x)`` is
``x_variance + x_mean**2``, and the cost is ``residual_cost + delta @ H @ delta / 2``,
where ``delta = (w, b) - (w_best, b_best)`` is how far the neuron is from the
least-squares line.

One epoch of gradient descent moves the neuron by ``alpha`` times the negative
gradient, ``-H @ delta``, so the error follows a fixed linear map::

    delta  <-  (I - alpha * H) @ delta

H is symmetric: it has two perpendicular eigenvectors, the directions in which
the bowl is most and least curved, with curvatures ``h_k``. Along eigenvector k
the map just multiplies by ``lam_k = 1 - alpha * h_k``, so after t epochs that
part of the error is ``q_k * lam_k**t``, where ``q_k`` is its size at the start.
The cost after t epochs is therefore

    cost_t = residual_cost + sum_k a_k * r_k**t,    a_k = h_k * q_k**2 / 2,  r_k = lam_k**2

``a_k`` is the part of the starting cost in direction k and ``r_k`` the factor by
which it shrinks each epoch. Any epoch costs two powers, however many data
points there are and however far into training it is. Every term is
non-negative, so the cost stays accurate all the way down to zero. Tests
check all of this against the literal port to a relative 1e-9.

If some ``r_k > 1`` (alpha too large: ``alpha * h_k > 2``) that part grows every
epoch: the neuron diverges.

Two things keep the closed form as exact as the literal port everywhere:

- ``lam**t`` is computed as ``exp(t * log1p(-alpha * h))``, never as a power of
  the rounded ``1 - alpha * h``: with a tiny alpha, ``1 - alpha * h`` keeps few of
  alpha's digits, and the power would multiply that rounding by t.
- While the neuron has moved only a little of the way, it is placed by how far
  it moved from where it started (``expm1``), not by how far it still is from the
  best line: near the start that second difference is a small difference of large
  numbers. Once it is past halfway, the other way round.

The least-squares line is only known to its last few bits, and so is the error.
A start within that rounding of the line in both directions (``NOISE_ULPS``) has
no error: it stays put, as the literal port does on the rule that made the data,
instead of its rounding noise growing by a factor each epoch when alpha is too
large. (Anywhere else the literal port's rounding does feed a part that grows,
and the closed form keeps that part too.)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cached_property

from nanoneuron_tui.core.data import LineFit

# How many units in the last place the least-squares line may be off by: an
# error no larger is rounding, not distance.
NOISE_ULPS = 16


@dataclass(frozen=True)
class Mode:
    """One eigen-direction of the update map for one alpha."""

    h: float  # curvature of the cost along this direction
    direction: tuple[float, float]  # unit vector in (w, b)
    lam: float  # factor applied to this part of the error each epoch: 1 - alpha * h


def modes(fit: LineFit, alpha: float) -> tuple[Mode, Mode]:
    """The steep direction first, then the shallow one."""
    a = fit.x_variance + fit.x_mean * fit.x_mean  # mean(x*x)
    c = fit.x_mean
    d = 1.0
    radius = math.hypot((a - d) / 2, c)
    h_steep = (a + d) / 2 + radius
    # det(H) is the variance of x; dividing avoids the cancellation that
    # (a + d)/2 - radius suffers when one curvature is much smaller.
    h_shallow = fit.x_variance / h_steep
    # Of the two textbook eigenvector formulas take the one with no cancellation.
    ex, ey = (h_steep - d, c) if a >= d else (c, h_steep - a)
    norm = math.hypot(ex, ey)
    ex, ey = (ex / norm, ey / norm) if norm > 0 else (1.0, 0.0)
    return (
        Mode(h_steep, (ex, ey), 1.0 - alpha * h_steep),
        Mode(h_shallow, (-ey, ex), 1.0 - alpha * h_shallow),
    )


def max_stable_alpha(fit: LineFit) -> float:
    """Alphas below this converge; above it the steepest direction overshoots more each epoch."""
    return 2.0 / modes(fit, 0.0)[0].h


def _power(base: float, exponent: int) -> float:
    try:
        return base**exponent
    except OverflowError:
        return math.inf


def _rounding_of_the_best_line(fit: LineFit, direction: tuple[float, float]) -> float:
    """How far off, along ``direction``, the least-squares line may be by rounding alone."""
    # w_best is a quotient of two exact-ish sums; b_best = y_mean - w_best * x_mean.
    w_scale = abs(fit.w_best)
    b_scale = abs(fit.b_best) + abs(fit.y_mean) + abs(fit.w_best * fit.x_mean)
    return NOISE_ULPS * sys.float_info.epsilon * (abs(direction[0]) * w_scale + abs(direction[1]) * b_scale)


class Descent:
    """Gradient descent with one alpha from one neuron: where it is after any number of epochs.

    ``w`` and ``b`` are the neuron at the start (t = 0), in the units the data
    is given in to ``fit``.
    """

    def __init__(self, fit: LineFit, w: float, b: float, alpha: float) -> None:
        self.fit = fit
        self.w, self.b, self.alpha = w, b, alpha
        self.modes = modes(fit, alpha)
        dw, db = w - fit.w_best, b - fit.b_best
        # The error's parts along the two directions, and their shares of the cost.
        # A start on the answer to within its rounding has none: it stays put.
        parts = (
            self.modes[0].direction[0] * dw + self.modes[0].direction[1] * db,
            self.modes[1].direction[0] * dw + self.modes[1].direction[1] * db,
        )
        on_the_answer = all(abs(q) <= _rounding_of_the_best_line(fit, m.direction) for m, q in zip(self.modes, parts))
        self.q = (0.0, 0.0) if on_the_answer else parts
        self.a = tuple(m.h * q * q / 2 for m, q in zip(self.modes, self.q))
        self.r = tuple(m.lam * m.lam for m in self.modes)
        # log(lam) where lam is in (0, 1], to the last bits however small alpha * h is;
        # None where lam is not (the part swings sign or grows): there lam**t is exact enough.
        self._log_lam = tuple(math.log1p(-alpha * m.h) if alpha * m.h < 1.0 else None for m in self.modes)

    def _lam_power(self, k: int, t: int) -> float:
        """``lam**t`` of part k."""
        log_lam = self._log_lam[k]
        return math.exp(t * log_lam) if log_lam is not None else _power(self.modes[k].lam, t)

    def _lam_power_minus_one(self, k: int, t: int) -> float:
        """``lam**t - 1``: the share of part k of the error that t epochs have removed (negated)."""
        log_lam = self._log_lam[k]
        return math.expm1(t * log_lam) if log_lam is not None else _power(self.modes[k].lam, t) - 1.0

    def neuron(self, t: int) -> tuple[float, float]:
        """(w, b) after t epochs: each part of the error shrunk (or grown) by its factor t times."""
        if t == 0:
            return self.w, self.b
        left = [self._lam_power(k, t) if self.q[k] else 1.0 for k in (0, 1)]
        if all(0.5 < share < 1.5 for share in left):
            # Not yet halfway: the start plus the (small) way travelled.
            w, b = self.w, self.b
            for k, (mode, q) in enumerate(zip(self.modes, self.q)):
                moved = q * self._lam_power_minus_one(k, t) if q else 0.0
                w += moved * mode.direction[0]
                b += moved * mode.direction[1]
            return w, b
        # Most of the way (or growing): the best line plus what is left of the error.
        w, b = self.fit.w_best, self.fit.b_best
        for mode, q, share in zip(self.modes, self.q, left):
            along = q * share if q else 0.0
            w += along * mode.direction[0]
            b += along * mode.direction[1]
        return w, b

    def _term(self, k: int, t: int) -> float:
        # A part that is exactly zero stays zero (0 * inf would be NaN).
        if not self.a[k]:
            return 0.0
        share = self._lam_power(k, t)
        return self.a[k] * (share * share)  # a float product overflows to inf, never raises

    def cost(self, t: int) -> float:
        """The training cost after t epochs (measured before the next update)."""
        return self.fit.residual_cost + self._term(0, t) + self._term(1, t)

    @cached_property
    def lowest_epoch(self) -> int:
        """The t (0 or more) from which the cost no longer falls; ``sys.maxsize`` if it falls for ever.

        Each part of the cost is ``a_k * r_k**t`` with ``a_k, r_k >= 0``: a sum of
        exponentials in t, so the cost is convex: it falls to its lowest, then
        only rises. Only a part that shrinks beside one that grows makes a lowest
        point after the start; it is where the next epoch first costs no less
        (the sign of that change turns only once: doubling, then bisection).
        """
        if not any(self.r[k] > 1.0 and self.a[k] for k in (0, 1)):
            return sys.maxsize  # nothing grows: the cost never rises
        if not any(self.r[k] < 1.0 and self.a[k] for k in (0, 1)):
            return 0  # nothing shrinks: the cost never falls

        def rising(t: int) -> bool:
            return not self.cost(t + 1) < self.cost(t)

        low, high = 0, 1
        while not rising(high):
            low, high = high, 2 * high
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if rising(middle) else (middle + 1, high)
        return low

    def first_epoch_over(self, limit: float, end: int | None = None) -> int | None:
        """The first t < ``end`` (or ever) whose cost exceeds ``limit`` or is not finite; None if none.

        Found without walking the epochs: the shrinking parts of the cost never
        rise and the growing parts never fall, so from any t the crossing cannot
        come before the growing parts alone make up what the shrinking parts
        leave below the limit. Jumping there (by bisection) and checking
        repeats until the crossing is found; each jump is exact.
        """
        growing = [k for k in (0, 1) if self.r[k] > 1.0 and self.a[k]]
        shrinking = [k for k in (0, 1) if k not in growing]
        # A hair of slack, so that rounding can only make a jump land early, never late.
        bound = limit * (1 - 1e-9)

        t = 0
        while end is None or t < end:
            if not self.cost(t) <= limit:  # also catches inf and nan
                return t
            if not growing:
                return None  # the cost only falls from here
            rest = self.fit.residual_cost + sum(self._term(k, t) for k in shrinking)

            def could_cross(s: int) -> bool:
                return not rest + sum(self._term(k, s) for k in growing) <= bound

            # The first s > t where the growing parts could make up the difference:
            # double the stride until past it, then bisect.
            low, high = t, t + 1
            while not could_cross(high):
                if end is not None and high >= end:
                    return None
                low, high = high, t + 2 * (high - t)
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if could_cross(middle) else (middle, high)
            t = high
        return None
