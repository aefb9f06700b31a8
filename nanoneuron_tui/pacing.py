"""Pacing that shows the interesting part: the first epochs one by one, then faster and faster.

Gradient descent does its most visible work at the start -- with the
article's alpha, w zig-zags 0.13 → 3.64 → 1.39 → 2.83 ... over the first
epochs -- and then creeps for tens of thousands. So a run plays along a
curve: the first ``SLOW_EPOCHS`` epochs at one every ``SLOW_SECONDS``, then an
epoch rate that grows geometrically (by the same factor every second), chosen
so that the curve would reach the last epoch at ``CURVE_SECONDS``::

    epoch(t) = t / p                                   while t <= S·p
    epoch(t) = S + (exp(k·(t − S·p)) − 1) / (k·p)      after

The rate is continuous where the two meet (1/p epochs a second). Once the
curve runs faster than the reports would (``every × pace`` epochs a second),
the reports take over: with the defaults (1,000 epochs × 20 reports a second)
that is near epoch 11,700 at 10.5 s, and the whole 70,000-epoch run ends at
about 15 s. A run short enough to play one epoch every ``SLOW_SECONDS`` within
``CURVE_SECONDS`` plays that way throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SLOW_EPOCHS = 6  # S: shown one at a time...
SLOW_SECONDS = 0.8  # p: ...this long each, long enough to read a readout
CURVE_SECONDS = 11.5  # when the curve alone would reach the last epoch


@dataclass(frozen=True)
class Curve:
    """When each epoch of a run of ``total_epochs`` is reached, ``seconds`` after it starts."""

    total_epochs: int
    seconds: float = CURVE_SECONDS
    slow_epochs: int = SLOW_EPOCHS
    slow_seconds: float = SLOW_SECONDS

    @property
    def growth(self) -> float:
        """k: the epoch rate is multiplied by e**k every second after the slow start (0: never grows)."""
        return _growth(self.total_epochs, self.seconds, self.slow_epochs, self.slow_seconds)

    @property
    def _slow_end(self) -> float:
        return self.slow_epochs * self.slow_seconds

    def epoch_at(self, elapsed: float) -> int:
        """The epoch to show ``elapsed`` seconds into the run (never past the last)."""
        k, p = self.growth, self.slow_seconds
        if elapsed <= 0:
            return 0
        if k == 0 or elapsed <= self._slow_end:
            epoch = elapsed / p
        else:
            exponent = k * (elapsed - self._slow_end)
            if exponent > 700:  # long past the end
                return self.total_epochs
            epoch = self.slow_epochs + math.expm1(exponent) / (k * p)
        # A hair of tolerance: the epoch due at exactly t is shown at t, not one float step later.
        return min(self.total_epochs, math.floor(epoch + 1e-9 * max(1.0, epoch)))

    def time_of(self, epoch: float) -> float:
        """The inverse: when ``epoch`` is reached."""
        k, p = self.growth, self.slow_seconds
        if k == 0 or epoch <= self.slow_epochs:
            return max(0.0, epoch) * p
        return self._slow_end + math.log1p((epoch - self.slow_epochs) * k * p) / k

    def rate_at(self, elapsed: float) -> float:
        """Epochs per second at ``elapsed``."""
        k = self.growth
        if k == 0 or elapsed <= self._slow_end:
            return 1 / self.slow_seconds
        return math.exp(min(700.0, k * (elapsed - self._slow_end))) / self.slow_seconds

    def handover_epoch(self, report_rate: float | None) -> int:
        """The epoch from which reports (``report_rate`` epochs a second) go faster than the curve.

        ``None`` (pace "max") hands over at once: as fast as possible means no curve.
        """
        if report_rate is None:
            return 0
        if report_rate <= 1 / self.slow_seconds:
            return 0  # reports already as slow as the slow start
        k = self.growth
        if k == 0:
            return self.total_epochs
        epoch = self.slow_epochs + (report_rate - 1 / self.slow_seconds) / k
        return min(self.total_epochs, math.ceil(epoch))


def _growth(total: int, seconds: float, slow_epochs: int, slow_seconds: float) -> float:
    """k such that the curve reaches ``total`` epochs at ``seconds``; 0 if one per slow_seconds gets there."""
    rest = seconds - slow_epochs * slow_seconds
    if rest <= 0 or total <= slow_epochs + rest / slow_seconds:
        return 0.0

    def epochs_by_the_end(k: float) -> float:
        return slow_epochs + math.expm1(min(700.0, k * rest)) / (k * slow_seconds)

    low, high = 1e-12, 1.0
    while epochs_by_the_end(high) < total:
        high *= 2
    for _ in range(100):  # bisection: epochs_by_the_end grows with k
        middle = (low + high) / 2
        if epochs_by_the_end(middle) < total:
            low = middle
        else:
            high = middle
    return high


def playback_seconds(curve: Curve, report_rate: float | None) -> float:
    """How long a whole run plays: along the curve to the handover, then report by report."""
    handover = curve.handover_epoch(report_rate)
    if report_rate is None:
        return 0.0
    return curve.time_of(handover) + (curve.total_epochs - handover) / report_rate


@dataclass(frozen=True)
class Playback:
    """A run playing along its curve, from wherever it stood when training (re)started.

    Times are a monotonic clock's; ``origin`` is when the curve's t = 0 was (or
    would have been), so a run resumed at epoch 4 picks the curve up at epoch 4.
    """

    curve: Curve
    handover: int  # from here on, reports pace the run
    origin: float

    @classmethod
    def begin(cls, now: float, epoch: int, total_epochs: int, report_rate: float | None) -> Playback | None:
        """A playback from ``epoch``, or None when the reports are in charge from the start."""
        curve = Curve(total_epochs)
        handover = curve.handover_epoch(report_rate)
        if epoch >= handover:
            return None
        return cls(curve, handover, now - curve.time_of(epoch))

    def target(self, now: float, epoch: int) -> int:
        """The epoch to train to at ``now``, from ``epoch``: the one due (at most the handover),
        but never more than one at a time in the slow start, even when the machine fell behind."""
        due = min(self.curve.epoch_at(now - self.origin), self.handover)
        if epoch < self.curve.slow_epochs:
            return min(due, epoch + 1)
        return due

    def wait(self, now: float, epoch: int) -> float:
        """Seconds from ``now`` until the epoch after ``epoch`` is due."""
        return max(0.0, self.origin + self.curve.time_of(epoch + 1) - now)


# Pace "max" is not a loop that trains report after report as fast as the CPU
# allows: the closed form reaches any epoch in one step, so such a loop only
# burns a core on reports nobody sees (thirty served apps doing it left none
# for the keys). Instead the run moves at a fixed, fast rate, in one jump a frame.
MAX_PACE_REPORTS = 10_000  # reports a second at pace "max": ten times the fastest pace one can type


@dataclass
class ReportClock:
    """The reports that fall due at ``pace`` reports a second, taken a batch at a time.

    Whatever the reports did not make whole carries over, so a run keeps
    its pace however irregularly it is asked (a frame late on a busy machine
    catches up at the next).
    """

    pace: float
    last: float  # when the reports due were last taken (a monotonic clock)
    owed: float = 1.0  # a report is due at once: training shows itself as it starts

    def take(self, now: float) -> int:
        """The whole reports due by ``now``; the fraction left is owed to the next call."""
        self.owed += max(0.0, now - self.last) * self.pace
        self.last = now
        whole = math.floor(self.owed)
        self.owed -= whole
        return whole
