"""The app's panes and dialogs, one per file."""

from textual.dom import DOMNode
from textual.widgets import Input


def stop_blinking(node: DOMNode) -> None:
    """A blinking cursor redraws twice a second for nothing; over SSH that is bytes."""
    for field in node.query(Input):
        field.cursor_blink = False
