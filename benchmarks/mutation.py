"""Mutation check: does every small change to the training core make a unit test fail?

    python benchmarks/mutation.py                        # the core and the session
    python benchmarks/mutation.py nanoneuron_tui/cli.py  # any file listed in TESTS_FOR
    python benchmarks/mutation.py --list                 # the mutants, without running them
    python benchmarks/mutation.py --match session.py:3   # only mutants whose label contains this
    python benchmarks/mutation.py FILE --write-docs      # and put its figures in docs/testing.md

A mutant is one small edit of a file's syntax tree: a comparison moved across its
boundary (``<`` and ``<=``, ``==`` and ``!=``, ``is`` and ``is not``), an integer
constant or a slice bound moved by one, a statement deleted, ``and`` swapped with
``or``, a boolean constant flipped, a returned condition replaced by True or False,
a ``not`` dropped (and ``not a <= b`` rewritten as ``a > b``, which differs only
for NaN), ``min`` swapped with ``max``. Each is applied to a private copy of the
package and the unit tests that can reach the file run against it, stopping at
the first failure. A mutant that no test notices is a behaviour the tests do not
pin down, unless EQUIVALENT lists it with the reason it cannot change anything.

First the unmutated tests run once under coverage, which records which test runs
which line; a mutant then runs only the tests that run the lines it changes (all
of them if those lines run on import). Each mutant's tests run in a process
forked from this one after pytest, hypothesis and Textual are imported (the
package itself never is, here), so a mutant costs its tests and not the
start-up; the quickest tests run first. Hypothesis is derandomized, keeps no
example database and tries at most 25 examples a test (``--examples``), so two
runs try the same examples. Needs the ``mutation`` extra (coverage).

Why not mutmut: mutmut 3.8 routes every call of a mutated function through a
trampoline, and the tests call the literal port in neuron.py millions of times;
its first pass over these tests had not finished after nine minutes here.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The test files that import each file (directly or not); only they can notice its mutants.
# The fastest, most direct tests come first: a run stops at the first failure.
TESTS_FOR = {
    "nanoneuron_tui/core/neuron.py": ["tests/test_neuron.py", "tests/test_trainer.py", "tests/test_session.py"],
    "nanoneuron_tui/core/trainer.py": [
        "tests/test_divergence_search.py",
        "tests/test_trainer.py",
        "tests/test_session.py",
    ],
    "nanoneuron_tui/core/run.py": ["tests/test_trainer.py", "tests/test_session.py"],
    "nanoneuron_tui/session.py": ["tests/test_session.py"],
    "nanoneuron_tui/core/samples.py": [
        "tests/test_samples.py",
        "tests/test_trainer.py",
        "tests/test_data.py",
        "tests/test_surface.py",
    ],
    "nanoneuron_tui/core/data.py": [
        "tests/test_data_set.py",
        "tests/test_data.py",
        "tests/test_trainer.py",
        "tests/test_hostile_files.py",
    ],
    "nanoneuron_tui/core/csv_data.py": ["tests/test_data.py", "tests/test_hostile_files.py"],
    "nanoneuron_tui/core/surface.py": ["tests/test_surface.py", "tests/test_plots.py"],
    "nanoneuron_tui/core/lesson.py": [
        "tests/test_lesson_edges.py",
        "tests/test_lesson_figures.py",
        "tests/test_lesson.py",
        "tests/test_every_value.py",
        "tests/test_downhill.py",
    ],
    "nanoneuron_tui/persist.py": [
        "tests/test_persist_edges.py",
        "tests/test_persist.py",
        "tests/test_hostile_files.py",
    ],
    # Not in the default set: these tests run the CLI in subprocesses, which takes minutes.
    "nanoneuron_tui/cli.py": ["tests/test_cli.py"],
    "nanoneuron_tui/core/practice.py": ["tests/test_practice.py"],
}
# On a shared machine run them one file at a time: `python benchmarks/mutation.py FILE`.
DEFAULT_TARGETS = [path for path in TESTS_FOR if path != "nanoneuron_tui/cli.py"]

# Mutants that cannot change behaviour, each with the reason: (file, description,
# a piece of the mutated code or None for anywhere in the file, reason). Not keyed
# by line number, which moves as the code does.
EQUIVALENT: list[tuple[str, str, str | None, str]] = [
    (
        "nanoneuron_tui/session.py",
        "`0` → `1`",
        "self._version = 0",
        "versions are only compared with each other, and the app's first shown version is below any",
    ),
    ("nanoneuron_tui/session.py", "`0` → `-1`", "self._version = 0", "as above"),
    ("nanoneuron_tui/session.py", "`1` → `2`", "self._version += 1", "as above: only the order counts"),
    (
        "nanoneuron_tui/session.py",
        "delete `if self._state in (State.FINISHED, State.DIVERGED):     ret…`",
        "in _advance: ",
        "the move would be clamped to the same epoch and state; it only costs one more redraw",
    ),
    ("nanoneuron_tui/session.py", "delete `return`", "in _advance: ", "as above"),
    (
        "nanoneuron_tui/session.py",
        "delete `return None`",
        "in start: ",
        "the last statement of start: without it, it returns None all the same",
    ),
    (
        "nanoneuron_tui/core/neuron.py",
        "`x < 100` → `x <= 100`",
        None,
        "x steps through half degrees (0.5, 1.5, ...): it is never exactly 100",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`a >= d` → `a > d`",
        None,
        "when a == d both formulas give the same eigenvector, at most with its sign flipped, which cancels",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`t < end` → `t <= end`",
        None,
        "the next segment starts from the neuron at `end`, so it finds the same cost there itself",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`not self.cost(t) <= limit` → `self.cost(t) > limit` (differs for NaN)",
        None,
        "from a finite starting cost, the cost is a sum of finite non-negative parts times powers,"
        " and 0 * inf is kept out: never NaN",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`not rest + sum((self._term(k, s) for k in growing)) <= bound` → "
        "`rest + sum((self._term(k, s) for k in growing)) > bound` (differs for NaN)",
        None,
        "as above: never NaN",
    ),
    # The search for the first epoch over a limit (Descent.first_epoch_over). Its result is
    # pinned by tests/test_divergence_search.py against a walk of every epoch; these change
    # only how many evaluations it takes to get there.
    (
        "nanoneuron_tui/core/trainer.py",
        "`0` → `1`",
        "shrinking = [k for k in (0, 1) if k not in growing]",
        "counts a shrinking part twice: the jump can only land earlier, and the search checks and goes on from there",
    ),
    ("nanoneuron_tui/core/trainer.py", "`0` → `-1`", "shrinking = [k for k in (0, 1) if k not in growing]", "as above"),
    (
        "nanoneuron_tui/core/trainer.py",
        "`rest + sum((self._term(k, s) for k in growing)) <= bound` → "
        "`rest + sum((self._term(k, s) for k in growing)) < bound`",
        None,
        "a jump to where the cost could equal the bound lands at most one epoch earlier; the search goes on from there",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`1` → `2`",
        "low, high = t, t + 1",
        "the first probe at t + 2 instead of t + 1: the bisection between t and it still finds the first crossing",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`2` → `3`",
        "low, high = high, t + 2 * (high - t)",
        "a stride that triples instead of doubling brackets the same first crossing, which the bisection finds",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "`high >= end` → `high > end`",
        None,
        "at high == end one more doubling and bisection find a crossing past the end, and the loop ends with None",
    ),
    (
        "nanoneuron_tui/core/trainer.py",
        "delete `return None`",
        "in first_epoch_over:         return None",  # the last line, not the two inside
        "the last statement of first_epoch_over: without it, it returns None all the same",
    ),
    (
        "nanoneuron_tui/core/data.py",
        "`False` → `True`",
        "summaries: tuple[",
        "repr and == of a data set: only how it prints, and the package never compares two data sets",
    ),
    ("nanoneuron_tui/core/data.py", "`False` → `True`", "extremes: tuple[", "as above"),
    (
        "nanoneuron_tui/core/data.py",
        "`not self.train.x_variance > 0` → `self.train.x_variance <= 0` (differs for NaN)",
        None,
        "every x is a finite number within ±MAX_MAGNITUDE (presets, and files are checked): the variance is never NaN",
    ),
    (
        "nanoneuron_tui/core/data.py",
        "delete `if key == 'c2f':     return generate_data_sets()`",
        None,
        "the c2f preset's formula makes the article's points exactly (0..99 and 0.5..99.5, y = 1.8·x + 32,"
        " the same float operations); the literal port is kept as the source of the lesson's data",
    ),
    ("nanoneuron_tui/core/data.py", "delete `return generate_data_sets()`", None, "as above"),
    (
        "nanoneuron_tui/core/run.py",
        "slice upper `index + 1` → `index + 1 + 1`",
        "self.segments[index : index + 1]",
        "the segment after `index` begins after the epoch (bisect_right), so `s.start < epoch` drops it anyway",
    ),
    ("nanoneuron_tui/core/run.py", "`1` → `2`", "self.segments[index : index + 1]", "the same slice bound as above"),
    (
        "nanoneuron_tui/core/run.py",
        "`0` → `-1`",
        "segments[0].alpha",
        "a run given its segments takes its alpha from them; the `alpha` argument is not read",
    ),
    (
        "nanoneuron_tui/core/run.py",
        "delete `return None`",
        "in diverged_at: ",
        "the last statement of diverged_at: without it, it returns None all the same",
    ),
    (
        "nanoneuron_tui/core/run.py",
        "`self.diverged_at < goal` → `self.diverged_at <= goal`",
        None,
        "when the blow-up is at the goal, both branches return the goal (a run never diverges before it begins)",
    ),
    (
        "nanoneuron_tui/core/surface.py",
        "`1` → `2`",
        "range(power - decades, power + 1)",
        "adds the steps of the decade above the top, 10**(power + 1) and more: the filter `step <= top` drops them all",
    ),
    (
        "nanoneuron_tui/core/surface.py",
        "`offset >= last - first` → `offset > last - first`",
        None,
        "a sample landing exactly on the last epoch is appended by the loop instead of after it: the same epochs",
    ),
    (
        "nanoneuron_tui/core/surface.py",
        "delete `Point = tuple[float, float]`",
        None,
        "a type alias used only in annotations, which are never evaluated (`from __future__ import annotations`)",
    ),
    # csv_data.py reserves room for the rows it reads: a first guess from the file's size and the
    # first chunk's lines, then more as needed. How much it reserves never changes what is read.
    *(
        (
            "nanoneuron_tui/core/csv_data.py",
            description,
            "rows = _Growing(size // max(1, bytes_per_line) * 5 // 4 + 1024)",
            "only the first guess at the row count, how much room is reserved: the columns grow as needed",
        )
        for description in (
            "`1024` → `1025`",
            "`1024` → `1023`",
            "`4` → `5`",
            "`4` → `3`",
            "`5` → `6`",
            "`5` → `4`",
            "`max(1, bytes_per_line)`: `max` → `min`",
            "`1` → `2`",
            "`1` → `0`",
        )
    ),
    *(
        (
            "nanoneuron_tui/core/csv_data.py",
            description,
            "bytes_per_line = len(chunk) // max(1, chunk.count(",
            "as above (a chunk always ends in a newline, so the count is at least 1 and `max` never applies)",
        )
        for description in ("`max(1, chunk.count(b'\\n'))`: `max` → `min`", "`1` → `2`", "`1` → `0`")
    ),
    *(
        ("nanoneuron_tui/core/csv_data.py", description, "capacity = max(end, 2 * len(self.x))", reason)
        for description, reason in (
            ("`2` → `3`", "grows by more than double: only more room reserved"),
            ("`2` → `1`", "grows to just what it holds (end is past the old length): only less room reserved"),
        )
    ),
    (
        "nanoneuron_tui/core/csv_data.py",
        "`end > len(self.x)` → `end >= len(self.x)`",
        None,
        "grows when just full rather than when over: only when room is reserved, not what is kept",
    ),
    (
        "nanoneuron_tui/core/csv_data.py",
        "`0` → `1`",
        "rows = _Growing(0)",
        "an empty file's columns are cut to what they hold, nothing, whatever room is reserved",
    ),
    (
        "nanoneuron_tui/core/csv_data.py",
        "delete `if TYPE_CHECKING:     import numpy     import numpy.typing …`",
        None,
        "names for annotations alone, which are never evaluated (`from __future__ import annotations`)",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "`0` → `-1`",
        "found.append(matches[0])",
        "matches holds exactly one line here (checked just above): its first is its last",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "`1` → `0`",
        "range(result_least + 1, NOISE_FREE + 1)",
        "`result_least + 0` tries again the count that just failed; (`NOISE_FREE + 0`, the same text, is"
        " killed by test_the_search_for_digits_step_by_step)",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "`1` → `0`",
        "range(result_least - 1, FEWEST - 1, -1)",
        "`result_least - 0` tries again the count that just failed; (`FEWEST - 0`, the same text, is"
        " killed by test_a_cost_of_its_own_drops_to_three_digits_and_no_further)",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "delete `return False`",
        "return False  # unreachable",
        "the last statement of Figures._fit: without it, it returns None, which settle's `or` reads as False",
    ),
    (
        "nanoneuron_tui/persist.py",
        "`18` → `19`",
        "mask = os.umask(0o022)",
        "the umask is set only to read the old one back, which is put back at once: any value does",
    ),
    ("nanoneuron_tui/persist.py", "`18` → `17`", "mask = os.umask(0o022)", "as above"),
    (
        "nanoneuron_tui/persist.py",
        "delete `if TYPE_CHECKING:     from nanoneuron_tui.core.practice imp…`",
        None,
        "names for annotations alone, which are never evaluated (`from __future__ import annotations`)",
    ),
    (
        "nanoneuron_tui/persist.py",
        "`1000000000` → `1000000001`",
        "DEFAULT_HISTORY_LIMIT = ",
        "a history takes history_size(e) = e·(digits of e + 51) bytes, and no count of epochs makes"
        " 999,999,999, 10⁹ or 10⁹ + 1 of them: the limit moved by one refuses the same exports",
    ),
    ("nanoneuron_tui/persist.py", "`1000000000` → `999999999`", "DEFAULT_HISTORY_LIMIT = ", "as above"),
    # Asserts that only tell mypy what the code before them guarantees.
    (
        "nanoneuron_tui/core/lesson.py",
        "delete `if value is None:     return '-'`",
        "in __call__: ",
        "figure writes None as '-' itself; the check is there so that mypy sees a float key for the digits",
    ),
    ("nanoneuron_tui/core/lesson.py", "delete `return '-'`", "in __call__: ", "as above"),
    (
        "nanoneuron_tui/core/lesson.py",
        "delete `assert isinstance(exponent, int)`",
        "in _text: ",
        "only finite numbers reach it (figure returns before for the others): a finite Decimal's exponent is an int",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "delete `assert scaling is not None`",
        "in _sections: ",
        "normalized data always has its scaling (DataSet makes one when it normalizes)",
    ),
    (
        "nanoneuron_tui/core/lesson.py",
        "delete `assert best is not None`",
        "in _describe: ",
        "a data set is summarised when it is made: data.train is never None",
    ),
    ("nanoneuron_tui/core/lesson.py", "delete `assert data.train is not None`", "in totals: ", "as above"),
    (
        "nanoneuron_tui/core/lesson.py",
        "`abs(percent) >= 10` → `abs(percent) > 10`",
        None,
        "a share from 10 % to 11 % reads the same either way: .0f and .2g both round it to the whole percent",
    ),
    ("nanoneuron_tui/core/lesson.py", "`10` → `11`", "if abs(percent) >= 10:", "as above"),
]


@dataclass(frozen=True)
class Mutant:
    path: str
    index: int  # the node's position in ast.walk order of the parsed file
    line: int
    end_line: int  # the lines whose code changes: line..end_line
    description: str
    apply: Callable[[ast.AST, ast.AST], None]  # (tree, node) -> None, edits the tree in place
    code: str  # where it is and what it changes: "in FUNCTION: " and the lines, as written

    @property
    def label(self) -> str:
        return f"{self.path}:{self.line}  {self.description}"

    @property
    def equivalent(self) -> str | None:
        for path, description, where, reason in EQUIVALENT:
            if (path, description) == (self.path, self.description) and (where is None or where in self.code):
                return reason
        return None

    def source(self, original: str) -> str:
        tree = ast.parse(original)
        node = list(ast.walk(tree))[self.index]
        self.apply(tree, node)
        return ast.unparse(ast.fix_missing_locations(tree))


# -- the mutations -------------------------------------------------------------------------

BOUNDARY = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
COMPLEMENT = {ast.LtE: ast.Gt, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE}
DELETABLE = (
    ast.Assign,
    ast.AugAssign,
    ast.Expr,
    ast.Return,
    ast.Raise,
    ast.If,
    ast.For,
    ast.While,
    ast.With,
    ast.Assert,
    ast.Try,
)


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` is in ``tree``."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[item is old for item in value].index(True)] = new
                return
    raise LookupError("node not in tree")


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """Annotations are never evaluated here (``from __future__ import annotations``): mutating them changes nothing."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if annotation is not None:
                inside.update(id(n) for n in ast.walk(annotation))
    return inside


