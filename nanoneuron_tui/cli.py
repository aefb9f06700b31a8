"""Command line: ``nanoneuron`` opens the app, ``nanoneuron train`` trains headless.

The headless path imports neither Textual nor plotext: scripts start fast.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nanoneuron_tui import exit_codes, headless_output, lifecycle, params, startup
from nanoneuron_tui.core.data import PRESETS, DataError, DataSet, DataSpec, build_data
from nanoneuron_tui.core.neuron import NanoNeuron
from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.core.run import Moment, Run
from nanoneuron_tui.paths import as_seen_from

if TYPE_CHECKING:
    from nanoneuron_tui.persist import SavedModel
    from nanoneuron_tui.session import Session

EXIT_USAGE = exit_codes.USAGE
EXIT_DIVERGED = exit_codes.DIVERGED
LESSON_SEED = 1  # --lesson: everyone in the room starts from w 0.1343642, b 0.8474337


# A negative number in any spelling our parsers accept (-1e5, -.5): argparse's own
# pattern misses exponents, so `--w0 -1e5` would read -1e5 as an unknown option.
_NEGATIVE_NUMBER = re.compile(r"^-(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_GIVEN = "given_"  # prefix of the attributes that record which flags were typed


class _Store(argparse.Action):
    """``store``, remembering that the flag was given (a default is not a choice)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, _GIVEN + self.dest, True)


class _StoreTrue(_Store):
    def __init__(self, option_strings, dest, default=False, required=False, help=None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, required=required, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        super().__call__(parser, namespace, True, option_string)


def given(args: argparse.Namespace, dest: str) -> bool:
    """Whether the flag that sets ``dest`` was typed on the command line."""
    return getattr(args, _GIVEN + dest, False)


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line: what is wrong and where to look."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _Store)
        self.register("action", "store", _Store)
        self.register("action", "store_true", _StoreTrue)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse echoes what was typed: an escape code in it is shown, never sent.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see --help)\n")


def _checked(parse: Callable[[str], object]) -> Callable[[str], object]:
    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as problem:
            raise argparse.ArgumentTypeError(str(problem)) from None

    return convert


