"""What a later demo run changes in place: the calendar of every DEMO prescription, new prefs.

Each run records the day it anchored the due dates on (the `demo.refresh`
audit entry); the next run moves every prescription of the store by the days
since, in one UPDATE, instead of rewriting a million rows. Patients from an
earlier, bigger run and prescriptions entered by hand move along with the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Boolean, Connection, String, Table, func, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from rxmsg_tui.services.demo.rows import PATIENTS, PRESCRIPTIONS
from rxmsg_tui.storage.models import AuditLog, PatientMessagePrefs

PREFS: Table = PatientMessagePrefs.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditLog.__table__  # type: ignore[attr-defined]
ANCHOR_ACTION = "demo.refresh"


def last_anchor(conn: Connection, store_id: int) -> date | None:
    """The day the previous run anchored the due dates on, if the demo ran here before."""
    audit = AUDIT.c
    entry = conn.execute(
        select(audit.after)
        .where(audit.store_id == store_id, audit.action == ANCHOR_ACTION)
        .order_by(audit.id.desc())
        .limit(1)
    ).scalar()
    try:
        return date.fromisoformat(json.loads(entry or "{}")["today"])
    except (KeyError, TypeError, ValueError):
        return None


def shift_due_dates(conn: Connection, store_id: int, *, days: int, now: datetime) -> int:
    """Move last fill and due date of every prescription of the store by `days`."""
    rx = PRESCRIPTIONS.c
    stmt = (
        update(PRESCRIPTIONS)
        .where(rx.store_id == store_id)
        .values(
            last_fill_date=_plus_days(conn, rx.last_fill_date, days),
            due_date=_plus_days(conn, rx.due_date, days),
            updated_at=now,
        )
    )
    return int(conn.execute(stmt).rowcount)


def _plus_days(conn: Connection, column: ColumnElement[date], days: int) -> ColumnElement[date]:
    if conn.dialect.name == "sqlite":
        # Dates are ISO text in SQLite; date() does the calendar arithmetic.
        return func.date(column, f"{days:+d} days", type_=column.type)
    return column + days


def existing_patient_ids(conn: Connection, store_id: int) -> set[str]:
    query = select(PATIENTS.c.patient_id).where(PATIENTS.c.store_id == store_id)
    return set(conn.execute(query).scalars())


def newest_patient_id(conn: Connection) -> int:
    """Ids only grow, so rows above today's maximum are the ones this run created."""
    return int(conn.execute(select(func.coalesce(func.max(PATIENTS.c.id), 0))).scalar_one())


def insert_default_prefs(
    conn: Connection, store_id: int, defaults: Mapping[str, Sequence[str]], *, after_id: int
) -> int:
    """One prefs row per alert for each patient newer than `after_id`, in one INSERT … SELECT."""
    if not defaults:
        return 0
    selects = [
        select(
            PATIENTS.c.store_id,
            PATIENTS.c.id,
            literal(alert, String),
            *(literal(channel in channels, Boolean) for channel in ("email", "sms", "call")),
        ).where(PATIENTS.c.store_id == store_id, PATIENTS.c.id > after_id)
        for alert, channels in defaults.items()
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(PREFS)
        .from_select(
            ["store_id", "patient_id", "alert", "email", "sms", "call"], union_all(*selects)
        )
        .on_conflict_do_nothing(index_elements=["patient_id", "alert"])
    )
    return int(conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount)
