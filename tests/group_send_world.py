"""Patients for the group send tests: addresses, consent, General preferences as asked."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, Consent, Patient, PatientMessagePrefs, Store


def general_channels(
    db: Database, store: Store, channels: list[str], *, only_verified: bool = False
) -> None:
    with db.transaction() as session:
        settings = session.exec(
            select(AlertSettings).where(AlertSettings.store_id == store.id)
        ).one()
        settings.general_channels = channels
        settings.only_verified = only_verified
        session.add(settings)


def add_patient(
    db: Database,
    store: Store,
    now: datetime,
    pid: str,
    *,
    last: str = "Lopez",
    first: str = "Ana",
    consent: bool | None = True,
    stop: bool = False,
    prefs: tuple[str, ...] = ("email", "sms"),
    **fields: object,
) -> int:
    """One patient; consent None writes no ledger row; stop adds an SMS STOP after it."""
    values: dict[str, object] = {
        "cell_phone": "+12025550143", "email": "ana@example.org",
        "cell_verified": True, "email_verified": True,
    }  # fmt: skip
    values.update(fields)
    with db.transaction() as session:
        patient = Patient(
            store_id=store.id,
            patient_id=pid,
            first_name=first,
            last_name=last,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(patient)
        session.flush()
        assert patient.id is not None
        if consent is not None:
            for channel in ("email", "sms"):
                session.add(
                    Consent(
                        store_id=store.id,
                        patient_id=patient.id,
                        channel=channel,
                        purpose="transactional",
                        granted=consent,
                        source="import",
                        recorded_at=now,
                    )
                )
        if stop:
            session.add(
                Consent(
                    store_id=store.id,
                    patient_id=patient.id,
                    channel="sms",
                    purpose="transactional",
                    granted=False,
                    source="sms-keyword",
                    recorded_at=now.replace(minute=now.minute + 1),
                )
            )
        session.add(
            PatientMessagePrefs(
                store_id=store.id,
                patient_id=patient.id,
                alert="general",
                email="email" in prefs,
                sms="sms" in prefs,
            )
        )
        return patient.id
