"""Practice: the learner predicts and the app checks; challenges with a goal.

Two things a learner *does* rather than reads:

- **A guess.** Before a step, the learner says what the next w (or b, dW, dB,
  the cost) will be. ``check_guess`` compares it with the run's own number,
  within ``Step.tolerance``, and for a wrong guess names the likely mistake when the
  guess matches a known slip (the sign of dW, alpha forgotten, the sum for the
  mean, the half of the cost forgotten).
- **A challenge.** A goal over the real training (``CHALLENGES``). Its check
  reads only the run, the epoch and the data (a ``Situation``), never the
  learner's word, so a result saved in a file can be checked again from the
  state it records.

Maths only: no UI, no files, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from nanoneuron_tui.core.data import DataError, DataSet, DataSpec, LineFit, build_data
from nanoneuron_tui.core.run import Run

QUANTITIES = ("w", "b", "dW", "dB", "cost")
TOLERANCE = 1e-3  # relative: a guess within 0.1 % of the exact value (of the step, for w and b) is right
ABSOLUTE_TOLERANCE = 1e-9  # so a value of exactly 0 can be guessed too
# The readouts show w and b to 7 significant digits: a next w worked out from them may be off by this much.
DISPLAYED = 1e-6
STREAK_GOAL = 3  # guesses right in a row for the streak challenge
RECENT_GUESSES = STREAK_GOAL  # guesses kept as the evidence of a streak
MAX_RESULTS = 200  # results a session keeps (the oldest go first)


def close_enough(guess: float, value: float, tolerance: float) -> bool:
    return abs(guess - value) <= max(tolerance, ABSOLUTE_TOLERANCE)


def epochs_words(count: int) -> str:
    return f"{count:,} epoch" + ("" if count == 1 else "s")


def number(value: float) -> str:
    """Seven significant digits: what the readouts show, and enough to check a step by hand."""
    return f"{value:.7g}"


# -- one step, and a guess about it ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """The numbers of one training step, in the trainer's units (x standardized if normalizing)."""

    w: float
    b: float
    alpha: float
    dW: float
    dB: float
    cost: float
    count: int  # m, the training points the mean is taken over
    primed: bool = False  # x standardized: the trainer's w′ and b′

    @classmethod
    def of(cls, fit: LineFit, w: float, b: float, alpha: float, primed: bool = False) -> Step:
        dW, dB = fit.gradient(w, b)
        return cls(w, b, alpha, dW, dB, fit.cost(w, b), fit.count, primed)

    @classmethod
    def at(cls, run: Run, epoch: int) -> Step:
        """The step the run takes from ``epoch``."""
        moment = run.at(epoch)
        return cls(
            moment.w_trained,
            moment.b_trained,
            moment.alpha,
            moment.dW,
            moment.dB,
            moment.cost,
            run.train_fit.count,
            run.data.spec.normalize,
        )

    def name(self, quantity: str) -> str:
        return f"{quantity}′" if self.primed and quantity in ("w", "b") else quantity

    def value(self, quantity: str) -> float:
        return {
            "w": self.w + self.alpha * self.dW,
            "b": self.b + self.alpha * self.dB,
            "dW": self.dW,
            "dB": self.dB,
            "cost": self.cost,
        }[quantity]

    def tolerance(self, quantity: str) -> float:
        """How far a right guess may be from the value.

        0.1 % of it; for the next w and b, 0.1 % of the *step* (α·dW), plus what the
        readouts' 7 digits of w and b leave unsaid: late in training the step is tiny
        next to w, and 0.1 % of w would let "w does not change" pass for right.
        """
        if quantity in ("w", "b"):
            slope = self.dW if quantity == "w" else self.dB
            return TOLERANCE * abs(self.alpha * slope) + DISPLAYED * abs(self.value(quantity))
        return TOLERANCE * abs(self.value(quantity))

    def line(self, quantity: str) -> str:
        """The computation that gives the right value, with its numbers."""
        m = f"{self.count:,} points"
        x = "x′" if self.primed else "x"
        if quantity in ("w", "b"):
            before, slope = (self.w, self.dW) if quantity == "w" else (self.b, self.dB)
            name = self.name(quantity)
            return f"{name} ← {number(before)} + {self.alpha:g} × {number(slope)} = {number(self.value(quantity))}"
        if quantity == "dW":
            return f"dW = mean((y − ŷ)·{x}) over {m} = {number(self.dW)}"
        if quantity == "dB":
            return f"dB = mean(y − ŷ) over {m} = {number(self.dB)}"
        return f"cost = mean((y − ŷ)² / 2) over {m} = {number(self.cost)}"

    def slips(self, quantity: str) -> list[tuple[str, float]]:
        """The likely mistakes for ``quantity``: what each would have given, and its name."""
        m = self.count
        if quantity in ("w", "b"):
            before, slope = (self.w, self.dW) if quantity == "w" else (self.b, self.dB)
            d = "dW" if quantity == "w" else "dB"
            return [
                (f"the sign of {d}: training adds α·{d} ({d} already points downhill)", before - self.alpha * slope),
                (f"α forgotten: the step is α × {d}, not {d}", before + slope),
                (f"the sum for the mean: {d} is averaged over the {m:,} points", before + self.alpha * m * slope),
                (f"no step: {quantity} changes by α·{d}", before),
            ]
        if quantity in ("dW", "dB"):
            slope = self.dW if quantity == "dW" else self.dB
            return [
                (f"the sign: {quantity} is y − ŷ (downhill), not ŷ − y", -slope),
                (f"the sum for the mean: {quantity} is averaged over the {m:,} points", m * slope),
            ]
        return [
            (f"the sum for the mean: the cost is averaged over the {m:,} points", m * self.cost),
            ("the half forgotten: each point costs (y − ŷ)² / 2", 2 * self.cost),
        ]


