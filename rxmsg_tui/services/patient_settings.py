"""Patient Message Settings (the legacy bell): addresses, language, channels and consent by staff.

Counter staff change these, technicians included: they are a patient's own
choices, not the store's setup (DESIGN.md §9). Every change is one
transaction with its audit row (before and after), and a cell or email that
changes loses its verification, since a code read back for the old number
proves nothing about the new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from rxmsg_tui.domain.contact import InvalidContact, normalise_email, normalise_phone
from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES, CHANNELS
from rxmsg_tui.domain.vocabulary import (
    STAFF_SOURCES,
    AlertType,
    Channel,
    ConsentPurpose,
    Language,
)
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.patient_defaults import apply_defaults_to_patient
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    Consent,
    OutboundSetup,
    Patient,
    PatientMessagePrefs,
    VerificationCode,
)

TEXT_ONLY_ALERTS = (AlertType.GENERAL.short, AlertType.CUSTOMER_REVIEW.short)
"""General and Customer Review messages have no call, as in Alert Settings."""
LEDGER_ROWS = 100


@dataclass(frozen=True)
class AddressState:
    """One address and whether a code read back proved it the patient's."""

    address: str
    """E.164 for a cell, the normalised address for an email; "" when none is on file."""
    verified: bool
    verified_by: str = ""
    verified_at: datetime | None = None


@dataclass(frozen=True)
class LedgerLine:
    """One consent ledger row, newest first on the bell."""

    channel: str
    purpose: str
    granted: bool
    source: str
    recorded_at: datetime
    username: str


@dataclass(frozen=True)
class PatientSettings:
    patient_pk: int
    patient_id: str
    name: str
    cell: AddressState
    email: AddressState
    language: str
    channels: dict[str, list[str]]
    """Alert short name → the channels the patient gets it on (every alert, [] for none)."""
    offered: dict[str, tuple[str, ...]]
    """Alert short name → the channels the bell offers for it at this store."""
    ledger: list[LedgerLine]


@dataclass(frozen=True)
class SettingsChange:
    """What staff changed; None leaves a field as it is, "" removes an address."""

    cell: str | None = None
    email: str | None = None
    language: str | None = None
    channels: Mapping[str, Sequence[str]] | None = None
    """Only the alerts named here change."""
    apply_defaults: bool = False
    """The store's patient defaults first, then `channels` over them."""


def offered_channels(call_using: str) -> dict[str, tuple[str, ...]]:
    """The channels of each alert: no Call without a call provider, nor for text-only alerts."""
    calls = call_using != "none"
    return {
        alert: tuple(
            c for c in CHANNELS if c != "call" or (calls and alert not in TEXT_ONLY_ALERTS)
        )
        for alert in ALERT_SHORT_NAMES
    }


def read_settings(db: Database, store_id: int, patient_id: str) -> PatientSettings:
    with db.read() as session:
        return _settings(session, store_id, _patient(session, store_id, patient_id))


def change_settings(
    db: Database, actor: Actor, patient_id: str, change: SettingsChange, *, now: datetime
) -> PatientSettings:
    """Check every field first, then write them all with one audit row, or nothing."""
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        offered = offered_channels(_call_using(session, actor.store_id))
        channels = _checked_channels(change.channels, offered)
        before = _settings(session, actor.store_id, patient)
        if change.cell is not None:
            cell = _checked(change.cell, normalise_phone, "cell", "Cell Phone")
            if cell != (patient.cell_phone or None):
                patient.cell_phone, patient.cell_verified = cell, False
        if change.email is not None:
            email = _checked(change.email, normalise_email, "email", "E-mail ID")
            if email != (patient.email or None):
                patient.email, patient.email_verified = email, False
        if change.language is not None:
            patient.language = _checked_language(change.language)
        if change.apply_defaults:
            # Written without the ORM: flush what it holds first, read afresh after.
            session.add(patient)
            session.flush()
            apply_defaults_to_patient(session, actor.store_id, _pk(patient))
            session.expire_all()
        for alert, chosen in channels.items():
            _write_prefs(session, patient, alert, chosen)
        patient.updated_at = now
        session.add(patient)
        session.flush()
        after = _settings(session, actor.store_id, patient)
        _audit(session, actor, "patient.settings", before, after, now)
        return after


def apply_default_settings(
    db: Database, actor: Actor, patient_id: str, *, now: datetime
) -> PatientSettings:
    """Apply Default Settings: the store's patient defaults replace this patient's channels."""
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        before = _settings(session, actor.store_id, patient)
        apply_defaults_to_patient(session, actor.store_id, _pk(patient))
        patient.updated_at = now
        session.add(patient)
        session.flush()
        after = _settings(session, actor.store_id, patient)
        _audit(session, actor, "patient.apply_defaults", before, after, now)
        return after


def record_consent(
    db: Database,
    actor: Actor,
    patient_id: str,
    *,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    now: datetime,
) -> PatientSettings:
    """A grant or a withdrawal staff heard in person or by phone, added to the ledger."""
    checked_channel = _one_of(channel, [c.value for c in Channel], "channel")
    checked_purpose = _one_of(purpose, [p.value for p in ConsentPurpose], "purpose")
    checked_source = _one_of(source, [s.value for s in STAFF_SOURCES], "source")
    with db.transaction() as session:
        patient = _patient(session, actor.store_id, patient_id)
        entry = Consent(
            store_id=actor.store_id,
            patient_id=_pk(patient),
            channel=checked_channel,
            purpose=checked_purpose,
            granted=granted,
            source=checked_source,
            username=actor.username,
            recorded_at=now,
        )
        session.add(entry)
        session.flush()
        audit.record(
            session,
            actor,
            "patient.consent",
            at=now,
            target=patient.patient_id,
            after={
                "channel": checked_channel,
                "purpose": checked_purpose,
                "granted": granted,
                "source": checked_source,
            },
        )
        return _settings(session, actor.store_id, patient)


