"""The app's panes and dialogs, one per file."""

from collections.abc import Callable

from textual.dom import DOMNode
from textual.validation import ValidationResult, Validator
from textual.widgets import Input


def stop_blinking(node: DOMNode) -> None:
    """A blinking cursor redraws twice a second for nothing; over SSH that is bytes."""
    for field in node.query(Input):
        field.cursor_blink = False


class Parses(Validator):
    """Valid when ``parse`` accepts the text; otherwise its own words say what is wrong."""

    def __init__(self, parse: Callable[[str], object]) -> None:
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except ValueError as problem:
            return self.failure(str(problem))
        return self.success()


def blank_or(parse: Callable[[str], object]) -> Callable[[str], object]:
    """A parser that also takes a blank field, as None."""
    return lambda text: None if not text.strip() else parse(text)
