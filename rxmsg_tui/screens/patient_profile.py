"""Patient Profile: one patient's contact details, consent, message settings and Rxs."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, Language
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import PATIENT_PROFILE
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import ServiceError
from rxmsg_tui.services.patients import PatientProfile, display_phone, patient_profile
from rxmsg_tui.widgets.paged_table import clip

DRUG_WIDTH = 21
RX_COLUMNS = (
    ("Rx Number", 9),
    ("Drug", DRUG_WIDTH),
    ("Last Fill", 10),
    ("Due", 10),
    ("Refills", 7),
    ("Active", 6),
)
CHANNEL_NAMES = {channel.value: channel.method.value for channel in Channel}
LANGUAGES = {Language.ENGLISH.value: "English", Language.SPANISH.value: "Spanish"}


class ProfileLoaded(Message):
    def __init__(self, profile: PatientProfile) -> None:
        super().__init__()
        self.profile = profile


class ProfileNotFound(Message):
    def __init__(self, patient_id: str, reason: str) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.reason = reason


class PatientProfileScreen(RxScreen):
    """Opened from the listing with a patient, or from the menu asking for a patient ID.

    The ID field stays at the top either way, so staff can look up the next
    patient without going back. Recording Rx events from here comes later.
    """

    CSS_PATH = "../styles/patient_profile.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "find", "Find patient", id="profile.find", tooltip="Look up another ID"),
    ]

    def __init__(self, context: AppContext, *, patient_id: str | None = None) -> None:
        super().__init__(context, PATIENT_PROFILE)
        self.patient_id = patient_id
        self.profile: PatientProfile | None = None
        self.asked_for = ""
        """The ID last looked up: an answer about an earlier one arrives too late to show."""

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
            yield Static(id="patient-contact")
            yield Static(id="patient-consent")
            yield Static(id="patient-settings")
            yield DataTable(id="prescriptions", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#prescriptions", DataTable)
        for label, width in RX_COLUMNS:
            table.add_column(label, width=width)
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

    @work(thread=True, exclusive=True, group="patient-profile")
    def _load(self, patient_id: str) -> None:
        try:
            profile = patient_profile(self.context.db, self.context.actor.store_id, patient_id)
        except ServiceError as exc:
            self.post_message(ProfileNotFound(patient_id, str(exc)))
            return
        self.post_message(ProfileLoaded(profile))

    def on_profile_not_found(self, event: ProfileNotFound) -> None:
        if event.patient_id != self.asked_for:
            return
        self.profile = None
        reason = event.reason[:1].upper() + event.reason[1:]
        self.query_one("#profile-message", Static).update(reason)
        self.query_one("#profile-details").display = False
        self.action_find()

    def on_profile_loaded(self, event: ProfileLoaded) -> None:
        if event.profile.patient.patient_id != self.asked_for:
            return
        self.profile = event.profile
        patient = event.profile.patient
        self.patient_id = patient.patient_id
        self.query_one("#patient-id", Input).value = patient.patient_id
        self.query_one("#profile-message", Static).update("")
        self.query_one("#patient-name", Static).update(
            Text.assemble(
                (patient.name, "bold"),
                f"   DOB {_date(patient.dob) or 'not on file'}",
                "   Language ",
            )
            + LANGUAGES.get(patient.language, patient.language)
        )
        self.query_one("#patient-contact", Static).update(_contact(event.profile))
        self.query_one("#patient-consent", Static).update(_consent(event.profile))
        self.query_one("#patient-settings", Static).update(_settings(event.profile))
        table = self.query_one("#prescriptions", DataTable)
        table.clear()
        for rx in event.profile.prescriptions:
            table.add_row(
                rx.rx_number,
                clip(rx.drug_name, DRUG_WIDTH),
                _date(rx.last_fill_date),
                _date(rx.due_date),
                str(rx.refills_remaining),
                "Yes" if rx.active else "No",
                key=rx.rx_number,
            )
        table.border_title = f"Prescriptions ({len(event.profile.prescriptions)})"
        self.query_one("#profile-details").display = True
        table.focus()

    def action_find(self) -> None:
        field = self.query_one("#patient-id", Input)
        field.focus()
        field.select_all()


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _verified(ok: bool) -> tuple[str, str]:
    return ("verified", "green") if ok else ("not verified", "yellow")


def _contact(profile: PatientProfile) -> Text:
    patient = profile.patient
    cell = display_phone(patient.cell_phone) or "none"
    email = patient.email or "none"
    return Text.assemble(
        ("Cell ", "bold"),
        f"{cell} ",
        _verified(patient.cell_verified) if patient.cell_phone else "",
        ("\nEmail ", "bold"),
        f"{email} ",
        _verified(patient.email_verified) if patient.email else "",
    )


def _channels(channels: tuple[str, ...]) -> str:
    names = [CHANNEL_NAMES.get(c, c) for c in channels]
    return ", ".join(names) or "none"


def _consent(profile: PatientProfile) -> Text:
    state = profile.consent
    return Text.assemble(
        ("Consent ", "bold"),
        f"Transactional: {_channels(state.channels(ConsentPurpose.TRANSACTIONAL))}",
        f" · Marketing: {_channels(state.channels(ConsentPurpose.MARKETING))}",
    )


def _settings(profile: PatientProfile) -> Text:
    chosen = [f"{p.alert}: {_channels(p.channels)}" for p in profile.preferences]
    return Text.assemble(("Messages ", "bold"), " · ".join(chosen) or "no message settings yet")
