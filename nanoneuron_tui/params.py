"""Hyperparameters: parsing and validation shared by the CLI and the app.

Each parser takes the text a person typed and returns the value, or raises
``ValueError`` with a message that says in words what is wrong. The message
is shown as-is next to the field or after ``nanoneuron: error:``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import TypedDict

from nanoneuron_tui.core import numbers

MAX_EPOCHS = 1_000_000_000
MAX_MAGNITUDE = numbers.MAX_MAGNITUDE  # larger inputs are typos, and square to overflow
MAX_FIELD_CHARS = 40  # longer than any number worth typing; fields stop there
MAX_PATH_CHARS = 4096  # the longest path Linux takes

# The smallest alpha taken. Far below it the products the literal port forms
# (alpha * dW) fall among the subnormal floats, where they keep only a few
# digits, so no closed form could match it to 1e-12; and a billion epochs at
# 1e-100 move no neuron by a digit anyone can see.
MIN_ALPHA = 1e-100
DEFAULT_EPOCHS = 70_000
DEFAULT_ALPHA = 0.0005
DEFAULT_EVERY = 1000
DEFAULT_PREDICT = 70.0
DEFAULT_PACE = 20.0  # reports per second


def _parsed_number(text: str, what: str, limit: float = MAX_MAGNITUDE) -> float:
    text = str(text).strip()
    if not text:
        raise ValueError(f"{what} is empty")
    if len(text) > MAX_FIELD_CHARS:
        raise ValueError(f"{what} is too long (at most {MAX_FIELD_CHARS} characters)")
    value = numbers.parse_decimal(text)
    if value is None:
        raise ValueError(f"{what}: {numbers.why_not_a_number(text)}")
    if math.isnan(value):
        raise ValueError(f"{what} is not a number: NaN")
    if math.isinf(value):
        raise ValueError(f"{what} must be a finite number")
    if abs(value) > limit:
        raise ValueError(f"{what} is too large (at most {limit:g} in size)")
    return value


def _count(text: str, what: str, limit: int = MAX_EPOCHS) -> int:
    value = _parsed_number(text, what, limit=math.inf)
    if value != int(value):
        raise ValueError(f"{what} must be a whole number, not {numbers.quoted(str(text).strip())}")
    if value < 1:
        raise ValueError(f"{what} must be at least 1")
    if value > limit:
        raise ValueError(f"{what} must be at most {limit:,}")
    return int(value)


def parse_epochs(text: str) -> int:
    return _count(text, "epochs")


def parse_epoch(text: str) -> int:
    """An epoch to go to: 0 (the start) or more."""
    value = _parsed_number(text, "epoch", limit=math.inf)
    if value != int(value) or value < 0:
        raise ValueError(f"epoch must be a whole number, 0 or more, not {numbers.quoted(str(text).strip())}")
    if value > MAX_EPOCHS:
        raise ValueError(f"epoch must be at most {MAX_EPOCHS:,}")
    return int(value)


def parse_every(text: str) -> int:
    return _count(text, "report interval")


def parse_alpha(text: str) -> float:
    value = _parsed_number(text, "alpha")
    if value <= 0:
        raise ValueError("alpha must be greater than 0")
    if value < MIN_ALPHA:
        raise ValueError(f"alpha is too small (at least {MIN_ALPHA:g})")
    return value


def parse_weight(text: str, what: str = "w") -> float:
    return _parsed_number(text, what)


def parse_x(text: str, what: str = "x") -> float:
    return _parsed_number(text, what)


def parse_guess(text: str) -> float:
    """A learner's guess at a number of the next step: any number a field takes (-0 is 0)."""
    return _parsed_number(text, "your guess") + 0.0


def parse_seed(text: str) -> int:
    value = _parsed_number(text, "seed")
    if value != int(value) or value < 0:
        raise ValueError("seed must be a whole number, 0 or more")
    return int(value)


def parse_pace(text: str) -> float | None:
    """Reports per second, or None for "max" (as fast as the machine goes)."""
    if str(text).strip().lower() in ("max", ""):
        return None
    value = _parsed_number(text, "pace")
    if value <= 0:
        raise ValueError('pace must be reports per second (above 0) or "max"')
    if value > 1000:
        raise ValueError('pace above 1000 reports a second is "max"')
    return value


def parse_noise(text: str) -> float:
    value = _parsed_number(text, "noise")
    if value < 0:
        raise ValueError("noise is a standard deviation: 0 or more")
    return value


def parse_test_ratio(text: str) -> float:
    value = _parsed_number(text, "test ratio")
    if not 0 <= value <= 0.9:
        raise ValueError("test ratio must be from 0 to 0.9 (the share of points held out)")
    return value


def parse_fps(text: str) -> float:
    value = _parsed_number(text, "fps")
    if not 0.5 <= value <= 60:
        raise ValueError("fps must be between 0.5 and 60")
    return value


_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def parse_size(text: str) -> int:
    """A file size: bytes, or a number with KB, MB, GB or TB (powers of ten): 500MB, 2GB."""
    text = str(text).strip().upper()
    digits = text.rstrip("KMGTB")
    unit = text[len(digits) :]
    if unit not in _SIZE_UNITS:
        raise ValueError(f"size {numbers.quoted(text)} is not understood: use a number with KB, MB, GB or TB")
    value = _parsed_number(digits, "size", limit=1e18) * _SIZE_UNITS[unit]
    if value < 1:
        raise ValueError("size must be at least 1 byte")
    return int(value)


def format_size(size: int) -> str:
    """A size in bytes, in the largest unit that keeps three digits or fewer, spelt as
    ``parse_size`` reads it back: 950 bytes, 1 KB, 3.92 MB, 12 GB."""
    if size < 1000:
        return f"{size} byte" + ("" if size == 1 else "s")
    for unit in ("KB", "MB", "GB"):
        shown = f"{size / _SIZE_UNITS[unit]:.3g}"
        if float(shown) < 1000:  # 999,600 bytes is 1 MB, not "1e+03 KB"
            return f"{shown} {unit}"
    terabytes = size / _SIZE_UNITS["TB"]
    return f"{terabytes:.3g} TB" if terabytes < 1000 else f"{terabytes:,.0f} TB"


@dataclass(frozen=True)
class Hyperparameters:
    epochs: int = DEFAULT_EPOCHS
    alpha: float = DEFAULT_ALPHA
    every: int = DEFAULT_EVERY
    w0: float | None = None  # None: random in [0, 1), from the seed
    b0: float | None = None
    seed: int | None = None
    pace: float | None = DEFAULT_PACE  # None means as fast as possible

    def initial_neuron(self) -> tuple[float, float]:
        """The starting (w, b): given, or drawn like Math.random() from the seed."""
        rng = random.Random(self.seed)
        w, b = rng.random(), rng.random()
        return (w if self.w0 is None else self.w0, b if self.b0 is None else self.b0)

    def with_seed(self) -> Hyperparameters:
        """A copy with a concrete seed, so a random start can be repeated."""
        if self.seed is not None or (self.w0 is not None and self.b0 is not None):
            return self
        return replace(self, seed=random.SystemRandom().randrange(2**31))


class HyperparameterChanges(TypedDict, total=False):
    """Any of Hyperparameters' fields, by name: what ``Session.update`` takes."""

    epochs: int
    alpha: float
    every: int
    w0: float | None
    b0: float | None
    seed: int | None
    pace: float | None
