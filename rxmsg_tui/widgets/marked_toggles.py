"""Check-boxes and radio buttons whose state shows as a mark, not only as a colour.

Textual draws the same `X` (or `●`) whether a box is ticked or not and tells
the two apart by colour alone, so on a monochrome terminal, with `NO_COLOR`,
or on a `linux` console whose palette flattens the two shades, every box
looks ticked. These draw the mark only when the box is on: `▐X▌` against
`▐ ▌`.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton

NO_MARK = " "
"""What an unticked box shows inside its brackets."""


class MarkedCheckbox(Checkbox):
    """A Checkbox that shows `X` when ticked and a blank when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return Checkbox.BUTTON_INNER if self.value else NO_MARK


class MarkedRadioButton(RadioButton):
    """A RadioButton that shows `●` when chosen and a blank when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return RadioButton.BUTTON_INNER if self.value else NO_MARK
