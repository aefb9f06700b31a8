"""The keys of the main screen: one list, which the app binds, the help explains and the palette names.

Each action has a letter and a function key: a focused field swallows letters,
never function keys. The key bar shows the letters; the help and the palette
show both.
"""

from __future__ import annotations

from textual.binding import Binding

MAIN_SCREEN = [
    Binding("space,f5", "toggle_run", "Run", key_display="␣"),
    Binding("s,f6", "step", "Step", key_display="s"),
    Binding("n,f7", "step_report", "+N", key_display="n"),
    Binding("f,f8", "fast_forward", "End", key_display="f"),
    Binding("r,f9", "reset", "Reset", key_display="r"),
    # New and Data are in the help and the palette: 80 columns hold no more.
    Binding("R,f4", "new_start", "New", key_display="R", show=False),
    Binding("p,f3", "ask", "Ask", key_display="p"),
    # Your guess at the next step, before it is taken (F3 asks the neuron, shift+F3 asks you).
    Binding("y,shift+f3", "guess", "Guess", key_display="y", show=False),
    Binding("d,f2", "choose_data", "Data", key_display="d", show=False),
    # Going back mirrors going forward: shift and the same function key.
    Binding("b,shift+f6", "back", "Back", key_display="b"),
    Binding("B,shift+f7", "back_report", "Back a report", show=False),
    Binding("g,f12", "go_to", "Go to", key_display="g"),
    Binding("t", "focus_timeline", "Timeline", show=False),
    Binding("e,f10", "explain", "Explain", key_display="e"),
    # Every value: on the lesson screen's key bar (80 columns of the main one hold no more).
    Binding("v,shift+f10", "every_value", "Every value", key_display="v", show=False),
    Binding("slash,shift+f11", "slopes", "Slopes", key_display="/", show=False),
    Binding("a", "edit_alpha", "Alpha", key_display="a", show=False),  # in a field, Tab gets there
    Binding("question_mark,f1", "help", "Help", key_display="?"),
    # Last on the key bar: on a narrow terminal it is the one that gets cut.
    Binding("ctrl+p", "command_palette", "…", key_display="^p", tooltip="All commands"),
    Binding("escape", "leave_field", "Leave field", show=False),
    Binding("z,f11", "cycle_cost_view", "Cost view", show=False),
    Binding("c", "toggle_surface", "Surface", show=False),
    Binding("m", "toggle_pin", "Pin run", show=False),
    Binding("P", "toggle_projector", "Projector", show=False),
    Binding("ctrl+l", "redraw", "Redraw", show=False),
    # The terminal is raw, so ctrl+z reaches the app as a key, not as the shell's SIGTSTP.
    Binding("ctrl+z", "suspend_process", "Suspend", show=False),
]

_SPELLED = {"space": "space", "question_mark": "?", "escape": "Esc", "slash": "/"}


def key_name(key: str) -> str:
    """A key as a person writes it: F5, shift+F6, ?, ctrl+p."""
    modifier, _, base = key.rpartition("+")
    function_key = base.startswith("f") and base[1:].isdigit()
    base = base.upper() if function_key else _SPELLED.get(base, base)
    return f"{modifier}+{base}" if modifier else base


def keys_of(action: str) -> str:
    """Every key of ``action`` on the main screen, as the help and the palette write them: "space F5"."""
    for binding in MAIN_SCREEN:
        if binding.action == action:
            return " ".join(key_name(key) for key in binding.key.split(","))
    raise KeyError(f"no key does {action!r}")