def _mutations(node: ast.AST) -> Iterator[tuple[str, Callable[[ast.AST, ast.AST], None], ast.AST]]:
    """(description, apply, the node whose code changes) for every mutation of this one node."""
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in BOUNDARY:

                def flip(tree, n, k=k):
                    n.ops[k] = BOUNDARY[type(n.ops[k])]()

                mutated = copy.deepcopy(node)
                flip(None, mutated)
                yield f"`{_short(node)}` → `{_short(mutated)}`", flip, node

    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for step in (1, -1):

            def move(tree, n, step=step):
                n.value += step

            yield f"`{node.value}` → `{node.value + step}`", move, node

    elif isinstance(node, ast.Constant) and type(node.value) is bool:

        def negate(tree, n):
            n.value = not n.value

        yield f"`{node.value}` → `{not node.value}`", negate, node

    elif isinstance(node, ast.Slice):
        for field in ("lower", "upper"):
            bound = getattr(node, field)
            if bound is None or isinstance(bound, ast.Constant):
                continue  # a constant bound is moved as a constant
            for op, sign in ((ast.Add, "+"), (ast.Sub, "-")):

                def shift(tree, n, field=field, op=op):
                    setattr(n, field, ast.BinOp(getattr(n, field), op(), ast.Constant(1)))

                yield f"slice {field} `{_short(bound)}` → `{_short(bound)} {sign} 1`", shift, bound

    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def swap(tree, n, other=other):
            n.op = other()

        yield f"`{_short(node)}`: `{type(node.op).__name__.lower()}` → `{other.__name__.lower()}`", swap, node

    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop(tree, n):
            _replace(tree, n, n.operand)

        yield f"`{_short(node)}` → `{_short(node.operand)}`", drop, node
        operand = node.operand
        if isinstance(operand, ast.Compare) and len(operand.ops) == 1 and type(operand.ops[0]) in COMPLEMENT:

            def complement(tree, n):
                compare = n.operand
                compare.ops = [COMPLEMENT[type(compare.ops[0])]()]
                _replace(tree, n, compare)

            mutated = copy.deepcopy(operand)
            mutated.ops = [COMPLEMENT[type(operand.ops[0])]()]
            yield f"`{_short(node)}` → `{_short(mutated)}` (differs for NaN)", complement, node

    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
        other_name = "max" if node.func.id == "min" else "min"

        def swap_name(tree, n, other_name=other_name):
            n.func.id = other_name

        yield f"`{_short(node)}`: `{node.func.id}` → `{other_name}`", swap_name, node

    elif (
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Compare | ast.BoolOp | ast.UnaryOp)
        and (not isinstance(node.value, ast.UnaryOp) or isinstance(node.value.op, ast.Not))
    ):
        for constant in (True, False):

            def constant_return(tree, n, constant=constant):
                n.value = ast.Constant(constant)

            yield f"`{_short(node)}` → `return {constant}`", constant_return, node

    for field in ("body", "orelse", "finalbody"):
        statements = getattr(node, field, None)
        if not isinstance(statements, list):
            continue
        for k, statement in enumerate(statements):
            if isinstance(statement, DELETABLE) and not _is_docstring(statement):

                def delete(tree, n, field=field, k=k):
                    getattr(n, field)[k] = ast.Pass()

                yield f"delete `{_short(statement)}`", delete, statement