@dataclass(frozen=True)
class Verdict:
    quantity: str
    guess: float
    value: float
    right: bool
    line: str  # the computation of the right value
    mistake: str | None  # the likely slip, when the guess matches one

    def words(self, right_mark: str = "✓", wrong_mark: str = "✗") -> str:
        if self.right:
            return f"{right_mark} {self.line}"
        said = f"{wrong_mark} you said {number(self.guess)}; {self.line}"
        return f"{said}. Likely slip: {self.mistake}" if self.mistake else said


def check_guess(step: Step, quantity: str, guess: float) -> Verdict:
    """Is ``guess`` the value ``quantity`` takes in ``step``? And if not, what went wrong?"""
    if quantity not in QUANTITIES:
        raise ValueError(f"no quantity called {quantity!r}")
    value = step.value(quantity)
    tolerance = step.tolerance(quantity)
    right = close_enough(guess, value, tolerance)
    mistake = None
    if not right:
        slips = step.slips(quantity)
        matches = [(abs(guess - slip), name) for name, slip in slips if close_enough(guess, slip, tolerance)]
        mistake = min(matches)[1] if matches else None
    return Verdict(quantity, guess, value, right, step.line(quantity), mistake)


@dataclass(frozen=True)
class Guess:
    """One guess as a file records it: enough to check it again (the step's neuron, alpha and data)."""

    quantity: str
    epoch: int
    w: float  # the trainer's units
    b: float
    alpha: float
    guess: float
    data: DataSpec

    def recheck(self, data: DataSet | None = None) -> Verdict:
        """The verdict, worked out again from the state the guess records (DataError if its data is gone)."""
        data = data if data is not None and data.spec == self.data else build_data(self.data)
        step = Step.of(data.training_fits[0], self.w, self.b, self.alpha, data.spec.normalize)
        return check_guess(step, self.quantity, self.guess)


@dataclass(frozen=True)
class Score:
    guesses: int = 0
    right: int = 0
    streak: int = 0
    best_streak: int = 0

    def after(self, right: bool) -> Score:
        streak = self.streak + 1 if right else 0
        return Score(self.guesses + 1, self.right + int(right), streak, max(self.best_streak, streak))

    @property
    def consistent(self) -> bool:
        return 0 <= self.streak <= self.best_streak <= self.right <= self.guesses

    def words(self) -> str:
        return f"{self.right}/{self.guesses} right · streak {self.streak} (best {self.best_streak})"


