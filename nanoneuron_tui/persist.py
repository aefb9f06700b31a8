"""Files: sessions to resume, models to keep, cost histories to export.

Every write is atomic (a temporary file, then a rename), so a crash mid-write
leaves the old file whole. Every read is suspicious: a file that is corrupt,
truncated, from another version or written to cause trouble is refused with
one clear sentence, and nothing is changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nanoneuron_tui import params

SESSION_FORMAT = "nanoneuron-session"
MODEL_FORMAT = "nanoneuron-model"
SESSION_VERSION = 2  # version 1 kept the neuron and a sampled history, not the run
MODEL_VERSION = 1
MAX_FILE_BYTES = 50_000_000  # far above any real session
MAX_SEGMENTS = 100_000  # alpha changes in one run
# An exported history is refused beyond this many bytes unless the user says otherwise.
DEFAULT_HISTORY_LIMIT = 1_000_000_000


class PersistError(Exception):
    """A file could not be read or written; the message says why, in one line."""


def default_state_path() -> Path:
    """Where the session is kept between runs: the platform's state directory."""
    import platformdirs

    return platformdirs.user_state_path("nanoneuron") / "session.json"


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place.

    Readers see the old file or the whole new one, never half of it: a crash
    (or an exception in the ``with`` block) leaves ``path`` as it was.
    """
    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private; give it the permissions a plain open() would.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_json(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as file:
            json.dump(document, file, allow_nan=False)
    except (OSError, ValueError) as problem:
        raise PersistError(f"cannot write {path}: {getattr(problem, 'strerror', None) or problem}") from None


def _read_json(path: str | os.PathLike[str], expected_format: str, versions: tuple[int, ...]) -> dict[str, Any]:
    what = "session" if expected_format == SESSION_FORMAT else "model"
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise PersistError(f"{path} is too large to be a nanoneuron {what} file")
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except FileNotFoundError:
        raise PersistError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise PersistError(f"{path} is a directory, not a {what} file") from None
    except OSError as problem:
        raise PersistError(f"cannot read {path}: {problem.strerror or problem}") from None
    except UnicodeDecodeError:
        raise PersistError(f"{path} is not a text file") from None
    except json.JSONDecodeError as problem:
        raise PersistError(f"{path} is damaged or truncated (not valid JSON at line {problem.lineno})") from None
    except RecursionError:
        raise PersistError(f"{path} is not a nanoneuron {what} file (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise PersistError(f"{path} is not a nanoneuron {what} file")
    if document.get("version") not in versions:
        readable = " and ".join(str(v) for v in versions)
        raise PersistError(
            f"{path} is a version {document.get('version')!r} {what} file; this nanoneuron reads version {readable}"
        )
    return document


# -- checking what a file says -------------------------------------------------


def _fail(path: object, what: str) -> PersistError:
    return PersistError(f"{path} is damaged: {what}")


def _number(value: Any, path: object, name: str, low: float = -math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, f"{name} is not a finite number")
    if value < low:
        raise _fail(path, f"{name} is out of range")
    return float(value)


def _whole(value: Any, path: object, name: str, low: int = 0, high: int = params.MAX_EPOCHS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, f"{name} is not a whole number from {low} to {high:,}")
    return value


def _hyperparameters(saved: Any, path: object) -> dict[str, Any]:
    """Checked with the same parsers as the CLI and the app's fields."""
    if not isinstance(saved, dict):
        raise _fail(path, "the hyperparameters are missing")
    checks = {
        "epochs": params.parse_epochs,
        "alpha": params.parse_alpha,
        "every": params.parse_every,
        "pace": params.parse_pace,
        "w0": params.parse_weight,
        "b0": params.parse_weight,
        "seed": params.parse_seed,
    }
    optional = {"pace", "w0", "b0", "seed"}
    result: dict[str, Any] = {}
    for name, parse in checks.items():
        value = saved.get(name)
        if value is None and name in optional:
            result[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, f"{name} is not a number")
        try:
            result[name] = parse(repr(value))
        except ValueError as problem:
            raise _fail(path, str(problem)) from None
    return result


