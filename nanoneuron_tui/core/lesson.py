"""One epoch explained: the seven functions of ``neuron.py`` at work, with their numbers.

For a neuron (w, b), as the trainer holds it, a data set and a learning rate,
this walks through one epoch the way the article does -- predict, measure,
find the downhill direction, step -- and writes every number out so that a
student can redo the arithmetic by hand:

    w ← 1.437391 + 0.0005 × 2736.223 = 2.805503

Where a line is arithmetic (a prediction, one point's cost, an update), its
figures are printed with as many digits as it takes for the sum to check out
at the last digit shown. The three sample points go through ``neuron.py``'s
own functions; the means over all the data come from the exact summaries in
``data.py`` (the same code the trainer uses), so a million points cost nothing.
Each function's key line of code is read from ``neuron.py`` itself, so the
screen and the literal port cannot drift apart.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import MAX_PREC, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

from nanoneuron_tui.core import neuron
from nanoneuron_tui.core.data import DataSet

SIGNIFICANT = 7  # digits a result is shown with, unless it takes more to check out
MAX_SIGNIFICANT = 17  # a double holds no more
ARROW = "←"

# Which lines of neuron.py carry each function's idea, found by how they begin.
KEY_LINES: dict[str, tuple[Callable[..., object], tuple[str, ...]]] = {
    "predict": (neuron.NanoNeuron.predict, ("return",)),
    "celsius_to_fahrenheit": (neuron.celsius_to_fahrenheit, ("return",)),
    "prediction_cost": (neuron.prediction_cost, ("return",)),
    "forward_propagation": (neuron.forward_propagation, ("cost +=", "cost /=")),
    "backward_propagation": (neuron.backward_propagation, ("dW +=", "dB +=")),
    "train_model": (neuron.train_model, ("model.w +=", "model.b +=")),
}


def key_lines(function: Callable[..., object], beginnings: Sequence[str]) -> tuple[str, ...]:
    """The lines of ``function``'s source that begin with each of ``beginnings``, one each."""
    lines = [line.strip() for line in inspect.getsource(function).splitlines()]
    found = []
    for beginning in beginnings:
        matches = [line for line in lines if line.startswith(beginning)]
        if len(matches) != 1:
            raise LookupError(f"{function.__qualname__} has {len(matches)} lines beginning {beginning!r}")
        found.append(matches[0])
    return tuple(found)


@functools.cache  # the source does not change while we run; reading it takes milliseconds
def code_of(name: str) -> tuple[str, ...]:
    """The key line(s) of one of neuron.py's functions, as written there."""
    function, beginnings = KEY_LINES[name]
    return key_lines(function, beginnings)


# -- numbers a person can check -------------------------------------------------------

_CONTEXT = Context(prec=MAX_PREC, rounding=ROUND_HALF_EVEN)  # exact: the lines only add, multiply and halve
# A double printed with more digits than this shows noise (210.20000000000002 for 210.2):
# a line needs them only when nothing shorter checks out.
NOISE_FREE = 15
FEWEST = 3  # digits a result of its own may drop to (see Arithmetic)


def _rounded(value: float, significant: int) -> Decimal:
    """``value`` correctly rounded to ``significant`` digits."""
    return Decimal(f"{value:.{significant - 1}e}")


def _text(number: Decimal, exact: bool) -> str:
    """Plain notation for everyday sizes, scientific for the huge and the tiny.

    Trailing zeros go (25.5, not 25.50000: the same number reads the same
    everywhere). A rounded whole number is written in scientific notation, so
    that 1.829985e+10 does not pass for the exact 18299850000.
    """
    number = number.normalize(_CONTEXT)
    if number.is_zero():
        return "0"
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # only finite numbers get here
    magnitude = number.adjusted()
    if -5 <= magnitude < 12 and (exponent <= 0 or exact):
        return format(number, "f")
    digits = len(number.as_tuple().digits)
    mantissa, power = f"{number:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(power):+03d}"


