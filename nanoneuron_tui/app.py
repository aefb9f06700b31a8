"""The Textual app: watch NanoNeuron learn, pause it, step it, ask it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from nanoneuron_tui import exit_codes, glyphs, partial_updates, persist, startup, tolerant_input
from nanoneuron_tui.bindings import MAIN_SCREEN
from nanoneuron_tui.coach import Coach
from nanoneuron_tui.commands import NanoNeuronCommands
from nanoneuron_tui.core.data import DataError, DataSet
from nanoneuron_tui.core.lesson import EpochExplained, explain_epoch
from nanoneuron_tui.core.practice import CHALLENGES
from nanoneuron_tui.core.printable import printable
from nanoneuron_tui.core.run import Run, TooManySegments
from nanoneuron_tui.lifecycle import SignalWatch
from nanoneuron_tui.pacing import MAX_PACE_REPORTS, Playback, ReportClock
from nanoneuron_tui.params import parse_fps
from nanoneuron_tui.paths import ConfinementError, as_seen_from, confined
from nanoneuron_tui.serve import STUDENT_ENV
from nanoneuron_tui.session import Session, State, View
from nanoneuron_tui.session_file import Autosaver, SessionFile
from nanoneuron_tui.widgets import stop_blinking
from nanoneuron_tui.widgets.cost_plot import CostPlot, curves_of
from nanoneuron_tui.widgets.cost_slices import SlicesScreen
from nanoneuron_tui.widgets.cost_surface import CostSurfaceView, Ghost
from nanoneuron_tui.widgets.every_value import EveryValueScreen
from nanoneuron_tui.widgets.fit_view import FitView
from nanoneuron_tui.widgets.help import GuidePane, HelpScreen
from nanoneuron_tui.widgets.hyperparameters import HyperparameterForm
from nanoneuron_tui.widgets.key_bar import KeyBar
from nanoneuron_tui.widgets.lesson import EpochExplainedView, LessonPane, LessonScreen, RecentEpochs
from nanoneuron_tui.widgets.plotting import PlotWidget, import_plotting
from nanoneuron_tui.widgets.prediction import PredictionBox
from nanoneuron_tui.widgets.projector import Projector
from nanoneuron_tui.widgets.readouts import Readouts
from nanoneuron_tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from nanoneuron_tui.serve.assignment import Assignment

DEFAULT_FPS = 8  # training updates on screen per second
SSH_FPS = 4  # over SSH every byte crosses the link
TRAINING_BURST = 0.02  # seconds the trainer may hold the interpreter at a stretch...
BREATHER = 0.01  # ...before it sleeps this long, so the event loop gets its turn
MIN_SIZE = (60, 20)  # below this the panes cannot show their numbers
WIDE = 150  # columns from which every plot and the lesson have room beside the others
# Served to a class (`nanoneuron serve ssh`): a file holding this app's share of the class's
# frames a second, which the server lowers as the class grows (serve/frame_rate.py).
FRAME_RATE_FILE_ENV = "NANONEURON_FRAME_RATE_FILE"
FRAME_RATE_CHECK = 1.0  # seconds between looks at that file


class Trained(Message):
    """The worker trained some more: here is the whole picture."""

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view

    def can_replace(self, message: Message) -> bool:
        # Each report carries everything, so an unread older one can go.
        return isinstance(message, Trained)


class FrameRateGranted(Message):
    """The server of a class changed this app's share of the frames."""

    def __init__(self, fps: float) -> None:
        super().__init__()
        self.fps = fps


class PlottingImported(Message):
    """The plots can draw (plotext and numpy are imported in a thread, after the first frame)."""


class TooSmall(Static):
    """Shown instead of the panes when the terminal is below the minimum size."""

    def render(self) -> str:
        width, height = self.app.size
        return (
            f"nanoneuron needs a terminal of at least {MIN_SIZE[0]}×{MIN_SIZE[1]};\n"
            f"this one is {width}×{height}. Make it larger (training goes on)."
        )


class LessonRow(Horizontal):
    """The epoch explained, and beside it the epochs so far when the row has room for both."""

    ROOM_FOR_BOTH = 156  # the explanation's lines and the table's six columns

    def on_resize(self) -> None:
        self.set_class(self.size.width >= self.ROOM_FOR_BOTH, "-roomy")


