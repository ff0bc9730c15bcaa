"""Queue actions on both databases: detail with attempts, soft delete, retry, paging back, count."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import col, select

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import NotFound, ServiceError
from rxmsg_tui.services.messages.queue_actions import (
    confirm_sent,
    delete_message,
    message_detail,
    retry_message,
)
from rxmsg_tui.services.messages.queue_listing import (
    QueueFilter,
    count_queue,
    iter_queue,
    queue_page,
    queue_page_before,
)
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, MessageAttempt, OutboundMessage, Store
from tests.conftest import NOW

ZONE = ZoneInfo("America/New_York")


def add(db: Database, store: Store, status: str = "Pending", **extra: Any) -> int:
    values = {
        "uuid": str(uuid.uuid4()), "store_id": store.id, "method": "SMS",
        "alert_type": "Refill Reminder", "priority": 2, "entity": "Prescription",
        "entity_name": "Rx 600123", "recipient": "+15550102000", "subject": "",
        "body": "Your refill of Lisinopril is due", "status": status, "attempts": 0,
        "created_at": NOW, "scheduled_at": NOW, **extra,
    }  # fmt: skip
    with db.engine.begin() as conn:
        new = insert(OutboundMessage).values(values).returning(col(OutboundMessage.id))
        return int(conn.execute(new).scalar_one() or 0)


def status_of(db: Database, message_id: int) -> OutboundMessage:
    with db.read() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        return message


def audit_rows(db: Database) -> list[AuditLog]:
    with db.read() as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)))  # type: ignore[arg-type]


def test_detail_has_the_message_whole_and_every_attempt_oldest_first(
    db: Database, store: Store
) -> None:
    message_id = add(db, store, "Failed", attempts=2, subject="Refill", warning="")
    with db.engine.begin() as conn:
        conn.execute(insert(MessageAttempt), [
            {"store_id": store.id, "message_id": message_id, "attempted_at": NOW + timedelta(minutes=5),
             "provider": "twilio", "status_code": 400, "response": "{}", "error": "not a valid phone number"},
            {"store_id": store.id, "message_id": message_id, "attempted_at": NOW,
             "provider": "twilio", "status_code": 503, "response": "", "error": "Service Unavailable"},
        ])  # fmt: skip
    assert store.id is not None
    detail = message_detail(db, store.id, message_id)
    assert (detail.recipient, detail.subject, detail.body) == (
        "+15550102000",
        "Refill",
        "Your refill of Lisinopril is due",
    )
    assert (detail.status, detail.priority, detail.entity_name) == ("Failed", "Normal", "Rx 600123")
    assert [(a.attempted_at, a.status_code, a.error) for a in detail.attempts] == [
        (NOW, 503, "Service Unavailable"),
        (NOW + timedelta(minutes=5), 400, "not a valid phone number"),
    ]


def test_another_stores_message_is_not_found(db: Database, store: Store, admin: Actor) -> None:
    with db.transaction() as session:
        other = create_store(session, code="OTHER", name="Other", phone="", timezone="UTC", now=NOW)
    message_id = add(db, other)
    with pytest.raises(NotFound, match="not in this store's queue"):
        message_detail(db, admin.store_id, message_id)
    with pytest.raises(NotFound):
        delete_message(db, admin, message_id, now=NOW)
    assert status_of(db, message_id).status == "Pending"


@pytest.mark.parametrize("status", ["Pending", "Sent", "Delivered", "Failed", "Undelivered"])
def test_unsent_and_finished_messages_are_deleted_softly_and_audited(
    db: Database, store: Store, admin: Actor, status: str
) -> None:
    message_id = add(db, store, status)
    delete_message(db, admin, message_id, now=NOW)
    assert status_of(db, message_id).status == "Deleted"
    [entry] = audit_rows(db)
    assert (entry.action, entry.target, entry.username) == (
        "queue.delete",
        f"message {message_id}",
        "alice",
    )
    assert json.loads(entry.before or "") == {"status": status}
    assert json.loads(entry.after or "") == {"status": "Deleted"}
    # Ids only: no body, recipient or patient name in the audit trail.
    assert "Lisinopril" not in f"{entry.before}{entry.after}{entry.target}"
    assert "Rx 600123" not in f"{entry.before}{entry.after}{entry.target}"


def test_a_message_being_sent_or_already_deleted_is_refused(
    db: Database, store: Store, admin: Actor
) -> None:
    sending = add(db, store, "Sending", claimed_by="host|1|abc")
    deleted = add(db, store, "Deleted")
    with pytest.raises(ServiceError, match="being sent right now"):
        delete_message(db, admin, sending, now=NOW)
    with pytest.raises(ServiceError, match="already deleted"):
        delete_message(db, admin, deleted, now=NOW)
    assert status_of(db, sending).status == "Sending"
    assert audit_rows(db) == []


def test_retry_puts_a_failed_message_back_due_now_keeping_its_attempts(
    db: Database, store: Store, admin: Actor
) -> None:
    message_id = add(db, store, "Failed", attempts=6, next_attempt_at=NOW - timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    retry_message(db, admin, message_id, now=later)
    message = status_of(db, message_id)
    assert (message.status, message.attempts, message.next_attempt_at) == ("Pending", 6, later)
    assert message.claimed_by is None
    [entry] = audit_rows(db)
    assert (entry.action, entry.target) == ("queue.retry", f"message {message_id}")
    assert json.loads(entry.after or "") == {"status": "Pending"}


@pytest.mark.parametrize("status", ["Pending", "Sending", "Sent", "Undelivered", "Deleted"])
def test_only_failed_and_unconfirmed_messages_are_retried(
    db: Database, store: Store, admin: Actor, status: str
) -> None:
    message_id = add(db, store, status)
    with pytest.raises(
        ServiceError, match=rf"only Failed and Sent\? messages can be retried; .* is {status}"
    ):
        retry_message(db, admin, message_id, now=NOW)
    assert status_of(db, message_id).status == status
    assert audit_rows(db) == []


def test_staff_send_a_sent_question_mark_message_again_audited(
    db: Database, store: Store, admin: Actor
) -> None:
    """Its sender died mid-send at a provider that cannot be asked: staff decide it did not go."""
    message_id = add(db, store, "Unconfirmed", attempts=1, sent_at=NOW)
    later = NOW + timedelta(hours=1)
    retry_message(db, admin, message_id, now=later)
    message = status_of(db, message_id)
    assert (message.status, message.attempts, message.sent_at) == ("Pending", 1, None)
    [entry] = audit_rows(db)
    assert entry.action == "queue.retry"
    assert json.loads(entry.before or "") == {"status": "Unconfirmed"}


def test_staff_mark_a_sent_question_mark_message_sent_audited(
    db: Database, store: Store, admin: Actor
) -> None:
    message_id = add(db, store, "Unconfirmed", attempts=1, sent_at=NOW)
    confirm_sent(db, admin, message_id, now=NOW + timedelta(hours=1))
    message = status_of(db, message_id)
    assert (message.status, message.sent_at) == ("Sent", NOW)
    [entry] = audit_rows(db)
    assert (entry.action, entry.target) == ("queue.confirm_sent", f"message {message_id}")
    assert json.loads(entry.after or "") == {"status": "Sent"}
    failed = add(db, store, "Failed")
    with pytest.raises(
        ServiceError, match=r"only Sent\? messages can be marked sent; .* is Failed"
    ):
        confirm_sent(db, admin, failed, now=NOW)


def test_a_sent_question_mark_message_shows_so(db: Database, store: Store) -> None:
    message_id = add(db, store, "Unconfirmed", sent_at=NOW)
    detail = message_detail(db, store.id or 0, message_id)
    assert QueueStatus(detail.status).label == "Sent?"
    (row,) = iter_queue(db, store.id or 0, ZONE, QueueFilter(status=QueueStatus.UNCONFIRMED))
    assert row.id == message_id


def test_pages_read_backwards_match_the_forward_listing_and_the_count(
    db: Database, store: Store
) -> None:
    assert store.id is not None
    ids = [add(db, store, scheduled_at=NOW + timedelta(minutes=n // 2)) for n in range(23)]
    add(db, store, "Deleted")
    add(db, store, scheduled_at=NOW + timedelta(days=3))  # another day
    day = QueueFilter(date_from=NOW.astimezone(ZONE).date(), date_to=NOW.astimezone(ZONE).date())
    forward = [row.id for row in iter_queue(db, store.id, ZONE, day)]
    assert forward == ids
    assert count_queue(db, store.id, ZONE, day) == 23
    assert count_queue(db, store.id, ZONE, QueueFilter(status=QueueStatus.DELETED)) == 1
    last = queue_page_before(db, store.id, ZONE, day, before=None, limit=10)
    assert [row.id for row in last] == ids[-10:]
    earlier = queue_page_before(db, store.id, ZONE, day, before=last[0].key, limit=10)
    assert [row.id for row in earlier] == ids[3:13]
    first = queue_page_before(db, store.id, ZONE, day, before=earlier[0].key, limit=10)
    assert [row.id for row in first] == ids[:3]
    after = queue_page(db, store.id, ZONE, day, after=first[-1].key, limit=10)
    assert [row.id for row in after] == ids[3:13]
