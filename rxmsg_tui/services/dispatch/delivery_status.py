"""Asks providers what became of `Sent` messages: `Delivered`, or `Failed` with a receipt.

Only messages sent in the last two days are asked about, each at most every
few minutes, oldest check first, so a provider that never reports (SendGrid
without webhooks, the outbox) costs one question per message per interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, or_, select

from rxmsg_tui.domain.vocabulary import Method, QueueStatus
from rxmsg_tui.providers.base import DeliveryStatus, ProviderError
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.dispatch.dispatcher import ProviderFor
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage

M = OutboundMessage
WINDOW = timedelta(days=2)
INTERVAL = timedelta(minutes=5)


@dataclass
class StatusStats:
    checked: int = 0
    delivered: int = 0
    failed: int = 0


def check_delivery(
    db: Database, provider_for: ProviderFor, *, now: datetime, limit: int = 200
) -> StatusStats:
    with db.read() as session:
        rows = session.exec(
            select(M.id, M.store_id, M.method, M.provider_message_id)
            .where(
                col(M.status) == QueueStatus.SENT.value,
                col(M.provider_message_id).is_not(None),
                col(M.sent_at) >= now - WINDOW,
                or_(col(M.status_checked_at).is_(None), col(M.status_checked_at) < now - INTERVAL),
            )
            .order_by(col(M.status_checked_at).is_not(None), col(M.status_checked_at))
            .limit(limit)
        ).all()
    stats = StatusStats()
    changes: list[dict[str, object]] = []
    failures: list[dict[str, object]] = []
    for message_id, store_id, method, provider_id in rows:
        provider = provider_for(store_id, Method(method))
        status = DeliveryStatus.UNKNOWN
        if provider is not None and provider_id:
            try:
                status = provider.status(provider_id)
            except ProviderError:
                status = DeliveryStatus.UNKNOWN
        stats.checked += 1
        new_status = QueueStatus.SENT
        if status is DeliveryStatus.DELIVERED:
            new_status, stats.delivered = QueueStatus.DELIVERED, stats.delivered + 1
        elif status is DeliveryStatus.FAILED:
            new_status, stats.failed = QueueStatus.FAILED, stats.failed + 1
            failures.append(
                {"store_id": store_id, "message_id": message_id, "attempted_at": now,
                 "provider": provider.name if provider else "", "status_code": None,
                 "response": "", "error": "the provider reported the message was not delivered"}
            )  # fmt: skip
        changes.append({"b_id": message_id, "b_status": new_status.value})
    if changes:
        statement = (
            update(M)
            .where(col(M.id) == bindparam("b_id"), col(M.status) == QueueStatus.SENT.value)
            .values(status=bindparam("b_status"), status_checked_at=now)
        )
        with db.transaction() as session:
            session.connection().execute(statement, changes)
            if failures:
                session.connection().execute(insert(MessageAttempt), failures)
    return stats