# -- challenges ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """What a challenge is checked against: the session's real state."""

    data: DataSet
    run: Run
    epoch: int
    goal: int  # the run's epochs
    guesses: tuple[Guess, ...] = ()  # the latest, newest last

    @property
    def diverged(self) -> bool:
        return self.run.diverged_at is not None and self.run.diverged_at <= self.epoch


@dataclass(frozen=True)
class Progress:
    met: bool
    line: str  # where the learner stands, in a few words
    result: str | None = None  # what they achieved, once met
    value: float | None = None  # the result as a number (epochs, alpha, error), for a class to rank


@dataclass(frozen=True)
class Challenge:
    name: str
    title: str
    goal: str
    hint: str
    check: Callable[[Situation], Progress]
    answer: Callable[[Situation], str]  # the worked answer, from where the learner stands


def three_significant_below(limit: float) -> float:
    """The largest number of three significant digits strictly below ``limit`` (> 0)."""
    unit = 10.0 ** (math.floor(math.log10(limit)) - 2)
    best = round(math.floor(limit / unit) * unit, 12 - math.floor(math.log10(unit)))
    # On a round limit, the answer is just below it (and may have a smaller unit: 1.0 gives 0.999).
    return best if best < limit else three_significant_below(math.nextafter(limit, 0.0) * (1 - 1e-12))


def _alpha_limit(s: Situation) -> Progress:
    limit = s.run.max_stable_alpha
    best = three_significant_below(limit)
    if s.epoch <= s.run.first_epoch:
        return Progress(False, "set alpha, then take a step")
    alpha = s.run.alpha_at(s.epoch - 1)  # the alpha of the step that led here
    if alpha >= limit:
        return Progress(False, f"{alpha:.3g} diverges: lower")
    if not math.isclose(alpha, best, rel_tol=1e-9):
        return Progress(False, f"{alpha:.3g} converges: higher?")
    return Progress(True, f"alpha {alpha:.3g} converges", f"alpha {alpha:.3g} (the limit is {limit:.6g})", alpha)


def _alpha_limit_answer(s: Situation) -> str:
    limit = s.run.max_stable_alpha
    return (
        f"The cost is a valley whose steepest curvature is λ = {2 / limit:.5g} (mean of x² and x, from the data); "
        f"a step of alpha·λ past 2 overshoots more each epoch, so alpha must stay below 2/λ = {limit:.6g}. "
        f"The largest three-digit alpha below it: {three_significant_below(limit):.3g} (a, type it, Enter, s)."
    )


COST_GOAL = 1e-3