def _patient(session: Session, store_id: int, patient_id: str) -> Patient:
    wanted = patient_id.strip()
    if not wanted:
        raise InvalidInput("enter a patient ID")
    found = session.exec(
        select(Patient).where(Patient.store_id == store_id, Patient.patient_id == wanted)
    ).first()
    if found is None:
        raise NotFound(f"no patient with ID {wanted!r} at this store")
    return found


def _pk(patient: Patient) -> int:
    assert patient.id is not None  # read from the database
    return patient.id


def _call_using(session: Session, store_id: int) -> str:
    setup = session.exec(select(OutboundSetup).where(OutboundSetup.store_id == store_id)).first()
    return "none" if setup is None else setup.call_using


def _settings(session: Session, store_id: int, patient: Patient) -> PatientSettings:
    pk = _pk(patient)
    prefs = session.exec(
        select(PatientMessagePrefs).where(PatientMessagePrefs.patient_id == pk)
    ).all()
    by_alert = {p.alert: [c for c in CHANNELS if getattr(p, c)] for p in prefs}
    ledger = session.exec(
        select(Consent)
        .where(Consent.patient_id == pk)
        .order_by(col(Consent.recorded_at).desc(), col(Consent.id).desc())
        .limit(LEDGER_ROWS)
    ).all()
    return PatientSettings(
        patient_pk=pk,
        patient_id=patient.patient_id,
        name=f"{patient.last_name}, {patient.first_name}",
        cell=_address(session, pk, Channel.SMS, patient.cell_phone, patient.cell_verified),
        email=_address(session, pk, Channel.EMAIL, patient.email, patient.email_verified),
        language=patient.language,
        channels={alert: by_alert.get(alert, []) for alert in ALERT_SHORT_NAMES},
        offered=offered_channels(_call_using(session, store_id)),
        ledger=[
            LedgerLine(c.channel, c.purpose, c.granted, c.source, c.recorded_at, c.username)
            for c in ledger
        ],
    )


def _address(
    session: Session, pk: int, channel: Channel, address: str | None, verified: bool
) -> AddressState:
    """Who verified the address and when: the newest code verified for this very address."""
    if not address or not verified:
        return AddressState(address or "", False)
    code = session.exec(
        select(VerificationCode)
        .where(
            VerificationCode.patient_id == pk,
            VerificationCode.channel == channel.value,
            VerificationCode.address == address,
            col(VerificationCode.verified_at).is_not(None),
        )
        .order_by(col(VerificationCode.verified_at).desc())
        .limit(1)
    ).first()
    if code is None:
        return AddressState(address, True)
    return AddressState(address, True, code.verified_by or "", code.verified_at)


def _checked(text: str, normalise: Any, field: str, label: str) -> str | None:
    if not text.strip():
        return None
    try:
        return str(normalise(text))
    except InvalidContact as exc:
        raise FieldError(field, f"{label} {text.strip()[:40]!r}: {exc}") from None


def _checked_language(text: str) -> str:
    return _one_of(text, [lang.value for lang in Language], "language")


def _one_of(text: str, allowed: list[str], field: str) -> str:
    value = text.strip().lower()
    if value not in allowed:
        raise FieldError(field, f"{field} {text[:20]!r} is not one of {', '.join(allowed)}")
    return value


def _checked_channels(
    wanted: Mapping[str, Sequence[str]] | None, offered: dict[str, tuple[str, ...]]
) -> dict[str, list[str]]:
    checked: dict[str, list[str]] = {}
    for alert, channels in (wanted or {}).items():
        if alert not in offered:
            raise FieldError(
                "channels", f"unknown alert {alert[:30]!r}; one of {', '.join(ALERT_SHORT_NAMES)}"
            )
        for channel in channels:
            if channel not in CHANNELS:
                raise FieldError(
                    f"channels.{alert}",
                    f"{alert}: unknown channel {channel[:20]!r}; one of {', '.join(CHANNELS)}",
                )
            if channel not in offered[alert]:
                why = (
                    f"{alert} messages have no call"
                    if alert in TEXT_ONLY_ALERTS
                    else "this store makes no calls (no call provider is set up)"
                )
                raise FieldError(f"channels.{alert}", f"{alert}: {why}")
        checked[alert] = [c for c in CHANNELS if c in channels]
    return checked


def _write_prefs(session: Session, patient: Patient, alert: str, chosen: list[str]) -> None:
    row = session.exec(
        select(PatientMessagePrefs).where(
            PatientMessagePrefs.patient_id == _pk(patient), PatientMessagePrefs.alert == alert
        )
    ).first()
    if row is None:
        row = PatientMessagePrefs(store_id=patient.store_id, patient_id=_pk(patient), alert=alert)
    for channel in CHANNELS:
        setattr(row, channel, channel in chosen)
    session.add(row)


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    before: PatientSettings,
    after: PatientSettings,
    now: datetime,
) -> None:
    audit.record(
        session,
        actor,
        action,
        at=now,
        target=after.patient_id,
        before=_audited(before),
        after=_audited(after),
    )


def _audited(settings: PatientSettings) -> dict[str, Any]:
    return {
        "cell": asdict(settings.cell),
        "email": asdict(settings.email),
        "language": settings.language,
        "channels": settings.channels,
    }
