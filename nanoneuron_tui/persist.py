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
import re
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from nanoneuron_tui import params
from nanoneuron_tui.core.data import DataSet, DataSpec
from nanoneuron_tui.core.files import FileRefused, describe_kind, read_regular
from nanoneuron_tui.core.numbers import quoted
from nanoneuron_tui.core.run import MAX_SEGMENTS

if TYPE_CHECKING:  # only their types: the modules are imported where they are needed
    from nanoneuron_tui.core.practice import Practice
    from nanoneuron_tui.session import Session

SESSION_FORMAT = "nanoneuron-session"
MODEL_FORMAT = "nanoneuron-model"
SESSION_VERSION = 2  # version 1 kept the neuron and a sampled history, not the run
MODEL_VERSION = 2  # version 1 did not record the data the model was trained on
MAX_FILE_BYTES = 8_000_000  # far above any real session (MAX_SEGMENTS alpha changes fit)
# An exported history is refused beyond this many bytes unless the user says otherwise.
DEFAULT_HISTORY_LIMIT = 1_000_000_000
# A saved neuron may be far from any sensible line (a run diverges before it is
# stopped), but not so far that its cost on data within numbers.MAX_MAGNITUDE
# overflows: (1e100 * 1e15)**2 is 1e230, and a starting neuron in the trainer's
# units (MAX_MAGNITUDE times more: standardized x) at worst (1e115 * 1e15)**2 = 1e260.
MAX_NEURON = 1e100
STANDARD_OUTPUT = "-"


class PersistError(Exception):
    """A file could not be read or written; the message says why, in one line."""


def default_state_path() -> Path:
    """Where the session is kept between runs: the platform's state directory."""
    import platformdirs

    return platformdirs.user_state_path("nanoneuron") / "session.json"


TEMPORARY_SUFFIX = ".tmp"


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def temporary_name_pattern(target: str | os.PathLike[str]) -> re.Pattern[str]:
    """The names ``atomic_writer`` gives its temporary files beside ``target`` (mkstemp
    adds 8 random characters), so files left by a killed write can be found and removed."""
    name = Path(target).name
    return re.compile(re.escape(_temporary_prefix(Path(name))) + r"[a-z0-9_]{8}" + re.escape(TEMPORARY_SUFFIX))


# Any name atomic_writer gives a temporary file, whatever its target.
ANY_TEMPORARY_NAME = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMPORARY_SUFFIX))


# -- writing -------------------------------------------------------------------


def replaceable_target(path: str | os.PathLike[str]) -> Path:
    """The regular file an atomic write of ``path`` replaces: the path itself, or
    where its symlinks lead. Anything else (a device, a FIFO, a directory) is
    refused: renaming a new file over ``/dev/null`` would replace the device.
    """
    try:
        info = os.stat(path)  # follows symlinks, as a plain open() would
    except FileNotFoundError:
        info = None
    except OSError as problem:
        raise PersistError(f"cannot write {path}: {problem.strerror or problem}") from None
    except ValueError:
        raise PersistError(f"cannot write {path!r}: not a usable file name") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise PersistError(f"cannot write {path}: it is {describe_kind(info.st_mode)}, not a regular file")
    return Path(os.path.realpath(path))