def mutants_of(path: str) -> list[Mutant]:
    text = (ROOT / path).read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    skip = _annotation_nodes(tree)
    function_of = {}  # id(node) -> the name of the function it is in
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(function):
                function_of[id(inner)] = function.name  # the innermost is walked last
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        for description, apply, changed in _mutations(node):
            code = f"in {function_of.get(id(changed), '')}: " + "\n".join(
                lines[changed.lineno - 1 : changed.end_lineno]
            )
            found.append(Mutant(path, index, changed.lineno, changed.end_lineno, description, apply, code))
    return sorted(found, key=lambda m: (m.line, m.index))


# -- running the tests -----------------------------------------------------------------------


def make_copy(into: Path) -> None:
    """The package and the tests, without compiled files (a stale .pyc would hide a mutant)."""
    ignore = shutil.ignore_patterns("__pycache__", "__snapshots__", "*.pyc")
    shutil.copytree(ROOT / "nanoneuron_tui", into / "nanoneuron_tui", ignore=ignore)
    shutil.copytree(ROOT / "tests", into / "tests", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")


def start_tests(workdir: Path, tests: list[str], coverage_of: list[str] | None = None) -> int:
    """Fork a child that runs ``tests`` on the copy in ``workdir`` (recording which test
    runs which line of the files ``coverage_of``, if given); returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.chdir(workdir)
        sys.path.insert(0, str(workdir))
        os.environ["PYTHONPATH"] = str(workdir)  # for tests that start `python -m nanoneuron_tui`
        import pytest

        if coverage_of is None:
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-n", "0", *tests])
        else:
            import coverage

            recorder = coverage.Coverage(
                data_file=str(workdir / ".coverage"),
                config_file=False,
                include=[str(workdir / path) for path in coverage_of],
            )
            recorder.set_option("run:dynamic_context", "test_function")
            timer = Durations()
            recorder.start()
            code = pytest.main(["-q", "-p", "no:cacheprovider", "-n", "0", *tests], plugins=[timer])
            recorder.stop()
            recorder.save()
            (workdir / "durations.json").write_text(json.dumps(timer.seconds))
    except BaseException:
        code = 99
    os._exit(int(code))


class Durations:
    """A pytest plugin: how long each test took (all its parameters together)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report) -> None:
        test = report.nodeid.split("[")[0]
        self.seconds[test] = self.seconds.get(test, 0.0) + report.duration