def _data_spec(saved: Any, path: object):
    from nanoneuron_tui.core.data import PRESETS, DataSpec

    if saved is None:
        return DataSpec()
    if not isinstance(saved, dict):
        raise _fail(path, "the data description is malformed")
    preset, csv_path = saved.get("preset", "c2f"), saved.get("csv")
    if preset not in PRESETS:
        raise _fail(path, f"there is no data preset called {preset!r}")
    if csv_path is not None and not isinstance(csv_path, str):
        raise _fail(path, "the data file name is not text")
    ratio = saved.get("test_ratio")
    normalize = saved.get("normalize", False)
    if not isinstance(normalize, bool):
        raise _fail(path, "normalize is not true or false")
    try:
        return DataSpec(
            preset=preset,
            csv=csv_path,
            noise=params.parse_noise(repr(_number(saved.get("noise", 0.0), path, "noise"))),
            noise_seed=_whole(saved.get("noise_seed", 0), path, "noise_seed", 0, 2**63),
            test_ratio=None if ratio is None else params.parse_test_ratio(repr(_number(ratio, path, "test_ratio"))),
            split_seed=_whole(saved.get("split_seed", 0), path, "split_seed", 0, 2**63),
            normalize=normalize,
        )
    except ValueError as problem:
        raise _fail(path, str(problem)) from None


# -- sessions ------------------------------------------------------------------


def save_session(session, path: str | os.PathLike[str]) -> None:
    _write_json(path, {"format": SESSION_FORMAT, "version": SESSION_VERSION, "session": session.to_dict()})


def _segments(saved: Any, path: object, first_epoch: int) -> list[dict[str, Any]]:
    if not isinstance(saved, list) or not 1 <= len(saved) <= MAX_SEGMENTS:
        raise _fail(path, "the run's segments are missing")
    segments = []
    for segment in saved:
        if not isinstance(segment, dict):
            raise _fail(path, "a segment of the run is malformed")
        start = _whole(segment.get("start"), path, "a segment's start")
        alpha = segment.get("alpha")
        if isinstance(alpha, bool) or not isinstance(alpha, int | float):
            raise _fail(path, "a segment's alpha is not a number")
        try:
            alpha = params.parse_alpha(repr(alpha))
        except ValueError as problem:
            raise _fail(path, str(problem)) from None
        segments.append({"start": start, "alpha": alpha})
    starts = [segment["start"] for segment in segments]
    if starts[0] != first_epoch or any(b <= a for a, b in zip(starts, starts[1:])):
        raise _fail(path, "the run's segments are out of order")
    return segments


def _run(saved: Any, path: object) -> dict[str, Any]:
    if not isinstance(saved, dict):
        raise _fail(path, "the run is missing")
    start = saved.get("start")
    if not isinstance(start, list) or len(start) != 2:
        raise _fail(path, "the run's starting neuron is malformed")
    first_epoch = _whole(saved.get("first_epoch"), path, "the run's first epoch")
    return {
        "w0": _number(saved.get("w0"), path, "initial w"),
        "b0": _number(saved.get("b0"), path, "initial b"),
        "first_epoch": first_epoch,
        "start": [_number(start[0], path, "the starting w"), _number(start[1], path, "the starting b")],
        "start_cost": _number(saved.get("start_cost"), path, "the starting cost", low=0.0),
        "segments": _segments(saved.get("segments"), path, first_epoch),
    }


def _run_of_version_1(saved: dict[str, Any], path: object, alpha: float) -> tuple[dict[str, Any], int]:
    """A version 1 session kept only the neuron where it stood: its run begins there."""
    init = saved.get("init")
    if not isinstance(init, dict):
        raise _fail(path, "the initial w and b are missing")
    epoch = _whole(saved.get("epoch"), path, "epoch")
    run = {
        "w0": _number(init.get("w"), path, "initial w"),
        "b0": _number(init.get("b"), path, "initial b"),
        "first_epoch": epoch,
        "start": [_number(saved.get("w"), path, "w"), _number(saved.get("b"), path, "b")],
        "start_cost": _number(saved.get("start_cost"), path, "the starting cost", low=0.0),
        "segments": [{"start": epoch, "alpha": alpha}],
    }
    return run, epoch


