"""Ask for consent on the signature pad: the wording, waiting for the patient, then the result.

Opened from the Patient Profile (o) and from Patient Message Settings (the
bell). Enter sends the wording to the pad; the patient signs YES or presses
NO there. Escape stops waiting: the pad is told nothing more and nothing is
recorded. A pad that is not set up, does not answer, sends garbage or is
unplugged is said here in plain words, and nothing is recorded.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from rxmsg_tui.devices.sigpad import SignaturePad
from rxmsg_tui.screens.work import RunsServices, WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.sigpad_consent import (
    ConsentOutcome,
    PadFault,
    ToAsk,
    ask_for_consent,
    pad_from_settings,
    wordings_to_ask,
)
from rxmsg_tui.services.sigpad_wording import Wording
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox


class SigpadConsentDialog(RunsServices, ModalScreen[bool]):
    """Dismisses True when an answer was recorded: the screen under it reads the patient again."""

    DEFAULT_CSS = """
    SigpadConsentDialog { align: center middle; }
    #sigpad-box {
        width: 74; height: auto; max-height: 22; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    #sigpad-wording { height: auto; max-height: 9; margin-bottom: 1; color: $text-muted; }
    #sigpad-marketing { height: 1; border: none; padding: 0; margin-bottom: 1; }
    #sigpad-status { height: auto; margin-bottom: 1; }
    #sigpad-status.-done { color: $text-success; }
    #sigpad-status.-refused { color: $error; }
    #sigpad-buttons { height: 1; }
    #sigpad-buttons Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Close", id="sigpad.close", tooltip="Stop waiting; record nothing"
        ),
    ]

    def __init__(self, context: AppContext, patient_id: str) -> None:
        super().__init__()
        self.context = context
        self.patient_id = patient_id
        self.to_ask: ToAsk | None = None
        self.pad: SignaturePad | None = None
        self.recorded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sigpad-box") as box:
            box.border_title = f"Ask for consent on the signature pad — patient {self.patient_id}"
            yield Static("Reading the opt-in wording…", id="sigpad-wording", markup=False)
            yield MarkedCheckbox(
                "Then ask for marketing consent", id="sigpad-marketing", compact=True
            )
            yield Static(
                "Enter shows this on the signature pad; Escape closes.",
                id="sigpad-status",
                markup=False,
            )
            with Horizontal(id="sigpad-buttons"):
                yield Button("Ask on pad", variant="primary", id="sigpad-ask", compact=True)
                yield Button("Close", id="sigpad-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#sigpad-ask", Button).focus()
        ctx, patient_id = self.context, self.patient_id
        run_service(
            self,
            lambda: wordings_to_ask(ctx.db, ctx.actor, patient_id, now=ctx.clock.now()),
            self._show_wording,
            lambda failure: self._status(f"Cannot ask: {failure.text}", refused=True),
            doing="reading the opt-in wording",
            group="sigpad-read",
        )

    def _show_wording(self, to_ask: ToAsk) -> None:
        self.to_ask = to_ask
        self.query_one(
            "#sigpad-box"
        ).border_title = f"Ask for consent on the signature pad — {to_ask.name}"
        self._wording(to_ask.transactional)

    def _wording(self, wording: Wording) -> None:
        said = f"{wording.purpose.title()} wording {wording.version}: {wording.text}"
        self.query_one("#sigpad-wording", Static).update(said)

    @on(Button.Pressed, "#sigpad-ask")
    def action_ask(self) -> None:
        if self.to_ask is None or self.pad is not None or self.recorded:
            return
        ctx, patient_id = self.context, self.patient_id
        marketing = self.query_one("#sigpad-marketing", MarkedCheckbox).value
        try:
            pad = pad_from_settings(ctx.settings.sigpad_url, baudrate=ctx.settings.sigpad_baud)
        except PadFault as exc:  # RXMSG_SIGPAD_URL is not set
            self._status(f"Not asked: {exc}", refused=True)
            return
        self.pad = pad
        self.query_one("#sigpad-ask", Button).disabled = True
        self.query_one("#sigpad-marketing", MarkedCheckbox).disabled = True
        self._status("Waiting for the patient… (Escape stops waiting)")

        def showing(wording: Wording) -> None:
            self.app.call_from_thread(self._wording, wording)

        run_service(
            self,
            lambda: ask_for_consent(
                ctx.db,
                ctx.actor,
                pad,
                patient_id,
                marketing=marketing,
                now=ctx.clock.now,
                timeout=ctx.settings.sigpad_timeout,
                showing=showing,
            ),
            self._answered,
            self._failed,
            doing="asking for consent on the signature pad",
            group="sigpad-ask",
        )

    def _answered(self, outcome: ConsentOutcome) -> None:
        self.pad = None
        self.recorded = True
        if outcome.agreed:
            self._status(f"Recorded: {outcome.summary()}", done=True)
        else:
            self._status(f"Refused: {outcome.summary()}", refused=True)
        self.query_one("#sigpad-close", Button).focus()

    def _failed(self, failure: WorkFailed) -> None:
        self.pad = None
        self.query_one("#sigpad-ask", Button).disabled = False
        self.query_one("#sigpad-marketing", MarkedCheckbox).disabled = False
        self._status(failure.text[:1].upper() + failure.text[1:], refused=True)
        self.query_one("#sigpad-ask", Button).focus()

    def _status(self, text: str, *, done: bool = False, refused: bool = False) -> None:
        status = self.query_one("#sigpad-status", Static)
        status.update(text)
        status.set_class(done, "-done")
        status.set_class(refused, "-refused")

    @on(Button.Pressed, "#sigpad-close")
    def action_close(self) -> None:
        if self.pad is not None:
            self.pad.cancel()  # the worker ends with Cancelled and records nothing
        self.dismiss(self.recorded)
