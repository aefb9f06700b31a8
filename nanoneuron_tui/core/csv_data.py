"""CSV files of x,y rows: read fast, checked strictly, summarised without a Python loop.

A million-row file must load in about the time pandas takes, yet every problem
must still be one line naming the file and the line. So the file is read in
chunks of whole lines, and each chunk goes one of two ways:

- the fast way, when its bytes can only be plain numbers (ASCII digits, signs,
  points, exponents, spaces) with exactly one comma on every line: polars
  parses it at C speed, and the values are checked for finiteness and range
  in bulk;
- the careful way, for anything else (a header, a blank line, quotes, a bad
  cell): line by line in Python, which either reads the chunk correctly or
  says which line is wrong and why.

Both ways accept exactly the same numbers (``core.numbers``; a property test
holds them to it). polars and numpy are imported only here, when a file is
read, so ``nanoneuron train`` on a preset starts without them.
"""

from __future__ import annotations

import csv
import math
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeAlias

from nanoneuron_tui.core.files import FileRefused, open_regular
from nanoneuron_tui.core.numbers import MAX_MAGNITUDE, parse_decimal, quoted, why_not_a_number
from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.core.samples import DataError, LineFit

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats: TypeAlias = numpy.typing.NDArray[numpy.float64]
    # A chunk's rows: numpy arrays read the fast way, or arrays of floats read the careful way.
    Rows: TypeAlias = tuple[Floats, Floats] | tuple[array[float], array[float]]

MAX_CSV_BYTES = 2 << 30  # 2 GiB: about 55 million rows of ordinary numbers
CHUNK_BYTES = 1 << 20  # small enough that the parser's buffers stay a fraction of the data
MAX_LINE_BYTES = 1 << 16  # a longer line is not a row of two numbers
SUMMARY_BLOCK = 1 << 16  # values summed per numpy call; partial sums are added exactly
_PLAIN_NUMBER_BYTES = b"0123456789.eE+-, \t\r\n"
_BOM = b"\xef\xbb\xbf"


class LoadCancelled(Exception):
    """The person stopped the load; nothing was loaded."""


@dataclass(frozen=True)
class Columns:
    """A file's x and y values (float64 numpy arrays) and the names its header gave them."""

    x: Floats
    y: Floats
    x_label: str
    y_label: str


def read_csv(path: str | Path, cancelled: Callable[[], bool] = lambda: False) -> Columns:
    """Two numeric columns, x then y, with an optional header row naming them.

    Raises DataError naming the file and line of the first problem, or
    LoadCancelled as soon as ``cancelled()`` is true; nothing is returned then.
    """
    try:
        with open_regular(path, MAX_CSV_BYTES, "CSV file") as file:
            columns = _read_rows(file, path, cancelled)
    except FileRefused as problem:
        raise DataError(str(problem)) from None
    except OSError as problem:
        raise DataError(f"cannot read {path}: {problem.strerror or problem}") from None
    if len(columns.x) == 0:
        raise DataError(f"{path} has no data rows")
    if columns.x.min() == columns.x.max():
        raise DataError(f"{path}: x needs at least two different values to fit a line")
    return columns


class _Growing:
    """Two float64 columns filled chunk by chunk, without a list of pieces to join at the end.

    The first guess at their length comes from the file's size; the memory
    beyond what is filled is reserved but never touched, so it costs nothing.
    """

    def __init__(self, capacity: int) -> None:
        import numpy as np

        self.x, self.y = np.empty(capacity), np.empty(capacity)
        self.size = 0

    def add(self, xs: Floats | array[float], ys: Floats | array[float]) -> None:
        import numpy as np

        end = self.size + len(xs)
        if end > len(self.x):
            capacity = max(end, 2 * len(self.x))
            for name in ("x", "y"):
                grown = np.empty(capacity)
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        self.x[self.size : end] = xs
        self.y[self.size : end] = ys
        self.size = end