class NanoNeuronApp(Coach, App[None]):
    _ascii_filter = glyphs.AsciiOnly()

    CSS_PATH = "app.tcss"
    TITLE = "NanoNeuron"
    # On short terminals the title line goes, so the panes keep their rows;
    # below the minimum size a notice replaces the panes.
    # From WIDE columns the cost plot, the fit view, the surface and the lesson are all on screen.
    HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_SIZE[0], "-wide-enough"), (WIDE, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_SIZE[1], "-short"), (30, "-tall")]
    AUTO_FOCUS = None  # no field has focus at start, so the letter keys work at once
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = MAIN_SCREEN
    COMMANDS = {NanoNeuronCommands}  # the app's commands and Textual's, in one list

    def __init__(
        self,
        session: Session,
        *,
        run: bool = False,
        lesson: bool = False,
        fps: float | None = None,
        state_path: Path | None = None,
        session_file: SessionFile | None = None,
        confine: Path | None = None,
        projector: bool = False,
    ) -> None:
        super().__init__()
        partial_updates.install()  # a repaint of part of a line sends only that part
        tolerant_input.install()  # a byte from the terminal that is not UTF-8 is no crash
        # Served to a stranger (`nanoneuron serve`): every typed file name stays in this directory.
        self.confine = confine
        # Calm over a slow link: nothing moves unless training moves it.
        self.animation_level = "none"
        self.session = session
        self.state_path = state_path  # where the session is saved on quit or hang-up
        self.session_file = session_file  # the same, owned (locked) by this process
        if session_file is not None:
            self.state_path = session_file.path
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self.save_problem: str | None = None
        self._set_frame_intervals(fps or default_fps())
        self._start_running = run
        self._projector = projector
        self._open_lesson = lesson
        # The run and epoch last explained, and whether a step forward led there.
        self._lesson_shown: tuple[Run, int, bool] | None = None
        self._first_frame_out = False  # the lesson pane fills in after it (see on_ready)
        self._shown_version = -1
        self._shown_state: State | None = None
        self._guide_behind: View | None = None  # the view the hidden guide has not shown

    def _set_frame_intervals(self, fps: float) -> None:
        self.fps = fps
        self.frame_interval = 1 / fps
        # Plots are the biggest thing on screen: redraw them at most twice a
        # second, or every other frame if that is less often (large ones less often).
        self.plot_interval = max(0.5, 2 * self.frame_interval)

    def on_frame_rate_granted(self, message: FrameRateGranted) -> None:
        self.set_frame_rate(message.fps)

    def set_frame_rate(self, fps: float) -> None:
        """Draw training at ``fps`` frames a second from now on (the trainer reads the interval each frame)."""
        self._set_frame_intervals(fps)
        for plot in self.query(PlotWidget):
            plot.min_interval = self.plot_interval

    @work(thread=True, group="frame-rate")
    def _follow_frame_rate_file(self, path: Path) -> None:
        """Served: look at the class's frame rate now and then, and draw at it. A file that is
        missing or holds no valid frame rate changes nothing."""
        worker = get_current_worker()
        while not worker.cancelled_event.wait(FRAME_RATE_CHECK):
            try:
                with open(path, "rb") as file:
                    fps = parse_fps(file.read(32).decode("ascii"))
            except (OSError, ValueError):
                continue
            if fps != self.fps:
                self.post_message(FrameRateGranted(fps))  # never blocks, even on an app that is leaving

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The breakpoints now, while the screen is empty: set later, they would restyle every pane.
        self.screen.set_classes(size_classes(self.size, self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS))
        yield TooSmall(id="too-small")
        yield Static(id="title")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield HyperparameterForm(self.session.hyper, id="hyperparameters")
                yield Readouts(id="readouts")
                yield PredictionBox(id="prediction")
                yield GuidePane(id="guide")
            with Vertical(id="right"):
                yield Projector(id="projector")
                with Horizontal(id="plots"):
                    # Narrow: the curves, or (c) the surface in their place. Wide: all three.
                    with Vertical(id="curves"):
                        yield CostPlot(min_interval=self.plot_interval, id="cost-plot")
                        yield FitView(min_interval=self.plot_interval, id="fit-view")
                    yield CostSurfaceView(min_interval=self.plot_interval, id="cost-surface")
                # Wide: the epoch explained under the plots, without a key; very wide, the epochs so far too.
                with LessonRow(id="lesson-row"):
                    yield LessonPane(id="lesson-pane")
                    yield RecentEpochs(id="recent-epochs")
        yield Timeline(id="timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        # Textual hides the (empty) notification rack only after the first frame, and that
        # lays the whole screen out once more: hidden now, it costs no layout.
        self.screen.query("#textual-toastrack").set(display=False)  # absent when notifications are off
        stop_blinking(self.screen)
        # Back from a suspension (ctrl+z or SIGTSTP, then fg or SIGCONT) the terminal shows
        # what the shell left there: the whole screen is sent again.
        self.app_resume_signal.subscribe(self, lambda _: self.action_redraw())
        self.screen.set_class(self._projector, "-projector")
        self._show_data_labels()
        # The guide is fed only while on screen; once a taller terminal shows it, it catches up.
        guide = self.query_one(GuidePane)
        self.screen.screen_layout_refresh_signal.subscribe(guide, self._catch_the_guide_up)
        self._event_loop = asyncio.get_running_loop()
        if self.session_file is not None:
            for note in self.session_file.start_notes():
                self.notify(note, timeout=8)
        self.practice_notes()
        self.render_view()
        if self._start_running:
            self.session.start()
            self.render_view()
        self.train_in_background()
        if shared_frame_rate := os.environ.get(FRAME_RATE_FILE_ENV):
            self._follow_frame_rate_file(Path(shared_frame_rate))
        if self._open_lesson:
            self.action_explain()

    def on_ready(self) -> None:
        # The plots need plotext and numpy (a quarter of a second to import): they are imported
        # once the first frame is out, in a thread, and the plots draw then. Ready comes after
        # the first frame of whichever screen is up: a lesson screen opened before the main
        # screen's first repaint would keep a callback queued on that screen waiting for good.
        self._import_plotting_then_plot()
        # The lesson beside the plots (wide terminals) is the costliest text of the screen to
        # write and lay out: like the plots, it follows the first frame rather than delay it.
        self._first_frame_out = True
        self._show_lesson(self.session.view())

    @work(thread=True, group="plotext")
    def _import_plotting_then_plot(self) -> None:
        import_plotting()
        self.post_message(PlottingImported())  # never blocks, even if the app is leaving

    def on_plotting_imported(self, _: PlottingImported) -> None:
        startup.resume_collection()  # the app is up
        for screen in self.screen_stack:  # the lesson's slices may be on a screen opened already
            for plot in screen.query(PlotWidget):
                plot.release()
        self.call_after_refresh(startup.tell_the_starter)

    # -- saving and leaving ---------------------------------------------------------

    def save_session(self) -> None:
        try:
            if self.session_file is not None:
                self.session_file.save(self.session)
            elif self.state_path is not None:
                persist.save_session(self.session, self.state_path)
        except persist.PersistError as problem:
            self.save_problem = str(problem)

    async def action_quit(self) -> None:
        self.save_session()
        self.exit()

    # -- the class (served to a student) --------------------------------------------------

    def screen_text(self) -> str:
        """What the terminal shows now, as text: the teacher's read-only copy of it."""
        return "".join(strip.text.rstrip() + "\n" for strip in self.screen._compositor.render_strips())

    def take_assignment(self, assignment: Assignment) -> None:
        """The teacher gave the class a challenge (or ended it): say so, and start it here."""
        said = [f"From the teacher: {assignment.message}"] if assignment.message else []
        if assignment.challenge is None:
            self.notify([*said, "The challenge for the class has ended."], timeout=10)
        elif assignment.challenge in CHALLENGES and self.session.practice.active != assignment.challenge:
            if said:
                self.notify(said, timeout=15)
            self.action_start_challenge(assignment.challenge)  # says the challenge's goal

    def leave_soon(self, return_code: int) -> None:
        """Stop training and exit with ``return_code``; callable from any thread, returns at once.

        A stop signal calls this after saving (lifecycle.SignalWatch); if the event
        loop is stuck behind a terminal that stopped reading, the watch ends the process.
        """
        if self._event_loop is not None:
            self._event_loop.call_soon_threadsafe(self._leave, return_code)

    def _leave(self, return_code: int) -> None:
        self.session.pause()
        self.workers.cancel_all()
        self.exit(return_code=return_code)

    def notify(  # type: ignore[override]
        self, message: str | Sequence[str], *, title: str = "", severity="information", timeout=None, markup=False
    ) -> None:
        """A notification, shown as plain text whatever it holds: messages name files and
        echo what was typed, which must neither reach the terminal as escape codes nor be
        read as markup (a file called ``[b]x.csv`` is shown as it is called). A message of
        several lines comes as a sequence of them: a line break inside one line is written out."""
        lines = [message] if isinstance(message, str) else list(message)
        shown = "\n".join(printable(line) for line in lines)
        super().notify(shown, title=printable(title), severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit. Textual's own hint is written in markup, which ``notify``
        above would show as typed, so it is said here in plain words."""
        keys = [key for key, active in self.active_bindings.items() if active.binding.action in ("quit", "app.quit")]
        if keys:
            self.notify(f"Press {keys[0]} to quit the app", title="Do you want to quit?")

    def get_line_filters(self):
        filters = super().get_line_filters()
        return [*filters, self._ascii_filter] if glyphs.ascii_only() else filters

    def typed_path(self, typed: str) -> Path:
        """The file a typed name means; ConfinementError if a served session may not use it."""
        return confined(self.confine, typed) if self.confine else Path(typed).expanduser()

    def shown(self, text: object) -> str:
        """A path, or a message naming one, as the person at the keyboard may see it: served,
        files are named relative to the student's own folder (the server's paths are not theirs)."""
        return as_seen_from(self.confine, text) if self.confine else str(text)

    def _ask_path(self, title: str, default: str, then) -> None:
        def answered(path: str | None) -> None:
            if not path:
                return
            try:
                chosen = self.typed_path(path)
            except ConfinementError as problem:
                self.notify(str(problem), severity="error")
            else:
                then(chosen)

        from nanoneuron_tui.widgets.path_prompt import PathPrompt  # the dialogs load when first opened

        self.push_screen(PathPrompt(title, default), answered)

    def _one_of_ours(self, path: Path) -> bool:
        """The session's own file, lock or kept session: refused (a model written over the lock
        would let a second instance take the session). Says so."""
        if self.session_file is not None and self.session_file.protects(path):
            self.notify(f"{self.shown(path)} is this session's own file; choose another name", severity="error")
            return True
        return False

    def action_save_model(self) -> None:
        def save(path: Path) -> None:
            if self._one_of_ours(path):
                return
            try:
                view = self.session.view()
                persist.save_model(
                    path,
                    w=view.w,
                    b=view.b,
                    epoch=view.epoch,
                    init=(view.w0, view.b0),
                    hyper=view.hyper,
                    data=view.data,
                )
            except persist.PersistError as problem:
                self.notify(self.shown(problem), severity="error")
            else:
                self.notify(f"Saved the model to {self.shown(path)}")

        self._ask_path("Save the model (w, b, epoch, hyperparameters) as JSON:", "nanoneuron-model.json", save)

    def action_load_model(self) -> None:
        def load(path: Path) -> None:
            # Off the event loop: the model's own data may be a large file to read.
            self.run_worker(lambda: self._load_model(path), thread=True, exclusive=True, group="load-model")

        self._ask_path("Load a model saved as JSON:", "nanoneuron-model.json", load)

    def _load_model(self, path: Path) -> None:
        try:
            model = persist.load_model(path)
            # A model's w and b mean something only in the units it was trained in.
            data = model.training_data(path) if model.data_mismatch(self.session.data.spec) else None
        except (persist.PersistError, DataError) as problem:
            self.call_from_thread(self.notify, self.shown(problem), severity="error")
            return
        self.call_from_thread(self._adopt_model, model, data, path)

    def _adopt_model(self, model: persist.SavedModel, data: DataSet | None, path: Path) -> None:
        if data is not None:
            self._act(lambda: self.session.use_data(data))
            self._show_data_labels()
        self._act(lambda: self.session.adopt_model(model.as_dict()))
        switched = f"; it was trained on {data.name}, now the data too" if data is not None else ""
        self.notify(f"Loaded the model from {self.shown(path)} at epoch {model.epoch:,}{switched}")

    def action_export_history(self) -> None:
        def export(path: Path) -> None:
            if self._one_of_ours(path):
                return
            # Every epoch of the run: a long one takes seconds to write, so not on the event loop.
            self.notify(f"Writing the cost of every epoch to {self.shown(path)}…")
            self.run_worker(lambda: self._export_history(path), thread=True, group="export")

        self._ask_path("Export the cost of every epoch as CSV:", "nanoneuron-history.csv", export)

    def _export_history(self, path: Path) -> None:
        # Quitting cancels the worker: the export stops within moments, its temporary file removed.
        worker = get_current_worker()
        track = self.session_file.tracking if self.session_file is not None else None
        try:
            rows = persist.export_history(self.session, path, cancelled=worker.cancelled_event.is_set, track=track)
        except persist.ExportCancelled:
            return
        except persist.PersistError as problem:
            self.call_from_thread(self.notify, self.shown(problem), severity="error")
        else:
            self.call_from_thread(self.notify, f"Wrote {rows:,} rows of cost history to {self.shown(path)}")

    # -- showing the session ------------------------------------------------------

    def render_view(self, view: View | None = None, urgent: bool = True) -> None:
        """Show a view; ``urgent`` (a key press, not a training report) skips the plots' pacing."""
        if not self.is_running:
            return  # shutting down: a message still queued (a report, a field applied) may find the panes gone
        view = view or self.session.view()
        if view.version < self._shown_version:
            return  # an older report overtaken by a key press
        self._shown_version = view.version
        self._shown_state = view.state
        self.query_one(Readouts).show(view, self.practice_readout(view))
        pinned = view.pinned if view.pinned is not None and view.pinned.run.data.spec == view.data.spec else None
        ghost_label = f"pinned alpha {pinned.alpha:g}" if pinned else None
        note = f"[b]{glyphs.FAIL} {view.run.alpha_advice}[/]" if view.state is State.DIVERGED else ""
        self.query_one(CostPlot).show(
            curves_of(
                view,
                pinned and (pinned.run.cost, pinned.run.first_epoch, pinned.epoch),
                ghost_label,
                note,
                f"alpha {view.hyper.alpha:g}" if pinned else "train",
            ),
            urgent,
        )
        self.query_one(FitView).show(
            view.data, (view.w, view.b), pinned and pinned.run.neuron(pinned.epoch), ghost_label, urgent
        )
        self.query_one(CostSurfaceView).show(view.run, view.epoch, pinned and Ghost(pinned.run, pinned.epoch), urgent)
        if self.screen.has_class("-projector"):
            self.query_one(Projector).show(view)
        self.query_one(PredictionBox).show(view)
        self.query_one(HyperparameterForm).show(view.hyper)
        self.query_one(Timeline).show(view)
        self._show_lesson(view, urgent)
        guide = self.query_one(GuidePane)
        if guide.display:  # tall terminals only: a new text lays the whole screen out again
            guide.show(view)
            self._guide_behind = None
        else:
            self._guide_behind = view
        self.practice_shown(view)

    def _catch_the_guide_up(self, _: object = None) -> None:
        """After a layout: a guide that just came into view shows the view it missed."""
        view, self._guide_behind = self._guide_behind, None
        if view is not None and self.is_running:
            guide = self.query_one(GuidePane)
            if guide.display:
                guide.show(view)
            else:
                self._guide_behind = view

    def on_resize(self) -> None:
        # A pane that comes into view on a larger terminal shows the current numbers at once
        # (once the panes exist: the first resize comes before they are mounted).
        if self._shown_version >= 0:
            self.call_after_refresh(self._refresh_view)

    def _refresh_view(self) -> None:
        if self.is_running:  # not while shutting down: the panes may be gone
            self.render_view()

    def _show_lesson(self, view: View, urgent: bool = True) -> None:
        """Explain the epoch on screen wherever the explanation is in sight (only there: it has a cost)."""
        pane_shown = self.size.width >= WIDE and self._first_frame_out  # the stylesheet shows it from WIDE
        places = [self.query_one("#lesson-pane-text", EpochExplainedView)] if pane_shown else []
        if isinstance(self.screen, LessonScreen):
            places += self.screen.query(EpochExplainedView)  # none until the screen is composed
        screen = self.screen if isinstance(self.screen, EveryValueScreen | SlicesScreen) else None
        if screen is not None and not screen.is_mounted:
            screen = None  # shown once composed (the action refreshes after it)
        if not places and screen is None:
            self._lesson_shown = None
            return
        moment = view.moment
        lesson = explain_epoch(view.data, moment.w_trained, moment.b_trained, moment.alpha)
        if screen is not None:
            screen.show(view.data, lesson, view.epoch, urgent)
        if not places:
            return
        before = self._lesson_before(view)
        for place in places:
            place.show(
                lesson,
                view.epoch,
                view.epochs,
                before,
                diverged=view.state is State.DIVERGED,
                urgent=urgent,
                data=view.data,
            )
        if pane_shown:
            self.query_one(RecentEpochs).show(view, urgent)

    def _lesson_before(self, view: View) -> EpochExplained | None:
        """The epoch before, explained, when the last move was one step forward (s, or a slow frame)."""
        run, epoch = view.run, view.epoch
        shown = self._lesson_shown
        if shown is None or shown[0] is not run or shown[1] != epoch:
            stepped = shown is not None and shown[0] is run and shown[1] == epoch - 1
            self._lesson_shown = (run, epoch, stepped)
        if not self._lesson_shown[2]:
            return None
        return explain_epoch(view.data, *run.trained_neuron(epoch - 1), run.alpha_at(epoch - 1))

    def on_trained(self, message: Trained) -> None:
        self.render_view(message.view, urgent=message.view.state is not State.RUNNING)

    # -- the training thread ------------------------------------------------------

    @work(thread=True, exclusive=True, name="trainer")
    def train_in_background(self) -> None:
        worker = get_current_worker()
        session = self.session
        last_post = 0.0
        busy_since = time.monotonic()
        playback: Playback | None = None  # the first epochs of a run, played along the pacing curve
        clock: ReportClock | None = None  # the reports due at pace "max"
        was_running = False
        while not worker.is_cancelled:
            if not session.wait_until_running(timeout=0.1):
                busy_since = time.monotonic()
                playback, clock, was_running = None, None, False
                continue
            if not was_running:  # training (re)starts: play the first epochs one by one
                was_running = True
                hyper = session.hyper
                if not session.fast_forward and hyper.pace is not None:
                    playback = Playback.begin(time.monotonic(), session.epoch, hyper.epochs, hyper.every * hyper.pace)
            if playback is not None and not session.fast_forward:
                playback = self._play(playback)
                last_post = time.monotonic()
                continue
            playback = None
            if session.hyper.pace is None and not session.fast_forward:
                clock = self._train_at_max_pace(clock)
                continue
            clock = None
            beat = session.train_towards_report()
            now = time.monotonic()
            # At a fast pace reports come nearly back to back: left alone the loop would
            # hold the GIL and starve the event loop. Breathing a little keeps keys instant.
            if now - busy_since > TRAINING_BURST:
                time.sleep(BREATHER)
                busy_since = time.monotonic()
            if not beat.at_report:
                continue
            # Whatever the pace, the screen changes at most once a frame.
            if not beat.running or now - last_post >= self.frame_interval:
                last_post = now
                self.post_message(Trained(session.view()))
            if beat.running and beat.pace is not None:
                session.wait_for_change(1 / beat.pace)
                busy_since = time.monotonic()

    def _train_at_max_pace(self, clock: ReportClock | None) -> ReportClock:
        """One frame at pace "max": a single jump over the reports due, shown, then rest until
        the next frame. Never more reports computed than frames shown."""
        session = self.session
        now = time.monotonic()
        clock = clock or ReportClock(MAX_PACE_REPORTS, now)
        if reports := clock.take(now):
            every, epoch = session.hyper.every, session.epoch
            if session.train_to(epoch - epoch % every + reports * every).at_report:
                self.post_message(Trained(session.view()))
        session.wait_for_change(self.frame_interval)  # a pause or any change wakes it early
        return clock

    def _play(self, playback: Playback) -> Playback | None:
        """One frame of playback: train to the epoch due now, show it, wait for the next.
        None once the reports take over (or training stopped)."""
        session = self.session
        target = playback.target(time.monotonic(), session.epoch)
        beat = session.train_to(target)
        if beat.at_report:
            self.post_message(Trained(session.view()))
        if not beat.running or target >= playback.handover:
            return None
        # Wake for the next epoch, or the next frame when epochs come faster than frames: never
        # sooner than a frame (a key press wakes it at once anyway).
        session.wait_for_change(max(self.frame_interval, playback.wait(time.monotonic(), session.epoch)))
        return playback

    # -- actions --------------------------------------------------------------

    def _act(self, change) -> None:
        change()
        self.render_view()

    def action_toggle_run(self) -> None:
        problems = self.query_one(HyperparameterForm).problems
        problem = next(iter(problems.values()), None)
        self._act(lambda: self._explain(self.session.toggle(problem)))

    def _explain(self, why_not: str | None) -> None:
        if why_not:
            severity = "information" if self.session.state is State.FINISHED else "warning"
            self.notify(why_not, severity=severity)

    def _go_on(self, change) -> None:
        """Train on (a step, a report, to the end); where training cannot, say what will let it."""
        stuck = self.session.stuck_reason()
        self._act(change)
        if stuck and self.session.state is not State.PAUSED:
            self._explain(stuck)

    def action_step(self) -> None:
        self._go_on(lambda: self.session.step(1))

    def action_step_report(self) -> None:
        self._go_on(self.session.step_report)

    def action_fast_forward(self) -> None:
        self._go_on(self.session.run_to_end)

    def action_back(self) -> None:
        self._act(self.session.back)

    def action_back_report(self) -> None:
        self._act(self.session.back_report)

    def action_go_to(self) -> None:
        def chosen(epoch: int | None) -> None:
            if epoch is not None:
                self._act(lambda: self.session.go_to(epoch))

        from nanoneuron_tui.widgets.epoch_prompt import EpochPrompt

        view = self.session.view()
        self.push_screen(EpochPrompt(view.run.first_epoch, view.run.last_epoch(view.epochs)), chosen)

    def action_focus_timeline(self) -> None:
        self.query_one(Timeline).focus()

    def on_timeline_scrubbed(self, message: Timeline.Scrubbed) -> None:
        self._act(lambda: self.session.go_to(message.epoch))

    def action_reset(self) -> None:
        self._act(self.session.reset)

    def action_new_start(self) -> None:
        self._act(lambda: self.session.reset(new_random_start=True))

    def action_ask(self) -> None:
        self.query_one("#ask", Input).focus()

    def action_choose_data(self) -> None:
        from nanoneuron_tui.widgets.data_dialog import DataDialog, stability_note

        def chosen(data) -> None:
            if data is not None:
                self._act(lambda: self.session.use_data(data))
                self._show_data_labels()
                self.notify(f"{stability_note(data)}. Training starts over at epoch 0.")

        self.push_screen(DataDialog(self.session.data.spec, confine=self.confine), chosen)

    def _show_data_labels(self) -> None:
        data = self.session.data
        normalized = " · x normalized" if data.spec.normalize else ""
        # Names and labels come from a CSV file: inserted as text, never read as markup.
        title = Content.from_markup(
            "[b]NanoNeuron[/] learns $name: $y = w·$x + b$normalized",
            name=data.name,
            y=data.y_label,
            x=data.x_label,
            normalized=normalized,
        )
        self.query_one("#title", Static).update(title)
        self.query_one(Readouts).name_the_data(data)
        self.query_one(PredictionBox).set_unit(data.x_label)

    def action_cycle_cost_view(self) -> None:
        view = self.query_one(CostPlot).cycle_view()
        self.notify(f"Cost plot: {view}", timeout=2)

    def action_toggle_surface(self) -> None:
        """Narrow terminals: the cost surface in place of the cost plot and fit view, and back."""
        showing = not self.screen.has_class("-surface")
        self.screen.set_class(showing, "-surface")
        if self.screen.has_class("-wide"):
            self.notify("All the plots are on screen already: the surface is on the right.", timeout=3)

    def action_toggle_pin(self) -> None:
        pinned = self.session.toggle_pin()
        self.render_view()
        if pinned is None:
            self.notify("Unpinned: the ghost run is gone.", timeout=3)
        else:
            self.notify(
                f"Pinned this run (alpha {pinned.alpha:g}) as a ghost: change alpha, r, and compare.", timeout=4
            )

    def on_app_focus(self) -> None:
        # The terminal was elsewhere: anything may have written to it since. The next
        # full repaint sends every line (see partial_updates).
        partial_updates.forget(self.console)

    def action_suspend_process(self) -> None:
        if self.confine is not None:
            # Served, nobody has a shell to bring the app back with: it would hang stopped.
            self.notify("Suspending is for an app run from a shell; ctrl+q quits.", severity="warning")
            return
        super().action_suspend_process()

    def action_redraw(self) -> None:
        partial_updates.forget(self.console)
        self.screen.refresh()  # the whole screen, every line sent

    def action_toggle_projector(self) -> None:
        showing = not self.screen.has_class("-projector")
        self.screen.set_class(showing, "-projector")
        if showing:
            self.query_one(Projector).show(self.session.view())
            if self.size.width < WIDE:
                self.notify(f"Projector digits need about {WIDE} columns to sit beside the plots.", timeout=3)

    def action_toggle_residuals(self) -> None:
        shown = self.query_one(FitView).toggle_residuals()
        self.notify("Residual sticks: y − ŷ for a few points" if shown else "Residual sticks off", timeout=2)

    def action_explain(self) -> None:
        """Epoch explained on a screen of its own, or back from it."""
        self._toggle_lesson_screen(LessonScreen)

    def action_every_value(self) -> None:
        """Every training point's terms on a screen of their own, or back from it."""
        self._toggle_lesson_screen(EveryValueScreen)

    def action_slopes(self) -> None:
        """The cost slices on a screen of their own, or back from it."""
        self._toggle_lesson_screen(SlicesScreen)

    def _toggle_lesson_screen(self, kind: type[Screen]) -> None:
        """Open a screen of the lesson; its key again goes back. One already open under the
        screen on top is returned to, not opened twice: e, v, e, v… never piles screens up."""
        if isinstance(self.screen, kind):
            self.pop_screen()
        elif any(isinstance(screen, kind) for screen in self.screen_stack):
            while not isinstance(self.screen, kind):
                self.pop_screen()
            self.call_after_refresh(self._refresh_view)
        else:
            self.push_screen(self._sized(kind()), callback=lambda _: self._refresh_view())
            self.call_after_refresh(self._refresh_view)

    def _sized(self, screen: Screen) -> Screen:
        """``screen`` with the size classes it will have, so its first frame is laid out as the rest
        (Textual sets them on its first resize, after that frame: the lesson's slices would flash)."""
        screen.set_classes(size_classes(self.size, self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS))
        return screen

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.session.view()))

    def action_edit_alpha(self) -> None:
        # From the explanation or the help, back to the main screen first; a dialog keeps its keys.
        while isinstance(self.screen, LessonScreen | HelpScreen | EveryValueScreen | SlicesScreen):
            self.pop_screen()
        if self.screen is self.default_screen:
            field = self.query_one("#field-alpha", Input)
            field.focus()
            field.select_all()  # `a` is for a new alpha: what is typed replaces the old one

    def action_lesson_mode(self) -> None:
        """A classroom start: back to epoch 0, the explanation in full view, ready to step or run."""
        self._act(self.session.reset)
        if not isinstance(self.screen, LessonScreen):
            self.action_explain()
        self.notify("Lesson: s steps one epoch, space plays the first epochs one by one, e returns.")

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen where the user is, and say where: a served user's own
        folder, else the working directory (or the state directory if that fails)."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)
        name = filename or time.strftime("nanoneuron-%Y%m%d-%H%M%S.svg")
        if self.confine:  # never the Downloads folder of whoever runs the server
            try:
                folder = self.typed_path(path) if path else self.confine.resolve()
                name = str(confined(folder, name).relative_to(folder))
            except ConfinementError as problem:
                self.notify(str(problem), severity="error")
                return None
            folders = [folder]
        else:
            folders = [Path(path)] if path else [Path.cwd(), persist.default_state_path().parent]
        self._save_screenshot(self.export_screenshot(), name, folders)
        return None

    @work(thread=True, group="screenshot")
    def _save_screenshot(self, svg: str, name: str, folders: list[Path]) -> None:
        problems = []
        for folder in folders:
            target = folder.expanduser() / name
            try:
                folder.expanduser().mkdir(parents=True, exist_ok=True)
                with open(target, "w", encoding="utf-8") as file:
                    file.write(svg)
            except OSError as problem:
                problems.append(f"{self.shown(target)}: {problem.strerror or problem}")
                continue
            self.call_from_thread(self.notify, f"Saved the screenshot to {self.shown(target)}", title="Screenshot")
            return
        self.call_from_thread(
            self.notify, "Could not save the screenshot: " + "; ".join(problems), title="Screenshot", severity="error"
        )

    def action_leave_field(self) -> None:
        self.screen.set_focus(None)

    def on_hyperparameter_form_applied(self, message: HyperparameterForm.Applied) -> None:
        recovering = message.name == "alpha" and self.session.state is State.DIVERGED
        try:
            self._act(lambda: self.session.update(**{message.name: message.value}))
        except TooManySegments as problem:
            self.notify(str(problem), severity="error")
            return
        if recovering:
            self.notify(
                f"alpha {message.value:g} from epoch {self.session.epoch:,}, the last before the blow-up: "
                "space carries on."
            )
        if message.name in ("w0", "b0", "seed"):
            self.notify("The new start takes effect when you reset (r or F9).")


