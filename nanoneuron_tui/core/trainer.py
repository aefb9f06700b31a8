"""The fast trainer: the same gradient descent as ``neuron.train_model``, solved exactly.

For a line, one epoch of gradient descent is a fixed linear map of the error
``delta = (w, b) - (w_best, b_best)``::

    delta  <-  (I - alpha * H) @ delta,     H = [[mean(x*x), mean(x)], [mean(x), 1]]

H is symmetric, so along its two eigenvectors the map just multiplies by
``lam_k = 1 - alpha * h_k``. After t epochs that component has been multiplied
by ``lam_k ** t``, and the cost is

    cost_t = residual_cost + sum_k h_k * q_k**2 * lam_k**(2*t) / 2

where ``q_k`` is the component of delta along eigenvector k. So an epoch costs
two powers, however many data points there are, and the cost is a sum of
non-negative terms: it stays accurate all the way down to zero. Tests check
this against the literal port to a relative 1e-9.

If some ``|lam_k| > 1`` (alpha too large) that component grows every epoch: the
neuron diverges. Training stops at the first epoch whose cost is not finite or
exceeds ``DIVERGENCE_FACTOR`` times the starting cost.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from nanoneuron_tui.core.data import LineFit

# Gradient descent with a stable alpha never raises the cost of a line, so a
# cost a million times the starting one means alpha is too large.
DIVERGENCE_FACTOR = 1e6


@dataclass(frozen=True)
class Progress:
    """Everything a report carries: enough to redraw any pane from it alone."""

    epoch: int  # epochs done: updates applied so far
    w: float
    b: float
    cost: float  # training cost of the neuron as it is now
    test_cost: float | None
    dW: float  # the step backward propagation suggests next (negative gradient)
    dB: float
    costs: list[float]  # the cost before each update of this chunk, oldest first
    first_epoch: int  # the epoch of costs[0]
    diverged_at: int | None = None
    test_costs: list[float] = field(default_factory=list)  # the same epochs on test data, if tracked

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass(frozen=True)
class _Mode:
    """One eigen-direction of the update map for the current alpha."""

    h: float  # curvature of the cost along this direction
    direction: tuple[float, float]  # unit vector in (w, b)
    lam: float  # factor applied each epoch: 1 - alpha * h


def _modes(fit: LineFit, alpha: float) -> tuple[_Mode, _Mode]:
    a = fit.x_variance + fit.x_mean * fit.x_mean  # mean(x*x)
    c = fit.x_mean
    d = 1.0
    radius = math.hypot((a - d) / 2, c)
    h_big = (a + d) / 2 + radius
    # det(H) is the variance of x; dividing avoids the cancellation that
    # (a + d)/2 - radius suffers when one curvature is much smaller.
    h_small = fit.x_variance / h_big
    # Of the two textbook eigenvector formulas take the one with no cancellation.
    ex, ey = (h_big - d, c) if a >= d else (c, h_big - a)
    norm = math.hypot(ex, ey)
    ex, ey = (ex / norm, ey / norm) if norm > 0 else (1.0, 0.0)
    return (
        _Mode(h_big, (ex, ey), 1.0 - alpha * h_big),
        _Mode(h_small, (-ey, ex), 1.0 - alpha * h_small),
    )


def _power(base: float, exponent: int) -> float:
    try:
        return base**exponent
    except OverflowError:
        return math.inf


class Trainer:
    """Trains one neuron on one data set, a chunk of epochs at a time.

    ``alpha`` may be changed between chunks. Once diverged, it stays where it
    stopped, with the last finite w and b.
    """

    def __init__(
        self,
        train: LineFit,
        w: float,
        b: float,
        alpha: float,
        test: LineFit | None = None,
        epoch: int = 0,
        start_cost: float | None = None,
        track_test: bool = False,
    ) -> None:
        self.train = train
        self.test = test
        # The test cost of every epoch too (for a plot); it costs a few powers more per epoch.
        self.track_test = track_test
        self.w = w
        self.b = b
        self.alpha = alpha
        self.epoch = epoch
        self.diverged_at: int | None = None
        # Fixed when training begins, so that resuming or changing alpha does
        # not move the line divergence is judged by.
        self.start_cost = train.cost(w, b) if start_cost is None else start_cost
        self.divergence_limit = DIVERGENCE_FACTOR * max(self.start_cost, 1e-300)

    def progress(self, costs: list[float] | None = None, first_epoch: int | None = None) -> Progress:
        dW, dB = self.train.gradient(self.w, self.b)
        return Progress(
            epoch=self.epoch,
            w=self.w,
            b=self.b,
            cost=self.train.cost(self.w, self.b),
            test_cost=self.test.cost(self.w, self.b) if self.test else None,
            dW=dW,
            dB=dB,
            costs=costs if costs is not None else [],
            first_epoch=self.epoch if first_epoch is None else first_epoch,
            diverged_at=self.diverged_at,
        )

    def advance(self, epochs: int) -> Progress:
        """Run up to ``epochs`` epochs (fewer if it diverges) and report."""
        first_epoch = self.epoch
        if self.diverged_at is not None or epochs <= 0:
            return self.progress([], first_epoch)
        fit = self.train
        dw, db = self.w - fit.w_best, self.b - fit.b_best
        fast, slow = _modes(fit, self.alpha)
        q_fast = fast.direction[0] * dw + fast.direction[1] * db
        q_slow = slow.direction[0] * dw + slow.direction[1] * db
        a_fast = fast.h * q_fast * q_fast / 2
        a_slow = slow.h * q_slow * q_slow / 2
        r_fast, r_slow = fast.lam * fast.lam, slow.lam * slow.lam
        floor = fit.residual_cost

        if r_fast <= 1.0 and r_slow <= 1.0:
            costs = [floor + a_fast * r_fast**t + a_slow * r_slow**t for t in range(epochs)]
            done = epochs
        else:
            costs, done = self._costs_until_divergence(floor, a_fast, r_fast, a_slow, r_slow, epochs)

        def neuron_at(t: int) -> tuple[float, float]:
            """(w, b) after t more epochs: each mode shrunk (or grown) by its factor t times."""
            along_fast, along_slow = q_fast * _power(fast.lam, t), q_slow * _power(slow.lam, t)
            return (
                fit.w_best + along_fast * fast.direction[0] + along_slow * slow.direction[0],
                fit.b_best + along_fast * fast.direction[1] + along_slow * slow.direction[1],
            )

        test_costs = []
        if self.track_test and self.test is not None:
            test_cost = self.test.cost
            test_costs = [test_cost(*neuron_at(t)) for t in range(len(costs))]
        self.w, self.b = neuron_at(done)
        self.epoch += done
        return replace(self.progress(costs, first_epoch), test_costs=test_costs)

    def _costs_until_divergence(
        self, floor: float, a_fast: float, r_fast: float, a_slow: float, r_slow: float, epochs: int
    ) -> tuple[list[float], int]:
        """Costs epoch by epoch until one blows past the limit; returns them and the updates applied."""
        costs: list[float] = []
        limit = self.divergence_limit
        for t in range(epochs):
            cost = floor + a_fast * _power(r_fast, t) + a_slow * _power(r_slow, t)
            if not cost <= limit:  # also catches inf and nan
                if math.isfinite(cost):
                    costs.append(cost)
                self.diverged_at = self.epoch + t
                return costs, t
            costs.append(cost)
        return costs, epochs

    def reports(self, epochs: int, every: int) -> Iterator[Progress]:
        """Train until ``epochs`` epochs are done, reporting every ``every`` epochs."""
        every = max(1, every)
        while self.epoch < epochs and self.diverged_at is None:
            yield self.advance(min(every, epochs - self.epoch))


class CostHistory:
    """The cost of every epoch so far, or a bounded sample of it.

    With a ``capacity`` it keeps every ``stride``-th epoch, doubling the stride
    (and dropping every other kept point) whenever it would outgrow the
    capacity: memory stays bounded however long training runs, and the kept
    points stay evenly spread. The newest cost is always kept as well, so a
    plot ends where training is.
    """

    def __init__(self, capacity: int | None = None) -> None:
        if capacity is not None and capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self.stride = 1
        self.epochs = array("q")
        self.costs = array("d")
        self.last: tuple[int, float] | None = None

    def __len__(self) -> int:
        return len(self.costs)

    def extend(self, first_epoch: int, costs: list[float]) -> None:
        if not costs:
            return
        stride = self.stride
        if stride == 1 and self.capacity is None:
            self.epochs.extend(range(first_epoch, first_epoch + len(costs)))
            self.costs.extend(costs)
        else:
            start = -first_epoch % stride  # first index whose epoch is a multiple of stride
            self.epochs.extend(range(first_epoch + start, first_epoch + len(costs), stride))
            self.costs.extend(costs[start::stride])
            if self.capacity is not None:
                while len(self.costs) > self.capacity:
                    self._thin()
        self.last = (first_epoch + len(costs) - 1, costs[-1])

    def _thin(self) -> None:
        self.stride *= 2
        keep = [i for i, epoch in enumerate(self.epochs) if epoch % self.stride == 0]
        self.epochs = array("q", (self.epochs[i] for i in keep))
        self.costs = array("d", (self.costs[i] for i in keep))

    def points(self) -> tuple[list[int], list[float]]:
        """(epochs, costs) to plot, ending at the newest epoch."""
        epochs, costs = list(self.epochs), list(self.costs)
        if self.last is not None and (not epochs or epochs[-1] != self.last[0]):
            epochs.append(self.last[0])
            costs.append(self.last[1])
        return epochs, costs

    def to_dict(self) -> dict[str, object]:
        return {
            "capacity": self.capacity,
            "stride": self.stride,
            "epochs": list(self.epochs),
            "costs": list(self.costs),
            "last": list(self.last) if self.last else None,
        }

    @classmethod
    def from_dict(cls, saved: dict) -> CostHistory:
        """The inverse of ``to_dict``; the caller has checked the types."""
        history = cls(saved["capacity"])
        history.stride = saved["stride"]
        history.epochs = array("q", saved["epochs"])
        history.costs = array("d", saved["costs"])
        history.last = tuple(saved["last"]) if saved["last"] else None
        return history


def max_stable_alpha(fit: LineFit) -> float:
    """Alphas below this converge; above it the steepest direction overshoots more each epoch."""
    return 2.0 / _modes(fit, 0.0)[0].h
