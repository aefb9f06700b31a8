"""One training session: the state a learner steers, safe to share with a worker thread.

The session holds a ``Run`` (where the neuron is at every epoch) and a cursor on
it: the epoch on screen. Training moves the cursor forward; stepping back or
going to an epoch moves it anywhere the run has been. Changing alpha starts a
new segment of the run at the cursor.

Everything changes through a method here, under one lock, so the training
thread and the key presses never see half an update; from outside, the state
is read-only. The app's widgets only ever render a ``View``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from nanoneuron_tui.core.data import DataSet, celsius_to_fahrenheit_data
from nanoneuron_tui.core.neuron import NanoNeuron
from nanoneuron_tui.core.practice import Practice, practice_record
from nanoneuron_tui.core.run import Moment, Run
from nanoneuron_tui.params import HyperparameterChanges, Hyperparameters

if TYPE_CHECKING:
    from typing_extensions import Unpack  # in typing from Python 3.12

# Enough points for any plot a terminal can show, and a fixed amount of work per view.
HISTORY_POINTS = 4096


class State(StrEnum):
    PAUSED = "paused"
    RUNNING = "running"
    FINISHED = "finished"
    DIVERGED = "diverged"


def sample_epochs(first: int, last: int, count: int = HISTORY_POINTS) -> list[int]:
    """Up to ``count`` epochs spread evenly from ``first`` to ``last``, both included:
    every epoch while there are few."""
    span = last - first
    if span < count:
        return list(range(first, last + 1))
    stride = math.ceil(span / (count - 1))
    epochs = list(range(first, last, stride))
    epochs.append(last)
    return epochs


@dataclass(frozen=True)
class Pinned:
    """A run kept on screen as a faint ghost, to compare a new run (another alpha, say) against."""

    run: Run
    epoch: int  # how far it had got when pinned

    @property
    def alpha(self) -> float:
        return self.run.alpha_at(self.epoch)


@dataclass(frozen=True)
class View:
    """Everything the panes show, taken at one instant: the run, and the epoch on screen."""

    version: int
    state: State
    epochs: int  # the goal
    hyper: Hyperparameters
    data: DataSet
    run: Run
    moment: Moment  # the run at the cursor
    init_pending: bool  # the init fields differ from the neuron being trained
    fast_forward: bool
    pinned: Pinned | None = None

    # The moment's numbers, by the names the panes use.
    epoch = property(lambda self: self.moment.epoch)
    w = property(lambda self: self.moment.w)
    b = property(lambda self: self.moment.b)
    dW = property(lambda self: self.moment.dW)
    dB = property(lambda self: self.moment.dB)
    cost = property(lambda self: self.moment.cost)
    test_cost = property(lambda self: self.moment.test_cost)

    @property
    def w0(self) -> float:
        return self.run.w0

    @property
    def b0(self) -> float:
        return self.run.b0

    @property
    def diverged_at(self) -> int | None:
        """Where training blew up, once the cursor has reached it."""
        return self.epoch if self.state is State.DIVERGED else None

    @property
    def target(self) -> tuple[float, float]:
        return self.data.target

    @property
    def distance_to_target(self) -> float:
        return math.hypot(self.w - self.target[0], self.b - self.target[1])

    def predict(self, x: float) -> float:
        """What the neuron on screen answers: the article's own ``predict``."""
        return NanoNeuron(self.w, self.b).predict(x)

    def correct(self, x: float) -> float:
        return NanoNeuron(*self.target).predict(x)

    @cached_property
    def _history_epochs(self) -> list[int]:
        return sample_epochs(self.run.first_epoch, self.epoch)

    @cached_property
    def train_history(self) -> tuple[list[int], list[float]]:
        """(epochs, costs) up to the epoch on screen, a sample of at most HISTORY_POINTS."""
        return _finite_points(self._history_epochs, self.run.cost)

    @cached_property
    def test_history(self) -> tuple[list[int], list[float]]:
        if self.run.test_fit is None:
            return [], []
        return _finite_points(self._history_epochs, self.run.test_cost)