def load_session(path: str | os.PathLike[str]):
    """The saved session, paused where it was; raises PersistError and changes nothing if the file is bad."""
    from nanoneuron_tui.core.data import DataError, build_data
    from nanoneuron_tui.core.run import Run
    from nanoneuron_tui.session import Session, State

    document = _read_json(path, SESSION_FORMAT, versions=(1, SESSION_VERSION))
    saved = document.get("session")
    if not isinstance(saved, dict):
        raise _fail(path, "the session is missing")
    state = saved.get("state")
    if state not in {s.value for s in State} or state == State.RUNNING.value:
        raise _fail(path, "the training state is unknown")
    hyper = params.Hyperparameters(**_hyperparameters(saved.get("hyperparameters"), path))
    if document["version"] == 1:
        checked_run, epoch = _run_of_version_1(saved, path, hyper.alpha)
    else:
        checked_run = _run(saved.get("run"), path)
        epoch = _whole(saved.get("epoch"), path, "epoch")
        if epoch < checked_run["first_epoch"]:
            raise _fail(path, "the epoch is before the run began")
    spec = _data_spec(saved.get("data"), path)
    try:
        data = build_data(spec)
    except DataError as problem:
        raise PersistError(f"{path}: its data cannot be loaded: {problem}") from None
    run = Run.from_dict(checked_run, data)
    return Session.restore(hyper, data, run, epoch)


# -- models --------------------------------------------------------------------


def save_model(path: str | os.PathLike[str], *, w: float, b: float, epoch: int,
               init: tuple[float, float], hyper: params.Hyperparameters) -> None:
    """A neuron: w, b, the epoch and the hyperparameters that got it there."""
    _write_json(path, {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "w": w,
        "b": b,
        "epoch": epoch,
        "init": {"w": init[0], "b": init[1]},
        "hyperparameters": dataclasses.asdict(hyper),
    })


def load_model(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A saved model, checked: w, b, epoch, init and hyperparameters."""
    saved = _read_json(path, MODEL_FORMAT, versions=(MODEL_VERSION,))
    init = saved.get("init")
    if not isinstance(init, dict):
        raise _fail(path, "the initial w and b are missing")
    return {
        "w": _number(saved.get("w"), path, "w"),
        "b": _number(saved.get("b"), path, "b"),
        "epoch": _whole(saved.get("epoch"), path, "epoch"),
        "init": {"w": _number(init.get("w"), path, "initial w"), "b": _number(init.get("b"), path, "initial b")},
        "hyperparameters": _hyperparameters(saved.get("hyperparameters"), path),
    }


# -- cost history --------------------------------------------------------------


def history_size(epochs: int) -> int:
    """About how many bytes a CSV of ``epochs`` rows of epoch, cost and test cost takes (a generous guess)."""
    return epochs * (len(str(epochs)) + 2 * 24 + 3)


def check_history_size(epochs: int, limit: int = DEFAULT_HISTORY_LIMIT) -> None:
    size = history_size(epochs)
    if size > limit:
        raise PersistError(
            f"a history of {epochs:,} epochs would take about {size / 1e9:.1f} GB, "
            f"over the limit of {limit / 1e9:g} GB (raise it with --history-limit SIZE)"
        )


def export_history(session, path: str | os.PathLike[str], limit: int = DEFAULT_HISTORY_LIMIT) -> int:
    """Write the cost of every epoch of the run up to the one on screen, as CSV
    (epoch, training cost, test cost), recomputed exactly; returns the rows written."""
    view = session.view()
    run, first, stop = view.run, view.run.first_epoch, view.epoch + 1
    check_history_size(stop - first, limit)
    rows = 0
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as file:
            file.write("epoch,cost,test_cost\n")
            for epoch in range(first, stop):
                test_cost = run.test_cost(epoch)
                file.write(f"{epoch},{run.cost(epoch)!r},{'' if test_cost is None else repr(test_cost)}\n")
                rows += 1
    except OSError as problem:
        raise PersistError(f"cannot write {path}: {problem.strerror or problem}") from None
    return rows