@contextlib.contextmanager
def atomic_writer(
    path: str | os.PathLike[str], track: Callable[[Path], AbstractContextManager[object]] | None = None
) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place.

    Readers see the old file or the whole new one, never half of it: a crash
    (or an exception in the ``with`` block) leaves ``path`` as it was. Only a
    regular file is replaced; a symlink keeps pointing where it did, at the new content.
    ``track(temporary)``, if given, holds the temporary file's name for as long as it
    exists, so a process killed meanwhile has it removed at its next start.
    """
    target = replaceable_target(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # a replaced file keeps its permissions
    except OSError:
        mode = 0o666 & ~_umask()  # a new one gets those of a plain open()
    temporary = None
    try:
        # Inside the try, and named before a stop signal can raise (headless): the file never outlives a stop.
        with _stop_signals_held():
            fd, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=_temporary_prefix(target), suffix=TEMPORARY_SUFFIX
            )
        with track(Path(temporary)) if track else contextlib.nullcontext():
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
    except BaseException:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


_STOP_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Stop signals wait (in this thread) until the block is over, then arrive.

    mkstemp creates the file, then runs more Python before it returns its name:
    a signal handled in between would raise with the file made and not yet named."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def output_writer(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """``atomic_writer``, or standard output for ``-`` (streamed as it is written)."""
    if str(path) == STANDARD_OUTPUT:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with atomic_writer(path) as file:
            yield file


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_room_for(path: str | os.PathLike[str]) -> None:
    """The directories a new file at ``path`` needs. A path through a regular file is refused
    first, in the system's words ("Not a directory"), rather than mkdir's ("File exists")."""
    replaceable_target(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _write_json(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    try:
        _make_room_for(path)
        with atomic_writer(path) as file:
            json.dump(document, file, allow_nan=False)
    except (OSError, ValueError) as problem:
        raise PersistError(f"cannot write {path}: {getattr(problem, 'strerror', None) or problem}") from None


# -- reading -------------------------------------------------------------------


def _read_json(path: str | os.PathLike[str], expected_format: str, versions: tuple[int, ...]) -> dict[str, Any]:
    what = "session" if expected_format == SESSION_FORMAT else "model"
    try:
        content = read_regular(path, MAX_FILE_BYTES, f"nanoneuron {what} file")
        document = json.loads(content.decode("utf-8"))
    except FileRefused as problem:
        raise PersistError(str(problem)) from None
    except UnicodeDecodeError:
        raise PersistError(f"{path} is not a text file") from None
    except json.JSONDecodeError as problem:
        raise PersistError(f"{path} is damaged or truncated (not valid JSON at line {problem.lineno})") from None
    except RecursionError:
        raise PersistError(f"{path} is not a nanoneuron {what} file (nested too deeply)") from None
    except ValueError:  # a number too long to convert, say
        raise PersistError(f"{path} is damaged: a value cannot be read") from None
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise PersistError(f"{path} is not a nanoneuron {what} file")
    version = document.get("version")
    if isinstance(version, bool) or version not in versions:
        readable = " and ".join(str(v) for v in versions)
        raise PersistError(
            f"{path} is a version {quoted(str(version), 12)} {what} file; this nanoneuron reads version {readable}"
        )
    return document


# -- checking what a file says -------------------------------------------------


def _fail(path: object, what: str) -> PersistError:
    return PersistError(f"{path} is damaged: {what}")


def _checked_number(
    value: Any, path: object, name: str, low: float = -math.inf, magnitude: float = MAX_NEURON
) -> float:
    """A finite JSON number within ``magnitude`` (checked before converting: 10**400 is an int)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, f"{name} is not a number")
    if not (-magnitude <= value <= magnitude):  # False for NaN too
        raise _fail(path, f"{name} is not a finite number of at most {magnitude:g} in size")
    if value < low:
        raise _fail(path, f"{name} is out of range")
    return float(value)


def _whole(value: Any, path: object, name: str, low: int = 0, high: int = params.MAX_EPOCHS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, f"{name} is not a whole number from {low} to {high:,}")
    return value


def _text(value: Any, path: object, name: str, limit: int = 4096) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or "\0" in value:
        raise _fail(path, f"{name} is not a usable text")
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


def _data_spec(saved: Any, path: object) -> DataSpec:
    """Which data: checked field by field, with the parsers the CLI uses."""
    from nanoneuron_tui.core.data import PRESETS

    if saved is None:
        return DataSpec()
    if not isinstance(saved, dict):
        raise _fail(path, "the data description is malformed")
    preset, csv_path = saved.get("preset", "c2f"), saved.get("csv")
    if csv_path is not None:
        csv_path = _text(csv_path, path, "the data file name")
        preset = DataSpec.preset  # older files recorded a stale preset beside the file: ignored
    if not isinstance(preset, str) or preset not in PRESETS:
        raise _fail(path, f"there is no data preset called {quoted(str(preset))}")
    ratio = saved.get("test_ratio")
    normalize = saved.get("normalize", False)
    if not isinstance(normalize, bool):
        raise _fail(path, "normalize is not true or false")
    try:
        return DataSpec(
            preset=preset,
            csv=csv_path,
            noise=params.parse_noise(
                repr(_checked_number(saved.get("noise", 0.0), path, "noise", magnitude=params.MAX_MAGNITUDE))
            ),
            noise_seed=_whole(saved.get("noise_seed", 0), path, "noise_seed", 0, 2**63),
            test_ratio=(
                None if ratio is None else params.parse_test_ratio(repr(_checked_number(ratio, path, "test_ratio")))
            ),
            split_seed=_whole(saved.get("split_seed", 0), path, "split_seed", 0, 2**63),
            normalize=normalize,
        )
    except ValueError as problem:
        raise _fail(path, str(problem)) from None