def _finite_points(epochs: list[int], cost: Callable[[int], float | None]) -> tuple[list[int], list[float]]:
    pairs = [(epoch, c) for epoch in epochs if (c := cost(epoch)) is not None and math.isfinite(c)]
    return [e for e, _ in pairs], [c for _, c in pairs]


@dataclass(frozen=True)
class Beat:
    """What one call of ``train_towards_report`` did, for the worker's pacing."""

    at_report: bool  # a report boundary (or the end) was reached: worth showing
    running: bool  # training goes on after this
    pace: float | None  # reports per second wanted; None: as fast as possible


class Session:
    def __init__(self, hyper: Hyperparameters | None = None, data: DataSet | None = None) -> None:
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._data = data or celsius_to_fahrenheit_data()
        self._hyper = (hyper or Hyperparameters()).with_seed()
        self._version = 0
        self._pinned: Pinned | None = None
        self._practice = Practice()  # guesses and challenges (core/practice.py)
        with self._lock:
            self._start(self._hyper)

    # -- read-only from outside ------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def hyper(self) -> Hyperparameters:
        return self._hyper

    @property
    def data(self) -> DataSet:
        return self._data

    @property
    def run(self) -> Run:
        return self._run

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def fast_forward(self) -> bool:
        return self._fast_forward

    @property
    def pinned(self) -> Pinned | None:
        return self._pinned

    @property
    def practice(self) -> Practice:
        return self._practice

    def set_practice(self, practice: Practice) -> None:
        """Keep the learner's score and results (saved with the session)."""
        with self._lock:
            self._practice = practice
            self._changed()

    @property
    def max_stable_alpha(self) -> float:
        return self._run.max_stable_alpha

    # -- building blocks ---------------------------------------------------

    def _start(self, hyper: Hyperparameters, run: Run | None = None, epoch: int | None = None) -> None:
        """Stand at ``epoch`` (by default where ``run`` begins) of ``run`` (by default a fresh one)."""
        self._hyper = hyper
        if run is None:
            run = Run(self._data, *hyper.initial_neuron(), hyper.alpha)
        self._run = run
        self._state = State.PAUSED  # which also ends a fast-forward (_move_to)
        self._move_to(run.first_epoch if epoch is None else epoch)

    def _move_to(self, epoch: int) -> None:
        """Put the cursor on ``epoch`` (within what the run allows) and settle the state there."""
        run, goal = self._run, self._hyper.epochs
        end = run.last_epoch(goal)
        self._epoch = min(max(epoch, run.first_epoch), max(end, run.first_epoch))
        # The alpha field shows the alpha in force where the learner stands.
        alpha = run.alpha_at(self._epoch)
        if self._hyper.alpha != alpha:
            self._hyper = replace(self._hyper, alpha=alpha)
        if run.diverged_at is not None and self._epoch == run.diverged_at:
            self._state = State.DIVERGED
        elif self._epoch >= goal:
            self._state = State.FINISHED
        elif self._state is not State.RUNNING:
            self._state = State.PAUSED
        if self._state is not State.RUNNING:
            self._fast_forward = False
        self._changed()

    def _changed(self) -> None:
        self._version += 1
        self._wake.notify_all()

    def _advance(self, epochs: int) -> None:
        """Train up to ``epochs`` epochs (never past the goal or a blow-up)."""
        if self._state in (State.FINISHED, State.DIVERGED):
            return
        self._move_to(self._epoch + max(0, epochs))

    def use_data(self, data: DataSet) -> None:
        """Learn from other data: back to epoch 0, same hyperparameters."""
        with self._lock:
            self._data = data
            self._pinned = None  # a run on other data has other axes
            self._start(self._hyper)

    # -- saving and restoring --------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """Everything needed to come back to exactly this point, with all of its past."""
        with self._lock:
            return {
                "hyperparameters": asdict(self._hyper),
                "data": self._data.spec.to_dict(),
                "run": self._run.to_dict(),
                "epoch": self._epoch,
                "state": State.PAUSED.value if self._state is State.RUNNING else self._state.value,
                "pinned": None
                if self._pinned is None
                else {
                    "run": self._pinned.run.to_dict(),
                    "epoch": self._pinned.epoch,
                },
                **({"practice": practice_record(self._practice)} if self._practice.started else {}),
            }

    @classmethod
    def restore(
        cls,
        hyper: Hyperparameters,
        data: DataSet,
        run: Run,
        epoch: int,
        pinned: Pinned | None = None,
        practice: Practice | None = None,
    ) -> Session:
        """A session standing at ``epoch`` of ``run`` (checked by persist.py); it comes back paused."""
        session = cls(hyper, data)
        with session._lock:
            session._pinned = pinned
            session._practice = practice or Practice()
            session._start(hyper, run, epoch)
        return session

    def adopt_model(self, model: dict[str, Any]) -> None:
        """Carry on from a saved model (see persist.load_model): its neuron at its epoch, and its settings."""
        with self._lock:
            hyper = Hyperparameters(**model["hyperparameters"])
            init = (model["init"]["w"], model["init"]["b"])
            start = self._data.to_training(model["w"], model["b"])
            self._start(hyper, Run(self._data, *init, hyper.alpha, first_epoch=model["epoch"], start=start))

    # -- what the learner sees -----------------------------------------------

    def view(self) -> View:
        with self._lock:
            return View(
                version=self._version,
                state=self._state,
                epochs=self._hyper.epochs,
                hyper=self._hyper,
                data=self._data,
                run=self._run,
                moment=self._run.at(self._epoch),
                init_pending=self._hyper.initial_neuron() != (self._run.w0, self._run.b0),
                fast_forward=self._fast_forward,
                pinned=self._pinned,
            )

    # -- what the learner does ---------------------------------------------

    def start(self, problem: str | None = None) -> str | None:
        """Start training; returns why it cannot (``problem``: a field the learner has not fixed)."""
        with self._lock:
            if self._state is not State.PAUSED:
                return self.stuck_reason()
            if problem:
                return f"Not started: {problem}"
            self._state = State.RUNNING
            self._changed()
            return None

    def pause(self) -> None:
        with self._lock:
            self._fast_forward = False
            if self._state is State.RUNNING:
                self._state = State.PAUSED
            self._changed()

    def toggle(self, problem: str | None = None) -> str | None:
        """Pause if running, else start (see ``start``)."""
        with self._lock:
            if self._state is State.RUNNING:
                self.pause()
                return None
            return self.start(problem)

    def step(self, epochs: int = 1) -> None:
        """Pause, then train exactly ``epochs`` more epochs (fewer at the end)."""
        with self._lock:
            self.pause()
            self._advance(epochs)

    def step_report(self) -> None:
        """Pause, then train up to the next report: the next multiple of the report interval."""
        with self._lock:
            every = self._hyper.every
            self.step(every - self._epoch % every)

    def back(self, epochs: int = 1) -> None:
        """Pause and go back ``epochs`` epochs (not before the run began)."""
        with self._lock:
            self.go_to(self._epoch - epochs)

    def back_report(self) -> None:
        """Pause and go back to the previous report: the previous multiple of the report interval."""
        with self._lock:
            every = self._hyper.every
            self.back(self._epoch % every or every)

    def go_to(self, epoch: int) -> None:
        """Pause and stand at ``epoch``, exactly as training got (or gets) there; clamped to the run."""
        with self._lock:
            self.pause()
            self._move_to(epoch)  # which settles the state there: paused, unless finished or diverged

    def run_to_end(self) -> None:
        with self._lock:
            if self._state in (State.PAUSED, State.RUNNING):
                self._fast_forward = True
                self._state = State.RUNNING
            self._changed()

    def toggle_pin(self) -> Pinned | None:
        """Pin the run as it stands, to compare the next one against; or unpin it. Returns the pin."""
        with self._lock:
            self._pinned = None if self._pinned is not None else Pinned(self._run, self._epoch)
            self._changed()
            return self._pinned

    def reset(self, new_random_start: bool = False) -> None:
        """Back to epoch 0 from the initial w and b, or from a fresh random pair."""
        with self._lock:
            hyper = self._hyper
            if new_random_start:
                hyper = replace(hyper, w0=None, b0=None, seed=None).with_seed()
            self._start(hyper)

    def update(self, **changes: Unpack[HyperparameterChanges]) -> None:
        """Change hyperparameters. Alpha acts from the epoch on screen (a new segment of the run);
        interval and pace at the next report; epochs extends or shortens the run; the init waits for a reset."""
        with self._lock:
            hyper = replace(self._hyper, **changes).with_seed()
            if hyper.alpha != self._run.alpha_at(self._epoch):
                # A neuron that has blown up already: the new alpha takes over from the last
                # epoch before the blow-up, and training can carry on from there.
                recovering = self._state is State.DIVERGED
                epoch = self.last_sound_epoch if recovering else self._epoch
                # Raises TooManySegments (a ValueError) before anything has changed.
                self._run = self._run.with_alpha(epoch, hyper.alpha)
                if recovering:
                    self._epoch, self._state = epoch, State.PAUSED
            self._hyper = hyper
            self._move_to(self._epoch)  # finished, with more epochs now: paused, ready to go on

    @property
    def last_sound_epoch(self) -> int:
        """The last epoch before the blow-up (where a new alpha would carry on from); else the cursor."""
        blown_up = self._run.diverged_at
        if self._state is not State.DIVERGED or blown_up is None:
            return self._epoch
        return max(self._run.first_epoch, blown_up - 1)

    def stuck_reason(self) -> str | None:
        """Why training cannot go on from here, and what will let it; None while it can."""
        with self._lock:
            if self._state is State.DIVERGED:
                carry_on = self.last_sound_epoch
                if not self._run.takes_new_alpha_at(carry_on):
                    return (
                        f"Diverged at epoch {self._epoch:,}, in a run with the most alpha changes it keeps: "
                        "b steps back to an earlier alpha, r starts over."
                    )
                return (
                    f"Diverged at epoch {self._epoch:,}: a smaller alpha (a) carries on from epoch "
                    f"{carry_on:,}; b steps back, r starts over."
                )
            if self._state is State.FINISHED:
                return "Finished: raise epochs to train on, or r to start over."
            return None

    # -- what the training thread does ----------------------------------------

    def wait_until_running(self, timeout: float) -> bool:
        """Block until training should go on (True) or ``timeout`` passes (False)."""
        with self._lock:
            if self._state is not State.RUNNING:
                self._wake.wait(timeout)
            return self._state is State.RUNNING

    def wait_for_change(self, timeout: float) -> None:
        """Sleep up to ``timeout``, waking early when anything changes (a pause, say)."""
        with self._lock:
            version = self._version
            self._wake.wait_for(lambda: self._version != version, timeout)

    def train_towards_report(self) -> Beat:
        """Train to the next report (or, fast-forwarding, to the end): one locked call for the worker."""
        with self._lock:
            if self._state is not State.RUNNING:
                return Beat(at_report=False, running=False, pace=None)
            every, fast = self._hyper.every, self._fast_forward
            self._advance(self._hyper.epochs if fast else every - self._epoch % every)
            return Beat(at_report=True, running=self._state is State.RUNNING, pace=None if fast else self._hyper.pace)

    def train_to(self, epoch: int) -> Beat:
        """Train on up to ``epoch`` (never past the goal or a blow-up), if running: paced playback."""
        with self._lock:
            if self._state is not State.RUNNING:
                return Beat(at_report=False, running=False, pace=None)
            self._advance(epoch - self._epoch)
            return Beat(at_report=True, running=self._state is State.RUNNING, pace=self._hyper.pace)
