"""Patient Message Settings (the legacy bell): addresses, language, channels per alert, consent.

Opened from the Patient Profile and the Patient Listing. Cell Phone and
E-mail ID are checked as the import checks them and stored E.164; a changed
address loses its verification. Apply Default Settings and recorded consent
are written at once (each audited); the other fields wait for Save.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from rxmsg_tui.dialogs.consent_entry import ConsentChoice, ConsentEntryDialog
from rxmsg_tui.dialogs.verify_address import VerifyAddressDialog
from rxmsg_tui.domain.vocabulary import AlertType, Channel
from rxmsg_tui.screens.catalogue import SEND_EMAIL_SMS
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.work import RunsServices, WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patient_settings import (
    AddressState,
    PatientSettings,
    SettingsChange,
    apply_default_settings,
    change_settings,
    read_settings,
    record_consent,
)
from rxmsg_tui.services.patients import display_phone
from rxmsg_tui.widgets.channel_boxes import ChannelBoxes
from rxmsg_tui.widgets.field_message import FieldMessage

LANGUAGES = (("English", "en"), ("Spanish", "es"))
LEDGER_COLUMNS = (("When", 16), ("Channel", 7), ("Purpose", 13), ("Consent", 9), ("Source", 9))


class PatientMessageSettingsDialog(RunsServices, ModalScreen[bool]):
    """Dismisses True when anything was saved, so the screen under it reads the patient again."""

    DEFAULT_CSS = """
    PatientMessageSettingsDialog {
        align: center top;
    }
    PatientMessageSettingsDialog > #bell {
        width: 80;
        height: 23;
        border: thick $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    PatientMessageSettingsDialog #bell-body {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    PatientMessageSettingsDialog .line {
        height: 1;
    }
    PatientMessageSettingsDialog .line > Label {
        width: 12;
        text-style: bold;
    }
    PatientMessageSettingsDialog .line > .alert-name {
        width: 24;
        text-style: none;
    }
    PatientMessageSettingsDialog #cell, PatientMessageSettingsDialog #email {
        width: 30;
    }
    PatientMessageSettingsDialog .verification {
        width: 1fr;
        padding-left: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    PatientMessageSettingsDialog .verification.-verified {
        color: $text-success;
    }
    PatientMessageSettingsDialog .verification.-unverified {
        color: $text-warning;
    }
    PatientMessageSettingsDialog #language {
        width: 20;
    }
    PatientMessageSettingsDialog #ledger-title {
        margin-top: 1;
        text-style: bold;
    }
    PatientMessageSettingsDialog #ledger {
        height: auto;
        max-height: 6;
    }
    PatientMessageSettingsDialog #bell-status {
        height: 1;
        color: $text-warning;
    }
    PatientMessageSettingsDialog #bell-status.-done {
        color: $text-success;
    }
    PatientMessageSettingsDialog #bell-buttons {
        height: 1;
    }
    PatientMessageSettingsDialog #bell-buttons Button {
        margin-right: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            show=False,
            id="bell.cancel",
            tooltip="Close, unsaved edits lost",
        ),
        Binding("ctrl+s", "save", "Save", id="bell.save", tooltip="Save the changes"),
        Binding(
            "f2", "verify('sms')", "Verify cell", id="bell.verify_cell", tooltip="Code to the cell"
        ),
        Binding(
            "f3",
            "verify('email')",
            "Verify email",
            id="bell.verify_email",
            tooltip="Code to the email",
        ),
        Binding("f4", "consent", "Consent", id="bell.consent", tooltip="Given or withdrawn"),
        Binding("f5", "defaults", "Defaults", id="bell.defaults", tooltip="Apply Default Settings"),
        Binding("f6", "send", "Send", id="bell.send", tooltip="Send Email/SMS to this patient"),
        Binding(
            "f7",
            "sigpad",
            "Consent on Pad",
            show=False,  # the footer is full at 80 columns
            id="bell.sigpad",
            tooltip="Ask for consent on the signature pad",
        ),
    ]

    def __init__(self, context: AppContext, patient_id: str) -> None:
        super().__init__()
        self.context = context
        self.patient_id = patient_id
        self.settings: PatientSettings | None = None
        self.saved = False
        """Something was written (defaults, consent, a verification): the caller reads again."""

    def compose(self) -> ComposeResult:
        with Vertical(id="bell") as bell:
            bell.border_title = "Patient Message Settings"
            with VerticalScroll(id="bell-body"):
                yield Static("Reading the patient…", id="bell-patient")
            yield Static("", id="bell-status", markup=False)
            with Horizontal(id="bell-buttons"):
                yield Button("Apply Default Settings", id="defaults", compact=True)
                yield Button("Send Email/SMS", id="send", compact=True)
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        ctx, patient_id = self.context, self.patient_id
        run_service(
            self,
            lambda: read_settings(ctx.db, ctx.actor.store_id, patient_id),
            self._first_show,
            self._unreadable,
            doing="reading a patient's message settings",
            group="bell-read",
        )

    def _first_show(self, settings: PatientSettings) -> None:
        self.settings = settings
        self.query_one("#bell-patient", Static).update(
            f"{settings.name}   Patient ID {settings.patient_id}"
        )
        self.call_next(self._mount_fields, settings)

    async def _mount_fields(self, settings: PatientSettings) -> None:
        """The fields depend on the store's channels, so they are built once the patient is read."""
        await self.query_one("#bell-body", VerticalScroll).mount_all(self._fields(settings))
        self._show(settings)
        self.query_one("#cell", Input).focus()

    def _fields(
        self, settings: PatientSettings
    ) -> list[Horizontal | FieldMessage | DataTable[str] | Static]:
        cell = Input(display_phone(settings.cell.address), max_length=40, compact=True, id="cell")
        email = Input(settings.email.address, max_length=254, compact=True, id="email")
        language = Select(
            LANGUAGES, value=settings.language, allow_blank=False, compact=True, id="language"
        )
        widgets: list[Horizontal | FieldMessage | DataTable[str] | Static] = [
            _address_line("Cell Phone", cell, "cell-state"),
            FieldMessage(id="cell-error"),
            _address_line("E-mail ID", email, "email-state"),
            FieldMessage(id="email-error"),
            Horizontal(Label("Language"), language, classes="line"),
            FieldMessage(id="language-error"),
            Static("Send each message by", classes="line"),
        ]
        for alert, chosen in settings.channels.items():
            boxes = ChannelBoxes(chosen, channels=settings.offered[alert], id=f"channels-{alert}")
            name = Label(str(AlertType.from_short(alert)), classes="alert-name")
            widgets += [
                Horizontal(name, boxes, classes="line"),
                FieldMessage(id=f"channels-{alert}-error"),
            ]
        widgets.append(FieldMessage(id="channels-error"))
        ledger: DataTable[str] = DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        for label, width in LEDGER_COLUMNS:
            ledger.add_column(label, width=width)
        ledger.add_column("By", width=10)
        widgets += [Static("Consent ledger", id="ledger-title", classes="line"), ledger]
        return widgets

    def _show(self, settings: PatientSettings) -> None:
        """Verification and the ledger as stored; the typed fields are left as they are."""
        self.settings = settings
        self._show_address("cell", settings.cell)
        self._show_address("email", settings.email)
        ledger = self.query_one("#ledger", DataTable)
        ledger.clear()
        zone = self.context.store_zone
        for e in settings.ledger:
            ledger.add_row(
                f"{e.recorded_at.astimezone(zone):%Y-%m-%d %H:%M}",
                e.channel,
                e.purpose,
                "granted" if e.granted else "withdrawn",
                e.source,
                e.username,
            )
        title = f"Consent ledger ({len(settings.ledger)})  F4 records consent given or withdrawn"
        self.query_one("#ledger-title", Static).update(title)
        if not settings.ledger:
            ledger.add_row("no consent recorded", "", "", "", "", "")

    def _show_address(self, name: str, state: AddressState) -> None:
        label = self.query_one(f"#{name}-state", Static)
        key = "F2" if name == "cell" else "F3"
        label.set_class(state.verified, "-verified")
        label.set_class(bool(state.address) and not state.verified, "-unverified")
        if not state.address:
            label.update("")
        elif not state.verified:
            label.update(f"not verified ({key} verify)")
        else:
            when = (
                state.verified_at.astimezone(self.context.store_zone) if state.verified_at else None
            )
            by = f" by {state.verified_by}" if state.verified_by else ""
            label.update(f"verified{by}{f' {when:%m/%d/%y}' if when else ''}")

    def _unreadable(self, event: WorkFailed) -> None:
        self._say(event.text)
        self.query_one("#bell-patient", Static).update("")

    def _say(self, text: str, *, done: bool = False) -> None:
        status = self.query_one("#bell-status", Static)
        status.update(text[:1].upper() + text[1:])
        status.set_class(done, "-done")

    def _change(self) -> SettingsChange:
        """Only what staff changed, so an address stored before the checks existed is kept."""
        assert self.settings is not None
        cell = self.query_one("#cell", Input).value
        email = self.query_one("#email", Input).value
        unchanged_cell = cell.strip() in (
            display_phone(self.settings.cell.address),
            self.settings.cell.address,
        )
        language = str(self.query_one("#language", Select).value)
        channels = {
            alert: self.query_one(f"#channels-{alert}", ChannelBoxes).value
            for alert in self.settings.channels
        }
        return SettingsChange(
            cell=None if unchanged_cell else cell,
            email=None if email.strip() == self.settings.email.address else email,
            language=None if language == self.settings.language else language,
            channels={a: c for a, c in channels.items() if c != self.settings.channels[a]},
        )

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.settings is None:
            return
        for message in self.query(FieldMessage):
            message.clear()
        ctx, patient_id, change = self.context, self.patient_id, self._change()
        if change == SettingsChange(channels={}):
            self.dismiss(self.saved)  # nothing typed: no write, no audit row
            return
        self._say("Saving…")
        run_service(
            self,
            lambda: change_settings(ctx.db, ctx.actor, patient_id, change, now=ctx.clock.now()),
            lambda _saved: self.dismiss(True),
            self._refused,
            doing="saving a patient's message settings",
            group="bell-write",
        )

    def _refused(self, event: WorkFailed) -> None:
        field = event.field.replace(".", "-")
        messages = self.query(f"#{field}-error").results(FieldMessage) if field else iter(())
        message = next(iter(messages), None)
        if message is None:
            self._say(f"Not saved: {event.text}")
            return
        self._say("Not saved: see the field marked in red")
        message.show(event.text[:1].upper() + event.text[1:])
        target = self.query(f"#{field}")
        if target:
            target.first().focus()
        message.scroll_visible()

    @on(Button.Pressed, "#defaults")
    def action_defaults(self) -> None:
        if self.settings is None:
            return
        ctx, patient_id = self.context, self.patient_id
        run_service(
            self,
            lambda: apply_default_settings(ctx.db, ctx.actor, patient_id, now=ctx.clock.now()),
            self._defaults_applied,
            lambda event: self._say(f"Defaults not applied: {event.text}"),
            doing="applying the default settings to a patient",
            group="bell-write",
        )

    def _defaults_applied(self, settings: PatientSettings) -> None:
        self.saved = True
        for alert, chosen in settings.channels.items():
            self.query_one(f"#channels-{alert}", ChannelBoxes).value = chosen
        self._show(settings)
        self._say("Default settings applied and saved", done=True)

    def action_consent(self) -> None:
        if self.settings is not None:
            self.app.push_screen(ConsentEntryDialog(), self._consent_chosen)

    def _consent_chosen(self, choice: ConsentChoice | None) -> None:
        if choice is None:
            return
        ctx, patient_id = self.context, self.patient_id

        def record() -> PatientSettings:
            return record_consent(
                ctx.db,
                ctx.actor,
                patient_id,
                channel=choice.channel,
                purpose=choice.purpose,
                granted=choice.granted,
                source=choice.source,
                now=ctx.clock.now(),
            )

        run_service(
            self,
            record,
            self._consent_recorded,
            lambda event: self._say(f"Consent not recorded: {event.text}"),
            doing="recording a patient's consent",
            group="bell-write",
        )

    def _consent_recorded(self, settings: PatientSettings) -> None:
        self.saved = True
        self._show(settings)
        latest = settings.ledger[0]
        word = "given" if latest.granted else "withdrawn"
        self._say(f"Recorded: {latest.channel} {latest.purpose} consent {word}", done=True)

    def action_sigpad(self) -> None:
        """Ask for consent on the signature pad; the ledger is read again once recorded."""
        if self.settings is None:
            return
        from rxmsg_tui.dialogs.sigpad_consent import SigpadConsentDialog

        self.app.push_screen(SigpadConsentDialog(self.context, self.patient_id), self._verified)

    def action_verify(self, channel: str) -> None:
        if self.settings is None:
            return
        which = Channel(channel)
        self.app.push_screen(
            VerifyAddressDialog(self.context, self.patient_id, which), self._verified
        )

    def _verified(self, verified: bool | None) -> None:
        if not verified:
            return
        self.saved = True
        ctx, patient_id = self.context, self.patient_id
        run_service(
            self,
            lambda: read_settings(ctx.db, ctx.actor.store_id, patient_id),
            self._show,
            self._unreadable,
            doing="reading a patient's message settings",
            group="bell-read",
        )

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        self.app.push_screen(
            GroupSendScreen(self.context, SEND_EMAIL_SMS, patient_ids=[self.patient_id])
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(self.saved)


def _address_line(label: str, field: Input, state_id: str) -> Horizontal:
    state = Static("", id=state_id, classes="verification")
    return Horizontal(Label(label), field, state, classes="line")