def figure(value: float | None, significant: int = SIGNIFICANT) -> str:
    """One number as the lesson shows it: ``significant`` digits, legible when huge or not finite."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)  # nan, inf or -inf
    rounded = _rounded(value, significant)
    return _text(rounded, exact=rounded == Decimal(value))


@dataclass(frozen=True)
class Arithmetic:
    """A line a student can redo by hand: ``combine(*operands)`` gives ``result``."""

    operands: tuple[float, ...]
    result: float
    combine: Callable[..., Decimal]
    # A result no other line uses (one point's cost) may be shown with fewer digits, down to
    # FEWEST, rather than give its operands more: (122 − 114.3662)² / 2 = 29.138 cancels
    # digits, and more digits of ŷ would spread to w and b in every other line.
    private_result: bool = False


@dataclass
class Figures:
    """How one explanation writes its numbers: one count of digits per number, the same in every line.

    A number gets ``SIGNIFICANT`` digits, or more where some line needs them
    for its arithmetic to check out at the last digit shown; then it has those
    digits everywhere (dB = 113.60154 in backward_propagation as in the update
    of b). ``settle`` finds the digits; calling the object writes a number.
    """

    digits: dict[float, int] = field(default_factory=dict)

    def __call__(self, value: float | None) -> str:
        if value is None:
            return "-"
        return figure(value, self.digits.get(value, SIGNIFICANT))

    def _digits(self, value: float) -> int:
        return self.digits.get(value, SIGNIFICANT)

    def _checks_out(self, line: Arithmetic, operand_digits: Sequence[int], result_digits: int) -> bool:
        shown = _rounded(line.result, result_digits)
        figures = [_rounded(v, d) for v, d in zip(line.operands, operand_digits)]
        return line.combine(*figures).quantize(shown) == shown  # rounded to the last digit shown

    def checks_out(self, line: Arithmetic) -> bool:
        """The line's arithmetic, on the figures as written, gives its result as written."""
        if not all(math.isfinite(v) for v in (*line.operands, line.result)):
            return False
        with localcontext(_CONTEXT):
            return self._checks_out(line, [self._digits(v) for v in line.operands], self._digits(line.result))

    def _fit(self, line: Arithmetic) -> bool:
        """Give ``line``'s numbers the fewest more digits that make it check out; whether any changed."""
        if not all(math.isfinite(v) for v in (*line.operands, line.result)):
            return False  # too large to be finite: nothing to check
        least = [self._digits(v) for v in line.operands]
        result_least = self._digits(line.result)
        with localcontext(_CONTEXT):
            if self._checks_out(line, least, result_least):
                return False
            # Cheapest first: more digits for the result alone (an exact tie such as
            # 184.7² / 2 = 17057.045 needs one), then fewer for a result of its own.
            for result_digits in range(result_least + 1, NOISE_FREE + 1):
                if self._checks_out(line, least, result_digits):
                    self.digits[line.result] = result_digits
                    return True
            if line.private_result and line.result not in self.digits:
                for result_digits in range(result_least - 1, FEWEST - 1, -1):
                    if self._checks_out(line, least, result_digits):
                        self.digits[line.result] = result_digits
                        return True
            # The result gets more digits before the operands show noise; past that, anything goes.
            for limit in (NOISE_FREE, MAX_SIGNIFICANT):
                for result_digits in range(result_least, limit + 1):
                    for operand_digits in range(SIGNIFICANT, limit + 1):
                        digits = [max(d, operand_digits) for d in least]
                        if self._checks_out(line, digits, result_digits):
                            digits = self._trimmed(line, digits, least, result_digits)
                            for value, d in zip((*line.operands, line.result), (*digits, result_digits)):
                                self.digits[value] = max(self._digits(value), d)
                            return True
        return False  # unreachable for finite doubles in practice: the closest figures there are

    def _trimmed(self, line: Arithmetic, digits: list[int], least: list[int], result_digits: int) -> list[int]:
        """``digits`` with each operand back at its fewest where the line still checks out: one
        number needing 17 digits must not give them to its neighbours (α = 0.0005 would read
        0.00050000000000000001)."""
        for i, fewest in enumerate(least):
            trial = [*digits[:i], fewest, *digits[i + 1 :]]
            if self._checks_out(line, trial, result_digits):
                digits = trial
        return digits

    def settle(self, lines: Sequence[Arithmetic]) -> Figures:
        """Digits enough for every line; more digits for a number in one line can upset another
        that shares it, so repeat until none changes (digits only grow: this ends)."""
        changed = True
        while changed:
            changed = False
            for line in lines:
                changed = self._fit(line) or changed
        return self


