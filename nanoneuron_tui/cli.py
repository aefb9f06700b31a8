"""Command line: ``nanoneuron`` opens the app, ``nanoneuron train`` trains headless.

The headless path imports neither Textual nor plotext: scripts start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nanoneuron_tui import params
from nanoneuron_tui.core.data import PRESETS, DataError, DataSet, DataSpec, build_data
from nanoneuron_tui.core.trainer import Progress, Trainer, max_stable_alpha
from nanoneuron_tui.persist import PersistError, atomic_writer, save_model

EXIT_USAGE = 2
EXIT_DIVERGED = 3
REPORT_CHUNK = 10_000  # epochs per chunk when no --every is asked for


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line: what is wrong and where to look."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


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
    group.add_argument("--epochs", type=_checked(params.parse_epochs), default=default(params.DEFAULT_EPOCHS),
                       help=f"how many times to adjust w and b (default {params.DEFAULT_EPOCHS})")
    group.add_argument("--alpha", type=_checked(params.parse_alpha), default=default(params.DEFAULT_ALPHA),
                       help=f"learning rate: the size of each adjustment (default {params.DEFAULT_ALPHA})")
    group.add_argument("--w0", type=_checked(lambda t: params.parse_weight(t, "w0")), default=default(None),
                       help="initial w (default: random in [0, 1))")
    group.add_argument("--b0", type=_checked(lambda t: params.parse_weight(t, "b0")), default=default(None),
                       help="initial b (default: random in [0, 1))")
    group.add_argument("--seed", type=_checked(params.parse_seed), default=default(None),
                       help="seed for the random initial w and b, to repeat a run")
    data = parser.add_argument_group("data")
    data.add_argument("--preset", choices=sorted(PRESETS), default=default("c2f"),
                      help="a linear unit conversion to learn (default c2f: the article's Celsius to Fahrenheit)")
    data.add_argument("--data", metavar="FILE.csv", default=default(None),
                      help="learn from your own data: two numeric columns x,y, header optional")
    data.add_argument("--noise", type=_checked(params.parse_noise), default=default(0.0), metavar="SIGMA",
                      help="add Gaussian noise of this standard deviation to y")
    data.add_argument("--noise-seed", type=_checked(params.parse_seed), default=default(0), metavar="S",
                      help="seed for the noise, to repeat it (default 0)")
    data.add_argument("--test-ratio", type=_checked(params.parse_test_ratio), default=default(None), metavar="R",
                      help="hold out this share of the points, shuffled, for testing "
                           "(default: the preset's fixed split; 0.2 for a file)")
    data.add_argument("--split-seed", type=_checked(params.parse_seed), default=default(0), metavar="S",
                      help="seed for the shuffle before the split (default 0)")
    data.add_argument("--normalize", action="store_true", default=default(False),
                      help="train on standardized x (w and b are still shown in the data's units)")


def data_from_args(args: argparse.Namespace) -> DataSet:
    """The data set the flags describe; raises DataError with one clear line."""
    return build_data(DataSpec(
        preset=args.preset, csv=args.data, noise=args.noise, noise_seed=args.noise_seed,
        test_ratio=args.test_ratio, split_seed=args.split_seed, normalize=args.normalize,
    ))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nanoneuron",
        description="Watch one neuron learn to convert Celsius to Fahrenheit by gradient descent.",
    )
    _add_training_flags(parser)
    app = parser.add_argument_group("app")
    app.add_argument("--every", type=_checked(params.parse_every), default=params.DEFAULT_EVERY,
                     help="epochs between screen updates (default %(default)s)")
    app.add_argument("--pace", type=_checked(params.parse_pace), default=params.DEFAULT_PACE,
                     help='reports per second, or "max" (default 20)')
    app.add_argument("--run", action="store_true", help="start training at once instead of paused")
    app.add_argument("--resume", action="store_true",
                     help="carry on where the last session stopped (saved on quit and on hang-up)")
    app.add_argument("--state", metavar="FILE",
                     help="the session file to save to and resume from (default: the platform's state directory)")
    app.add_argument("--load-model", metavar="FILE", help="start from a model saved as JSON")
    app.add_argument("--fps", type=_checked(params.parse_fps), default=None,
                     help="screen updates per second while training (default 8, or 4 over SSH)")
    # Set by `nanoneuron serve` for each client: typed file names stay inside this directory.
    app.add_argument("--confine", metavar="DIR", help=argparse.SUPPRESS)

    commands = parser.add_subparsers(dest="command", metavar="{train,serve}")
    train = commands.add_parser(
        "train",
        help="train without the app and print the report",
        description="Train NanoNeuron headless and print what the original program prints.",
    )
    _add_training_flags(train, inherit=True)
    train.add_argument("--every", type=_checked(params.parse_every), default=None,
                       help="print a progress line (to stderr) every N epochs")
    train.add_argument("--predict", type=_checked(lambda t: params.parse_x(t, "X")),
                       default=params.DEFAULT_PREDICT, metavar="X",
                       help="the x to ask about at the end, in the data's units (default 70)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    train.add_argument("--history", metavar="FILE.csv",
                       help="write the cost of every epoch to this CSV file (epoch,cost)")
    train.add_argument("--save-model", metavar="FILE",
                       help="save the trained model (w, b, epoch, hyperparameters) as JSON")
    serve = commands.add_parser(
        "serve", add_help=False,
        help="serve the app to a class: `serve ssh` (an SSH server) or `serve web` (a browser tab each)",
    )
    serve.add_argument("serve_args", nargs=argparse.REMAINDER)
    return parser


def _number(value: float) -> str:
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
    w0: float
    b0: float
    cost_before: float
    cost_after: float
    last: Progress
    x: float

    @property
    def w_b(self) -> tuple[float, float]:
        """The trained neuron in the data's units."""
        return self.data.from_training(self.last.w, self.last.b)

    @property
    def prediction(self) -> float:
        w, b = self.w_b
        return self.x * w + b

    @property
    def correct(self) -> float:
        w, b = self.data.target
        return self.x * w + b

    def as_json(self) -> dict[str, object]:
        # JSON has no inf or NaN; a number that overflowed is reported as null.
        return {key: (None if isinstance(value, float) and not math.isfinite(value) else value)
                for key, value in self._fields().items()}

    def _fields(self) -> dict[str, object]:
        return {
            "cost_before": self.cost_before,
            "cost_after": self.cost_after,
            "w": self.w_b[0],
            "b": self.w_b[1],
            "test_cost": self.last.test_cost,
            "celsius": self.x,
            "x": self.x,
            "prediction": self.prediction,
            "correct": self.correct,
            "epochs_run": self.last.epoch,
            "status": "diverged" if self.last.diverged else "finished",
            "diverged_at": self.last.diverged_at,
            "epochs": self.hyper.epochs,
            "alpha": self.hyper.alpha,
            "w0": self.w0,
            "b0": self.b0,
            "seed": self.hyper.seed,
            "max_stable_alpha": max_stable_alpha(self.data.training_fits[0]),
            "data": self.data.describe(),
        }

    def as_text(self) -> str:
        lines = [
            f"Initial parameters: {{ w: {_number(self.w0)}, b: {_number(self.b0)} }}"
            + (f" (seed {self.hyper.seed})" if self.hyper.w0 is None or self.hyper.b0 is None else ""),
            f"Cost before the training: {_number(self.cost_before)}",
            f"Cost after the training: {_number(self.cost_after)}",
            f"NanoNeuron parameters: {{ w: {_number(self.w_b[0])}, b: {_number(self.w_b[1])} }}",
        ]
        if self.last.test_cost is not None:
            lines.append(f"Cost on new testing data: {_number(self.last.test_cost)}")
        unit = self.data.x_label if self.data.x_label.startswith("°") else f" {self.data.x_label}"
        lines += [
            f'NanoNeuron "thinks" that {_number(self.x)}{unit} in {self.data.y_name} is: {_number(self.prediction)}',
            ("Correct answer is: " if self.data.rule else "The least-squares line says: ") + _number(self.correct),
        ]
        return "\n".join(lines)


