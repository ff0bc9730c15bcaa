"""The line under a form field that says why the field was refused, and the cursor put there."""

from __future__ import annotations

import re

from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

_POSITION = re.compile(r"line (\d+)(?:, column (\d+))?")


class FieldMessage(Static):
    """Hidden until a save is refused at its field, so a clean form loses no rows at 80x24."""

    DEFAULT_CSS = """
    FieldMessage {
        display: none;
        height: auto;
        color: $text-error;
        text-style: bold;
    }
    FieldMessage.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.message = ""

    def show(self, message: str) -> None:
        self.message = message
        self.update(message)
        self.add_class("-shown")

    def clear(self) -> None:
        self.message = ""
        self.update("")
        self.remove_class("-shown")


def focus_at(field: Widget, message: str) -> None:
    """Focus the refused field with the cursor where the message says the problem is.

    Messages name the place as "line 2, column 5"; without one the cursor
    goes to the end, and nothing is selected, so the next key does not wipe
    what staff typed.
    """
    found = _POSITION.search(message)
    line, column = (int(found[1]) - 1, int(found[2] or 1) - 1) if found else (-1, -1)
    field.focus()
    if isinstance(field, TextArea):
        last = field.document.line_count - 1
        field.cursor_location = (line, column) if 0 <= line <= last else field.document.end
    elif isinstance(field, Input):
        position = column if line == 0 else len(field.value)
        # After the focus event, which selects the whole value.
        field.call_after_refresh(setattr, field, "cursor_position", position)
