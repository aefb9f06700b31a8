"""One training session: the state a learner steers, safe to share with a worker thread.

The app's widgets only ever render a ``View``; every change goes through a
method here, under one lock, so the training thread and the key presses never
see half an update.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from nanoneuron_tui.core.data import DataSet, celsius_to_fahrenheit_data
from nanoneuron_tui.core.trainer import CostHistory, Trainer, max_stable_alpha
from nanoneuron_tui.params import Hyperparameters

# Enough points for any plot a terminal can show, and a fixed memory bound.
HISTORY_CAPACITY = 4096
# A report is trained in slices this long, so a pause waits for one slice at most.
SLICE_EPOCHS = 5000


class State(StrEnum):
    PAUSED = "paused"
    RUNNING = "running"
    FINISHED = "finished"
    DIVERGED = "diverged"


@dataclass(frozen=True)
class View:
    """Everything the panes show, taken at one instant."""

    version: int
    state: State
    epoch: int
    epochs: int
    hyper: Hyperparameters
    w0: float
    b0: float
    w: float
    b: float
    dW: float
    dB: float
    cost: float
    test_cost: float | None
    diverged_at: int | None
    target: tuple[float, float]
    data: DataSet
    train_history: tuple[list[int], list[float]]
    test_history: tuple[list[int], list[float]]
    init_pending: bool  # the init fields differ from the neuron being trained
    fast_forward: bool

    @property
    def distance_to_target(self) -> float:
        return math.hypot(self.w - self.target[0], self.b - self.target[1])

    def predict(self, x: float) -> float:
        return x * self.w + self.b

    def correct(self, x: float) -> float:
        return x * self.target[0] + self.target[1]


class Session:
    def __init__(self, hyper: Hyperparameters | None = None, data: DataSet | None = None) -> None:
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self.data = data or celsius_to_fahrenheit_data()
        self.hyper = (hyper or Hyperparameters()).with_seed()
        self.fast_forward = False
        self._version = 0
        with self._lock:
            self._start(self.hyper)

    # -- building blocks ---------------------------------------------------

    def _start(self, hyper: Hyperparameters, init: tuple[float, float] | None = None,
               at: tuple[float, float, int] | None = None) -> None:
        """A fresh run from ``init`` (by default the hyperparameters' start), standing at
        epoch 0, or at a saved neuron ``at`` = (w, b, epoch)."""
        self.hyper = hyper
        self.w0, self.b0 = init or hyper.initial_neuron()
        w, b, epoch = at or (self.w0, self.b0, 0)
        self.trainer = self._trainer(w, b, epoch)
        self.train_history = CostHistory(HISTORY_CAPACITY)
        self.test_history = CostHistory(HISTORY_CAPACITY)
        self.state = State.FINISHED if epoch >= hyper.epochs else State.PAUSED
        self.fast_forward = False
        self._record_now()
        self._changed()

    def _trainer(self, w: float, b: float, epoch: int = 0, start_cost: float | None = None,
                 training_units: bool = False) -> Trainer:
        """A trainer for a neuron given in the data's units, or already in the trainer's."""
        train, test = self.data.training_fits
        if not training_units:
            w, b = self.data.to_training(w, b)
        return Trainer(train, w, b, self.hyper.alpha, test=test, epoch=epoch, start_cost=start_cost,
                       track_test=True)

    def _record_now(self) -> None:
        """Put the current neuron's cost on the plot (the cost before its next update)."""
        report = self.trainer.progress()
        self.train_history.extend(report.epoch, [report.cost])
        if report.test_cost is not None:
            self.test_history.extend(report.epoch, [report.test_cost])

    def _changed(self) -> None:
        self._version += 1
        self._wake.notify_all()

    def _advance(self, epochs: int) -> None:
        """Train up to ``epochs`` epochs (never past the goal) and record them."""
        trainer = self.trainer
        epochs = min(epochs, self.hyper.epochs - trainer.epoch)
        if epochs > 0 and self.state not in (State.FINISHED, State.DIVERGED):
            before = trainer.epoch
            report = trainer.advance(epochs)
            # costs[0] is the cost at `before`, already recorded.
            self.train_history.extend(before + 1, report.costs[1:])
            finite_tests = [c for c in report.test_costs[1:] if math.isfinite(c)]
            self.test_history.extend(before + 1, finite_tests)
            if report.diverged:
                self.state = State.DIVERGED
            else:
                self.train_history.extend(report.epoch, [report.cost])
                if report.test_cost is not None:
                    self.test_history.extend(report.epoch, [report.test_cost])
        if self.state is not State.DIVERGED and trainer.epoch >= self.hyper.epochs:
            self.state = State.FINISHED
            self.fast_forward = False
        self._changed()

    def view_w_b(self) -> tuple[float, float]:
        """The neuron's w and b in the data's units."""
        return self.data.from_training(self.trainer.w, self.trainer.b)

    def use_data(self, data: DataSet) -> None:
        """Learn from other data: back to epoch 0, same hyperparameters."""
        with self._lock:
            self.data = data
            self._start(self.hyper)

    # -- saving and restoring --------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """Everything needed to come back to exactly this point."""
        with self._lock:
            trainer = self.trainer
            return {
                "hyperparameters": asdict(self.hyper),
                "data": asdict(self.data.spec),
                "init": {"w": self.w0, "b": self.b0},
                "epoch": trainer.epoch,
                # As the trainer holds them (standardized units if normalizing), so a
                # resumed session is bit-for-bit the same.
                "w": trainer.w,
                "b": trainer.b,
                "start_cost": trainer.start_cost,
                "diverged_at": trainer.diverged_at,
                "state": State.PAUSED.value if self.state is State.RUNNING else self.state.value,
                "train_history": self.train_history.to_dict(),
                "test_history": self.test_history.to_dict(),
            }

    @classmethod
    def restore(cls, saved: dict, data: DataSet) -> Session:
        """A session from ``to_dict``'s output (checked by persist.py); it comes back paused."""
        session = cls(Hyperparameters(**saved["hyperparameters"]), data)
        with session._lock:
            session.w0, session.b0 = saved["init"]["w"], saved["init"]["b"]
            session.trainer = session._trainer(
                saved["w"], saved["b"], saved["epoch"], saved["start_cost"], training_units=True
            )
            session.trainer.diverged_at = saved["diverged_at"]
            session.state = State(saved["state"])
            session.train_history = CostHistory.from_dict(saved["train_history"])
            session.test_history = CostHistory.from_dict(saved["test_history"])
            session._changed()
        return session

    def adopt_model(self, model: dict) -> None:
        """Carry on from a saved model (see persist.load_model): its w, b, epoch and settings."""
        with self._lock:
            self._start(
                Hyperparameters(**model["hyperparameters"]),
                init=(model["init"]["w"], model["init"]["b"]),
                at=(model["w"], model["b"], model["epoch"]),
            )

    # -- what the learner does ---------------------------------------------

    def view(self) -> View:
        with self._lock:
            report = self.trainer.progress()
            w, b = self.view_w_b()
            pending = (self.hyper.initial_neuron() != (self.w0, self.b0))
            return View(
                version=self._version,
                state=self.state,
                epoch=report.epoch,
                epochs=self.hyper.epochs,
                hyper=self.hyper,
                w0=self.w0,
                b0=self.b0,
                w=w,
                b=b,
                dW=report.dW,
                dB=report.dB,
                cost=report.cost,
                test_cost=report.test_cost,
                diverged_at=report.diverged_at,
                target=self.data.target,
                data=self.data,
                train_history=self.train_history.points(),
                test_history=self.test_history.points(),
                init_pending=pending,
                fast_forward=self.fast_forward,
            )

    def run(self) -> None:
        with self._lock:
            if self.state is State.PAUSED:
                self.state = State.RUNNING
                self._changed()

    def pause(self) -> None:
        with self._lock:
            self.fast_forward = False
            if self.state is State.RUNNING:
                self.state = State.PAUSED
            self._changed()

    def toggle(self) -> None:
        with self._lock:
            if self.state is State.RUNNING:
                self.pause()
            else:
                self.run()

    def step(self, epochs: int = 1) -> None:
        """Pause, then train exactly ``epochs`` more epochs (fewer at the end)."""
        with self._lock:
            self.pause()
            self._advance(epochs)

    def step_report(self) -> None:
        """Pause, then train up to the next report: the next multiple of the report interval."""
        with self._lock:
            every = self.hyper.every
            self.step(every - self.trainer.epoch % every)

    def run_to_end(self) -> None:
        with self._lock:
            if self.state is State.PAUSED:
                self.fast_forward = True
                self.state = State.RUNNING
            elif self.state is State.RUNNING:
                self.fast_forward = True
            self._changed()

    def reset(self, new_random_start: bool = False) -> None:
        """Back to epoch 0 from the initial w and b, or from a fresh random pair."""
        with self._lock:
            hyper = self.hyper
            if new_random_start:
                hyper = replace(hyper, w0=None, b0=None, seed=None).with_seed()
            self._start(hyper)

    def update(self, **changes: object) -> None:
        """Change hyperparameters. Alpha, interval and pace act at the next
        report; epochs extends or shortens the run; the init waits for a reset."""
        with self._lock:
            self.hyper = replace(self.hyper, **changes).with_seed()
            self.trainer.alpha = self.hyper.alpha
            if self.state is State.FINISHED and self.trainer.epoch < self.hyper.epochs:
                self.state = State.PAUSED
            elif self.state in (State.PAUSED, State.RUNNING) and self.trainer.epoch >= self.hyper.epochs:
                self.state = State.FINISHED
                self.fast_forward = False
            self._changed()

    @property
    def max_stable_alpha(self) -> float:
        return max_stable_alpha(self.data.training_fits[0])

    # -- what the training thread does ----------------------------------------

    def wait_until_running(self, timeout: float) -> bool:
        """Block until training should go on (True) or ``timeout`` passes (False)."""
        with self._lock:
            if self.state is not State.RUNNING:
                self._wake.wait(timeout)
            return self.state is State.RUNNING

    def wait_for_change(self, timeout: float) -> None:
        """Sleep up to ``timeout``, waking early when anything changes (a pause, say)."""
        with self._lock:
            version = self._version
            self._wake.wait_for(lambda: self._version != version, timeout)

    def train_slice(self) -> bool:
        """Train towards the next report; True when a report boundary (or the end) is reached."""
        with self._lock:
            if self.state is not State.RUNNING:
                return False
            every = self.hyper.every
            to_report = every - self.trainer.epoch % every
            epochs = min(to_report, SLICE_EPOCHS)
            self._advance(epochs)
            return epochs == to_report or self.state is not State.RUNNING