def _add_training_flags(parser: argparse.ArgumentParser, inherit: bool = False) -> None:
    """The flags the app and `train` share. With ``inherit``, a flag not given keeps the
    value given before the subcommand (`nanoneuron --epochs 5 train` trains 5 epochs)."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if inherit else value

    group = parser.add_argument_group("training")
    group.add_argument(
        "--epochs",
        type=_checked(params.parse_epochs),
        default=default(params.DEFAULT_EPOCHS),
        help=f"how many times to adjust w and b (default {params.DEFAULT_EPOCHS})",
    )
    group.add_argument(
        "--alpha",
        type=_checked(params.parse_alpha),
        default=default(params.DEFAULT_ALPHA),
        help=f"learning rate: the size of each adjustment (default {params.DEFAULT_ALPHA})",
    )
    group.add_argument(
        "--w0",
        type=_checked(lambda t: params.parse_weight(t, "w0")),
        default=default(None),
        help="initial w (default: random in [0, 1))",
    )
    group.add_argument(
        "--b0",
        type=_checked(lambda t: params.parse_weight(t, "b0")),
        default=default(None),
        help="initial b (default: random in [0, 1))",
    )
    group.add_argument(
        "--seed",
        type=_checked(params.parse_seed),
        default=default(None),
        help="seed for the random initial w and b, to repeat a run",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=default(None),
        help="a linear unit conversion to learn (default c2f: the article's Celsius to Fahrenheit)",
    )
    data.add_argument(
        "--data",
        metavar="FILE.csv",
        default=default(None),
        help="learn from your own data: two numeric columns x,y, header optional",
    )
    data.add_argument(
        "--noise",
        type=_checked(params.parse_noise),
        default=default(0.0),
        metavar="SIGMA",
        help="add Gaussian noise of this standard deviation to y",
    )
    data.add_argument(
        "--noise-seed",
        type=_checked(params.parse_seed),
        default=default(0),
        metavar="S",
        help="seed for the noise, to repeat it (default 0)",
    )
    data.add_argument(
        "--test-ratio",
        type=_checked(params.parse_test_ratio),
        default=default(None),
        metavar="R",
        help="hold out this share of the points, shuffled, for testing "
        "(default: the preset's fixed split; 0.2 for a file)",
    )
    data.add_argument(
        "--split-seed",
        type=_checked(params.parse_seed),
        default=default(0),
        metavar="S",
        help="seed for the shuffle before the split (default 0)",
    )
    data.add_argument(
        "--normalize",
        action="store_true",
        default=default(False),
        help="train on standardized x (w and b are still shown in the data's units)",
    )


def data_from_args(args: argparse.Namespace) -> DataSet:
    """The data set the flags describe; raises DataError with one clear line."""
    return build_data(
        DataSpec(
            preset=args.preset or "c2f",
            csv=args.data,
            noise=args.noise,
            noise_seed=args.noise_seed,
            test_ratio=args.test_ratio,
            split_seed=args.split_seed,
            normalize=args.normalize,
        )
    )


def data_for_model(args: argparse.Namespace, model: SavedModel | None) -> DataSet:
    """The data to start the app with: the flags', or the loaded model's own.

    A model's w and b are in the units of the data it was trained on; with no
    data flags the app uses that data, and data flags naming other data are an error.
    """
    if model is None or model.data is None:
        return data_from_args(args)
    if not any(given(args, dest) for dest in DATA_FLAGS):
        return model.training_data(args.load_model)
    data = data_from_args(args)
    mismatch = model.data_mismatch(data.spec)
    if mismatch:
        raise DataError(f"{args.load_model}: {mismatch}; drop the data flags to use its data")
    return data


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nanoneuron",
        description="Watch one neuron learn to convert Celsius to Fahrenheit by gradient descent.",
    )
    _add_training_flags(parser)
    app = parser.add_argument_group("app")
    app.add_argument(
        "--every",
        type=_checked(params.parse_every),
        default=params.DEFAULT_EVERY,
        help="epochs between screen updates (default %(default)s)",
    )
    app.add_argument(
        "--pace",
        type=_checked(params.parse_pace),
        default=params.DEFAULT_PACE,
        help='reports per second, or "max" (default 20)',
    )
    app.add_argument("--run", action="store_true", help="start training at once instead of paused")
    app.add_argument(
        "--lesson",
        action="store_true",
        help="a classroom start: Epoch explained open, paused at epoch 0, "
        "the same start for everyone (seed 1) unless --w0, --b0 or --seed say otherwise",
    )
    app.add_argument(
        "--resume", action="store_true", help="carry on where the last session stopped (saved on quit and on hang-up)"
    )
    app.add_argument(
        "--state",
        metavar="FILE",
        help="the session file to save to and resume from (default: the platform's state directory)",
    )
    app.add_argument("--load-model", metavar="FILE", help="start from a model saved as JSON")
    app.add_argument(
        "--fps",
        type=_checked(params.parse_fps),
        default=None,
        help="screen updates per second while training (default 8, or 4 over SSH)",
    )
    app.add_argument(
        "--ascii", action="store_true", help="draw with plain ASCII only (automatic with TERM=linux, the Linux console)"
    )
    app.add_argument(
        "--projector", action="store_true", help="show w, b and the cost in large digits (needs about 150 columns)"
    )
    app.add_argument(
        "--challenge", metavar="NAME", help="start a practice challenge (docs/practice.md); list: list them"
    )
    # Set by `nanoneuron serve` for each client: typed file names stay inside this directory.
    app.add_argument("--confine", metavar="DIR", help=argparse.SUPPRESS)

    commands = parser.add_subparsers(dest="command", metavar="{train,serve}")
    train = commands.add_parser(
        "train",
        help="train without the app and print the report",
        description="Train NanoNeuron headless and print what the original program prints.",
    )
    _add_training_flags(train, inherit=True)
    train.add_argument(
        "--every",
        dest="progress_every",
        type=_checked(params.parse_every),
        default=None,
        help="print a progress line (to stderr) every N epochs",
    )
    train.add_argument(
        "--predict",
        type=_checked(lambda t: params.parse_x(t, "X")),
        default=params.DEFAULT_PREDICT,
        metavar="X",
        help="the x to ask about at the end, in the data's units (default 70)",
    )
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    train.add_argument(
        "--history",
        metavar="FILE.csv",
        help="write the cost of every epoch to this CSV file (epoch,cost); "
        "- streams it to standard output (the report then goes to standard error)",
    )
    train.add_argument(
        "--history-limit",
        type=_checked(params.parse_size),
        default=None,
        metavar="SIZE",
        help="refuse a --history file larger than this (default 1GB; e.g. 5GB, 200MB)",
    )
    train.add_argument(
        "--save-model", metavar="FILE", help="save the trained model (w, b, epoch, hyperparameters) as JSON"
    )
    train.add_argument(
        "--session",
        metavar="FILE",
        help="train nothing: report a saved session where it stands, with its guesses and challenge results",
    )
    serve = commands.add_parser(
        "serve",
        add_help=False,
        help="serve the app to a class: `serve ssh` (an SSH server) or `serve web` (a browser tab each)",
    )
    serve.add_argument("serve_args", nargs=argparse.REMAINDER)
    return parser


def js_number(value: float) -> str:
    """Numbers as JavaScript prints them, so the report reads like the original's."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent):+d}"
    return text


