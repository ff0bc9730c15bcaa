"""The flood guard (DESIGN.md §4): greetings and review resends that would reach too many.

Welcome, Birthday and Customer Review have no prescription behind them, so a
surge of them means a data problem (a mass import, a birth date column
shifted) rather than a busy day. Before such an alert is queued its patients
are counted with one COUNT; over both limits nothing of it is queued and a
`daily_hold` row waits for an admin. Refill and pickup messages are never
held: a patient waiting for medicine must not wait for an admin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, union_all
from sqlmodel import Session

from rxmsg_tui.services.daily.insert import Candidates
from rxmsg_tui.services.daily.plan import DayPlan
from rxmsg_tui.services.daily.sql import MESSAGE, PATIENT
from rxmsg_tui.storage.bulk import dialect_insert, table
from rxmsg_tui.storage.models import DailyHold

MIN_PATIENTS = 100
"""A small store's greetings are never held: at most this many patients is always fine."""

HOLD = table(DailyHold)


def is_flood(would_reach: int, patients: int, share: float) -> bool:
    """More than `share` of the store's patients and more than `MIN_PATIENTS`."""
    return would_reach > MIN_PATIENTS and would_reach > share * patients


def would_reach(session: Session, candidates: Sequence[Candidates]) -> int:
    """Patients the alert would queue a message to now (keys already queued do not count)."""
    if not candidates:
        return 0
    subqueries = [c.rows.subquery() for c in candidates]
    rows = union_all(*(select(sub.c.patient_pk, sub.c.dedupe_key) for sub in subqueries)).subquery(
        "wanted"
    )
    queued = select(MESSAGE.c.id).where(MESSAGE.c.dedupe_key == rows.c.dedupe_key).exists()
    query = select(func.count(func.distinct(rows.c.patient_pk))).where(~queued)
    return int(session.connection().scalar(query) or 0)


def patient_total(session: Session, store_id: int) -> int:
    query = select(func.count()).select_from(PATIENT).where(PATIENT.c.store_id == store_id)
    return int(session.connection().scalar(query) or 0)


def find_hold(session: Session, store_id: int, day: date, alert: str) -> DailyHold | None:
    query = select(DailyHold).where(
        DailyHold.store_id == store_id,  # type: ignore[arg-type]
        DailyHold.run_date == day,  # type: ignore[arg-type]
        DailyHold.alert == alert,  # type: ignore[arg-type]
    )
    found: DailyHold | None = session.execute(query).scalars().first()
    return found


def hold(
    session: Session, plan: DayPlan, alert: str, *, reach: int, patients: int, at: datetime
) -> None:
    """Record the hold; a hold recorded meanwhile by another process is kept as it is."""
    insert = dialect_insert(session.connection(), HOLD).values(
        store_id=plan.store_id,
        run_date=plan.day,
        alert=alert,
        would_queue=reach,
        patient_total=patients,
        held_at=at,
    )
    session.connection().execute(insert.on_conflict_do_nothing())
