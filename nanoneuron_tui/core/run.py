"""One training run: the data, the starting neuron, and alpha over time.

A run answers "where is the neuron at epoch t?" for any t in constant time,
because each stretch of constant alpha has a closed form (``trainer.Descent``).
Nothing is trained ahead of what is asked, so going to epoch 1,000,000,000
costs what going to epoch 10 does, and going back is as exact as going forward.

A run is immutable. Changing alpha at an epoch returns a new run that shares
the past and starts a new *segment* there; the old future is discarded.

The trainer may see the data through standardized x (``--normalize``). A run
is the one place that converts: ``neuron`` answers in the data's units,
``trained_neuron`` and the gradient in the trainer's.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.core.trainer import Descent, max_stable_alpha

# Gradient descent with a stable alpha never raises the cost of a line, so a
# cost a million times the starting one means alpha is too large. A start that
# costs next to nothing (on the answer) is judged against the data's own scale
# instead (see ``Run.divergence_limit``): a cost of 1e-22 that grew from 1e-28
# has not blown up.
DIVERGENCE_FACTOR = 1e6
# The most alpha changes one run keeps. A person makes a few dozen; a saved run of
# this many loads in a fraction of a second (each segment is a closed form to build).
MAX_SEGMENTS = 10_000


class TooManySegments(ValueError):
    """An alpha change beyond the MAX_SEGMENTS a run keeps."""


@dataclass(frozen=True)
class Segment:
    """From epoch ``start`` on, training uses ``alpha``; (w, b) is the neuron there, in the trainer's units."""

    start: int
    alpha: float
    w: float
    b: float


@dataclass(frozen=True)
class Moment:
    """The run at one epoch: the neuron, what it costs, and the step it is about to take."""

    epoch: int
    w: float  # the data's units
    b: float
    w_trained: float  # the trainer's units (the same unless x is normalized)
    b_trained: float
    cost: float
    test_cost: float | None
    dW: float  # the trainer's units: the next update is w_trained += alpha * dW
    dB: float
    alpha: float


def stable_alpha_advice(limit: float) -> str:
    return f"alpha below {limit:.3g} converges"