@dataclass
class Report:
    hyper: params.Hyperparameters
    data: DataSet
    run: Run
    last: Moment  # where training stopped
    x: float

    @property
    def diverged_at(self) -> int | None:
        return self.last.epoch if self.run.diverged_at == self.last.epoch else None

    @property
    def cost_before(self) -> float:
        return self.run.cost(self.run.first_epoch)

    @property
    def cost_after(self) -> float:
        """The article's "cost after the training": costHistory[epochs - 1], measured
        before the last update (for a run that blew up, the blow-up's cost)."""
        last = self.last.epoch
        return self.run.cost(last if self.diverged_at is not None else max(last - 1, self.run.first_epoch))

    @property
    def prediction(self) -> float:
        return NanoNeuron(self.last.w, self.last.b).predict(self.x)

    @property
    def correct(self) -> float:
        return NanoNeuron(*self.data.target).predict(self.x)

    def as_json(self) -> dict[str, object]:
        # JSON has no inf or NaN; a number that overflowed is reported as null.
        return {
            key: (None if isinstance(value, float) and not math.isfinite(value) else value)
            for key, value in self._fields().items()
        }

    def _fields(self) -> dict[str, object]:
        return {
            "cost_before": self.cost_before,
            "cost_after": self.cost_after,
            "final_cost": self.last.cost,
            "w": self.last.w,
            "b": self.last.b,
            "test_cost": self.last.test_cost,
            "celsius": self.x,
            "x": self.x,
            "prediction": self.prediction,
            "correct": self.correct,
            "epochs_run": self.last.epoch,
            "status": "diverged" if self.diverged_at is not None else "finished",
            "diverged_at": self.diverged_at,
            "epochs": self.hyper.epochs,
            "alpha": self.hyper.alpha,
            "w0": self.run.w0,
            "b0": self.run.b0,
            "seed": self.hyper.seed,
            "max_stable_alpha": self.run.max_stable_alpha,
            "data": self.data.describe(),
        }

    def as_text(self) -> str:
        random_start = self.hyper.w0 is None or self.hyper.b0 is None
        lines = [
            f"Initial parameters: {{ w: {js_number(self.run.w0)}, b: {js_number(self.run.b0)} }}"
            + (f" (seed {self.hyper.seed})" if random_start else ""),
            f"Cost before the training: {js_number(self.cost_before)}",
            f"Cost after the training: {js_number(self.cost_after)}",
            f"Cost at the end (epoch {self.last.epoch}): {js_number(self.last.cost)}",
            f"NanoNeuron parameters: {{ w: {js_number(self.last.w)}, b: {js_number(self.last.b)} }}",
        ]
        if self.last.test_cost is not None:
            lines.append(f"Cost on new testing data: {js_number(self.last.test_cost)}")
        unit = self.data.x_label if self.data.x_label.startswith("°") else f" {self.data.x_label}"
        thinks = f'NanoNeuron "thinks" that {js_number(self.x)}{unit} in {self.data.y_name} is: '
        lines += [
            thinks + js_number(self.prediction),
            ("Correct answer is: " if self.data.rule else "The least-squares line says: ") + js_number(self.correct),
        ]
        return "\n".join(lines)