def _read_rows(file: BinaryIO, path: object, cancelled: Callable[[], bool]) -> Columns:
    size = os.fstat(file.fileno()).st_size
    rows: _Growing | None = None
    labels = ("x", "y")
    line = 1  # the number of the first line of the chunk at hand
    looking_for_header = True
    for chunk in _chunks(file, path):
        if cancelled():
            raise LoadCancelled
        if line == 1 and chunk.startswith(_BOM):
            chunk = chunk[len(_BOM) :]
        if rows is None:  # guess the row count from the first chunk's line length, generously
            bytes_per_line = len(chunk) // max(1, chunk.count(b"\n"))
            rows = _Growing(size // max(1, bytes_per_line) * 5 // 4 + 1024)
        while looking_for_header and chunk:
            # The first non-blank line may name the columns; it is read the careful way.
            end = chunk.find(b"\n") + 1
            first, chunk = chunk[:end], chunk[end:]
            cells = _cells(first, path, line)
            if cells is not None:
                looking_for_header = False
                if all(_is_label(cell) for cell in cells):
                    # A header is shown on screen and in reports: never as escape codes.
                    labels = (printable(cells[0]), printable(cells[1]))
                else:
                    rows.add(*_careful_rows(first, path, line))
            line += 1
        parsed: Rows | None = _fast_rows(chunk)
        if parsed is None:
            parsed = _careful_rows(chunk, path, line)
        rows.add(*parsed)
        line += chunk.count(b"\n")  # either way, every line ends in one
    if rows is None:
        rows = _Growing(0)
    return Columns(rows.x[: rows.size], rows.y[: rows.size], *labels)


def _chunks(file: BinaryIO, path: object) -> Iterator[bytes]:
    """The file in pieces of whole lines, each ending with a newline."""
    carry = b""
    while True:
        data = file.read(CHUNK_BYTES)
        if not data:
            break
        data = carry + data
        end = data.rfind(b"\n") + 1
        chunk, carry = data[:end], data[end:]
        if len(carry) > MAX_LINE_BYTES:
            raise DataError(f"{path}: a line is too long to be a row of x,y (over {MAX_LINE_BYTES:,} bytes)")
        if chunk:
            yield chunk
    if carry:
        yield carry + b"\n"


def _fast_rows(chunk: bytes) -> tuple[Floats, Floats] | None:
    """The chunk's x and y values parsed at C speed, one row a line, or None if it needs the careful way."""
    import numpy as np
    import polars as pl

    if chunk.translate(None, _PLAIN_NUMBER_BYTES):
        return None  # a letter, quote, underscore or non-ASCII byte somewhere
    try:
        # With the schema, polars refuses a line with a third cell or a malformed
        # number, and reads a missing cell (or a blank line) as null: NaN here.
        frame = pl.read_csv(chunk, has_header=False, schema={"x": pl.Float64, "y": pl.Float64})
    except Exception:  # polars names its errors by kind; any of them sends the chunk the careful way
        return None
    xs, ys = frame["x"].to_numpy(), frame["y"].to_numpy()
    # NaN fails the range test too, so every line was two numbers in range.
    if not ((np.abs(xs) <= MAX_MAGNITUDE).all() and (np.abs(ys) <= MAX_MAGNITUDE).all()):
        return None
    return xs, ys


def _careful_rows(chunk: bytes, path: object, first_line: int) -> tuple[array[float], array[float]]:
    """The chunk's x and y values read line by line; the first problem raises DataError naming its line."""
    xs, ys = array("d"), array("d")
    for number, raw in enumerate(chunk.split(b"\n")[:-1], first_line):
        cells = _cells(raw, path, number)
        if cells is None:
            continue  # blank lines are harmless
        xs.append(_value(cells[0], path, number))
        ys.append(_value(cells[1], path, number))
    return xs, ys


def _cells(raw: bytes, path: object, number: int) -> list[str] | None:
    """The two cells of one line, stripped; None for a blank line."""
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text:
        raise DataError(f"{path} is not a text file (line {number} is not UTF-8 text)")
    if not text.strip():
        return None
    try:
        # One line at a time: a quote left open cannot swallow the lines after it.
        row = next(csv.reader([text], strict=True))
    except csv.Error:
        raise DataError(f"{path}, line {number}: {_why_not_csv(text)}") from None
    cells = [cell.strip() for cell in row]
    if len(cells) != 2:
        raise DataError(f"{path}, line {number}: {len(cells)} columns, expected 2 (x,y)")
    return cells


def _why_not_csv(text: str) -> str:
    """What the csv module refused in this line, in our words rather than its own."""
    if "\r" in text:  # outside quotes: the file's lines end in a bare CR, read here as one line
        return "lines end in a carriage return alone (an old Mac format); save the file with ordinary line ends"
    if text.count('"') % 2:
        return "a quote is opened and never closed"
    return "a quoted cell has text after its closing quote"


def _is_label(cell: str) -> bool:
    """A header cell names something: it is not a number and has a letter in it."""
    return parse_decimal(cell) is None and any(character.isalpha() for character in cell)


def _value(cell: str, path: object, number: int) -> float:
    if not cell:
        raise DataError(f"{path}, line {number}: a cell is empty")
    value = parse_decimal(cell)
    if value is None:
        raise DataError(f"{path}, line {number}: {why_not_a_number(cell)}")
    if not math.isfinite(value):
        raise DataError(f"{path}, line {number}: {quoted(cell)} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise DataError(
            f"{path}, line {number}: {quoted(cell)} is beyond ±{MAX_MAGNITUDE:g}, "
            "the largest size NanoNeuron works with"
        )
    return value


# -- splitting and summarising ---------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Training and test points, with their summaries and the training extremes.

    The points are read-only memoryviews of float64 arrays: indexing gives
    plain floats, as the ``array('d')`` of a preset does, without a copy.
    """

    x_train: memoryview
    y_train: memoryview
    x_test: memoryview
    y_test: memoryview
    train: LineFit
    test: LineFit | None
    bounds: tuple[float, float, float, float]


def split(columns: Columns, ratio: float, seed: int, noise: float = 0.0, noise_seed: int = 0) -> Split:
    """Hold out ``ratio`` of the rows, chosen at random by ``seed``, for testing.

    The held-out rows are a uniformly random subset of exactly ``round(n * ratio)``
    rows. The columns are rearranged in place, training rows first, each part
    keeping the file's order, so no second copy of the data is ever made.
    """
    import numpy as np

    x, y = columns.x, columns.y
    count = len(x)
    n_test = max(0, min(count - 2, round(count * ratio)))
    held_out = np.zeros(count, dtype=bool)
    held_out[np.random.default_rng(seed).choice(count, size=n_test, replace=False)] = True
    if noise:  # drawn in the file's order, so a row gets the same noise whatever the split
        y += np.random.default_rng(noise_seed).normal(0.0, noise, count)
    n_train = count - n_test
    for values in (x, y):
        test_part = values[held_out]  # the smaller part is the one copied aside
        values[:n_train] = values[~held_out]
        values[n_train:] = test_part
        del test_part
    del held_out
    train = summarise(x[:n_train], y[:n_train])
    test = summarise(x[n_train:], y[n_train:]) if n_test else None
    bounds = (float(x[:n_train].min()), float(x[:n_train].max()), float(y[:n_train].min()), float(y[:n_train].max()))

    def view(values: Floats) -> memoryview:
        return values.data.toreadonly()  # the array's own buffer: no copy

    return Split(view(x[:n_train]), view(y[:n_train]), view(x[n_train:]), view(y[n_train:]), train, test, bounds)


def summarise(xs: Floats, ys: Floats) -> LineFit:
    """``LineFit.of`` for numpy arrays: the same two-pass sums, block by block.

    Each block is summed by numpy (pairwise, float64) and the block sums are
    added exactly with ``math.fsum``, so a million values lose no more than a
    few units in the last place, and no temporary array is larger than a block.
    """
    count = len(xs)

    def total(term: Callable[[int, int], float]) -> float:
        return math.fsum(float(term(start, start + SUMMARY_BLOCK)) for start in range(0, count, SUMMARY_BLOCK))

    x_mean = total(lambda a, b: xs[a:b].sum()) / count
    y_mean = total(lambda a, b: ys[a:b].sum()) / count
    sxx = total(lambda a, b: _square(xs[a:b] - x_mean))
    sxy = total(lambda a, b: ((xs[a:b] - x_mean) * (ys[a:b] - y_mean)).sum())
    w_best = sxy / sxx if sxx > 0 else 0.0
    residual = total(lambda a, b: _square((ys[a:b] - y_mean) - w_best * (xs[a:b] - x_mean)))
    return LineFit.from_sums(count, x_mean, y_mean, sxx, sxy, residual)


def _square(values: Floats) -> float:
    # Not ``values @ values``: that goes through BLAS, whose threads stall on a busy machine.
    return float((values * values).sum())