# -- sessions ------------------------------------------------------------------


@dataclass(frozen=True)
class SavedSession:
    """A session on disk: the settings, the data, the run (its start and its alpha
    segments) and the epoch on screen. Checked field by field, then as a whole:
    the run is rebuilt and must agree with the state and epoch the file claims.
    """

    hyper: params.Hyperparameters
    data: DataSpec
    run: dict[str, Any]  # Run.to_dict()'s shape, every value checked
    epoch: int
    state: str  # "paused", "finished" or "diverged": a running session is saved paused
    pinned: dict[str, Any] | None = None  # a run kept for comparison: {"run": ..., "epoch": ...}
    practice: Practice | None = None  # read by practice_file.py (a bad one is ignored, not refused)

    @classmethod
    def of(cls, session: Session) -> SavedSession:
        """What ``session`` saves (checked like a file, so what is saved can be loaded)."""
        # Its practice is the app's own: not checked again on every save (practice_file.py checks a file's).
        saved = {key: value for key, value in session.to_dict().items() if key != "practice"}
        document = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "session": saved}
        return dataclasses.replace(cls.from_document(document, "the session"), practice=session.practice)

    def to_document(self) -> dict[str, Any]:
        from nanoneuron_tui.core.practice import practice_record

        return {
            "format": SESSION_FORMAT,
            "version": SESSION_VERSION,
            "session": {
                "hyperparameters": dataclasses.asdict(self.hyper),
                "data": self.data.to_dict(),
                "run": self.run,
                "epoch": self.epoch,
                "state": self.state,
                "pinned": self.pinned,
                **({"practice": practice_record(self.practice)} if self.practice and self.practice.started else {}),
            },
        }

    @classmethod
    def from_document(cls, document: dict[str, Any], path: object) -> SavedSession:
        saved = document.get("session")
        if not isinstance(saved, dict):
            raise _fail(path, "the session is missing")
        state = saved.get("state")
        if not isinstance(state, str) or state not in _SAVED_STATES:
            raise _fail(path, "the training state is unknown")
        hyper = params.Hyperparameters(**_hyperparameters(saved.get("hyperparameters"), path))
        if document.get("version") == 1:
            run, epoch = _run_of_version_1(saved, path, hyper.alpha)
        else:
            run = _run(saved.get("run"), path)
            epoch = _whole(saved.get("epoch"), path, "epoch")
            if epoch < run["first_epoch"]:
                raise _fail(path, "the epoch is before the run began")
        from nanoneuron_tui.practice_file import read_practice

        return cls(
            hyper,
            _data_spec(saved.get("data"), path),
            run,
            epoch,
            state,
            _pinned(saved.get("pinned"), path),
            read_practice(saved.get("practice"), path),
        )

    def restore(self, path: object) -> Session:
        """The session, paused where it was (its data read again); PersistError if it cannot be."""
        from nanoneuron_tui.core.data import DataError, build_data
        from nanoneuron_tui.core.run import Run
        from nanoneuron_tui.session import Pinned, Session

        try:
            data = build_data(self.data)
        except DataError as problem:
            raise PersistError(f"{path}: its data cannot be loaded: {problem}") from None
        run = Run.from_dict(self.run, data)  # its starting cost is finite: see MAX_NEURON
        pinned = None
        if self.pinned is not None:
            pinned = Pinned(Run.from_dict(self.pinned["run"], data), self.pinned["epoch"])
        session = Session.restore(self.hyper, data, run, self.epoch, pinned, self.practice)
        if session.epoch != self.epoch or session.state.value != self.state:
            raise _fail(path, f"the run does not reach epoch {self.epoch:,} {self.state}")
        return session


_SAVED_STATES = ("paused", "finished", "diverged")


def _pinned(saved: Any, path: object) -> dict[str, Any] | None:
    """A pinned run kept for comparison (optional): the run and how far it had got."""
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise _fail(path, "the pinned run is malformed")
    run = _run(saved.get("run"), path)
    epoch = _whole(saved.get("epoch"), path, "the pinned run's epoch")
    if epoch < run["first_epoch"]:
        raise _fail(path, "the pinned run's epoch is before it began")
    return {"run": run, "epoch": epoch}


