"""One patient's prescriptions for the Patient Profile, each with the latest event of its fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlmodel import col

from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Drug, Patient, Prescription, RxEvent


@dataclass(frozen=True)
class LatestEvent:
    kind: RxEventKind
    occurred_at: datetime
    username: str
    source: str


@dataclass(frozen=True)
class PrescriptionRow:
    rx_number: str
    drug_name: str
    last_fill_date: date
    due_date: date
    refills_remaining: int
    active: bool
    latest_event: LatestEvent | None
    """The latest event of the current fill; an earlier fill's pickup says nothing of this one."""


def list_prescriptions(db: Database, store_id: int, patient_id: str) -> list[PrescriptionRow]:
    """Active Rxs first, then by due date, as the profile has always listed them."""
    wanted = patient_id.strip()
    if not wanted:
        raise InvalidInput("enter a patient ID")
    with db.read() as session:
        conn = session.connection()
        patient_pk = conn.execute(
            select(col(Patient.id)).where(
                col(Patient.store_id) == store_id, col(Patient.patient_id) == wanted
            )
        ).scalar()
        if patient_pk is None:
            raise NotFound(f"no patient with ID {wanted!r} at this store")
        rxs = conn.execute(
            select(
                col(Prescription.id),
                col(Prescription.rx_number),
                col(Drug.name),
                col(Prescription.last_fill_date),
                col(Prescription.due_date),
                col(Prescription.refills_remaining),
                col(Prescription.active),
            )
            .join(Drug, col(Drug.id) == col(Prescription.drug_id))
            .where(col(Prescription.patient_id) == patient_pk)
            .order_by(
                col(Prescription.active).desc(),
                col(Prescription.due_date),
                col(Prescription.rx_number),
            )
        ).all()
        events = conn.execute(
            select(
                col(RxEvent.prescription_id),
                col(RxEvent.kind),
                col(RxEvent.occurred_at),
                col(RxEvent.username),
                col(RxEvent.source),
            )
            .join(
                Prescription,
                and_(
                    col(Prescription.id) == col(RxEvent.prescription_id),
                    col(Prescription.last_fill_date) == col(RxEvent.fill_date),
                ),
            )
            .where(col(Prescription.patient_id) == patient_pk)
            .order_by(col(RxEvent.occurred_at), col(RxEvent.id))
        ).all()
    latest = {
        rx_id: LatestEvent(RxEventKind(kind), at, username, source)
        for rx_id, kind, at, username, source in events
    }
    return [
        PrescriptionRow(number, drug, filled, due, refills, bool(active), latest.get(rx_id or 0))
        for rx_id, number, drug, filled, due, refills, active in rxs
    ]
