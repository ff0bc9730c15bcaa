"""`Send Email/SMS` of one General message and the queue listing, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.domain.vocabulary import Method, QueueStatus
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.messages.general import queue_general_message
from rxmsg_tui.services.messages.queue_listing import QueueFilter, iter_queue, queue_page
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    Consent,
    OutboundMessage,
    Patient,
    Store,
)

ZONE = ZoneInfo("America/New_York")


def add_patient(
    db: Database, store: Store, clock: Clock, pid: str, *, consent: bool = True, **fields: object
) -> None:
    values: dict[str, object] = {
        "first_name": "Ana", "last_name": "Lopez", "cell_phone": "+12025550143",
        "email": "ana@example.org", "cell_verified": True, "email_verified": True,
    }  # fmt: skip
    values.update(fields)
    with db.transaction() as session:
        patient = Patient(
            store_id=store.id,
            patient_id=pid,
            created_at=clock.now(),
            updated_at=clock.now(),
            **values,
        )  # type: ignore[arg-type]
        session.add(patient)
        session.flush()
        for channel in ("email", "sms", "call"):
            session.add(
                Consent(
                    store_id=store.id,
                    patient_id=patient.id,
                    channel=channel,
                    purpose="transactional",
                    granted=consent,
                    source="import",
                    recorded_at=clock.now(),
                )
            )  # type: ignore[arg-type]


@pytest.fixture
def ctx(db: Database, store: Store, admin: Actor, clock: Clock) -> AppContext:
    with db.transaction() as session:
        settings = session.exec(
            select(AlertSettings).where(AlertSettings.store_id == store.id)
        ).one()
        settings.general_channels = ["email", "sms"]
        session.add(settings)
    add_patient(db, store, clock, "P1")
    add_patient(db, store, clock, "P2", consent=False)
    add_patient(db, store, clock, "P3", cell_phone="555-12")
    add_patient(db, store, clock, "P4", email=None)
    return AppContext(Settings(), clock, db, store, admin)


def test_a_message_is_rendered_for_the_patient_and_queued(ctx: AppContext) -> None:
    queued = queue_general_message(
        ctx,
        patient_id="P1",
        method=Method.SMS,
        subject="",
        body="Hi #PATIENTFIRSTNAME#, call #STORENAME#",
    )
    assert (queued.status, queued.warning, queued.recipient) == (
        QueueStatus.PENDING,
        "",
        "+12025550143",
    )
    with ctx.db.read() as session:
        row = session.get(OutboundMessage, queued.id)
        audit = session.exec(select(AuditLog).where(AuditLog.action == "message.send")).one()
    assert row is not None
    assert row.body == "Hi Ana, call Main Street Pharmacy"
    assert (row.alert_type, row.priority, row.entity, row.entity_name) == (
        "General",
        3,
        "Patient",
        "Ana Lopez",
    )
    assert audit.target == f"message {queued.id}" and "Hi Ana" not in (audit.after or "")


@pytest.mark.parametrize(
    ("patient", "method", "body", "warning"),
    [
        ("P1", Method.SMS, "Ask about our C.B.D. line", "Word Restricted"),
        ("P2", Method.SMS, "Hello", "No Consent"),
        ("P3", Method.SMS, "Hello", "Invalid Address"),
        ("P4", Method.EMAIL, "Hello", "Missing Address"),
    ],
)
def test_undeliverable_messages_are_kept_with_the_reason(
    ctx: AppContext, patient: str, method: Method, body: str, warning: str
) -> None:
    queued = queue_general_message(
        ctx, patient_id=patient, method=method, subject="Note", body=body
    )
    assert (queued.status, queued.warning) == (QueueStatus.UNDELIVERED, warning)


def test_bad_requests_are_refused_without_queueing(ctx: AppContext) -> None:
    with pytest.raises(NotFound, match="no patient with ID 'NOPE'"):
        queue_general_message(ctx, patient_id="NOPE", method=Method.SMS, subject="", body="Hi")
    with pytest.raises(InvalidInput, match="switched off"):
        queue_general_message(ctx, patient_id="P1", method=Method.CALL, subject="", body="Hi")
    with pytest.raises(FieldError, match="unknown variable #NOPE#"):
        queue_general_message(ctx, patient_id="P1", method=Method.SMS, subject="", body="Hi #NOPE#")
    with pytest.raises(FieldError, match="subject"):
        queue_general_message(ctx, patient_id="P1", method=Method.EMAIL, subject=" ", body="Hi")
    with ctx.db.read() as session:
        assert session.exec(select(OutboundMessage)).all() == []


def test_the_queue_lists_by_date_status_and_pages(ctx: AppContext, clock: Clock) -> None:
    for n in range(5):
        queue_general_message(ctx, patient_id="P1", method=Method.SMS, subject="", body=f"Note {n}")
    queue_general_message(ctx, patient_id="P2", method=Method.SMS, subject="", body="No consent")
    with ctx.db.transaction() as session:
        last = session.exec(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()  # type: ignore[union-attr]
        assert last is not None
        last.status = QueueStatus.DELETED.value
        session.add(last)
    store_id = ctx.actor.store_id
    today = clock.today(ZONE)
    assert len(list(iter_queue(ctx.db, store_id, ZONE, QueueFilter()))) == 5
    assert (
        len(list(iter_queue(ctx.db, store_id, ZONE, QueueFilter(status=QueueStatus.DELETED)))) == 1
    )
    assert (
        len(list(iter_queue(ctx.db, store_id, ZONE, QueueFilter(date_from=today, date_to=today))))
        == 5
    )
    assert (
        list(iter_queue(ctx.db, store_id, ZONE, QueueFilter(date_from=today + timedelta(days=1))))
        == []
    )
    assert list(iter_queue(ctx.db, store_id, ZONE, QueueFilter(date_to=date(2020, 1, 1)))) == []
    first = queue_page(ctx.db, store_id, ZONE, QueueFilter(), limit=2)
    second = queue_page(ctx.db, store_id, ZONE, QueueFilter(), after=first[-1].key, limit=2)
    rest = queue_page(ctx.db, store_id, ZONE, QueueFilter(), after=second[-1].key, limit=10)
    assert [r.body for r in first + second + rest] == [f"Note {n}" for n in range(5)]