def wait_any(running: dict[int, float]) -> tuple[int, str]:
    """Wait for one child (pid -> when it must end): (pid, "survived" | "killed" | "timeout")."""
    while True:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            return pid, "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        now = time.monotonic()
        for child, deadline in running.items():
            if now > deadline:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                return child, "timeout"
        time.sleep(0.02)


def test_ids(test_file: str, source: str | None = None) -> dict[str, str]:
    """Coverage's name for each test in a file (``tests.test_x.test_y``) -> pytest's (``tests/test_x.py::test_y``)."""
    module = test_file.removesuffix(".py").replace("/", ".")
    tree = ast.parse(source if source is not None else (ROOT / test_file).read_text())
    ids = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            ids[f"{module}.{node.name}"] = f"{test_file}::{node.name}"
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and method.name.startswith("test"):
                    ids[f"{module}.{node.name}.{method.name}"] = f"{test_file}::{node.name}::{method.name}"
    return ids  # in the order pytest runs them


class TestMap:
    """Which tests run which line: a mutant only needs the tests that run the code it changes."""

    def __init__(self, workdir: Path) -> None:
        import coverage

        self.seconds = json.loads((workdir / "durations.json").read_text())
        data = coverage.CoverageData(basename=str(workdir / ".coverage"))
        data.read()
        self.lines: dict[str, dict[int, set[str]]] = {}
        for measured in data.measured_files():
            path = str(Path(measured).relative_to(workdir))
            self.lines[path] = {line: set(contexts) for line, contexts in data.contexts_by_lineno(measured).items()}

    def duration(self, tests: list[str]) -> float:
        return sum(self.seconds.get(test, 0.0) for test in tests)

    def tests_for(self, mutant: Mutant) -> list[str]:
        """The tests that run the mutant's lines, or all of the file's tests if the lines run on
        import (a constant, a default, a class body); the quickest first, since the first failure ends the run."""
        ordered = {name: node for test_file in TESTS_FOR[mutant.path] for name, node in test_ids(test_file).items()}
        reaching: set[str] = set()
        for line in range(mutant.line, mutant.end_line + 1):
            reaching |= self.lines.get(mutant.path, {}).get(line, set())
        if "" not in reaching:  # the empty context: code run while importing, before any test
            ordered = {name: node for name, node in ordered.items() if name in reaching}
        return sorted(ordered.values(), key=lambda node: self.seconds.get(node, 0.0))