def first_epoch_where(run: Run, low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The first epoch in [low, high] where ``holds`` (which holds at ``high`` and, once true, stays true)."""
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return high


def fast_cost(goal: float = COST_GOAL) -> Callable[[Situation], Progress]:
    def check(s: Situation) -> Progress:
        run = s.run
        if s.diverged:
            return Progress(False, "diverged: lower alpha")
        if not run.cost(run.first_epoch) >= goal:
            return Progress(False, f"starts below {goal:g} (R)")
        cost = run.cost(s.epoch)
        if not cost < goal:
            return Progress(False, f"cost {cost:.4g}, goal < {goal:g}")
        # A stable descent never raises the cost of a line: the first epoch below the goal.
        first = first_epoch_where(run, run.first_epoch, s.epoch, lambda e: run.cost(e) < goal)
        epochs = first - run.first_epoch
        return Progress(True, f"cost below {goal:g}", epochs_words(epochs), epochs)

    return check


def _fast_cost_answer(s: Situation) -> str:
    data = build_data(replace(s.data.spec, normalize=True))
    w0, b0 = s.run.w0, s.run.b0
    run = Run(data, w0, b0, 1.0)
    reached = fast_cost()(Situation(data, run, run.last_epoch(1000), 1000))
    return (
        "Normalize x (d, then normalization): the long valley becomes a round bowl of curvature 1 "
        f"both ways, and alpha 1 reaches its bottom in one step. From ({w0:.4g}, {b0:.4g}) with alpha 1: "
        f"{reached.result or 'not within 1,000 epochs'}."
    )


B_GOAL = 16.0
B_EPOCHS = 100


def b_crawl(threshold: float = B_GOAL, within: int = B_EPOCHS) -> Callable[[Situation], Progress]:
    def check(s: Situation) -> Progress:
        run, first = s.run, s.run.first_epoch
        if s.data.spec.csv or s.data.spec.preset != "c2f":
            return Progress(False, "needs the °C → °F data (d)")
        if not run.neuron(first)[1] < threshold:
            return Progress(False, f"b starts at {threshold:g} or more: r")
        b = run.neuron(s.epoch)[1]
        if not b > threshold:
            return Progress(False, f"b {b:.4g} at {s.epoch:,}; goal > {threshold:g}")
        # Looked for only as far as the goal allows: a crafted file cannot make this scan long.
        last = min(s.epoch, first + within)
        crossed = next((e for e in range(first, last + 1) if run.neuron(e)[1] > threshold), None)
        if crossed is None:
            return Progress(False, f"past {threshold:g} after > {within} epochs")
        epochs = crossed - first
        return Progress(True, f"b passed {threshold:g}", epochs_words(epochs), epochs)

    return check


def _b_crawl_answer(s: Situation) -> str:
    return (
        "b crawls because alpha is held below 2/λ by w's steep direction (x up to 99 makes dW huge), "
        "while dB is small: b moves by alpha·dB, a tiny step. Normalize x (d): w′ and b′ then have the "
        "same curvature, alpha 0.5 to 1 is safe, and b passes 16 in one or two epochs."
    )


def _streak(s: Situation) -> Progress:
    recent = s.guesses[-STREAK_GOAL:]
    right = 0
    for guess in reversed(recent):
        if guess.quantity != "w":
            break
        try:
            verdict = guess.recheck(s.data)
        except DataError:
            break
        if not verdict.right:
            break
        right += 1
    if right < STREAK_GOAL:
        return Progress(False, f"{right} of {STREAK_GOAL} in a row (y)")
    return Progress(True, f"{STREAK_GOAL} in a row", f"{STREAK_GOAL} next w in a row", STREAK_GOAL)


def _streak_answer(s: Situation) -> str:
    step = Step.at(s.run, s.epoch)
    return (
        "The next w is w + alpha × dW, with the numbers on screen: w and dW in the readouts, alpha in "
        f"its field. Here: {step.line('w')}. Type that with y, Enter; three in a row."
    )


UNITS_X = 70.0
UNITS_ERROR = 0.1


def other_units(x: float = UNITS_X, error: float = UNITS_ERROR) -> Callable[[Situation], Progress]:
    def check(s: Situation) -> Progress:
        if s.data.spec.csv or s.data.spec.preset == "c2f":
            return Progress(False, "choose another preset (d)")
        target_w, target_b = s.data.target
        correct = target_w * x + target_b
        if not abs(s.run.w0 * x + s.run.b0 - correct) > error:
            return Progress(False, "the start is right already: R")
        w, b = s.run.neuron(s.epoch)
        off = abs(w * x + b - correct)
        if s.diverged or not off <= error:
            return Progress(False, f"off by {off:.3g} at {x:g}; ≤ {error:g}")
        return Progress(True, f"off by {off:.3g}", f"off by {off:.3g} at epoch {s.epoch:,}", off)

    return check


def _other_units_answer(s: Situation) -> str:
    return (
        "d, then a preset such as km2mi (x up to 99 again, so the same alpha limit): train with f. "
        "The error at 70 falls with the cost; with --normalize and alpha 1 it is right after one epoch."
    )


STOP_WINDOW = 1000  # epochs looked ahead
STOP_FALL = 1e-3  # the test cost has stopped falling when the window lowers it by less than this share
STOP_SLACK = 100  # how close to the first such epoch the learner must stand


def test_cost_stopped(run: Run, epoch: int) -> bool:
    now, later = run.test_cost(epoch), run.test_cost(epoch + STOP_WINDOW)
    assert now is not None and later is not None
    return now - later < STOP_FALL * now


def test_floor(s: Situation) -> Progress:
    run = s.run
    if run.test_fit is None or not s.data.spec.noise > 0:
        return Progress(False, "needs noisy data (d)")
    if run.diverged_at is not None and run.diverged_at <= s.epoch + STOP_WINDOW:
        return Progress(False, "diverges: lower alpha")
    if not test_cost_stopped(run, s.epoch):
        return Progress(False, "test cost still falling")
    if s.epoch - STOP_SLACK < run.first_epoch or test_cost_stopped(run, s.epoch - STOP_SLACK):
        return Progress(False, "stopped earlier: go back")
    test = run.test_cost(s.epoch)
    assert test is not None
    return Progress(True, f"stopped at {s.epoch:,}", f"epoch {s.epoch:,} (test cost {test:.4g})", s.epoch)


def first_stop(run: Run, last: int) -> int | None:
    """The first epoch up to ``last`` from which the test cost has stopped falling; None if it falls on.

    A halving search (a run of 1,000,000,000 epochs costs what one of 70,000 does): once the
    descent has slowed below the threshold it stays below."""
    if not test_cost_stopped(run, last):
        return None
    return first_epoch_where(run, run.first_epoch, last, lambda e: test_cost_stopped(run, e))


def _test_floor_answer(s: Situation) -> str:
    if s.run.test_fit is None or not s.data.spec.noise > 0:
        return "First add noise (d, noise 5, say): a test set only disagrees with training when the data is noisy."
    last = s.run.last_epoch(s.goal)
    stop = (
        None if s.run.diverged_at is not None and s.run.diverged_at <= last + STOP_WINDOW else first_stop(s.run, last)
    )
    where = f"on this run, epoch {stop:,} (g, type it)" if stop is not None else "not within this run"
    return (
        "With noise the line can only get as good as the noise allows; the test cost levels off while "
        f"the training cost still creeps down. It stops falling (under 0.1 % over 1,000 epochs) {where}."
    )


CHALLENGES: dict[str, Challenge] = {
    c.name: c
    for c in (
        Challenge(
            "alpha-limit",
            "The largest alpha",
            "The largest alpha that converges, to 3 significant digits.",
            "Set alpha (a), take a step (s); too large and it diverges. Halve the gap each try.",
            _alpha_limit,
            _alpha_limit_answer,
        ),
        Challenge(
            "fast-cost",
            "Cost below 0.001, fast",
            "A training cost below 0.001 in the fewest epochs (any alpha).",
            "The valley is long and narrow: what does normalizing x (d) do to its shape?",
            fast_cost(),
            _fast_cost_answer,
        ),
        Challenge(
            "b-crawl",
            "Why does b crawl?",
            "Get b past 16 within 100 epochs of the start (°C → °F).",
            "Watch dB next to dW: alpha is set by w's steep direction. Normalizing x changes that.",
            b_crawl(),
            _b_crawl_answer,
        ),
        Challenge(
            "three-in-a-row",
            "Predict three steps",
            "Predict the next w within 0.1 % three times in a row (y).",
            "The next w is w + alpha × dW: all three numbers are on screen.",
            _streak,
            _streak_answer,
        ),
        Challenge(
            "other-units",
            "Another conversion",
            "On another preset, get 70 within 0.1 of the right answer.",
            "d chooses the data; the prediction box (p) shows the error at 70.",
            other_units(),
            _other_units_answer,
        ),
        Challenge(
            "test-floor",
            "When learning stops paying",
            "With noise, go to the epoch where the test cost stops falling.",
            "Add noise (d), run, then go back (b, g, the timeline) to the first epoch from which 1,000 more "
            "lower the test cost by under 0.1 %; up to 100 epochs late counts.",
            test_floor,
            _test_floor_answer,
        ),
    )
}


def challenge_list() -> list[str]:
    """One line per challenge: its name and goal (``nanoneuron --challenge list``)."""
    width = max(len(name) for name in CHALLENGES)
    return [f"{c.name:<{width}}  {c.goal}" for c in CHALLENGES.values()]


# -- what a session keeps ------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The state a challenge was met in, as a file records it: enough to check it again."""

    data: DataSpec
    run: dict[str, object]  # Run.to_dict()
    epoch: int
    goal: int
    guesses: tuple[Guess, ...] = ()

    @classmethod
    def of(cls, s: Situation) -> Evidence:
        return cls(s.data.spec, s.run.to_dict(), s.epoch, s.goal, s.guesses[-RECENT_GUESSES:])

    def situation(self, build: Callable[[DataSpec], DataSet] = build_data) -> Situation:
        """The situation again (DataError if its data cannot be built by ``build``)."""
        data = build(self.data)
        run = Run.from_dict(self.run, data)
        return Situation(data, run, self.epoch, self.goal, self.guesses)


MET, GAVE_UP = "met", "gave-up"


@dataclass(frozen=True)
class Result:
    challenge: str
    outcome: str  # MET or GAVE_UP
    result: str  # in words: "412 epochs"
    value: float | None
    epoch: int
    alpha: float
    time: str  # ISO 8601, UTC
    evidence: Evidence | None = None  # for a result met: the state that met it

    def recheck(self, build: Callable[[DataSpec], DataSet] = build_data) -> bool:
        """Does the recorded state meet the challenge? (Only a met result claims anything.)
        ``build`` makes the data its evidence names (a cache, when many results share a file)."""
        if self.outcome != MET:
            return True
        challenge = CHALLENGES.get(self.challenge)
        if challenge is None or self.evidence is None:
            return False
        try:
            progress = challenge.check(self.evidence.situation(build))
        except (DataError, ValueError, ArithmeticError):
            return False
        return progress.met and progress.value == self.value


@dataclass(frozen=True)
class Practice:
    """A session's practice: the score, the latest guesses, the challenge on, the results so far."""

    score: Score = Score()
    recent: tuple[Guess, ...] = ()
    active: str | None = None
    results: tuple[Result, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)  # what a load ignored, to say once

    @property
    def started(self) -> bool:
        return self.score.guesses > 0 or self.active is not None or bool(self.results)

    def guessed(self, guess: Guess, right: bool) -> Practice:
        return replace(self, score=self.score.after(right), recent=(*self.recent, guess)[-RECENT_GUESSES:])

    def start(self, name: str) -> Practice:
        """Challenge ``name`` from now: guesses made before it do not count towards it."""
        if name not in CHALLENGES:
            raise ValueError(f"no challenge called {name!r}")
        return replace(self, active=name, recent=())

    def finish(self, result: Result) -> Practice:
        return replace(self, active=None, results=(*self.results, result)[-MAX_RESULTS:])


def result_of(challenge: Challenge, s: Situation, progress: Progress, time: str) -> Result:
    """A challenge met (``progress.met``) or given up, recorded with its state."""
    outcome = MET if progress.met else GAVE_UP
    return Result(
        challenge.name,
        outcome,
        progress.result if progress.met and progress.result else "gave up",
        progress.value if progress.met else None,
        s.epoch,
        s.run.alpha_at(s.epoch),
        time,
        Evidence.of(s) if progress.met else None,
    )


# -- the record a session file holds (read back, and checked, by practice_file.py) ----------


def guess_record(guess: Guess) -> dict[str, object]:
    return {
        "quantity": guess.quantity,
        "epoch": guess.epoch,
        "w": guess.w,
        "b": guess.b,
        "alpha": guess.alpha,
        "guess": guess.guess,
        "data": _spec_record(guess.data),
    }


def _spec_record(spec: DataSpec) -> dict[str, object]:
    return {
        "preset": spec.preset,
        "csv": spec.csv,
        "noise": spec.noise,
        "noise_seed": spec.noise_seed,
        "test_ratio": spec.test_ratio,
        "split_seed": spec.split_seed,
        "normalize": spec.normalize,
    }


def practice_record(practice: Practice) -> dict[str, object]:
    """The ``practice`` section of a session file (documented in docs/practice.md)."""
    score = practice.score
    return {
        "score": {
            "guesses": score.guesses,
            "right": score.right,
            "streak": score.streak,
            "best_streak": score.best_streak,
        },
        "recent": [guess_record(g) for g in practice.recent],
        "active": practice.active,
        "results": [
            {
                "challenge": r.challenge,
                "outcome": r.outcome,
                "result": r.result,
                "value": r.value,
                "epoch": r.epoch,
                "alpha": r.alpha,
                "time": r.time,
                "evidence": None
                if r.evidence is None
                else {
                    "data": _spec_record(r.evidence.data),
                    "run": r.evidence.run,
                    "epoch": r.evidence.epoch,
                    "goal": r.evidence.goal,
                    "guesses": [guess_record(g) for g in r.evidence.guesses],
                },
            }
            for r in practice.results
        ],
    }