def size_classes(size, horizontal: list[tuple[int, str]], vertical: list[tuple[int, str]]) -> set[str]:
    """The breakpoint classes for a terminal size: for each axis, the class of the
    largest threshold the size reaches (the rule Textual applies on a resize)."""
    classes = set()
    for extent, breakpoints in ((size.width, horizontal), (size.height, vertical)):
        reached = [(threshold, name) for threshold, name in breakpoints if extent >= threshold]
        if reached:
            classes.add(max(reached)[1])
    return classes


def over_ssh() -> bool:
    return bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))


def default_fps() -> float:
    return SSH_FPS if over_ssh() else DEFAULT_FPS


def missing_terminal() -> str | None:
    """Why the app cannot be shown here, or None. Textual reads keys from standard input
    and draws on standard error; without a terminal there it would spin on an input
    that never comes and draw for nobody (``setsid nanoneuron </dev/null >out &``)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None  # a driver of its own (serve web's, through pipes)
    if _is_terminal(sys.stdin) and _is_terminal(sys.__stderr__):
        return None
    return "no terminal: the app needs one on standard input and standard error (nanoneuron train runs without one)"


def _is_terminal(stream) -> bool:
    """False for a file, a pipe, and a descriptor the shell closed (``<&-`` leaves None)."""
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # closed
        return False


def run_app(
    session: Session,
    *,
    session_file: SessionFile,
    watch: SignalWatch,
    run: bool = False,
    lesson: bool = False,
    fps: float | None = None,
    ascii_only: bool = False,
    confine: Path | None = None,
    projector: bool = False,
) -> int:
    """Show ``session`` until the user quits, a signal stops it or the terminal goes; the exit code."""
    term = os.environ.get("TERM")
    if problem := glyphs.cannot_draw(term):
        print(f"nanoneuron: error: {problem}", file=sys.stderr)
        return exit_codes.USAGE
    if problem := missing_terminal():
        session_file.release()
        print(f"nanoneuron: error: {problem}", file=sys.stderr)
        return exit_codes.USAGE
    glyphs.use_ascii(ascii_only or glyphs.needs_ascii(term))
    app = NanoNeuronApp(
        session, run=run, lesson=lesson, fps=fps, session_file=session_file, confine=confine, projector=projector
    )
    session_file.started_with(session)
    watch.attach(save=lambda: session_file.save_for_exit(session), leave=app.leave_soon)
    autosaver = Autosaver(
        session, lambda: session_file.save(session), report=lambda problem: setattr(app, "save_problem", problem)
    )
    autosaver.start()
    # Served to a named student, the app tells the teacher's view how it is going.
    reporter = None
    if os.environ.get(STUDENT_ENV):
        from nanoneuron_tui.serve.status import reporter_for  # only a served app pays for it

        reporter = reporter_for(
            session,
            session_file.path,
            on_assignment=lambda assignment: app.call_from_thread(app.take_assignment, assignment),
            screen_copy=lambda: app.call_from_thread(app.screen_text),
        )
        reporter.start()
    app.run()
    watch.terminal_restored()
    autosaver.stop()
    if reporter is not None:
        reporter.stop()
    if watch.code is not None:
        watch.say_farewell()
        return watch.code
    session_file.release()
    if app.save_problem:
        print(f"nanoneuron: the session was not saved: {printable(app.shown(app.save_problem))}", file=sys.stderr)
        return app.return_code or exit_codes.FAILED
    return app.return_code or exit_codes.OK
