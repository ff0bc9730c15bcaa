"""A list of `#VARIABLES#` to insert into a template, narrowed as staff type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from rxmsg_tui.services.formats.preview import InsertableVariable


class VariablePicker(ModalScreen[str | None]):
    """Returns the chosen token (`#PATIENTFIRSTNAME#`), or None when staff press Esc.

    Only the variables that apply to the format's alert type are offered, so
    a pick can never be refused at save for being foreign to it.
    """

    DEFAULT_CSS = """
    VariablePicker {
        align: center middle;
    }
    VariablePicker > #picker-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 20;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    VariablePicker #picker-filter {
        margin-bottom: 1;
    }
    VariablePicker #picker-options {
        height: auto;
        max-height: 14;
        border: none;
        padding: 0;
    }
    VariablePicker #picker-help {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="picker.close", tooltip="Insert nothing"),
        Binding("down", "move(1)", "Next", show=False, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.previous"),
    ]

    def __init__(
        self, variables: Sequence[InsertableVariable], *, title: str = "Variables"
    ) -> None:
        super().__init__()
        self.variables = list(variables)
        self.box_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.box_title
            yield Input(placeholder="type to narrow the list", id="picker-filter", compact=True)
            yield OptionList(*self._options(""), id="picker-options")
            yield Static("↑↓ choose · Enter inserts at the cursor · Esc closes", id="picker-help")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0 if self.variables else None

    def _options(self, text: str) -> list[Option]:
        wanted = text.strip().lower().strip("#")
        return [
            Option(Text.assemble((v.token, "bold"), f"  {v.description}"), id=v.token)
            for v in self.variables
            if wanted in v.token.lower() or wanted in v.description.lower()
        ]

    @on(Input.Changed, "#picker-filter")
    def _narrow(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        options.highlighted = 0 if options.option_count else None

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        self._choose_highlighted()

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = (current + step) % options.option_count

    def _choose_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)