def save_session(session: Session, path: str | os.PathLike[str]) -> None:
    _write_json(path, SavedSession.of(session).to_document())


def load_session(path: str | os.PathLike[str]) -> Session:
    """The saved session, paused where it was; raises PersistError and changes nothing if the file is bad."""
    document = _read_json(path, SESSION_FORMAT, versions=(1, SESSION_VERSION))
    return SavedSession.from_document(document, path).restore(path)


def _segments(saved: Any, path: object, first_epoch: int) -> list[dict[str, Any]]:
    if not isinstance(saved, list) or not saved:
        raise _fail(path, "the run's segments are missing")
    if len(saved) > MAX_SEGMENTS:
        raise _fail(path, f"the run has {len(saved):,} segments of alpha; a run keeps at most {MAX_SEGMENTS:,}")
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
        "w0": _checked_number(saved.get("w0"), path, "initial w", magnitude=params.MAX_MAGNITUDE),
        "b0": _checked_number(saved.get("b0"), path, "initial b", magnitude=params.MAX_MAGNITUDE),
        "first_epoch": first_epoch,
        # The trainer's units: standardized x scales w by up to MAX_MAGNITUDE.
        "start": [
            _checked_number(start[0], path, "the starting w", magnitude=MAX_NEURON * params.MAX_MAGNITUDE),
            _checked_number(start[1], path, "the starting b", magnitude=MAX_NEURON * params.MAX_MAGNITUDE),
        ],
        "start_cost": _checked_number(
            saved.get("start_cost"), path, "the starting cost", low=0.0, magnitude=sys.float_info.max
        ),
        "segments": _segments(saved.get("segments"), path, first_epoch),
    }


def _run_of_version_1(saved: dict[str, Any], path: object, alpha: float) -> tuple[dict[str, Any], int]:
    """A version 1 session kept only the neuron where it stood: its run begins there."""
    init = saved.get("init")
    if not isinstance(init, dict):
        raise _fail(path, "the initial w and b are missing")
    epoch = _whole(saved.get("epoch"), path, "epoch")
    run = {
        "w0": _checked_number(init.get("w"), path, "initial w", magnitude=params.MAX_MAGNITUDE),
        "b0": _checked_number(init.get("b"), path, "initial b", magnitude=params.MAX_MAGNITUDE),
        "first_epoch": epoch,
        "start": [_checked_number(saved.get("w"), path, "w"), _checked_number(saved.get("b"), path, "b")],
        "start_cost": _checked_number(
            saved.get("start_cost"), path, "the starting cost", low=0.0, magnitude=sys.float_info.max
        ),
        "segments": [{"start": epoch, "alpha": alpha}],
    }
    return run, epoch


# -- models --------------------------------------------------------------------


@dataclass(frozen=True)
class SavedModel:
    """A neuron worth keeping: w and b, the epoch, how it started, the settings, and
    the data it was trained on, so it is never silently read in other units."""

    w: float  # in the data's units
    b: float
    epoch: int
    w0: float
    b0: float
    hyper: params.Hyperparameters
    data: DataSpec | None  # None: a version 1 file, which did not say
    data_name: str = ""  # for messages: "Kilometres to miles"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Written only if it would load again: a file the app writes, the app reads."""
        document = self.to_document()
        SavedModel.from_document(document, path)
        _write_json(path, document)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SavedModel:
        return cls.from_document(_read_json(path, MODEL_FORMAT, versions=(1, MODEL_VERSION)), path)

    def to_document(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "w": self.w,
            "b": self.b,
            "epoch": self.epoch,
            "init": {"w": self.w0, "b": self.b0},
            "hyperparameters": dataclasses.asdict(self.hyper),
            "data": None if self.data is None else {**self.data.to_dict(), "name": self.data_name},
        }

    @classmethod
    def from_document(cls, saved: dict[str, Any], path: object) -> SavedModel:
        init = saved.get("init")
        if not isinstance(init, dict):
            raise _fail(path, "the initial w and b are missing")
        data, name = None, ""
        if saved.get("version") == MODEL_VERSION:
            described = saved.get("data")
            data = _data_spec(described, path)
            name = described.get("name", "") if isinstance(described, dict) else ""
            name = "" if not isinstance(name, str) else name[:80]
        return cls(
            w=_checked_number(saved.get("w"), path, "w"),
            b=_checked_number(saved.get("b"), path, "b"),
            epoch=_whole(saved.get("epoch"), path, "epoch"),
            w0=_checked_number(init.get("w"), path, "initial w", magnitude=params.MAX_MAGNITUDE),
            b0=_checked_number(init.get("b"), path, "initial b", magnitude=params.MAX_MAGNITUDE),
            hyper=params.Hyperparameters(**_hyperparameters(saved.get("hyperparameters"), path)),
            data=data,
            data_name=name,
        )

    def as_dict(self) -> dict[str, Any]:
        """What ``Session.adopt_model`` takes."""
        return {
            "w": self.w,
            "b": self.b,
            "epoch": self.epoch,
            "init": {"w": self.w0, "b": self.b0},
            "hyperparameters": dataclasses.asdict(self.hyper),
        }

    def training_data(self, path: object) -> DataSet:
        """The data the model was trained on, read again (a preset, or its CSV file); PersistError
        naming the model file ``path`` if it cannot be (the CSV was moved, say)."""
        from nanoneuron_tui.core.data import DataError, build_data

        try:
            return build_data(self.data or DataSpec())
        except DataError as problem:
            raise PersistError(f"{path}: the data it was trained on cannot be loaded: {problem}") from None

    def data_mismatch(self, current: DataSpec) -> str | None:
        """Why this model does not belong to ``current`` data, in words; None if it does."""
        if self.data is None or self.data == current:
            return None
        what = self.data_name or (self.data.csv or f"preset {self.data.preset}")
        return f"the model was trained on {what}, other data than this"


