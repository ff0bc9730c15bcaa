"""Patient Profile: one patient's contact details, consent, message settings and Rxs."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import PATIENT_PROFILE, SEND_EMAIL_SMS
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patient_prescriptions import PrescriptionRow, list_prescriptions
from rxmsg_tui.services.patients import PatientProfile, patient_profile
from rxmsg_tui.services.rx_events import KIND_LABELS, EventResult, EventSource, record_event
from rxmsg_tui.widgets import patient_summary as summary
from rxmsg_tui.widgets.app_events import QueueChanged
from rxmsg_tui.widgets.prescription_table import PrescriptionTable

BELL_MARK = "🔔 {key} Message Settings"
"""The bell beside the contact line, with the key that opens it."""
"""Beside the cell number, as the legacy bell icon, naming its key (the footer is full)."""


class PatientProfileScreen(RxScreen):
    """Opened from the listing with a patient, or from the menu asking for a patient ID.

    The ID field stays at the top either way, so staff can look up the next
    patient without going back. On the prescriptions, the keys shown in the
    footer record an Rx event as the pharmacy system would (label printed,
    insurance approved, verified, picked up); the line under the table says
    what it queued or cancelled.
    """

    CSS_PATH = "../styles/patient_profile.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "find", "Find", id="profile.find", tooltip="Look up another patient ID"),
        Binding(
            "b",
            "message_settings",
            "Message Settings",
            show=False,
            id="profile.bell",
            tooltip="Patient Message Settings (the bell): addresses, channels, consent",
        ),
        Binding(
            "a",
            "verify",
            "Verify Address",
            show=False,  # the footer is full; `v` there records an Rx as verified for fill
            id="profile.verify",
            tooltip="Verify the cell or email with a code the patient reads back",
        ),
        Binding(
            "s",
            "send_message",
            "Send Email/SMS",
            show=False,  # the footer is full at 80 columns; the bell's F6 and the palette say it
            id="profile.send",
            tooltip="Send a general email or text message to this patient",
        ),
        Binding(
            "c",
            "chat",
            "2-way Messaging",
            show=False,  # the footer is full at 80 columns
            id="profile.chat",
            tooltip="Open this patient's text thread in 2-way Messaging",
        ),
        Binding(
            "o",
            "sigpad_consent",
            "Consent on Pad",
            show=False,  # the footer is full at 80 columns; the bell's F7 and the palette say it
            id="profile.sigpad",
            tooltip="Ask for consent on the signature pad (opt-in)",
        ),
    ]

    def __init__(self, context: AppContext, *, patient_id: str | None = None) -> None:
        super().__init__(context, PATIENT_PROFILE)
        self.patient_id = patient_id
        self.profile: PatientProfile | None = None
        self.asked_for = ""
        """The ID last looked up: an answer about an earlier one arrives too late to show."""

    def _bell_mark(self) -> str:
        """The bell's key as staff have it: `b`, or the key the config file's keymap gives it."""
        keys = self.context.settings.keymap.get("profile.bell", "b")
        return BELL_MARK.format(key=self.app.get_key_display(Binding(keys.split(",")[0], "")))

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="lookup"):
            yield Label("Patient ID ", id="lookup-label")
            yield Input(
                self.patient_id or "",
                placeholder="type the patient ID and press Enter",
                id="patient-id",
                max_length=40,
                compact=True,
            )
        yield Static("", id="profile-message")
        with Vertical(id="profile-details"):
            yield Static(id="patient-name")
            with Horizontal(id="contact-line"):
                yield Static(id="patient-contact")
                yield Static(self._bell_mark(), id="bell-mark")
            yield Static(id="patient-consent")
            yield Static(id="patient-settings")
            yield PrescriptionTable(id="prescriptions")
            yield Static("", id="rx-detail", markup=False)
            yield Static("", id="event-result", markup=False)

    def on_mount(self) -> None:
        self.query_one("#profile-details").display = False
        if self.patient_id:
            self._look_up(self.patient_id)
        else:
            self.action_find()

    @on(Input.Submitted, "#patient-id")
    def _id_entered(self, event: Input.Submitted) -> None:
        self._look_up(event.value)

    def _look_up(self, patient_id: str) -> None:
        self.asked_for = patient_id.strip()
        self.query_one("#profile-message", Static).update("Looking up…")
        self._load(self.asked_for)

    def _load(self, patient_id: str) -> None:
        db, store_id = self.context.db, self.context.actor.store_id

        def read() -> tuple[PatientProfile, list[PrescriptionRow]]:
            profile = patient_profile(db, store_id, patient_id)
            return profile, list_prescriptions(db, store_id, patient_id)

        run_service(
            self,
            read,
            lambda found: self._show(*found),
            partial(self._not_found, patient_id),
            doing="reading a patient profile",
            group="patient-profile",
        )

    def _not_found(self, patient_id: str, event: WorkFailed) -> None:
        if patient_id != self.asked_for:
            return
        self.profile = None
        reason = event.text[:1].upper() + event.text[1:]
        self.query_one("#profile-message", Static).update(reason)
        self.query_one("#profile-details").display = False
        self.action_find()

    def _show(self, profile: PatientProfile, rxs: list[PrescriptionRow]) -> None:
        if profile.patient.patient_id != self.asked_for:
            return
        self.profile = profile
        patient = profile.patient
        self.patient_id = patient.patient_id
        self.query_one("#patient-id", Input).value = patient.patient_id
        self.query_one("#profile-message", Static).update("")
        self.query_one("#patient-name", Static).update(summary.name_line(profile))
        self.query_one("#patient-contact", Static).update(summary.contact_line(profile))
        self.query_one("#patient-consent", Static).update(summary.consent_line(profile))
        self.query_one("#patient-settings", Static).update(summary.settings_line(profile))
        table = self.query_one("#prescriptions", PrescriptionTable)
        table.show(rxs)
        table.border_title = f"Prescriptions ({len(rxs)})"
        self.query_one("#event-result", Static).update("")
        self._show_detail(table.highlighted)
        self.query_one("#profile-details").display = True
        table.focus()

    @on(DataTable.RowHighlighted, "#prescriptions")
    def _rx_highlighted(self) -> None:
        self._show_detail(self.query_one("#prescriptions", PrescriptionTable).highlighted)

    def _show_detail(self, rx: PrescriptionRow | None) -> None:
        """The highlighted Rx in full: the table clips the drug and names the event in a word."""
        text = ""
        if rx is not None:
            text = f"Rx {rx.rx_number} · {rx.drug_name}"
            if (latest := rx.latest_event) is not None:
                at = latest.occurred_at.astimezone(self.context.store_zone)
                text += f" · {KIND_LABELS[latest.kind]} {at:%Y-%m-%d %H:%M} by {latest.username}"
        self.query_one("#rx-detail", Static).update(text)

    @on(PrescriptionTable.RxEventRequested)
    def _event_requested(self, event: PrescriptionTable.RxEventRequested) -> None:
        rx_number, kind = event.row.rx_number, event.kind
        if kind is not RxEventKind.PICKED_UP:
            self._record(rx_number, kind)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._record(rx_number, kind)

        question = (
            f"Record Rx {rx_number} ({event.row.drug_name}) as picked up?\n"
            "Pickup reminders still waiting are cancelled; the pickup confirmation "
            "and review request are queued."
        )
        self.app.push_screen(ConfirmDialog(question, yes="Picked up", no="Cancel"), answered)

    def _record(self, rx_number: str, kind: RxEventKind) -> None:
        ctx = self.context
        patient_id = self.patient_id or ""

        def record() -> tuple[EventResult, list[PrescriptionRow]]:
            now = ctx.clock.now()
            result = record_event(
                ctx.db, ctx.actor, rx_number, kind, now=now, source=EventSource.TUI
            )
            return result, list_prescriptions(ctx.db, ctx.actor.store_id, patient_id)

        run_service(
            self,
            record,
            lambda done: self._recorded(patient_id, rx_number, *done),
            self._not_recorded,
            doing="recording an Rx event",
            group="rx-event",
            exclusive=False,
        )

    def _recorded(
        self, patient_id: str, rx_number: str, result: EventResult, rxs: list[PrescriptionRow]
    ) -> None:
        """The event's line, then the Rxs read again with the cursor kept on this one."""
        line = self.query_one("#event-result", Static)
        line.update(result.summary())
        line.remove_class("-refused")
        self.app.post_message(QueueChanged())
        if patient_id != self.patient_id:
            return
        table = self.query_one("#prescriptions", PrescriptionTable)
        table.show(rxs, keep=rx_number)
        self._show_detail(table.highlighted)

    def _not_recorded(self, event: WorkFailed) -> None:
        reason = event.text[:1].upper() + event.text[1:]
        line = self.query_one("#event-result", Static)
        line.update(f"Not recorded: {reason}")
        line.add_class("-refused")

    def action_message_settings(self) -> None:
        """The bell: Patient Message Settings; the profile is read again after a save."""
        if self.profile is None:
            return
        from rxmsg_tui.dialogs.patient_message_settings import PatientMessageSettingsDialog

        patient_id = self.profile.patient.patient_id

        def closed(saved: bool | None) -> None:
            if saved and patient_id == self.patient_id:
                self._look_up(patient_id)

        self.app.push_screen(PatientMessageSettingsDialog(self.context, patient_id), closed)

    def action_sigpad_consent(self) -> None:
        """Ask for consent on the signature pad; the profile is read again once recorded."""
        if self.profile is None:
            self.notify("Look up a patient first", severity="warning")
            return
        from rxmsg_tui.dialogs.sigpad_consent import SigpadConsentDialog

        patient_id = self.profile.patient.patient_id

        def closed(recorded: bool | None) -> None:
            if recorded and patient_id == self.patient_id:
                self._look_up(patient_id)

        self.app.push_screen(SigpadConsentDialog(self.context, patient_id), closed)

    def action_find(self) -> None:
        field = self.query_one("#patient-id", Input)
        field.focus()
        field.select_all()

    def action_verify(self) -> None:
        """Verify the cell or email (asks which); the profile is read again once verified."""
        if self.profile is None:
            return
        from rxmsg_tui.dialogs.verify_address import verify_cell_or_email

        patient_id = self.profile.patient.patient_id

        def closed(verified: bool) -> None:
            if verified and patient_id == self.patient_id:
                self._look_up(patient_id)

        verify_cell_or_email(self, self.context, patient_id, closed)

    def action_send_message(self) -> None:
        """Send Email/SMS to the patient on show: the group wizard for this one patient."""
        if self.profile is None:
            self.notify("Look up a patient first", severity="warning")
            return
        patient_id = self.profile.patient.patient_id
        self.app.push_screen(
            GroupSendScreen(self.context, SEND_EMAIL_SMS, patient_ids=[patient_id])
        )

    def action_chat(self) -> None:
        """2-way Messaging on this patient's thread; replies go to this patient."""
        if self.profile is None:
            self.notify("Look up a patient first", severity="warning")
            return
        from rxmsg_tui.screens.two_way_messaging import TwoWayMessagingScreen

        patient_id = self.profile.patient.patient_id
        self.app.push_screen(TwoWayMessagingScreen(self.context, patient_id=patient_id))