def divergence_message(diverged_at: int, alpha: float, run: Run) -> str:
    return (
        f"Training diverged at epoch {diverged_at}: alpha {js_number(alpha)} is too large, "
        f"every step overshoots and the cost explodes. Try a smaller alpha "
        f"({run.alpha_advice})."
    )


def _error(problem: object) -> int:
    """A bad argument or file, said in one line: nothing was done (exit code 2)."""
    _say_error(problem)
    return exit_codes.USAGE


def _failed(problem: object) -> int:
    """Something asked for could not be written, said in one line (exit code 1)."""
    _say_error(problem)
    return exit_codes.FAILED


def _say_error(problem: object) -> None:
    # Messages name files and echo values from outside: one line, and nothing in it acts on the terminal.
    headless_output.say(f"nanoneuron: error: {printable(str(problem))}")


def _check_folder(target: Path, given: str) -> None:
    """PersistError unless the folder ``target`` is to be written in exists."""
    from nanoneuron_tui.persist import PersistError

    if not target.parent.is_dir():
        raise PersistError(f"cannot write {given}: the folder {target.parent} does not exist")


def train_headless(args: argparse.Namespace) -> int:
    """Train, write what was asked for, and say how it went (the exit code). A failed write
    raises headless_output.PipeClosed or WriteFailed (see headless_output: main ends on them)."""
    history_to_stdout = args.history == "-"  # persist.STANDARD_OUTPUT, without importing persist
    # With the history on standard output, the report goes beside it, to standard error.
    report_to: headless_output.Stream = "stderr" if history_to_stdout else "stdout"
    for needed in {report_to, "stdout"} if history_to_stdout else {report_to}:
        headless_output.stream(needed)  # closed (>&-): said now, before any work is done
    hyper = params.Hyperparameters(
        epochs=args.epochs, alpha=args.alpha, w0=args.w0, b0=args.b0, seed=args.seed
    ).with_seed()
    try:
        data = data_from_args(args)
    except DataError as problem:
        return _error(problem)
    run = Run(data, *hyper.initial_neuron(), hyper.alpha)
    # Training is the run's closed form: reaching the last epoch costs what reaching the first does.
    end = run.last_epoch(hyper.epochs)

    if args.save_model or args.history:
        from nanoneuron_tui import persist  # files only: a plain run starts without it

    if args.save_model:
        try:
            persist.replaceable_target(args.save_model)  # refuse a device or FIFO before training, not after
        except persist.PersistError as problem:
            return _error(problem)

    if args.history:
        # The costs written: every epoch trained, and the blow-up's if it blew up.
        written = end + 1 if run.diverged_at == end else end
        target = headless_output.NAMES["stdout"] if history_to_stdout else args.history
        # What can be known before writing is a bad argument (exit 2): too large, the wrong
        # kind of file, a folder that is not there. A failure while writing is exit 1.
        try:
            persist.check_history_size(written, args.history_limit or persist.DEFAULT_HISTORY_LIMIT)
            if not history_to_stdout:
                _check_folder(persist.replaceable_target(args.history), args.history)
        except persist.PersistError as problem:
            return _error(problem)
        with headless_output.writing(target), persist.output_writer(args.history) as history:
            history.write("epoch,cost\n")
            history.writelines(f"{epoch},{cost!r}\n" for epoch, cost in enumerate(run.costs(0, written)))

    if args.progress_every:
        for epoch in [*range(args.progress_every, end, args.progress_every), end]:
            w, b = run.neuron(epoch)
            line = f"epoch {epoch}/{hyper.epochs}  cost {run.cost(epoch):.6g}  w {w:.6g}  b {b:.6g}"
            headless_output.write("stderr", line + "\n")

    last = run.at(end)
    if args.save_model:
        try:
            persist.save_model(
                args.save_model, w=last.w, b=last.b, epoch=last.epoch, init=(run.w0, run.b0), hyper=hyper, data=data
            )
        except persist.PersistError as problem:  # the target was checked before training: the write failed
            return _failed(problem)

    report = Report(hyper, data, run, last, args.predict)
    if args.json:
        import json

        headless_output.write(report_to, json.dumps(report.as_json(), allow_nan=False) + "\n")
    else:
        headless_output.write(report_to, report.as_text() + "\n")
    if report.diverged_at is not None:
        headless_output.write("stderr", divergence_message(report.diverged_at, hyper.alpha, run) + "\n")
        return exit_codes.DIVERGED
    return exit_codes.OK