# Third-party modules the tests import (the conftest imports the app): imported once, here.
HEAVY_IMPORTS = (
    "pytest",
    "textual.app",
    "textual.widgets",
    "textual.containers",
    "textual.screen",
    "textual.worker",
    "rich.text",
    "plotext",
    "numpy",
)


def prepare_parent(examples: int) -> None:
    """What every child shares: the heavy imports, done once, and repeatable, smaller hypothesis runs."""
    sys.dont_write_bytecode = True
    import importlib

    import hypothesis

    for heavy in HEAVY_IMPORTS:
        importlib.import_module(heavy)

    hypothesis.settings.register_profile("mutation", derandomize=True, database=None, max_examples=examples)
    hypothesis.settings.load_profile("mutation")
    # A test's own @settings(max_examples=...) would win over the profile: cap it too.
    explicit = hypothesis.settings.__init__

    def capped(self, parent=None, **changes):
        if "max_examples" in changes:
            changes["max_examples"] = min(changes["max_examples"], examples)
        explicit(self, parent, **changes)

    hypothesis.settings.__init__ = capped


def tests_at(revision: str) -> set[str]:
    """The tests (pytest ids, without parameters) that the test files had at a git revision."""
    import subprocess

    ids: set[str] = set()
    for test_file in dict.fromkeys(f for files in TESTS_FOR.values() for f in files):
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:{test_file}"], capture_output=True, text=True
        )
        if shown.returncode == 0:
            ids |= set(test_ids(test_file, shown.stdout).values())
    return ids


