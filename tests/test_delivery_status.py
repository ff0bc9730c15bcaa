"""Delivery receipts: Sent becomes Delivered or Failed; recent messages only, not too often."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from rxmsg_tui.providers.base import DeliveryStatus
from rxmsg_tui.services.dispatch.delivery_status import check_delivery
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage, Store

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


class Receipts:
    name = "receipts"

    def __init__(self, answers: dict[str, DeliveryStatus]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def status(self, provider_message_id: str) -> DeliveryStatus:
        self.asked.append(provider_message_id)
        return self.answers.get(provider_message_id, DeliveryStatus.UNKNOWN)


def _sent(db: Database, store: Store, provider_id: str, sent_at: datetime) -> None:
    with db.transaction() as session:
        session.add(OutboundMessage(
            uuid=str(uuid.uuid4()), store_id=store.id, method="SMS", alert_type="General",
            priority=3, entity="Patient", entity_name="Ana", recipient="+12025550143",
            body=provider_id, status="Sent", created_at=sent_at, scheduled_at=sent_at,
            sent_at=sent_at, provider_message_id=provider_id, attempts=1,
        ))  # type: ignore[arg-type]  # fmt: skip


def test_receipts_update_recent_sent_messages(db: Database, store: Store) -> None:
    _sent(db, store, "ok", NOW - timedelta(minutes=10))
    _sent(db, store, "bad", NOW - timedelta(minutes=10))
    _sent(db, store, "quiet", NOW - timedelta(minutes=10))
    _sent(db, store, "old", NOW - timedelta(days=3))
    provider = Receipts({"ok": DeliveryStatus.DELIVERED, "bad": DeliveryStatus.FAILED})
    stats = check_delivery(db, lambda _s, _m: provider, now=NOW)  # type: ignore[arg-type,return-value]
    assert (stats.checked, stats.delivered, stats.failed) == (3, 1, 1)
    assert sorted(provider.asked) == ["bad", "ok", "quiet"]
    with db.read() as session:
        status = {m.body: m.status for m in session.exec(select(OutboundMessage))}
        errors = [a.error for a in session.exec(select(MessageAttempt))]
    assert status == {"ok": "Delivered", "bad": "Failed", "quiet": "Sent", "old": "Sent"}
    assert errors == ["the provider reported the message was not delivered"]

    provider.asked.clear()
    check_delivery(db, lambda _s, _m: provider, now=NOW + timedelta(minutes=1))  # type: ignore[arg-type,return-value]
    assert provider.asked == []  # asked a minute ago: not again yet
    check_delivery(db, lambda _s, _m: provider, now=NOW + timedelta(minutes=6))  # type: ignore[arg-type,return-value]
    assert provider.asked == ["quiet"]