def build_session(args: argparse.Namespace) -> Session:
    """The session the flags describe: resumed, from a saved model, or new. Raises
    PersistError or DataError with one clear line, before anything of the app is loaded."""
    from nanoneuron_tui import persist
    from nanoneuron_tui.session import Session

    if args.resume:
        return persist.load_session(args.state_path)
    model = persist.load_model(args.load_model) if args.load_model else None
    hyper = params.Hyperparameters(
        epochs=args.epochs,
        alpha=args.alpha,
        every=args.every,
        w0=args.w0,
        b0=args.b0,
        seed=LESSON_SEED if args.lesson and args.seed is None else args.seed,
        pace=args.pace,
    )
    session = Session(hyper, data_for_model(args, model))
    if model is not None:
        session.adopt_model(model.as_dict())
    return session


def start_challenge(session: Session, name: str | None) -> None:
    if name:
        session.set_practice(session.practice.start(name))


def open_app(args: argparse.Namespace) -> int:
    # First of all, before any thread exists: stop signals go to the watch's own thread.
    watch = lifecycle.SignalWatch(lifecycle.Terminal.of_this_process())
    watch.start()
    startup.hold_collection()  # until the app is up: the app resumes it
    from nanoneuron_tui import persist
    from nanoneuron_tui.session_file import SessionFile, SessionFileInUse, first_fresh_path

    def error(problem: object) -> int:
        # Served, a student is told file names relative to their folder, never the server's paths.
        return _error(as_seen_from(args.confine, problem) if args.confine else problem)

    args.state_path = Path(args.state) if args.state else persist.default_state_path()
    try:
        # One owner per session file: a second instance resumes nothing and saves elsewhere.
        if args.resume:
            session_file = SessionFile.claim(args.state_path, resuming=True)
        else:
            session_file = SessionFile.claim_or_fresh(args.state_path)
    except SessionFileInUse as in_use:
        return error(f"{in_use}; quit it first, or start a fresh session with --state {first_fresh_path(in_use.path)}")
    except persist.PersistError as problem:  # a directory, a device, a FIFO: refused before anything is written
        return error(problem)
    except OSError as problem:
        return error(f"cannot use {args.state_path}: {problem.strerror or problem}")
    args.state_path = session_file.path  # where a symlink given as --state leads
    if args.confine:
        session_file.served_in = Path(args.confine)
    try:
        session = build_session(args)
        start_challenge(session, args.challenge)
    except (persist.PersistError, DataError) as problem:
        session_file.release()
        return error(problem)
    from nanoneuron_tui.app import run_app  # only the app pays for Textual

    return run_app(
        session,
        session_file=session_file,
        watch=watch,
        run=args.run,
        lesson=args.lesson,
        fps=args.fps,
        ascii_only=args.ascii,
        projector=args.projector,
        confine=Path(args.confine) if args.confine else None,
    )