def save_model(
    path: str | os.PathLike[str],
    *,
    w: float,
    b: float,
    epoch: int,
    init: tuple[float, float],
    hyper: params.Hyperparameters,
    data: DataSet | None = None,
) -> None:
    """A neuron: w, b, the epoch, the hyperparameters that got it there and (a DataSet) its data."""
    SavedModel(
        w=w,
        b=b,
        epoch=epoch,
        w0=init[0],
        b0=init[1],
        hyper=hyper,
        data=None if data is None else data.spec,
        data_name="" if data is None else data.name,
    ).save(path)


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """A saved model, checked (see SavedModel)."""
    return SavedModel.load(path)


# -- cost history --------------------------------------------------------------


def history_size(epochs: int) -> int:
    """About how many bytes a CSV of ``epochs`` rows of epoch, cost and test cost takes (a generous guess)."""
    return epochs * (len(str(epochs)) + 2 * 24 + 3)


def check_history_size(epochs: int, limit: int = DEFAULT_HISTORY_LIMIT) -> None:
    size = history_size(epochs)
    if size > limit:
        raise PersistError(
            f"a history of {epochs:,} epochs would take about {params.format_size(size)}, "
            f"over the limit of {params.format_size(limit)} (raise it with --history-limit SIZE)"
        )


class ExportCancelled(Exception):
    """An export stopped before its end (the app is quitting): nothing was written."""


EXPORT_CHECK_ROWS = 10_000  # rows between looks at whether the export is still wanted: milliseconds


def export_history(
    session: Session,
    path: str | os.PathLike[str],
    limit: int = DEFAULT_HISTORY_LIMIT,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    track: Callable[[Path], AbstractContextManager[object]] | None = None,
) -> int:
    """Write the cost of every epoch of the run up to the one on screen, as CSV
    (epoch, training cost, test cost), recomputed exactly; returns the rows written.

    A long run takes seconds: once ``cancelled()`` is true the export stops within
    EXPORT_CHECK_ROWS rows and raises ExportCancelled, its temporary file removed
    (``track``: see atomic_writer)."""
    view = session.view()
    run, first, stop = view.run, view.run.first_epoch, view.epoch + 1
    check_history_size(stop - first, limit)
    rows = 0
    try:
        _make_room_for(path)
        with atomic_writer(path, track) as file:
            file.write("epoch,cost,test_cost\n")
            for epoch in range(first, stop):
                if rows % EXPORT_CHECK_ROWS == 0 and cancelled():
                    raise ExportCancelled(f"the export to {path} was cancelled")
                test_cost = run.test_cost(epoch)
                file.write(f"{epoch},{run.cost(epoch)!r},{'' if test_cost is None else repr(test_cost)}\n")
                rows += 1
    except OSError as problem:
        raise PersistError(f"cannot write {path}: {problem.strerror or problem}") from None
    return rows
