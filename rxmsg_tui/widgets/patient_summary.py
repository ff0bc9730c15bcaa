"""The Patient Profile's lines about the patient: name, contact, consent, message settings."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, Language
from rxmsg_tui.services.patients import PatientProfile, display_phone

CHANNEL_NAMES = {channel.value: channel.method.value for channel in Channel}
LANGUAGES = {Language.ENGLISH.value: "English", Language.SPANISH.value: "Spanish"}


def name_line(profile: PatientProfile) -> Text:
    patient = profile.patient
    return Text.assemble(
        (patient.name, "bold"),
        f"   DOB {_date(patient.dob) or 'not on file'}",
        "   Language ",
        LANGUAGES.get(patient.language, patient.language),
    )


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _verified(ok: bool) -> tuple[str, str]:
    return ("verified", "green") if ok else ("not verified", "yellow")


def contact_line(profile: PatientProfile) -> Text:
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


def consent_line(profile: PatientProfile) -> Text:
    state = profile.consent
    return Text.assemble(
        ("Consent ", "bold"),
        f"Transactional: {_channels(state.channels(ConsentPurpose.TRANSACTIONAL))}",
        f" · Marketing: {_channels(state.channels(ConsentPurpose.MARKETING))}",
    )


def settings_line(profile: PatientProfile) -> Text:
    chosen = [f"{p.alert}: {_channels(p.channels)}" for p in profile.preferences]
    return Text.assemble(("Messages ", "bold"), " · ".join(chosen) or "no message settings yet")
