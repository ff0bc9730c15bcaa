"""Times a group send to every patient of a 10,000-patient demo store against a raw INSERT.

Run by hand, never by pytest. The demo store (BENCH_GROUP_PATIENTS, default
10,000) is built once per database, with General messages on by email and
SMS; then, in turns, `send_group` to every patient (Select All, both
channels: the selection, consent, preferences, STOP and addresses decided,
the texts filled in per patient, one transaction) and a raw `executemany`
INSERT of the same number of rows with a fixed text: the pure write cost,
none of our reads. Both are deleted before the next turn; the best of three
turns is reported, with the ratio ours/raw. On PostgreSQL too when
RXMSG_BENCH_POSTGRES_URL or RXMSG_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import select as model_select

sys.path.insert(0, os.path.dirname(__file__))
from bench_demo import postgres_schema

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.sql import MESSAGE, PATIENT
from rxmsg_tui.services.demo import build_demo
from rxmsg_tui.services.group_send import GroupMessage, PatientFilter, Selection, send_group
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import AlertSettings, GroupSend, OutboundMessage, Store

PATIENTS = int(os.environ.get("BENCH_GROUP_PATIENTS", "10000"))
DEMO_NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SEND_AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
TURNS = 3
MESSAGE_TEXT = GroupMessage(
    email=True,
    sms=True,
    email_subject="Flu shots at #STORENAME#",
    email_body="Dear #PATIENTFIRSTNAME#,\n\nFlu shots are here. Call #STOREPHONE#.",
    sms_subject="Flu shots",
    sms_body="Hi #PATIENTFIRSTNAME#, flu shots are here at #STORENAME#. #OPTOUT#",
)


def raw_insert(db: Database, store_id: int, rows: int) -> None:
    """`rows` messages with a fixed text, by executemany: what writing them costs, nothing more."""
    with db.engine.begin() as conn:
        patients = list(conn.scalars(select(PATIENT.c.id).where(PATIENT.c.store_id == store_id)))
        values: list[dict[str, Any]] = [
            {
                "uuid": uuid.uuid4().hex,
                "store_id": store_id,
                "patient_id": patients[i % len(patients)],
                "method": "SMS",
                "alert_type": "General",
                "priority": 1,
                "entity": "Patient",
                "entity_name": "A Patient",
                "recipient": "+12025550143",
                "subject": "Flu shots",
                "body": "A fixed text",
                "status": "Pending",
                "warning": "",
                "attempts": 0,
                "created_at": SEND_AT,
                "scheduled_at": SEND_AT,
                "created_by": "raw",
            }
            for i in range(rows)
        ]
        conn.execute(insert(MESSAGE), values)


def clear(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(OutboundMessage))
        conn.execute(delete(GroupSend))


def bench(backend: str, url: str) -> None:
    db = Database(make_engine(url))
    db.migrate()
    started = time.perf_counter()
    build_demo(db, patients=PATIENTS, now=DEMO_NOW, username="bench")
    print(f"{backend}: demo of {PATIENTS:,} patients built in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    with db.transaction() as session:
        store = session.exec(model_select(Store)).one()
        settings = session.exec(model_select(AlertSettings)).one()
        settings.general_channels = ["email", "sms"]
        session.add(settings)
    assert store.id is not None
    actor = Actor(store.id, store.code, "bench", Role.ADMIN)
    everyone = Selection(PatientFilter(), None)
    ours: list[float] = []
    raw: list[float] = []
    queued = 0
    excluded = 0
    for turn in range(TURNS):
        started = time.perf_counter()
        result = send_group(
            db, actor, everyone, MESSAGE_TEXT, request_key=f"bench-{turn}", now=SEND_AT
        )
        ours.append(time.perf_counter() - started)
        queued = sum(result.queued.values())
        excluded = sum(n for reasons in result.excluded.values() for n in reasons.values())
        clear(db)
        started = time.perf_counter()
        raw_insert(db, store.id, queued)
        raw.append(time.perf_counter() - started)
        clear(db)
    print(f"{backend}: group send to {PATIENTS:,} patients queued {queued:,} messages "
          f"({excluded:,} patient-channels excluded) in {min(ours):.2f} s; raw INSERT of the "
          f"same {queued:,} rows {min(raw):.2f} s; ratio ours/raw "
          f"{min(ours) / min(raw):.2f}x (best of {TURNS})")  # fmt: skip
    db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/group.db")
    base = os.environ.get("RXMSG_BENCH_POSTGRES_URL") or os.environ.get("RXMSG_TEST_POSTGRES_URL")
    if not base:
        print("PostgreSQL: skipped (set RXMSG_BENCH_POSTGRES_URL or RXMSG_TEST_POSTGRES_URL)")
        return
    with postgres_schema(base) as url:
        bench("PostgreSQL", url)


if __name__ == "__main__":
    main()
