"""Asks for a support unlock code and says why a code is refused, without closing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from rxmsg_tui.services.errors import ServiceError
from rxmsg_tui.widgets.field_message import FieldMessage


@dataclass(frozen=True)
class Unlock:
    """A code that was valid when typed, and when it stops being valid."""

    code: str
    expires_at: datetime


class UnlockDialog(ModalScreen[Unlock | None]):
    """The code staff read off the phone from rxmsg support (`rxmsg support unlock-code`).

    `check` returns the code's expiry or raises a `ServiceError` that says why
    the code is refused (wrong length, another store, expired, no support key).
    """

    DEFAULT_CSS = """
    UnlockDialog {
        align: center middle;
    }
    UnlockDialog > Vertical {
        width: 64;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    UnlockDialog #unlock-code {
        margin: 1 0 0 0;
    }
    UnlockDialog Horizontal {
        height: auto;
        align: center middle;
        margin-top: 1;
    }
    UnlockDialog Button {
        margin: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="unlock.cancel", tooltip="Stay locked"),
    ]

    def __init__(self, check: Callable[[str], datetime]) -> None:
        super().__init__()
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Unlock Alert Settings"
            yield Static("Type the unlock code rxmsg support gave you.", markup=False)
            yield Input(id="unlock-code", placeholder="XXXX-XXXX-…", max_length=40, compact=True)
            yield FieldMessage(id="unlock-error")
            with Horizontal():
                yield Button("Unlock", variant="primary", id="unlock-ok", compact=True)
                yield Button("Cancel", id="unlock-cancel", compact=True)

    @on(Input.Changed, "#unlock-code")
    def _typed(self) -> None:
        self.query_one("#unlock-error", FieldMessage).clear()

    @on(Input.Submitted, "#unlock-code")
    @on(Button.Pressed, "#unlock-ok")
    def _try(self) -> None:
        code = self.query_one("#unlock-code", Input).value.strip()
        if not code:
            self.query_one("#unlock-error", FieldMessage).show("Type the code first.")
            return
        try:
            expires_at = self.check(code)
        except ServiceError as exc:
            self.query_one("#unlock-error", FieldMessage).show(f"Refused: {exc}")
            self.query_one("#unlock-code", Input).focus()
            return
        self.dismiss(Unlock(code, expires_at))

    @on(Button.Pressed, "#unlock-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