class Tally:
    """What happened to the mutants: killed, timed out, survived, or survived and known equivalent."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[Mutant]] = {"killed": [], "timeout": [], "survived": [], "equivalent": []}

    def add(self, mutant: Mutant, outcome: str) -> str:
        if outcome == "survived" and mutant.equivalent:
            outcome = "equivalent"
        self.outcomes[outcome].append(mutant)
        return outcome

    def counts_by_file(self) -> dict[str, dict[str, int]]:
        by_file: dict[str, dict[str, int]] = {}
        for outcome, mutants in self.outcomes.items():
            for mutant in mutants:
                by_file.setdefault(mutant.path, dict.fromkeys(self.outcomes, 0))[outcome] += 1
        return by_file

    def summary(self) -> str:
        counts = {outcome: len(mutants) for outcome, mutants in self.outcomes.items()}
        total = sum(counts.values())
        counted = total - counts["equivalent"]
        return (
            f"{total} mutants: {counts['killed']} killed, {counts['timeout']} timed out, "
            f"{counts['survived']} survived, {counts['equivalent']} equivalent (not counted); "
            f"survival rate {counts['survived']}/{counted} = {100 * counts['survived'] / max(counted, 1):.1f}%"
        )


DOCS_PAGE = ROOT / "docs" / "testing.md"
TABLE_START = "<!-- mutation table: rows written by `benchmarks/mutation.py FILE --write-docs` -->"
TABLE_END = "<!-- end of the mutation table -->"
TABLE_HEAD = (
    "| file | mutants | killed | timed out | survived | equivalent | survival | measured |\n"
    "|---|---|---|---|---|---|---|---|"
)


def table_row(path: str, counts: dict[str, int], day: str) -> str:
    counted = sum(counts.values()) - counts["equivalent"]
    rate = 100 * counts["survived"] / max(counted, 1)
    return (
        f"| `{path.removeprefix('nanoneuron_tui/')}` | {sum(counts.values())} | {counts['killed']} | "
        f"{counts['timeout']} | {counts['survived']} | {counts['equivalent']} | "
        f"{counts['survived']}/{counted} = {rate:.1f} % | {day} |"
    )


def write_docs(tally: Tally, page: Path = DOCS_PAGE) -> None:
    """Put each mutated file's figures in the page's table (a row per file, the others kept)."""
    text = page.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise SystemExit(f"{page} has no mutation table ({TABLE_START} ... {TABLE_END})")
    before, rest = text.split(TABLE_START, 1)
    table, after = rest.split(TABLE_END, 1)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| `")}
    day = time.strftime("%Y-%m-%d")
    for path, counts in tally.counts_by_file().items():
        rows[f"`{path.removeprefix('nanoneuron_tui/')}`"] = table_row(path, counts, day)
    order = [f"`{path.removeprefix('nanoneuron_tui/')}`" for path in TESTS_FOR]
    ordered = sorted(rows, key=lambda name: order.index(name) if name in order else len(order))
    body = "\n".join([TABLE_HEAD, *(rows[name] for name in ordered)])
    page.write_text(f"{before}{TABLE_START}\n{body}\n{TABLE_END}{after}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="FILE",
        help=f"files to mutate, of: {' '.join(TESTS_FOR)} (default: the first four)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--match", default="", help="only mutants whose label contains this text")
    parser.add_argument(
        "--examples", type=int, default=25, help="at most this many examples per hypothesis test (default 25)"
    )
    parser.add_argument(
        "--before",
        metavar="REVISION",
        help="also give the survival rate with only the tests that existed at this git revision",
    )
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write each file's figures into {DOCS_PAGE.relative_to(ROOT)}"
    )
    args = parser.parse_args()
    if args.write_docs and args.match:
        parser.error("--write-docs needs every mutant of each file: drop --match")
    args.targets = args.targets or DEFAULT_TARGETS
    if unknown := set(args.targets) - set(TESTS_FOR):
        parser.error(f"no tests are listed for {', '.join(sorted(unknown))}")

    mutants = [m for path in args.targets for m in mutants_of(path) if args.match in m.label]
    if args.list:
        for mutant in mutants:
            print(mutant.label + (f"   [equivalent: {mutant.equivalent}]" if mutant.equivalent else ""))
        print(f"{len(mutants)} mutants")
        return 0

    old_tests = tests_at(args.before) if args.before else None
    prepare_parent(args.examples)
    originals = {path: (ROOT / path).read_text() for path in args.targets}
    all_tests = list(dict.fromkeys(test for path in args.targets for test in TESTS_FOR[path]))
    now, before = Tally(), Tally()
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        workdirs = [Path(scratch) / f"copy{k}" for k in range(max(1, args.jobs))]
        for workdir in workdirs:
            make_copy(workdir)

        # The unmutated copy must pass; this run also records which test runs which line, and
        # how long each test takes (under coverage: slower than a mutant's run), which sets the timeouts.
        started = time.monotonic()
        pid = start_tests(workdirs[0], all_tests, coverage_of=args.targets)
        if wait_any({pid: started + 3600})[1] != "survived":
            print(f"the tests fail without any mutant ({' '.join(all_tests)}): fix them first")
            return 1
        tests_map = TestMap(workdirs[0])
        print(
            f"{len(mutants)} mutants of {', '.join(args.targets)}; tests pass unmutated "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )

        def stages(mutant: Mutant) -> list[list[str]]:
            """The tests to run, in turn: with --before, the old tests first, then only if
            the mutant survives them, the new ones (so one run gives both rates)."""
            tests = tests_map.tests_for(mutant)
            if old_tests is None:
                return [tests] if tests else []
            return [[t for t in tests if t in old_tests], [t for t in tests if t not in old_tests]]

        def record(mutant: Mutant, outcome: str, before_outcome: str) -> None:
            outcome = now.add(mutant, outcome)
            if old_tests is not None:
                before.add(mutant, before_outcome)
            if outcome in ("survived", "equivalent"):
                print(f"{outcome.upper() if outcome == 'survived' else outcome:<11} {mutant.label}", flush=True)
            elif before_outcome == "survived" and not mutant.equivalent:
                print(f"{'new kill':<11} {mutant.label}", flush=True)
            done = sum(len(group) for group in now.outcomes.values())
            if done % 50 == 0:
                print(f"  {done}/{len(mutants)} tested, {time.monotonic() - started:.0f} s", flush=True)

        free, running = list(workdirs), {}
        # pid -> (mutant, its copy, the stages still to run, the outcome before: set after the old tests)
        jobs: dict[int, tuple[Mutant, Path, list[list[str]], str]] = {}
        queue = [(mutant, None, stages(mutant), "") for mutant in mutants]
        while queue or running:
            while queue and (queue[0][1] is not None or free):  # a mutant keeps its copy between stages
                mutant, workdir, todo, before_outcome = queue.pop(0)
                while todo and not todo[0]:  # a stage with no test: the mutant survives it
                    todo = todo[1:]
                    before_outcome = before_outcome or "survived"
                if not todo:
                    if workdir is not None:
                        (workdir / mutant.path).write_text(originals[mutant.path])
                        free.append(workdir)
                    record(mutant, "survived", before_outcome or "survived")
                    continue
                if workdir is None:
                    workdir = free.pop()
                    (workdir / mutant.path).write_text(mutant.source(originals[mutant.path]))
                pid = start_tests(workdir, todo[0])
                running[pid] = time.monotonic() + 30 + 3 * tests_map.duration(todo[0])
                jobs[pid] = mutant, workdir, todo, before_outcome
            if not running:
                continue
            pid, outcome = wait_any(running)
            del running[pid]
            mutant, workdir, todo, before_outcome = jobs.pop(pid)
            if old_tests is not None and len(todo) == 2:
                before_outcome = outcome  # the old tests have run
            if outcome == "survived" and len(todo) > 1:
                queue.insert(0, (mutant, workdir, todo[1:], before_outcome))  # its copy runs the next stage
                continue
            (workdir / mutant.path).write_text(originals[mutant.path])
            free.append(workdir)
            record(mutant, outcome, before_outcome or outcome)

    print()
    if old_tests is not None:
        print(f"with the tests of {args.before}: {before.summary()}")
    print(f"with the tests now: {now.summary()}")
    if args.write_docs:
        write_docs(now)
        print(f"written into {DOCS_PAGE.relative_to(ROOT)}")
    return 1 if now.outcomes["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
