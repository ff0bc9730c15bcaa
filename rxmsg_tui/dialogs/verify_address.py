"""Verify a patient's cell phone or email: send a code, type the code the patient reads back.

Reached from Patient Message Settings (the bell) and from the Patient Profile.
The code itself is never shown here: staff only ever see what the patient
reads back from the text or email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from rxmsg_tui.domain.vocabulary import Channel
from rxmsg_tui.screens.work import RunsServices, WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patients import display_phone
from rxmsg_tui.services.verification import (
    AddressState,
    CodeSent,
    address_state,
    check_code,
    send_code,
)

TITLES = {Channel.SMS: "Verify Cell Phone", Channel.EMAIL: "Verify E-mail ID"}
NAMES = {Channel.SMS: "Cell", Channel.EMAIL: "E-mail"}


class VerifyAddressDialog(RunsServices, ModalScreen[bool]):
    """F5 sends a code to the address; Enter (or Check) checks the code typed.

    Dismisses True when the address got verified, False otherwise.
    """

    DEFAULT_CSS = """
    VerifyAddressDialog { align: center middle; }
    #verify-box {
        width: 64; height: auto; border: round $accent; padding: 0 1;
        background: $surface;
    }
    #verify-address { height: 1; }
    #verify-state { height: 1; margin-bottom: 1; }
    #verify-code-row { height: 1; }
    #verify-code-row Label { width: 6; }
    #verify-code { width: 12; }
    #verify-code-error { height: auto; color: $error; }
    #verify-status { height: auto; margin-top: 1; }
    #verify-buttons { height: 1; margin-top: 1; }
    #verify-buttons Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="verify.close", tooltip="Back without verifying"),
        Binding("f5", "send_code", "Send code", id="verify.send", tooltip="Queue a new code"),
    ]

    def __init__(self, context: AppContext, patient_id: str, channel: Channel) -> None:
        super().__init__()
        self.context = context
        self.patient_id = patient_id
        self.channel = channel
        self.verified = False
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="verify-box") as box:
            box.border_title = f"{TITLES[self.channel]} — patient {self.patient_id}"
            yield Static("Loading…", id="verify-address", markup=False)
            yield Static("", id="verify-state", markup=False)
            with Horizontal(id="verify-code-row"):
                yield Label("Code:")
                yield Input(
                    placeholder="6 digits",
                    max_length=12,
                    id="verify-code",
                    compact=True,
                    restrict=r"[0-9 ]*",
                )
            yield Static("", id="verify-code-error", markup=False)
            yield Static(
                "F5 sends a code; type the code the patient reads back, then Enter.",
                id="verify-status",
                markup=False,
            )
            with Horizontal(id="verify-buttons"):
                yield Button("Send code (F5)", id="verify-send", compact=True)
                yield Button("Check", variant="primary", id="verify-check", compact=True)
                yield Button("Close", id="verify-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#verify-code", Input).focus()
        self._read()

    def _read(self) -> None:
        ctx = self.context
        run_service(
            self,
            lambda: address_state(
                ctx.db, ctx.actor, self.patient_id, self.channel, now=ctx.clock.now()
            ),
            self._show,
            lambda failure: self._status(f"Cannot read the patient: {failure.text}"),
            doing="reading an address to verify",
            group="verify-read",
        )

    def _show(self, state: AddressState) -> None:
        shown = display_phone(state.address) if self.channel is Channel.SMS else state.address
        name = NAMES[self.channel]
        self.query_one("#verify-address", Static).update(f"{name}: {shown or '(none on file)'}")
        if state.verified:
            said = "Verified"
        elif state.code_expires_at is not None:
            said = f"Not verified — a code is waiting until {self._hhmm(state.code_expires_at)}"
        else:
            said = "Not verified"
        self.query_one("#verify-state", Static).update(said)

    @on(Button.Pressed, "#verify-send")
    def action_send_code(self) -> None:
        if self.busy:
            return
        self.busy = True
        ctx = self.context
        self._status("Sending a code…")
        run_service(
            self,
            lambda: send_code(
                ctx.db, ctx.actor, self.patient_id, self.channel, now=ctx.clock.now()
            ),
            self._sent,
            partial(self._refused, prefix="No code sent: "),
            doing="sending a verification code",
            group="verify-work",
        )

    def _sent(self, sent: CodeSent) -> None:
        self.busy = False
        self._error("")
        shown = display_phone(sent.address) if self.channel is Channel.SMS else sent.address
        if sent.goes_at > self.context.clock.now():
            self._status(
                f"Code queued to {shown} (message {sent.message_id}); texts wait for 08:00 "
                f"at the patient: it goes at {self._hhmm(sent.goes_at)}, "
                f"valid until {self._hhmm(sent.expires_at)}."
            )
            self._read()
            return
        self._status(
            f"Code queued to {shown} (message {sent.message_id}); "
            f"it expires at {self._hhmm(sent.expires_at)}. Ask the patient to read it back."
        )
        self.query_one("#verify-code", Input).value = ""
        self.query_one("#verify-code", Input).focus()
        self._read()

    @on(Input.Submitted, "#verify-code")
    @on(Button.Pressed, "#verify-check")
    def action_check(self) -> None:
        if self.busy:
            return
        typed = self.query_one("#verify-code", Input).value
        if not typed.strip():
            self._error("Type the code the patient reads back.")
            return
        self.busy = True
        ctx = self.context
        run_service(
            self,
            lambda: check_code(
                ctx.db, ctx.actor, self.patient_id, self.channel, typed, now=ctx.clock.now()
            ),
            self._checked,
            partial(self._refused, prefix=""),
            doing="checking a verification code",
            group="verify-work",
        )

    def _checked(self, _: None) -> None:
        self.busy = False
        self.verified = True
        self._error("")
        self._status(f"{NAMES[self.channel]} verified.")
        self.query_one("#verify-code", Input).value = ""
        self.query_one("#verify-close", Button).focus()
        self._read()

    def _refused(self, failure: WorkFailed, *, prefix: str) -> None:
        self.busy = False
        if failure.field == "code":
            self._error(failure.text[:1].upper() + failure.text[1:])
            self._status("")
            self.query_one("#verify-code", Input).focus()
            self._read()
        else:
            self._status(prefix + failure.text)

    @on(Button.Pressed, "#verify-close")
    def action_close(self) -> None:
        self.dismiss(self.verified)

    def _status(self, text: str) -> None:
        self.query_one("#verify-status", Static).update(text)

    def _error(self, text: str) -> None:
        self.query_one("#verify-code-error", Static).update(text)

    def _hhmm(self, at: datetime) -> str:
        return at.astimezone(self.context.store_zone).strftime("%H:%M")