def checked(operands: Sequence[float], result: float, combine: Callable[..., Decimal]) -> tuple[list[str], str]:
    """Operands and result as text, with digits enough that ``combine(operands) = result``
    checks out at the result's last digit (see ``Figures``)."""
    figures = Figures().settle([Arithmetic(tuple(operands), result, combine)])
    return [figures(v) for v in operands], figures(result)


def _plus(text: str) -> str:
    """``+ 3``, or ``− 3`` for -3: a negative term written as a subtraction reads better by hand."""
    return f"− {text[1:]}" if text.startswith("-") else f"+ {text}"


def _minus(text: str) -> str:
    """``− 3``, or ``+ 3`` for -3."""
    return f"+ {text[1:]}" if text.startswith("-") else f"− {text}"


def _parenthesized(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


# -- the lesson ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One training point through predict and prediction_cost."""

    x: float  # in the data's units
    x_trained: float  # as the neuron sees it (standardized if normalizing)
    y: float
    prediction: float
    cost: float


@dataclass(frozen=True)
class Update:
    """One line of train_model: ``new = old + alpha * gradient``, and how it is shown."""

    name: str
    old: float
    alpha: float
    gradient: float
    new: float
    text: str


@dataclass(frozen=True)
class Section:
    """One function of the article: its name, its key code, and its numbers."""

    name: str
    summary: str  # what it computes, in a few words
    code: tuple[str, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class EpochExplained:
    w: float  # the neuron before this epoch, as the trainer holds it
    b: float
    alpha: float
    normalized: bool
    samples: tuple[Sample, ...]
    cost: float  # forward_propagation: the mean over all training points
    dW: float  # backward_propagation: the negative gradient, means over all points
    dB: float
    w_next: float  # train_model: after this epoch's update
    b_next: float
    cost_next: float
    w_data: float  # the neuron in the data's units (equal to w, b unless normalizing)
    b_data: float
    w_next_data: float
    b_next_data: float
    updates: tuple[Update, Update]
    figures: Figures  # how every number of this explanation is written
    sections: tuple[Section, ...]

    def section(self, name: str) -> Section:
        return next(section for section in self.sections if section.name == name)


def sample_indices(count: int) -> tuple[int, ...]:
    """The first, middle and last training points (fewer if there are fewer)."""
    return tuple(sorted({0, count // 2, count - 1}))


def explain_epoch(data: DataSet, w: float, b: float, alpha: float) -> EpochExplained:
    """One epoch of ``neuron.train_model`` for the neuron (w, b) in the trainer's units."""
    fit, _test = data.training_fits
    scaling = data.scaling
    model = neuron.NanoNeuron(w, b)
    samples = []
    for i in sample_indices(len(data.x_train)):
        x, y = data.x_train[i], data.y_train[i]
        x_trained = (x - scaling.mean) / scaling.std if scaling else x
        prediction = model.predict(x_trained)
        samples.append(Sample(x, x_trained, y, prediction, _prediction_cost(y, prediction)))
    cost = fit.cost(w, b)
    dW, dB = fit.gradient(w, b)
    # train_model's own update, in its own order: w += alpha * dW.
    w_next = w + alpha * dW
    b_next = b + alpha * dB
    figures = Figures().settle(
        [
            *(Arithmetic((w, s.x_trained, b), s.prediction, _predict) for s in samples),
            *(Arithmetic((s.y, s.prediction), s.cost, _half_square, private_result=True) for s in samples),
            Arithmetic((w, alpha, dW), w_next, _step),
            Arithmetic((b, alpha, dB), b_next, _step),
        ]
    )
    prime = "′" if scaling else ""
    updates = (
        _update(figures, f"w{prime}", w, alpha, dW, w_next),
        _update(figures, f"b{prime}", b, alpha, dB, b_next),
    )
    lesson: dict[str, Any] = dict(
        w=w,
        b=b,
        alpha=alpha,
        normalized=scaling is not None,
        samples=tuple(samples),
        cost=cost,
        dW=dW,
        dB=dB,
        w_next=w_next,
        b_next=b_next,
        cost_next=fit.cost(w_next, b_next) if math.isfinite(w_next) and math.isfinite(b_next) else math.inf,
        updates=updates,
    )
    w_data, b_data = data.from_training(w, b)
    w_next_data, b_next_data = data.from_training(w_next, b_next)
    lesson.update(w_data=w_data, b_data=b_data, w_next_data=w_next_data, b_next_data=b_next_data)
    return EpochExplained(**lesson, figures=figures, sections=_sections(data, figures, **lesson))


def _predict(w: Decimal, x: Decimal, b: Decimal) -> Decimal:
    return w * x + b


def _half_square(y: Decimal, prediction: Decimal) -> Decimal:
    return (y - prediction) ** 2 / 2


def _step(old: Decimal, alpha: Decimal, gradient: Decimal) -> Decimal:
    return old + alpha * gradient


def _prediction_cost(y: float, prediction: float) -> float:
    """neuron.prediction_cost; a miss too large to square is an infinite cost, as in JavaScript."""
    try:
        return neuron.prediction_cost(y, prediction)
    except OverflowError:
        return math.inf


def _update(figures: Figures, name: str, old: float, alpha: float, gradient: float, new: float) -> Update:
    text = f"{name} {ARROW} {figures(old)} + {figures(alpha)} × {_parenthesized(figures(gradient))} = {figures(new)}"
    return Update(name, old, alpha, gradient, new, text)


def _prediction_line(figures: Figures, sample: Sample, w: float, b: float) -> str:
    x_text = figures(sample.x_trained)
    return f"ŷ({x_text}) = {figures(w)} × {_parenthesized(x_text)} {_plus(figures(b))} = {figures(sample.prediction)}"


def _cost_line(figures: Figures, sample: Sample) -> str:
    return f"({figures(sample.y)} {_minus(figures(sample.prediction))})² / 2 = {figures(sample.cost)}"


def downhill_words(prime: str = "") -> str:
    """Why adding dW and dB goes downhill, in one line: the article's update is the textbook's."""
    w, b = f"w{prime}", f"b{prime}"
    return f"dW = −∂cost/∂{w}, dB = −∂cost/∂{b}: so {w} += α·dW is {w} −= α·∂cost/∂{w}, downhill"


def slope_words(prime: str = "") -> tuple[str, ...]:
    """What the cost slices show, in words: the derivatives, the gradient, the step against the slope."""
    w, b = f"w{prime}", f"b{prime}"
    return (
        f"The cost along {w} with {b} held, and along {b} with {w} held: at the neuron ● each has a tangent "
        f"whose slope is the derivative ∂cost/∂{w} = −dW (∂cost/∂{b} = −dB); together they are the gradient.",
        f"train_model adds α·dW to {w}: it steps against the slope, so the cost goes down. "
        f"{w} += α·dW is the textbook's {w} −= α·∂cost/∂{w}; the same for {b}.",
    )


def _sections(
    data: DataSet,
    figures: Figures,
    *,
    w: float,
    b: float,
    alpha: float,
    normalized: bool,
    samples: tuple[Sample, ...],
    cost: float,
    dW: float,
    dB: float,
    w_next: float,
    b_next: float,
    cost_next: float,
    updates: tuple[Update, Update],
    w_data: float,
    b_data: float,
    w_next_data: float,
    b_next_data: float,
) -> tuple[Section, ...]:
    prime = "′" if normalized else ""
    count = len(data.x_train)
    sections = [_data_section(data)]
    sections.append(
        Section(
            "predict",
            f"ŷ = w{prime}·x{prime} + b{prime}",
            code_of("predict"),
            tuple(_prediction_line(figures, sample, w, b) for sample in samples),
        )
    )
    sections.append(
        Section(
            "prediction_cost",
            "(y − ŷ)² / 2",
            code_of("prediction_cost"),
            tuple(_cost_line(figures, sample) for sample in samples),
        )
    )
    sections.append(
        Section(
            "forward_propagation",
            "the mean cost",
            code_of("forward_propagation"),
            (f"cost = mean of (y − ŷ)² / 2 over all {count:,} training points = {figures(cost)}",),
        )
    )
    gradient_lines = [f"dW = mean((y − ŷ)·x{prime}) = {figures(dW)}    dB = mean(y − ŷ) = {figures(dB)}"]
    if not (math.isfinite(dW) and math.isfinite(dB)):
        gradient_lines.append("They no longer fit in a number: alpha was too large and every step overshot.")
    gradient_lines.append(downhill_words(prime))
    sections.append(
        Section(
            "backward_propagation",
            "downhill: add them",
            code_of("backward_propagation"),
            tuple(gradient_lines),
        )
    )
    train_lines = [update.text for update in updates]
    train_lines.append(f"cost {figures(cost)} → {figures(cost_next)} after this step")
    sections.append(Section("train_model", "one step", code_of("train_model"), tuple(train_lines)))
    if normalized:
        scaling = data.scaling
        assert scaling is not None  # normalized data has one
        sections.append(
            Section(
                "in the data's units",
                "what w′, b′ mean for x",
                (),
                (
                    f"w = w′ / {figure(scaling.std)} = {figures(w_data)} → {figures(w_next_data)}",
                    f"b = b′ − w′ · {figure(scaling.mean)} / {figure(scaling.std)} = "
                    f"{figures(b_data)} → {figures(b_next_data)}",
                ),
            )
        )
    return tuple(sections)


# The data section of the last data set described: a large test set takes a
# pass to find its range, and the data rarely changes between epochs.
_described: tuple[DataSet, Section] | None = None


def _data_section(data: DataSet) -> Section:
    """The rule to be learned and what the data sets are."""
    global _described
    last = _described
    if last is not None and last[0] is data:
        return last[1]
    section = _describe(data)
    _described = (data, section)
    return section


def _describe(data: DataSet) -> Section:
    spec = data.spec
    x, y = data.x_label, data.y_label
    if spec.preset == "c2f" and not spec.csv:
        code = code_of("celsius_to_fahrenheit")
        summary = f"celsius_to_fahrenheit: {y} = 1.8·{x} + 32"
    elif data.rule is not None:
        code = ()
        summary = f"{data.name}: {y} = {figure(data.rule[0])}·{x} + {figure(data.rule[1])}"
    else:
        code = ()
        best = data.train
        assert best is not None  # a data set is summarised when it is made
        summary = f"no rule known; the best line: {y} = {figure(best.w_best)}·{x} + {figure(best.b_best)}"
    lines = [f"{_sizes(data)}; {_split(data)}"]
    if spec.noise:
        lines.append(f"Noise: Gaussian, σ = {figure(spec.noise)} on {y} (seed {spec.noise_seed})")
    if data.scaling:
        lines.append(
            f"x is standardized: x′ = (x − {figure(data.scaling.mean)}) / {figure(data.scaling.std)}; "
            f"the neuron learns ŷ = w′·x′ + b′"
        )
    return Section("the data", summary, code, tuple(lines))


def _sizes(data: DataSet) -> str:
    x_low, x_high, _, _ = data.bounds
    text = f"{len(data.x_train):,} training points ({data.x_label} {figure(x_low)} … {figure(x_high)})"
    if len(data.x_test):
        text += f", {len(data.x_test):,} test ({figure(min(data.x_test))} … {figure(max(data.x_test))})"
    else:
        text += ", no test points"
    return text


def _split(data: DataSet) -> str:
    spec = data.spec
    if spec.csv or spec.test_ratio is not None:
        ratio = 0.2 if spec.test_ratio is None else spec.test_ratio
        return f"shuffled, {ratio:.0%} held out (split seed {spec.split_seed})"
    return "the article's split"


# -- every training point, for the table that checks the means (v) ---------------------------


@dataclass(frozen=True)
class PointTerms:
    """One training point's share of an epoch: the terms forward and backward propagation add up."""

    index: int  # 0-based position in the training data
    x: float  # in the data's units
    x_trained: float  # as the neuron sees it (standardized if normalizing)
    y: float
    prediction: float  # ŷ
    miss: float  # y − ŷ: its mean is dB
    miss_times_x: float  # (y − ŷ)·x, x as the neuron sees it: its mean is dW
    cost: float  # (y − ŷ)² / 2: its mean is the cost


# The table's columns, named by the terms they hold: (title, PointTerms field).
TERM_COLUMNS = (
    ("x", "x"),
    ("y", "y"),
    ("ŷ", "prediction"),
    ("y − ŷ", "miss"),
    ("(y − ŷ)·x", "miss_times_x"),
    ("(y − ŷ)²/2", "cost"),
)


def term_columns(normalized: bool) -> tuple[tuple[str, str], ...]:
    """(title, field) of each column; standardized x gets a column of its own, and dW's terms use it."""
    if not normalized:
        return TERM_COLUMNS
    return (
        ("x", "x"),
        ("x′", "x_trained"),
        *TERM_COLUMNS[1:4],
        ("(y − ŷ)·x′", "miss_times_x"),
        TERM_COLUMNS[5],
    )


def point_terms(data: DataSet, w: float, b: float, start: int, stop: int) -> tuple[PointTerms, ...]:
    """The terms of training points ``start`` to ``stop`` (clamped to the data) for the neuron (w, b)
    in the trainer's units: one page of the table, never the whole data set at once.

    Each point goes through neuron.py's own predict and prediction_cost."""
    scaling = data.scaling
    model = neuron.NanoNeuron(w, b)
    rows = []
    for i in range(max(0, start), min(len(data.x_train), stop)):
        x, y = data.x_train[i], data.y_train[i]
        x_trained = (x - scaling.mean) / scaling.std if scaling else x
        prediction = model.predict(x_trained)
        miss = y - prediction
        rows.append(PointTerms(i, x, x_trained, y, prediction, miss, miss * x_trained, _prediction_cost(y, prediction)))
    return tuple(rows)


@dataclass(frozen=True)
class Totals:
    """Each column's mean over all training points, and so its sum (count × mean).

    They come from the exact summaries the trainer uses (``LineFit``), not
    from adding up the rows, so a million points cost nothing and the means
    are exactly the cost, dW and dB the lesson and the trainer work with.
    """

    count: int
    means: dict[str, float]  # by PointTerms field

    def sum(self, name: str) -> float:
        return self.count * self.means[name]


def totals(data: DataSet, w: float, b: float) -> Totals:
    """The columns' means for the neuron (w, b) in the trainer's units."""
    fit = data.training_fits[0]
    dW, dB = fit.gradient(w, b)
    assert data.train is not None  # a data set is summarised when it is made
    means = dict(
        x=data.train.x_mean,
        x_trained=fit.x_mean,
        y=fit.y_mean,
        prediction=w * fit.x_mean + b,
        miss=dB,
        miss_times_x=dW,
        cost=fit.cost(w, b),
    )
    return Totals(fit.count, means)


def gradient_closed_form(data: DataSet, lesson: EpochExplained) -> tuple[Figures, tuple[str, str]]:
    """dW and dB from four means of the data and the current w, b: a check of the table's means
    that needs no table. The figures are the lesson's, with digits added where these lines need them.

        dW = mean(x·y) − w·mean(x²) − b·mean(x)        dB = mean(y) − w·mean(x) − b

    Near the answer both are small differences of large numbers: the digits a
    double holds may not be enough to check them, and then the line says ≈.
    """
    fit = data.training_fits[0]
    w, b, dW, dB = lesson.w, lesson.b, lesson.dW, lesson.dB
    x_mean, y_mean = fit.x_mean, fit.y_mean
    xx_mean = fit.x_variance + x_mean * x_mean
    xy_mean = fit.w_best * fit.x_variance + x_mean * y_mean  # w_best·var(x) is the covariance of x and y
    figures = Figures(dict(lesson.figures.digits))
    lines = (
        Arithmetic((xy_mean, w, xx_mean, b, x_mean), dW, lambda xy, w, xx, b, x: xy - w * xx - b * x),
        Arithmetic((y_mean, w, x_mean, b), dB, lambda y, w, x, b: y - w * x - b),
    )
    figures.settle(lines)
    prime = "′" if data.scaling else ""
    x = f"x{prime}"
    dW_line, dB_line = lines

    def equals(line: Arithmetic) -> str:
        return "=" if figures.checks_out(line) else "≈"

    return figures, (
        f"dW = mean({x}·y) − w{prime}·mean({x}²) − b{prime}·mean({x}) = {figures(xy_mean)} "
        f"{_minus(figures(w))} × {figures(xx_mean)} {_minus(figures(b))} × {_parenthesized(figures(x_mean))} "
        f"{equals(dW_line)} {figures(dW)}",
        f"dB = mean(y) − w{prime}·mean({x}) − b{prime} = {figures(y_mean)} {_minus(figures(w))} × "
        f"{_parenthesized(figures(x_mean))} {_minus(figures(b))} {equals(dB_line)} {figures(dB)}",
    )


# -- the valley in plain words: why w settles at once and b crawls ------------------------------

SETTLED = 0.01  # a direction has settled when its part of the error is down to this share of itself
LOOKAHEAD = 10  # epochs the words look ahead from the neuron now
ROUND_BOWL = 4.0  # curvatures within this factor of each other: a bowl, not a valley


def epochs_to_settle(factor: float) -> int | None:
    """Epochs for an error multiplied by ``factor`` each epoch to shrink to ``SETTLED`` of itself;
    None if it never does (|factor| ≥ 1: it stays or grows)."""
    size = abs(factor)
    if not size < 1:
        return None
    if size == 0:
        return 1
    return math.ceil(math.log(SETTLED) / math.log(size))  # at least 1: both logs are negative


def about(count: int) -> str:
    """A count of epochs as a person says it: 10, 360, 36,000 (two significant digits from 100)."""
    return f"{round(count, 2 - len(str(count))):,}"  # below 100 this rounds to the units: the count itself


def _epochs(count: int) -> str:
    """``about(count)`` with its unit: 1 epoch, 36,000 epochs."""
    return f"{about(count)} epoch" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Valley:
    """The cost's two directions for the current alpha, and what they mean for the next epochs.

    The curvatures are the eigenvalues of the cost's Hessian (``trainer.modes``);
    along each direction an epoch multiplies the error by ``1 − alpha·curvature``.
    """

    alpha: float
    limit: float  # alpha must stay below this: 2 / the steep curvature
    steep: float  # curvatures
    shallow: float
    steep_mostly: str  # the parameter each direction mostly moves: "w" or "b" (primed if normalizing)
    shallow_mostly: str
    steep_factor: float  # what an epoch multiplies the error by, along each
    shallow_factor: float
    steep_epochs: int | None  # epochs for that part to settle; None if it never does
    shallow_epochs: int | None
    cost_drop: float  # the share of the cost the next LOOKAHEAD epochs take away (nan if it blows up)
    distance_drop: float  # the share of the distance to the target they take away

    @property
    def round(self) -> bool:
        return self.steep < ROUND_BOWL * self.shallow


def valley(data: DataSet, w: float, b: float, alpha: float) -> Valley:
    """The valley as the neuron (w, b), in the trainer's units, sees it with ``alpha``."""
    from nanoneuron_tui.core.trainer import Descent, modes  # the trainer's own maths

    fit = data.training_fits[0]
    steep, shallow = modes(fit, alpha)
    prime = "′" if data.scaling else ""

    def mostly(direction: tuple[float, float]) -> str:
        return f"w{prime}" if abs(direction[0]) >= abs(direction[1]) else f"b{prime}"

    steep_name = mostly(steep.direction)
    shallow_name = mostly(shallow.direction)
    if shallow_name == steep_name:  # at 45° both lean the same way: name them apart
        shallow_name = f"b{prime}" if steep_name.startswith("w") else f"w{prime}"
    cost_drop = distance_drop = math.nan
    if all(math.isfinite(v) for v in (w, b)):
        descent = Descent(fit, w, b, alpha)
        cost_now, cost_later = descent.cost(0), descent.cost(LOOKAHEAD)
        if cost_now > 0 and math.isfinite(cost_later):
            cost_drop = 1 - cost_later / cost_now
        target = data.target
        far_now = math.dist(data.from_training(w, b), target)
        far_later = math.dist(data.from_training(*descent.neuron(LOOKAHEAD)), target)
        if far_now > 0 and math.isfinite(far_later):
            distance_drop = 1 - far_later / far_now
    return Valley(
        alpha=alpha,
        limit=2 / steep.h,
        steep=steep.h,
        shallow=shallow.h,
        steep_mostly=steep_name,
        shallow_mostly=shallow_name,
        steep_factor=steep.lam,
        shallow_factor=shallow.lam,
        steep_epochs=epochs_to_settle(steep.lam),
        shallow_epochs=epochs_to_settle(shallow.lam),
        cost_drop=cost_drop,
        distance_drop=distance_drop,
    )


def _share(value: float) -> str:
    """A share as a percentage with the digits it needs: 98 %, 0.4 %, 100 %."""
    percent = 100 * value
    if abs(percent) >= 10:
        return f"{percent:.0f} %"
    return f"{percent:.2g} %"


def valley_words(v: Valley) -> tuple[str, ...]:
    """The valley in sentences a learner reads, every number computed."""
    words = []
    if v.round:
        words.append(
            f"The cost is a round bowl: it falls about as fast in every direction "
            f"(curvatures {figure(v.steep, 4)} and {figure(v.shallow, 4)})."
        )
    else:
        words.append(
            f"The cost is a narrow valley: it falls steeply in one direction (mostly {v.steep_mostly}, "
            f"curvature {figure(v.steep, 4)}) and barely in the other (mostly {v.shallow_mostly}, "
            f"curvature {figure(v.shallow, 4)}): {v.steep / v.shallow:,.0f} times less."
        )
    factors = (
        f"With alpha {figure(v.alpha)} each epoch multiplies the error in the steep direction by "
        f"{figure(v.steep_factor, 3)}" + (" (a zig-zag)" if v.steep_factor < 0 else "") + " and in the flat one by "
        f"{figure(v.shallow_factor, 6)}"
    )
    if v.steep_epochs is None:
        words.append(f"{factors}: the steep part grows every epoch, so the cost blows up.")
    elif v.round and v.shallow_epochs is not None:
        words.append(
            f"{factors}: {v.steep_mostly} and {v.shallow_mostly} both settle in about "
            f"{_epochs(max(v.steep_epochs, v.shallow_epochs))}."
        )
    elif v.shallow_epochs is not None:
        words.append(
            f"{factors}: {v.steep_mostly} settles in about {_epochs(v.steep_epochs)}, "
            f"while {v.shallow_mostly} needs about {about(v.shallow_epochs)}."
        )
    else:
        words.append(f"{factors}: the flat direction never settles.")
    words.append(
        f"alpha must stay below 2 / {figure(v.steep, 4)} = {figure(v.limit, 3)}, "
        "or the steep direction overshoots further every epoch and the cost blows up."
    )
    if math.isfinite(v.cost_drop) and math.isfinite(v.distance_drop) and v.steep_epochs is not None:
        crawls = not v.round and v.cost_drop > 0.5 and v.distance_drop < 0.5
        words.append(
            f"From here the next {LOOKAHEAD} epochs cut the cost by {_share(v.cost_drop)} "
            + ("but" if crawls else "and")
            + f" the distance to the target by {_share(v.distance_drop)}"
            + (
                ": most of the cost lies across the valley and goes at once; most of the distance lies "
                "along its flat floor, where each step is tiny."
                if crawls
                else "."
            )
        )
    return tuple(words)


def valley_captions(v: Valley) -> tuple[str, ...]:
    """The valley in a few words for the cost surface's legend, longest first (the first that fits is shown)."""
    limit = f"alpha < {figure(v.limit, 3)}"
    if v.steep_epochs is None:
        return (
            f"alpha {figure(v.alpha)} ≥ {figure(v.limit, 3)}: the steep direction overshoots, the cost blows up",
            f"alpha too large: overshoots · {limit}",
            f"alpha {figure(v.alpha)} too large: α<{figure(v.limit, 3)}",
            limit,
        )
    steep, flat = v.steep_mostly, v.shallow_mostly
    if v.round and v.shallow_epochs is not None:
        both = _epochs(max(v.steep_epochs, v.shallow_epochs))
        return (
            f"round bowl: {steep} and {flat} both settle in ~{both} · {limit}",
            f"round bowl: ~{both} · {limit}",
            limit,
        )
    n, settles = _epochs(v.steep_epochs), v.shallow_epochs is not None
    m = f"~{about(v.shallow_epochs)}" if v.shallow_epochs is not None else "never"
    curvatures = f"{figure(v.steep, 4)} : {figure(v.shallow, 2)}"
    return (
        f"narrow valley (curvature {curvatures}): {steep} settles in ~{n}, {flat} "
        + (f"in {m}" if settles else m)
        + f" · {limit}",
        f"narrow valley {curvatures}: {steep} ~{n}, {flat} {m} · {limit}",
        f"narrow valley: {steep} ~{n}, {flat} {m} · {limit}",
        f"{steep} ~{n}, {flat} {m} · {limit}",
        f"{steep} ~{about(v.steep_epochs)}, {flat} {m}" + (" epochs" if settles else "") + f" · α<{figure(v.limit, 3)}",
        limit,
    )
