"""A row of dialog buttons that Left and Right move along, as the legacy dialogs' buttons do."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button


class ButtonRow(Horizontal):
    """Left/Right move the focus to the previous/next button of the row, stopping at its ends.

    Tab still walks the whole dialog; the arrows only act while a button of
    this row has the focus, so they never take a key from a field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous button", show=False, id="buttons.previous"),
        Binding("right", "step(1)", "Next button", show=False, id="buttons.next"),
    ]

    def action_step(self, step: int) -> None:
        buttons = [button for button in self.query(Button) if button.focusable]
        focused = self.screen.focused
        if focused not in buttons:
            return
        index = buttons.index(focused) + step
        if 0 <= index < len(buttons):
            buttons[index].focus()
