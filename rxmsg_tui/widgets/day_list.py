"""The legacy "+" list: day counts after which another pickup reminder goes out."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input


class DayListEditor(Horizontal):
    """Type a day count and press + (or Enter) to add it; Enter on a day removes it.

    Every day stays in sight: the days wrap onto further lines, four to a
    line, rather than running off the edge of an 80-column screen.

    Days are kept in order, as the settings store them, so adding 7 then 3
    is not an unsaved change against a saved [3, 7].

    The list is checked on Save with the other settings (1–90, no repeats),
    so the message that refuses it is the same as `rxmsg settings set` gives.
    """

    DEFAULT_CSS = """
    DayListEditor {
        height: auto;
        width: 1fr;
    }
    DayListEditor #day-new {
        width: 6;
    }
    DayListEditor Button {
        min-width: 3;
        margin-left: 1;
    }
    DayListEditor #day-chips {
        layout: grid;
        grid-size: 4;
        grid-columns: 7;
        grid-rows: 1;
        width: 1fr;
        height: auto;
    }
    DayListEditor .day-chip {
        width: 6;
    }
    """

    class Changed(Message):
        """A day was added or removed: the form has unsaved changes."""

        def __init__(self, editor: DayListEditor) -> None:
            super().__init__()
            self.editor = editor

        @property
        def control(self) -> DayListEditor:
            """The editor whose days changed, as Textual's own Changed events name theirs."""
            return self.editor

    def __init__(self, days: Sequence[int] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._days = list(days)

    def compose(self) -> ComposeResult:
        yield Input(id="day-new", type="integer", max_length=2, placeholder="days", compact=True)
        yield Button("+", id="day-add", compact=True, tooltip="Add the day count typed before it")
        with Horizontal(id="day-chips"):
            yield from self._chips()

    def _chips(self) -> list[Button]:
        return [
            Button(
                f"{day} ✕",
                name=str(index),
                classes="day-chip",
                compact=True,
                tooltip=f"Remove the reminder after {day} days",
            )
            for index, day in enumerate(self._days)
        ]

    @property
    def value(self) -> list[int]:
        return list(self._days)

    @value.setter
    def value(self, days: Sequence[int]) -> None:
        self._days = sorted(days)
        if self.is_mounted:
            self._refresh_chips()

    @on(Input.Submitted, "#day-new")
    @on(Button.Pressed, "#day-add")
    def _add(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        typed = self.query_one("#day-new", Input)
        if not typed.value.strip().lstrip("-").isdigit():
            typed.focus()
            return
        self._days = sorted([*self._days, int(typed.value)])
        typed.value = ""
        typed.focus()
        self._refresh_chips()
        self.post_message(self.Changed(self))

    @on(Button.Pressed, ".day-chip")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        del self._days[int(event.button.name or 0)]
        self.query_one("#day-new", Input).focus()
        self._refresh_chips()
        self.post_message(self.Changed(self))

    def _refresh_chips(self) -> None:
        chips = self.query_one("#day-chips", Horizontal)
        chips.remove_children()
        chips.mount_all(self._chips())
