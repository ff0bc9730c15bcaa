"""`build_demo`: build the demo pharmacy once, in one transaction; `reset` builds it anew.

The first run creates the DEMO store with its settings, review sites, drugs
and patients D000001…N (with prescriptions, consent and message
preferences). Later runs keep everything staff may have changed (settings,
formats, patients) and only move every DEMO prescription's dates by the days
since the last run, so the refill windows fall on the same prescriptions
relative to today. `reset` deletes the store's data (see `guard`) and builds
it again. A database holding any other store is refused before anything is
written.
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

from rxmsg_tui.domain.demo_limits import MAX_PATIENTS
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.demo import catalogue, guard, refresh, store_profile, writer
from rxmsg_tui.services.demo.generator import generate, patient_key
from rxmsg_tui.services.demo.rows import PATIENTS, PRESCRIPTIONS, Preparer
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store

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
    built: bool = True
    """False when the demo was there already and kept as it was."""
    reset: bool = False
    seconds: float = 0.0


@dataclass
class _Tally:
    new_patients: int = 0
    new_prescriptions: int = 0
    consent_rows: int = 0
    prefs_rows: int = 0
    drugs: int = 0
    moved: int = 0
    moved_days: int = 0

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
    reset: bool = False,
) -> DemoSummary:
    """Build the DEMO store with patients D000001…`patients` once; all or nothing.

    When it exists already it is kept (its dates moved to today) unless `reset`.
    """
    if not 1 <= patients <= MAX_PATIENTS:
        raise InvalidInput(f"--patients must be between 1 and {MAX_PATIENTS:,}; got {patients}")
    started = time.perf_counter()
    with db.transaction() as session:
        guard.refuse_other_stores(session, store_profile.DEMO_STORE_CODE)
        store = store_profile.find_store(session)
        keep = store is not None and not reset
        if store is None:
            store = store_profile.create_demo_store(session, now=now)
        elif reset:
            _reset(session, store, username, now=now)
        run = _Run(session, store, username, now)
        summary = _refresh(run, patients) if keep else _build(run, patients, progress, batch_size)
    seconds = time.perf_counter() - started
    return dataclasses.replace(summary, reset=reset and not keep, seconds=seconds)


class _Run:
    """One run's store, admin, day and connection."""

    def __init__(self, session: Session, store: Store, username: str, now: datetime) -> None:
        assert store.id is not None
        self.session, self.store, self.store_id = session, store, store.id
        self.username, self.now = username, now
        self.user_added = store_profile.ensure_admin(session, store.id, username, now=now)
        self.actor = Actor(store.id, store.code, username, Role.ADMIN)
        self.today = now.astimezone(ZoneInfo(store.timezone)).date()
        self.conn = session.connection()

    def anchor_today(self, **after: object) -> None:
        """Record the day the dates are anchored on, for the next run to move them from."""
        record = {**after, "today": self.today}
        audit.record(
            self.session,
            self.actor,
            refresh.ANCHOR_ACTION,
            at=self.now,
            target=self.store.code,
            after=record,
        )

    def summary(self, tally: _Tally, patients: int) -> DemoSummary:
        store_patients, store_rx = _store_counts(self.conn, self.store_id)
        return DemoSummary(
            store_code=self.store.code,
            store_name=self.store.name,
            timezone=self.store.timezone,
            today=self.today,
            username=self.username,
            user_added=self.user_added,
            patients=patients,
            new_patients=tally.new_patients,
            new_prescriptions=tally.new_prescriptions,
            moved_prescriptions=tally.moved,
            moved_days=tally.moved_days,
            consent_rows=tally.consent_rows,
            prefs_rows=tally.prefs_rows,
            drugs=tally.drugs,
            store_patients=store_patients,
            store_prescriptions=store_rx,
        )


def _reset(session: Session, store: Store, username: str, *, now: datetime) -> None:
    """Delete what the DEMO store holds so it is built anew; the audit log says so."""
    assert store.id is not None
    deleted = guard.wipe_store(session, store.id)
    store_profile.restore_restricted_words(session, store.id, now=now)
    actor = Actor(store.id, store.code, username, Role.ADMIN)
    audit.record(session, actor, "demo.reset", at=now, target=store.code, before=deleted)


def _refresh(run: _Run, patients: int) -> DemoSummary:
    """The demo is there: keep it as staff left it, only move its dates to today's calendar."""
    store_profile.bring_up_to_date(run.session, run.store, run.today)
    anchor = refresh.last_anchor(run.conn, run.store_id)
    tally = _Tally()
    tally.moved_days = (run.today - anchor).days if anchor is not None else 0
    if tally.moved_days:
        tally.moved = refresh.shift_due_dates(
            run.conn, run.store_id, days=tally.moved_days, now=run.now
        )
    run.anchor_today(kept=True)
    return dataclasses.replace(run.summary(tally, patients), built=False)


def _build(run: _Run, patients: int, progress: Progress | None, batch_size: int) -> DemoSummary:
    session, store, store_id, now, conn = run.session, run.store, run.store_id, run.now, run.conn
    store_profile.apply_settings(session, store, run.actor, now=now)
    store_profile.go_live(session, store, run.today)
    drug_ids = writer.upsert_drugs(conn, store_id, catalogue.DRUGS)
    newest_before = refresh.newest_patient_id(conn)
    existing = refresh.existing_patient_ids(conn, store_id)
    missing = [i for i in range(1, patients + 1) if patient_key(i) not in existing]
    preparer = Preparer(
        conn.dialect, store_id=store_id, today=run.today, now=now, username=run.username
    )
    tally = _Tally(drugs=len(drug_ids))
    for batch in generate(missing, batch_size=batch_size):
        prepared = preparer.prepare(batch)
        tally.add(
            writer.write_batch(conn, prepared, drug_ids=drug_ids, newest_before=newest_before)
        )
        if progress is not None:
            progress(tally.new_patients, len(missing))
    tally.prefs_rows = refresh.insert_default_prefs(
        conn, store_id, store_profile.PATIENT_DEFAULTS, after_id=newest_before
    )
    run.anchor_today(patients=patients, new_patients=tally.new_patients)
    return run.summary(tally, patients)


def _store_counts(conn: Connection, store_id: int) -> tuple[int, int]:
    counts = []
    for table in (PATIENTS, PRESCRIPTIONS):
        query = select(func.count()).select_from(table).where(table.c.store_id == store_id)
        counts.append(int(conn.execute(query).scalar_one()))
    return counts[0], counts[1]