class Run:
    def __init__(
        self,
        data: DataSet,
        w0: float,
        b0: float,
        alpha: float,
        *,
        first_epoch: int = 0,
        start: tuple[float, float] | None = None,
        start_cost: float | None = None,
        segments: tuple[Segment, ...] | None = None,
        descents: list[Descent] | None = None,
    ) -> None:
        """A run from the neuron (w0, b0), in the data's units, at epoch 0.

        A run may also begin later, at ``first_epoch``, with the neuron ``start``
        (the trainer's units) a saved model or an older session left there; it
        cannot be rewound past that. ``start_cost`` fixes the cost divergence is
        judged against (by default the cost where the run begins). ``descents``, if
        given, are the segments' own, already built.
        """
        self.data = data
        self.w0, self.b0 = w0, b0
        self.first_epoch = first_epoch
        self.train_fit, self.test_fit = data.training_fits
        if segments is None:
            w, b = start if start is not None else data.to_training(w0, b0)
            segments = (Segment(first_epoch, alpha, w, b),)
        self.segments = segments
        self._starts = [segment.start for segment in segments]
        self._descents = descents or [Descent(self.train_fit, s.w, s.b, s.alpha) for s in segments]
        if start_cost is None:
            start_cost = self._descents[0].cost(0)
        self.start_cost = start_cost
        # Blowing up means passing a million times the larger of the start's cost and
        # the cost of the flat line through the data's mean (half the variance of y):
        # the cost of a neuron that has learnt nothing about x.
        flat_line_cost = self.train_fit.cost(0.0, self.train_fit.y_mean)
        self.divergence_limit = DIVERGENCE_FACTOR * max(start_cost, flat_line_cost, 1e-300)

    # -- changing course -----------------------------------------------------------

    def with_alpha(self, epoch: int, alpha: float) -> Run:
        """The same run up to ``epoch``, then ``alpha`` from there on."""
        epoch = max(self.first_epoch, epoch)
        if self.diverged_at is not None:
            epoch = min(epoch, self.diverged_at)
        kept = self._segments_before(epoch)
        if kept and kept[-1].alpha == alpha:
            segments = kept  # the alpha in force already: nothing new begins
        else:
            if len(kept) >= MAX_SEGMENTS:
                raise TooManySegments(
                    f"this run has {MAX_SEGMENTS:,} segments of alpha, the most one run keeps; "
                    "reset (r) to start a new run"
                )
            segments = (*kept, Segment(epoch, alpha, *self.trained_neuron(epoch)))
        return self if segments == self.segments else self._with_segments(segments)

    def takes_new_alpha_at(self, epoch: int) -> bool:
        """Whether a new alpha may begin at ``epoch``: not once the segments before it are MAX_SEGMENTS."""
        return len(self._segments_before(epoch)) < MAX_SEGMENTS

    def _segments_before(self, epoch: int) -> tuple[Segment, ...]:
        """The segments that began before ``epoch``: what a new alpha from there keeps
        (one that begins at ``epoch`` is replaced)."""
        index = self._segment_index(epoch)
        return self.segments[:index] + tuple(s for s in self.segments[index : index + 1] if s.start < epoch)

    def _with_segments(self, segments: tuple[Segment, ...], descents: list[Descent] | None = None) -> Run:
        return Run(
            self.data,
            self.w0,
            self.b0,
            segments[0].alpha,
            first_epoch=self.first_epoch,
            start_cost=self.start_cost,
            segments=segments,
            descents=descents,
        )

    # -- where the neuron is ---------------------------------------------------------

    def _segment_index(self, epoch: int) -> int:
        return max(0, bisect.bisect_right(self._starts, epoch) - 1)

    def _descent(self, epoch: int) -> tuple[Descent, int]:
        """The stretch of training ``epoch`` falls in, and how many epochs into it."""
        if epoch < self.first_epoch:
            raise ValueError(f"this run begins at epoch {self.first_epoch:,}")
        index = self._segment_index(epoch)
        return self._descents[index], epoch - self._starts[index]

    def alpha_at(self, epoch: int) -> float:
        return self.segments[self._segment_index(epoch)].alpha

    @property
    def alpha(self) -> float:
        """The alpha training goes on with."""
        return self.segments[-1].alpha

    def trained_neuron(self, epoch: int) -> tuple[float, float]:
        descent, t = self._descent(epoch)
        return descent.neuron(t)

    def neuron(self, epoch: int) -> tuple[float, float]:
        return self.data.from_training(*self.trained_neuron(epoch))

    def cost(self, epoch: int) -> float:
        """The training cost at ``epoch``: what forward propagation measures before that epoch's update."""
        descent, t = self._descent(epoch)
        return descent.cost(t)

    def test_cost(self, epoch: int) -> float | None:
        if self.test_fit is None:
            return None
        return self.test_fit.cost(*self.trained_neuron(epoch))

    def at(self, epoch: int) -> Moment:
        w_trained, b_trained = self.trained_neuron(epoch)
        w, b = self.data.from_training(w_trained, b_trained)
        dW, dB = self.train_fit.gradient(w_trained, b_trained)
        return Moment(
            epoch=epoch,
            w=w,
            b=b,
            w_trained=w_trained,
            b_trained=b_trained,
            cost=self.cost(epoch),
            test_cost=self.test_fit.cost(w_trained, b_trained) if self.test_fit else None,
            dW=dW,
            dB=dB,
            alpha=self.alpha_at(epoch),
        )

    def costs(self, first: int, stop: int) -> Iterator[float]:
        """The cost of every epoch from ``first`` up to (not including) ``stop``."""
        for epoch in range(max(first, self.first_epoch), stop):
            yield self.cost(epoch)

    def _stretches(self, first: int, last: int) -> Iterator[tuple[Descent, int, int, int]]:
        """Each stretch of one alpha that meets ``first..last``: its descent, where it starts,
        and the part of ``first..last`` it covers."""
        first = max(first, self.first_epoch)
        for index in range(self._segment_index(first), len(self._starts)):
            start = self._starts[index]
            if start > last:
                break
            stop = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else last
            yield self._descents[index], start, max(first, start), min(last, stop)

    def turning_epochs(self, first: int, last: int) -> list[int]:
        """The epochs in ``first..last`` where the cost turns from falling to rising or back.

        Within a stretch of one alpha the cost is convex: it may turn once, at its
        lowest point. Where alpha changes it may turn too (a blow-up cut short by a
        smaller alpha peaks there). Between two turns the cost only rises or only
        falls, so a plot through them loses no spike and no dip, however it samples.
        """
        turns: list[int] = []
        rising_before: bool | None = None  # how the previous stretch ended: its last step, into this one
        for descent, start, low, high in self._stretches(first, last):
            lowest = start + descent.lowest_epoch  # from here its cost no longer falls (perhaps beyond high)
            if low < lowest < high:
                turns.append(lowest)
            falling_after_start = lowest > low
            if rising_before is not None and rising_before == falling_after_start:
                turns += [low - 1, low]  # the peak or the dip is one of the two
            # The step from high to the next stretch's first epoch is still this alpha's:
            # lowest at high itself, that step already rises.
            rising_before = lowest <= high
        return [epoch for epoch in turns if first < epoch < last]

    # -- where it ends ---------------------------------------------------------------

    @cached_property
    def diverged_at(self) -> int | None:
        """The first epoch whose cost passes the divergence limit (or is not finite); None if none ever does.

        Training stops there: the run has no epochs after it.
        """
        bounds = [*self._starts[1:], None]
        for descent, start, end in zip(self._descents, self._starts, bounds):
            t = descent.first_epoch_over(self.divergence_limit, None if end is None else end - start)
            if t is not None:
                return start + t
        return None

    @property
    def max_stable_alpha(self) -> float:
        return max_stable_alpha(self.train_fit)

    @property
    def alpha_advice(self) -> str:
        """What converges on this data: the one wording every message uses."""
        return stable_alpha_advice(self.max_stable_alpha)

    def last_epoch(self, goal: int) -> int:
        """Where training towards ``goal`` epochs stops: the goal, or the blow-up before it."""
        if self.diverged_at is not None and self.diverged_at < goal:
            return self.diverged_at
        return max(goal, self.first_epoch)

    # -- saving --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """Enough to rebuild this run exactly (with the same data)."""
        first = self.segments[0]
        return {
            "w0": self.w0,
            "b0": self.b0,
            "first_epoch": self.first_epoch,
            # The trainer's units, bit for bit, so a rebuilt run is the same run.
            "start": [first.w, first.b],
            "start_cost": self.start_cost,
            "segments": [{"start": s.start, "alpha": s.alpha} for s in self.segments],
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any], data: DataSet) -> Run:
        """The inverse of ``to_dict``; the caller has checked the types, and that the
        segments start at ``first_epoch`` in increasing order.

        The same run as changing alpha at each segment's start in turn (``with_alpha``),
        built in time linear in the segments: ``with_alpha`` rebuilds every segment of
        the run it returns, which for a saved file of many segments is quadratic (3,000
        took half a minute). Each step below does what ``with_alpha`` does to the last
        segment only, since every segment before it is already settled.
        """
        first, *later = saved["segments"]
        run = cls(
            data,
            saved["w0"],
            saved["b0"],
            first["alpha"],
            first_epoch=saved["first_epoch"],
            start=tuple(saved["start"]),
            start_cost=saved["start_cost"],
        )
        if not later:
            return run
        limit = run.divergence_limit
        segments, descents = list(run.segments), list(run._descents)

        def blow_up() -> int | None:
            """Where the last segment, running on with no end, first passes the limit."""
            t = descents[-1].first_epoch_over(limit)
            return None if t is None else segments[-1].start + t

        diverged_at = blow_up()
        for segment in later:
            epoch = max(run.first_epoch, segment["start"])
            if diverged_at is not None:
                epoch = min(epoch, diverged_at)
            alpha = segment["alpha"]
            neuron = descents[-1].neuron(epoch - segments[-1].start)
            if segments[-1].start == epoch:  # a segment that begins there is replaced
                segments.pop()
                descents.pop()
            if segments and segments[-1].alpha == alpha:
                pass  # the alpha in force already: nothing new begins
            else:
                segments.append(Segment(epoch, alpha, *neuron))
                descents.append(Descent(run.train_fit, *neuron, alpha))
            diverged_at = blow_up()
        return run._with_segments(tuple(segments), descents)
