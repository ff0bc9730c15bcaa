"""Asks for a support unlock code and says why a code is refused, without closing."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from rxmsg_tui.domain.unlock_code import CODE_CHARS
from rxmsg_tui.screens.work import RunsServices, WorkFailed, run_service
from rxmsg_tui.services.errors import ServiceError
from rxmsg_tui.services.support import UnlockGrant
from rxmsg_tui.widgets.button_row import ButtonRow
from rxmsg_tui.widgets.field_message import FieldMessage


class CodeInput(Input):
    """An Input that keeps a code pasted over several lines whole.

    A remote session may wrap the long code; Input would keep only its first line.
    """

    def _on_paste(self, event: events.Paste) -> None:
        joined = "".join(event.text.split())
        if joined:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(joined)
            else:
                self.replace(joined, *selection)
        event.prevent_default()  # Input's own handler would paste the first line again
        event.stop()


MAX_TYPED = CODE_CHARS * 2
"""Room for the code with its dashes and any spaces that came with it."""


class UnlockDialog(RunsServices, ModalScreen[UnlockGrant | None]):
    """The code rxmsg support pastes in (`rxmsg support unlock-code`).

    `check` redeems the code (it cannot be used again) and returns the grant,
    or raises a `ServiceError` that says why it is refused (not a code,
    another store, expired, already used, no public key). It runs off the UI
    thread because it writes the code's use to the database.
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
    UnlockDialog ButtonRow {
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

    def __init__(self, check: Callable[[str], UnlockGrant]) -> None:
        super().__init__()
        self.check = check
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Unlock Alert Settings"
            yield Static("Paste the unlock code rxmsg support gave you.", markup=False)
            yield CodeInput(
                id="unlock-code",
                placeholder="XXXXXXXX-XXXXXXXX-…",
                max_length=MAX_TYPED,
                compact=True,
            )
            yield FieldMessage(id="unlock-error")
            with ButtonRow():
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
        if not self.checking:
            self.checking = True
            self._check(code)

    def _check(self, code: str) -> None:
        run_service(
            self,
            partial(self.check, code),
            self._unlocked,
            self._refused,
            doing="checking an unlock code",
            group="unlock-check",
        )

    def _unlocked(self, grant: UnlockGrant) -> None:
        self.checking = False
        self.dismiss(grant)

    def _refused(self, failure: WorkFailed) -> None:
        """A refusal says why; a database fault says to try again, and the dialog stays."""
        self.checking = False
        if isinstance(failure.error, ServiceError):
            text = f"Refused: {failure.text}"
        else:
            text = f"Cannot check the code now: {failure.text}"
        self.query_one("#unlock-error", FieldMessage).show(text)
        self.query_one("#unlock-code", Input).focus()

    @on(Button.Pressed, "#unlock-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
