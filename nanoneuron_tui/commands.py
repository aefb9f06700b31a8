"""The command palette (ctrl+p): every action by name, with the keys that also do it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from nanoneuron_tui.bindings import MAIN_SCREEN, keys_of
from nanoneuron_tui.core.practice import CHALLENGES


@dataclass(frozen=True)
class Command:
    title: str
    meaning: str
    action: str  # an action of the app: the method action_<action>

    @property
    def help(self) -> str:
        """What it does, and its keys if it has any (taken from the bindings, never written twice)."""
        bound = any(binding.action == self.action for binding in MAIN_SCREEN)
        return f"{self.meaning} ({keys_of(self.action).replace(' ', ', ')})" if bound else self.meaning


PALETTE = (
    Command("Run or pause", "Start training, or pause it", "toggle_run"),
    Command("Step one epoch", "Pause and train one epoch", "step"),
    Command("Step one report", "Pause and train to the next report", "step_report"),
    Command("Fast-forward to the end", "Train as fast as possible to the last epoch", "fast_forward"),
    Command("Back one epoch", "Pause and go back one epoch, exactly", "back"),
    Command("Back one report", "Pause and go back to the previous multiple of N", "back_report"),
    Command("Go to an epoch", "Pause and jump to any epoch of the run, exactly", "go_to"),
    Command(
        "Scrub the timeline",
        "Focus the timeline: ←/→ a report, shift+←/→ an epoch, PgUp/PgDn a tenth",
        "focus_timeline",
    ),
    Command("Reset", "Back to epoch 0 with the same initial w and b", "reset"),
    Command("New random start", "Back to epoch 0 with a new random w and b", "new_start"),
    Command("Ask for a prediction", "Focus the prediction box", "ask"),
    Command("Your guess, then step", "Guess the next w (or b, dW, dB, the cost); it is checked, then taken", "guess"),
    *(
        Command(f"Challenge: {c.title}", f"{c.name}: {c.goal}", f"start_challenge({c.name!r})")
        for c in CHALLENGES.values()
    ),
    Command("Challenge: goal and progress", "The challenge under way, and where you stand", "challenge_status"),
    Command("Challenge: hint", "A nudge for the challenge under way", "challenge_hint"),
    Command("Challenge: give up", "Give up the challenge under way and see a worked answer", "give_up"),
    Command("Practice: score and results", "Your guesses and the challenges met so far", "challenge_results"),
    Command("Choose data", "Preset or CSV, noise, train/test split, normalization", "choose_data"),
    Command("Save model", "Save w, b, the epoch and the hyperparameters as JSON", "save_model"),
    Command("Load model", "Carry on from a model saved as JSON", "load_model"),
    Command("Export cost history", "Write the cost of every epoch of the run so far as CSV", "export_history"),
    Command("Cost plot: next view", "Whole run, first epochs, recent window or follow", "cycle_cost_view"),
    Command("Cost surface", "The cost over (w, b) and the path down it; narrow terminals swap it in", "toggle_surface"),
    Command("Pin or unpin this run", "Keep this run as a faint ghost to compare the next one with", "toggle_pin"),
    Command("Projector mode", "w, b and the cost in large digits (also --projector)", "toggle_projector"),
    Command("Fit view: residual sticks", "Show y − ŷ for a few points, what the cost squares", "toggle_residuals"),
    Command("Lesson: epoch explained", "The seven functions with this epoch's numbers", "explain"),
    Command(
        "Every value",
        "Every training point's terms with their sums and means: check the cost, dW and dB by hand",
        "every_value",
    ),
    Command(
        "Slopes: why the step points downhill",
        "The cost along w and along b through the neuron, with the tangents: dW = −∂cost/∂w",
        "slopes",
    ),
    Command("Lesson mode", "Back to epoch 0 with the explanation in full view, to step through", "lesson_mode"),
    Command("Jump to alpha", "Focus the learning rate field", "edit_alpha"),
    Command("Help", "What every readout means and every key does", "help"),
    Command("Redraw the screen", "Send the whole screen again, if the terminal shows it wrong", "redraw"),
    Command("Suspend to the shell", "Stop the app for now; fg in the shell brings it back", "suspend_process"),
)


class NanoNeuronCommands(Provider):
    """The app's actions, then Textual's own (keys, theme, screenshot, quit), listed in that order
    when the palette opens and matched as the user types.

    One provider for both: the palette shows the discoveries of several providers in the order
    they happen to arrive, so the list would change from one opening to the next."""

    def entries(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        for command in PALETTE:
            yield command.title, command.help, partial(self.app.run_action, command.action)
        for system in self.app.get_system_commands(self.screen):
            if system.discover:
                yield system.title, system.help, system.callback

    async def discover(self) -> Hits:
        for title, help_text, run in self.entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self.entries():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
