"""`build_demo`: create or refresh the demo pharmacy in one transaction.

Idempotency rule: a demo patient (D000001, D000002, …) is written once, with
its prescriptions, consent and message preferences; later runs write only the
patients that are missing and move every DEMO prescription's dates by the days
since the last run, so the refill windows fall on the same prescriptions
relative to today. The store details, settings, review sites and drugs are
reset to the demo's values on every run. Nothing is ever deleted: patients
from an earlier, bigger run stay (and move along with the calendar).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlmodel import Session

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.demo import catalogue, refresh, store_profile, writer
from rxmsg_tui.services.demo.generator import generate, patient_key
from rxmsg_tui.services.demo.rows import PATIENTS, PRESCRIPTIONS, Preparer
from rxmsg_tui.services.errors import InvalidInput

MAX_PATIENTS = 1_000_000
BATCH_SIZE = 10_000

Progress = Callable[[int, int], None]
"""Called with (patients written, patients to write) after each batch."""


@dataclass(frozen=True)
class DemoSummary:
    store_code: str
    store_name: str
    timezone: str
    today: date
    username: str
    user_added: bool
    patients: int
    new_patients: int
    new_prescriptions: int
    moved_prescriptions: int
    """Prescriptions whose dates moved to today's calendar (0 on the day of the last run)."""
    moved_days: int
    consent_rows: int
    prefs_rows: int
    drugs: int
    store_patients: int
    store_prescriptions: int
    seconds: float = 0.0


@dataclass
class _Tally:
    new_patients: int = 0
    new_prescriptions: int = 0
    consent_rows: int = 0

    def add(self, written: writer.Written) -> None:
        self.new_patients += written.new_patients
        self.new_prescriptions += written.new_prescriptions
        self.consent_rows += written.consent_rows


def build_demo(
    db: Database,
    *,
    patients: int,
    now: datetime,
    username: str,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoSummary:
    """Create or refresh the DEMO store with patients D000001…`patients`; all or nothing."""
    if not 1 <= patients <= MAX_PATIENTS:
        raise InvalidInput(f"--patients must be between 1 and {MAX_PATIENTS:,}; got {patients}")
    started = time.perf_counter()
    with db.transaction() as session:
        summary = _build(session, patients, now, username, progress, batch_size)
    return dataclasses.replace(summary, seconds=time.perf_counter() - started)


def _build(
    session: Session,
    patients: int,
    now: datetime,
    username: str,
    progress: Progress | None,
    batch_size: int,
) -> DemoSummary:
    store = store_profile.ensure_store(session, now=now)
    assert store.id is not None
    store_id = store.id
    user_added = store_profile.ensure_admin(session, store_id, username, now=now)
    actor = Actor(store_id, store.code, username, Role.ADMIN)
    store_profile.apply_settings(session, store, actor, now=now)
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    conn = session.connection()
    anchor = refresh.last_anchor(conn, store_id)
    days = (today - anchor).days if anchor is not None else 0
    moved = refresh.shift_due_dates(conn, store_id, days=days, now=now) if days else 0
    drug_ids = writer.upsert_drugs(conn, store_id, catalogue.DRUGS)
    newest_before = refresh.newest_patient_id(conn)
    existing = refresh.existing_patient_ids(conn, store_id)
    missing = [i for i in range(1, patients + 1) if patient_key(i) not in existing]
    preparer = Preparer(conn.dialect, store_id=store_id, today=today, now=now, username=username)
    tally = _Tally()
    for batch in generate(missing, batch_size=batch_size):
        prepared = preparer.prepare(batch)
        tally.add(
            writer.write_batch(conn, prepared, drug_ids=drug_ids, newest_before=newest_before)
        )
        if progress is not None:
            progress(tally.new_patients, len(missing))
    prefs_rows = refresh.insert_default_prefs(
        conn, store_id, store_profile.PATIENT_DEFAULTS, after_id=newest_before
    )
    after = {"patients": patients, "new_patients": tally.new_patients, "today": today}
    audit.record(session, actor, refresh.ANCHOR_ACTION, at=now, target=store.code, after=after)
    store_patients, store_rx = _store_counts(conn, store_id)
    return DemoSummary(
        store_code=store.code,
        store_name=store.name,
        timezone=store.timezone,
        today=today,
        username=username,
        user_added=user_added,
        patients=patients,
        new_patients=tally.new_patients,
        new_prescriptions=tally.new_prescriptions,
        moved_prescriptions=moved,
        moved_days=days,
        consent_rows=tally.consent_rows,
        prefs_rows=prefs_rows,
        drugs=len(drug_ids),
        store_patients=store_patients,
        store_prescriptions=store_rx,
    )


def _store_counts(conn: Connection, store_id: int) -> tuple[int, int]:
    counts = []
    for table in (PATIENTS, PRESCRIPTIONS):
        query = select(func.count()).select_from(table).where(table.c.store_id == store_id)
        counts.append(int(conn.execute(query).scalar_one()))
    return counts[0], counts[1]
