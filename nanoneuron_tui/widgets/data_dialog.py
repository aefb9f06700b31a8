"""Choose what NanoNeuron learns from: a preset or your CSV, noise, the split, normalization."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static
from textual.worker import get_current_worker

from nanoneuron_tui import glyphs, params
from nanoneuron_tui.core.csv_data import LoadCancelled
from nanoneuron_tui.core.data import PRESETS, DataError, DataSet, DataSpec, build_data
from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.core.run import stable_alpha_advice
from nanoneuron_tui.core.trainer import max_stable_alpha
from nanoneuron_tui.paths import as_seen_from, confined
from nanoneuron_tui.widgets import Parses, blank_or, stop_blinking

FIELDS = {
    # id: (label, parser, placeholder)
    "noise": ("noise σ on y", params.parse_noise, ""),
    "noise-seed": ("noise seed", params.parse_seed, ""),
    "test-ratio": ("test ratio", blank_or(params.parse_test_ratio), "the preset's split"),
    "split-seed": ("split seed", params.parse_seed, ""),
}


class PlainCheckbox(Checkbox):
    """On and off unmistakable without colour: ▐X▌ when on, an empty ▐ ▌ when off.

    (Textual's own shows the X either way, only dimmed when off.)
    """

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 -- the name Checkbox reads
        return "X" if self.value else " "


class DataDialog(ModalScreen[DataSet | None]):
    """Returns the new data set, built and checked, or None if cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, spec: DataSpec, confine=None) -> None:
        super().__init__()
        self.spec = spec
        self.confine = confine  # a served session reads CSV files from its own directory only

    def compose(self) -> ComposeResult:
        spec = self.spec
        values = {
            "noise": f"{spec.noise:g}",
            "noise-seed": str(spec.noise_seed),
            "test-ratio": "" if spec.test_ratio is None else f"{spec.test_ratio:g}",
            "split-seed": str(spec.split_seed),
        }
        with Vertical(id="data-dialog"):
            yield Label("[b]Data[/]: what NanoNeuron learns from")
            with Horizontal(classes="field"):
                yield Label("preset", classes="field-label")
                yield Select(
                    [(f"{preset.name} ({preset.x_label} → {preset.y_label})", key) for key, preset in PRESETS.items()],
                    value=spec.preset,
                    allow_blank=False,
                    id="data-preset",
                    compact=True,
                )
            with Horizontal(classes="field"):
                yield Label("or CSV file", classes="field-label")
                yield Input(
                    value=printable(self._csv_in_use()),  # a field draws what it holds: escape codes too
                    placeholder="x,y rows; blank for the preset",
                    id="data-csv",
                    max_length=params.MAX_PATH_CHARS,
                )
            for field_id, (label, parse, placeholder) in FIELDS.items():
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield Input(
                        value=values[field_id],
                        placeholder=placeholder,
                        max_length=params.MAX_FIELD_CHARS,
                        validators=[Parses(parse)],
                        id=f"data-{field_id}",
                    )
            yield PlainCheckbox(
                "normalize x: train on (x − mean) / std", value=spec.normalize, id="data-normalize", compact=True
            )
            yield Static(id="data-message")
            with Horizontal(id="data-buttons"):
                yield Button("Use this data", variant="primary", id="data-apply", compact=True)
                yield Button("Cancel", id="data-cancel", compact=True)

    def on_mount(self) -> None:
        stop_blinking(self)
        self.query_one("#data-preset", Select).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "data-apply":
            self.apply()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _csv_in_use(self) -> str:
        """The CSV file in use, as the person at the keyboard named it: served, relative to
        their folder (a confined name, checked again on apply), else its path."""
        csv = self.spec.csv or ""
        return as_seen_from(self.confine, csv) if self.confine and csv else csv

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#data-{field_id}", Input).value

    def _parsed(self, field_id: str):
        _label, parse, _placeholder = FIELDS[field_id]
        return parse(self._value(field_id))

    def apply(self) -> None:
        message = self.query_one("#data-message", Static)
        try:
            csv = self._value("csv").strip() or None
            if self.spec.csv and csv == printable(self._csv_in_use()):
                csv = self._csv_in_use()  # the file in use, shown printably and left as it was
            if csv and self.confine:
                csv = str(confined(self.confine, csv))
            spec = DataSpec(
                preset=str(self.query_one("#data-preset", Select).value),
                csv=csv,
                noise=self._parsed("noise"),
                noise_seed=self._parsed("noise-seed"),
                test_ratio=self._parsed("test-ratio"),
                split_seed=self._parsed("split-seed"),
                normalize=self.query_one("#data-normalize", Checkbox).value,
            )
        except ValueError as problem:
            message.update(failure(problem))
            return
        message.update("Loading… (Esc cancels)")
        # A large file takes seconds to read: off the event loop, so the app stays live.
        # Leaving the dialog cancels the worker, and the reader stops at its next chunk.
        self.run_worker(lambda: self._load(spec), thread=True, exclusive=True, group="data-load")

    def _load(self, spec: DataSpec) -> None:
        worker = get_current_worker()
        try:
            outcome: DataSet | DataError = build_data(spec, cancelled=lambda: worker.is_cancelled)
        except LoadCancelled:
            return
        except DataError as problem:
            outcome = problem
        except (MemoryError, OSError) as problem:  # nothing the reader foresaw; say it, keep the app
            outcome = DataError(f"cannot load {spec.csv}: {type(problem).__name__}")
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, outcome)

    def _loaded(self, outcome: DataSet | DataError) -> None:
        if self.app.screen is not self:
            return  # cancelled while loading
        if isinstance(outcome, DataError):
            # Served, the file is named as the student typed it, not by the server's path.
            said = as_seen_from(self.confine, outcome) if self.confine else outcome
            self.query_one("#data-message", Static).update(failure(said))
        else:
            self.dismiss(outcome)


def failure(problem: object) -> Content:
    """A problem for the message line. It may quote a typed name or a file's content:
    inserted as printable text, never read as markup."""
    return Content.from_markup(f"[b red]{glyphs.FAIL}[/] $problem", problem=printable(str(problem)))


def stability_note(data: DataSet) -> str:
    """What a learner should know after switching data: which alphas converge."""
    return f"{data.name}: {stable_alpha_advice(max_stable_alpha(data.training_fits[0]))}"