def divergence_message(diverged_at: int, alpha: float, data: DataSet) -> str:
    limit = max_stable_alpha(data.training_fits[0])
    return (
        f"Training diverged at epoch {diverged_at}: alpha {_number(alpha)} is too large, "
        f"every step overshoots and the cost explodes. Try a smaller alpha "
        f"(below {limit:.3g} converges on this data)."
    )


def train_headless(args: argparse.Namespace) -> int:
    hyper = params.Hyperparameters(
        epochs=args.epochs, alpha=args.alpha, w0=args.w0, b0=args.b0, seed=args.seed
    ).with_seed()
    try:
        data = data_from_args(args)
    except DataError as problem:
        print(f"nanoneuron: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    w0, b0 = hyper.initial_neuron()
    train_fit, test_fit = data.training_fits
    trainer = Trainer(train_fit, *data.to_training(w0, b0), hyper.alpha, test=test_fit)
    last = trainer.progress()
    cost_before = cost_after = last.cost

    try:
        with contextlib.ExitStack() as files:
            history = files.enter_context(atomic_writer(args.history)) if args.history else None
            if history:
                history.write("epoch,cost\n")
            for last in trainer.reports(hyper.epochs, args.every or REPORT_CHUNK):
                if last.costs:
                    if last.first_epoch == 0:
                        cost_before = last.costs[0]
                    cost_after = last.costs[-1]
                if history:
                    history.writelines(f"{e},{c!r}\n" for e, c in enumerate(last.costs, last.first_epoch))
                if args.every:
                    w, b = data.from_training(last.w, last.b)
                    print(f"epoch {last.epoch}/{hyper.epochs}  cost {last.cost:.6g}  "
                          f"w {w:.6g}  b {b:.6g}", file=sys.stderr)
    except OSError as problem:
        print(f"nanoneuron: error: cannot write {args.history}: {problem.strerror or problem}", file=sys.stderr)
        return EXIT_USAGE

    if args.save_model:
        try:
            w, b = data.from_training(last.w, last.b)
            save_model(args.save_model, w=w, b=b, epoch=last.epoch, init=(w0, b0), hyper=hyper)
        except PersistError as problem:
            print(f"nanoneuron: error: {problem}", file=sys.stderr)
            return EXIT_USAGE

    report = Report(hyper, data, w0, b0, cost_before, cost_after, last, args.predict)
    print(json.dumps(report.as_json(), allow_nan=False) if args.json else report.as_text())
    if last.diverged_at is not None:
        print(divergence_message(last.diverged_at, hyper.alpha, data), file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "train":
        return train_headless(args)
    if args.command == "serve":
        from nanoneuron_tui.serve.command import main as serve  # only a server pays for asyncssh

        return serve(args.serve_args)
    from nanoneuron_tui.app import run_app  # only the app pays for Textual

    return run_app(args)
