"""The keys of the screen, on its last line.

Textual's Footer is a widget per key, and it fills in only after the screen's
first frame (it waits for the bindings, then composes itself again): the keys
arrived last, in a second layout of the whole screen. This bar is one widget
that draws the keys in the first frame, and redraws only its own line when the
bindings change (a field takes the focus, a dialog opens).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from nanoneuron_tui.bindings import key_name

MORE = " …"  # ends the bar when some keys did not fit


# What the keys do while a text field has the focus: it takes letters and space itself.
TYPING_KEYS = [
    Binding("enter", "submit", "Apply", key_display="↵"),
    Binding("escape", "leave_field", "Leave", key_display="Esc"),
]


class ShownKey(NamedTuple):
    binding: Binding
    enabled: bool
    start: int  # the columns of the bar its key and description take
    end: int
    key: str  # the key a click presses
    display: str  # how the bar writes it


def _typed_by_a_field(key: str) -> bool:
    """A key a focused text field takes as text (a letter, a digit, space, ?) instead of a binding."""
    return len(key) == 1 or key in ("space", "question_mark")


def _usable_while_typing(binding: Binding) -> str | None:
    """The binding's first key a text field does not swallow (a function key, say), if any."""
    return next((key for key in binding.key.split(",") if not _typed_by_a_field(key)), None)


class KeyBar(Widget, can_focus=False):
    """Each shown binding as "key description", in the order they were bound; a click presses the key."""

    COMPONENT_CLASSES = {"key-bar--key"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-description-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def keys(self) -> tuple[list[ShownKey], bool]:
        """The keys that fit, whole, one per action (its first key) as the screen's focus
        chain binds them now; and whether any were left out.

        While a text field has the focus, letters and space type into it: the bar then
        begins with Enter and Esc, and names each action by a key that still works
        (F5 for Run), leaving out those that have none."""
        typing = isinstance(self.screen.focused, Input)
        bound: list[tuple[Binding, bool, str, str]] = []
        if typing:
            bound += [(binding, True, binding.key, binding.key_display or binding.key) for binding in TYPING_KEYS]
        actions: set[str] = {binding.action for binding, *_ in bound}
        for _, binding, enabled, _ in self.screen.active_bindings.values():
            if not binding.show or binding.action in actions:
                continue
            key = _usable_while_typing(binding) if typing else binding.key.split(",")[0]
            if key is None:
                continue
            display = key_name(key) if typing else self.app.get_key_display(binding)
            actions.add(binding.action)
            bound.append((binding, enabled, key, display))
        shown: list[ShownKey] = []
        column = 0
        for binding, enabled, key, display in bound:
            end = column + cell_len(display) + 1 + cell_len(binding.description)
            room_for_more = 0 if len(shown) == len(bound) - 1 else cell_len(MORE)
            if end + room_for_more > self.size.width:
                break
            shown.append(ShownKey(binding, enabled, column, end, key, display))
            column = end + 1
        return shown, len(shown) < len(bound)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        shown, some_left_out = self.keys()
        bar = Text(no_wrap=True, end="")
        for key in shown:
            dim = Style(dim=not key.enabled)
            if key.start:
                bar.append(" ")
            bar.append(key.display, key_style + dim)
            bar.append(f" {key.binding.description}", dim)
        if some_left_out:
            bar.append(MORE)
        return bar

    def on_click(self, event: events.Click) -> None:
        for key in self.keys()[0]:
            if key.start <= event.x < key.end:
                event.stop()
                self.app.simulate_key(key.key)
                return