class ChooseAddressDialog(ModalScreen[Channel | None]):
    """Which address to verify: `c` the cell, `e` the email, Escape neither."""

    DEFAULT_CSS = """
    ChooseAddressDialog { align: center middle; }
    ChooseAddressDialog > Vertical {
        width: 44; height: auto; border: round $accent; padding: 0 1; background: $surface;
    }
    ChooseAddressDialog Horizontal { height: 1; margin-top: 1; }
    ChooseAddressDialog Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('sms')", "Cell", id="verify.cell", tooltip="Verify the cell phone"),
        Binding("e", "choose('email')", "E-mail", id="verify.email", tooltip="Verify the email"),
        Binding("escape", "choose('')", "Cancel", id="verify.cancel", tooltip="Verify nothing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Verify which address?"
            with Horizontal():
                yield Button("Cell (c)", id="choose-sms", compact=True)
                yield Button("E-mail (e)", id="choose-email", compact=True)
                yield Button("Cancel", id="choose-", compact=True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "choose-").removeprefix("choose-"))

    def action_choose(self, channel: str) -> None:
        self.dismiss(Channel(channel) if channel else None)


def verify_cell_or_email(
    screen: Screen[Any],
    context: AppContext,
    patient_id: str,
    closed: Callable[[bool], object],
) -> None:
    """Ask cell or email, then open the verification dialog; `closed(verified)` after it."""

    def done(verified: bool | None) -> None:
        closed(bool(verified))

    def chosen(channel: Channel | None) -> None:
        if channel is not None:
            screen.app.push_screen(VerifyAddressDialog(context, patient_id, channel), done)

    screen.app.push_screen(ChooseAddressDialog(), chosen)
