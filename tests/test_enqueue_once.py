"""Automatic messages carry a dedupe key: queueing the same key twice is a no-op, even racing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from rxmsg_tui.domain.vocabulary import AlertType, Method
from rxmsg_tui.services.messages.enqueue import NewMessage, enqueue_once
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Patient, Store

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
REMINDER = NewMessage(
    Method.SMS,
    AlertType.REFILL_REMINDER,
    "",
    "Refill due",
    dedupe_key="TEST:refill:1042:2026-03-01:due",
)


def _patient(db: Database, store: Store) -> Patient:
    with db.transaction() as session:
        patient = Patient(
            store_id=store.id,
            patient_id="P1",
            first_name="Ana",
            last_name="Lopez",
            cell_phone="+12025550143",
            created_at=NOW,
            updated_at=NOW,
        )  # type: ignore[arg-type]
        session.add(patient)
    return patient


def _queue(db: Database, patient: Patient) -> OutboundMessage | None:
    with db.transaction() as session:
        return enqueue_once(
            session,
            patient,
            REMINDER,
            only_verified=False,
            scheduled_at=NOW,
            created_by="daily",
            now=NOW,
        )


def _count(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(OutboundMessage)).one())


def test_the_same_key_is_queued_once(db: Database, store: Store) -> None:
    patient = _patient(db, store)
    assert _queue(db, patient) is not None
    assert _queue(db, patient) is None
    assert _count(db) == 1


def test_racing_processes_queue_it_once(db: Database, store: Store) -> None:
    patient = _patient(db, store)
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def race() -> None:
        start.wait()
        queued = _queue(db, patient) is not None
        with lock:
            results.append(queued)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False] * 5 + [True]
    assert _count(db) == 1


def test_automatic_messages_must_carry_a_key(db: Database, store: Store) -> None:
    patient = _patient(db, store)
    with db.transaction() as session, pytest.raises(ValueError, match="dedupe key"):
        enqueue_once(
            session,
            patient,
            NewMessage(Method.SMS, AlertType.BIRTHDAY, "", "Hi"),
            only_verified=False,
            scheduled_at=NOW,
            created_by="daily",
            now=NOW,
        )
