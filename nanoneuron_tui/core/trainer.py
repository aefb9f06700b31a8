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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nanoneuron_tui.core.data import LineFit


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
        self.q = tuple(m.direction[0] * dw + m.direction[1] * db for m in self.modes)
        self.a = tuple(m.h * q * q / 2 for m, q in zip(self.modes, self.q))
        self.r = tuple(m.lam * m.lam for m in self.modes)

    def neuron(self, t: int) -> tuple[float, float]:
        """(w, b) after t epochs: each part of the error shrunk (or grown) by its factor t times."""
        if t == 0:
            return self.w, self.b
        w, b = self.fit.w_best, self.fit.b_best
        for mode, q in zip(self.modes, self.q):
            along = q * _power(mode.lam, t) if q else 0.0
            w += along * mode.direction[0]
            b += along * mode.direction[1]
        return w, b

    def _term(self, k: int, t: int) -> float:
        # A part that is exactly zero stays zero (0 * inf would be NaN).
        return self.a[k] * _power(self.r[k], t) if self.a[k] else 0.0

    def cost(self, t: int) -> float:
        """The training cost after t epochs (measured before the next update)."""
        return self.fit.residual_cost + self._term(0, t) + self._term(1, t)

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
