"""Plain Core inserts of patients, drugs, prescriptions, consent and message settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    Consent,
    Drug,
    Patient,
    PatientMessagePrefs,
    Prescription,
)
from tests.conftest import NOW


def patient(patient_id: str, first: str, last: str, **extra: Any) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "first_name": first,
        "last_name": last,
        "dob": date(1970, 1, 1),
        "cell_phone": None,
        "email": None,
        "language": "en",
        "cell_verified": False,
        "email_verified": False,
        "zip": "",
        "created_at": NOW,
        "updated_at": NOW,
        **extra,
    }


def numbered_patients(count: int, *, prefix: str = "P") -> list[dict[str, Any]]:
    """`count` patients whose listing order is their number: Patient0001, Patient0002, …"""
    return [
        patient(f"{prefix}{n:05d}", f"First{n:04d}", f"Patient{n:04d}", cell_phone=None)
        for n in range(1, count + 1)
    ]


def insert_patients(db: Database, store_id: int, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert and return the database id of each patient by their patient ID."""
    with db.engine.begin() as conn:
        conn.execute(insert(Patient), [{"store_id": store_id, **row} for row in rows])
        found = conn.execute(
            select(Patient.patient_id, Patient.id).where(Patient.store_id == store_id)
        )
        return {patient_id: id_ for patient_id, id_ in found}


def insert_drug(db: Database, store_id: int, ndc: str, name: str) -> int:
    values = {"store_id": store_id, "ndc": ndc, "name": name, "maintenance": True}
    with db.engine.begin() as conn:
        return int(conn.execute(insert(Drug).values(values).returning(Drug.id)).scalar_one())


def insert_rx(
    db: Database,
    store_id: int,
    patient: int,
    drug: int,
    rx_number: str,
    *,
    last_fill: date,
    days_supply: int = 30,
    refills: int = 3,
    active: bool = True,
) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(Prescription).values(
                store_id=store_id,
                rx_number=rx_number,
                patient_id=patient,
                drug_id=drug,
                days_supply=days_supply,
                last_fill_date=last_fill,
                due_date=last_fill + timedelta(days=days_supply),
                refills_remaining=refills,
                active=active,
                updated_at=NOW,
            )
        )


def insert_consent(
    db: Database,
    store_id: int,
    patient: int,
    channel: str,
    purpose: str,
    *,
    granted: bool,
    at: datetime,
    source: str = "verbal",
) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(Consent).values(
                store_id=store_id,
                patient_id=patient,
                channel=channel,
                purpose=purpose,
                granted=granted,
                source=source,
                username="alice",
                recorded_at=at,
            )
        )


def insert_prefs(db: Database, store_id: int, patient: int, alert: str, *channels: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(PatientMessagePrefs).values(
                store_id=store_id,
                patient_id=patient,
                alert=alert,
                email="email" in channels,
                sms="sms" in channels,
                call="call" in channels,
            )
        )