DATA_FLAGS = {
    "preset": "--preset",
    "data": "--data",
    "noise": "--noise",
    "noise_seed": "--noise-seed",
    "test_ratio": "--test-ratio",
    "split_seed": "--split-seed",
    "normalize": "--normalize",
}
HYPERPARAMETER_FLAGS = {
    "epochs": "--epochs",
    "alpha": "--alpha",
    "w0": "--w0",
    "b0": "--b0",
    "seed": "--seed",
    "every": "--every",
    "pace": "--pace",
}
APP_FLAGS = {
    "every": "--every",
    "pace": "--pace",
    "run": "--run",
    "resume": "--resume",
    "state": "--state",
    "load_model": "--load-model",
    "fps": "--fps",
    "lesson": "--lesson",
    "projector": "--projector",
    "ascii": "--ascii",
    "challenge": "--challenge",
}
FILE_FLAGS = {
    "data": "--data",
    "state": "--state",
    "load_model": "--load-model",
    "history": "--history",
    "save_model": "--save-model",
    "session": "--session",
}


def conflict(args: argparse.Namespace) -> str | None:
    """What in the command line contradicts itself, in one line; None if nothing does.

    A flag that would be silently ignored is a mistake the person should hear about.
    """
    for dest, flag in FILE_FLAGS.items():
        if isinstance(getattr(args, dest, None), str) and not getattr(args, dest).strip():
            return f"{flag} needs a file name" + (" (or - for standard output)" if dest == "history" else "")
    if given(args, "data") and given(args, "preset"):
        return "--data and --preset both choose the data: give one of them"
    if args.command == "train":
        # Flags typed before `train` land in the app's parser; these mean nothing to `train`.
        for dest, flag in APP_FLAGS.items():
            if given(args, dest):
                hint = "; put it after 'train' for progress lines" if dest == "every" else ""
                return f"{flag} before 'train' is an app setting, not used by 'train'{hint}"
        return None
    if args.resume:
        for dest, flag in {"load_model": "--load-model", **DATA_FLAGS, **HYPERPARAMETER_FLAGS}.items():
            if given(args, dest):
                return (
                    f"--resume carries on the saved session with its own data and settings, "
                    f"so {flag} would be ignored: drop one of them"
                )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        # `serve` has a command line of its own (its --help included): it reads all that follows.
        from nanoneuron_tui.serve.command import main as serve  # only a server pays for asyncssh

        return serve(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = conflict(args)
    if problem:
        parser.error(problem)
    saved_report = args.command == "train" and args.session  # train --session FILE
    challenge = args.command is None and args.challenge is not None  # --challenge NAME|list
    if saved_report or challenge:
        from nanoneuron_tui.practice_cli import practice_command

        if (code := practice_command(args, parser.error)) is not None:
            return code
    if args.command == "train":
        # A stop signal unwinds the run: temporary files go, nothing half-written stays.
        try:
            with lifecycle.stop_signals_raise():
                return train_headless(args)
        except lifecycle.Stopped as stop:
            lifecycle.say(f"nanoneuron: stopped by {stop} before the end; no file was left half-written")
            return stop.code
        except headless_output.PipeClosed:
            headless_output.drop_unwritten()
            return exit_codes.PIPE_CLOSED
        except headless_output.WriteFailed as problem:
            code = _failed(problem)
            headless_output.drop_unwritten()
            return code
    if args.command == "serve":
        from nanoneuron_tui.serve.command import main as serve  # only a server pays for asyncssh

        return serve(args.serve_args)
    return open_app(args)
