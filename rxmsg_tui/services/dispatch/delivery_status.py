"""Asks providers what became of `Sent` messages: `Delivered`, or `Failed` with a receipt.

Only messages sent in the last two days are asked about, each at most every
few minutes, oldest check first, so a provider that never reports (SendGrid
without webhooks, the outbox) costs one question per message per interval.

A call nobody answered, or to a busy line, goes back to `Pending` to be tried
again `UNANSWERED_RETRY` later (the dispatcher keeps it inside "Only Call
Between" and the 08:00–21:00 floor); after `UNANSWERED_TRIES` tries it is
`Failed`, the attempt saying why. A message the IVR lost before placing it (it
restarted) is sent again at once, within the dispatcher's usual attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, or_, select

from rxmsg_tui.domain.backoff import RetryPolicy
from rxmsg_tui.domain.vocabulary import Method, QueueStatus
from rxmsg_tui.providers.base import DeliveryStatus, ProviderError
from rxmsg_tui.services.dispatch.dispatcher import ProviderFor
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage

M = OutboundMessage
WINDOW = timedelta(days=2)
INTERVAL = timedelta(minutes=5)
UNANSWERED_TRIES = 3
"""Calls per message when nobody answers or the line is busy; then it is Failed."""
UNANSWERED_RETRY = timedelta(minutes=30)
"""How long after an unanswered or busy call the next one is placed."""
LOST_TRIES = RetryPolicy().max_attempts
_NOT_REACHED = {
    DeliveryStatus.NO_ANSWER: "no answer",
    DeliveryStatus.BUSY: "the line was busy",
    DeliveryStatus.LOST: "the IVR computer lost it before placing it",
}


@dataclass
class StatusStats:
    checked: int = 0
    delivered: int = 0
    failed: int = 0
    retrying: int = 0
    """Unanswered, busy or lost calls put back to `Pending` for another try."""


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
        ids = [row[0] for row in rows]
        tried = dict(session.exec(select(M.id, M.attempts).where(col(M.id).in_(ids))).all())
    stats = StatusStats()
    changes: list[dict[str, object]] = []
    failures: list[dict[str, object]] = []
    retries: list[dict[str, object]] = []
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
        if status in _NOT_REACHED:
            name = provider.name if provider else ""
            why = _NOT_REACHED[status]
            tries = LOST_TRIES if status is DeliveryStatus.LOST else UNANSWERED_TRIES
            attempts = tried.get(message_id, 0)
            if attempts < tries:
                stats.retrying += 1
                later = now if status is DeliveryStatus.LOST else now + UNANSWERED_RETRY
                retries.append({"b_id": message_id, "b_next": later})
                failures.append(_attempt(store_id, message_id, now, name, why))
                continue
            new_status, stats.failed = QueueStatus.FAILED, stats.failed + 1
            failures.append(
                _attempt(store_id, message_id, now, name, f"{why}; gave up after {attempts} tries")
            )
        elif status is DeliveryStatus.DELIVERED:
            new_status, stats.delivered = QueueStatus.DELIVERED, stats.delivered + 1
        elif status is DeliveryStatus.FAILED:
            new_status, stats.failed = QueueStatus.FAILED, stats.failed + 1
            failures.append(
                {"store_id": store_id, "message_id": message_id, "attempted_at": now,
                 "provider": provider.name if provider else "", "status_code": None,
                 "response": "", "error": "the provider reported the message was not delivered"}
            )  # fmt: skip
        changes.append({"b_id": message_id, "b_status": new_status.value})
    if changes or retries:
        statement = (
            update(M)
            .where(col(M.id) == bindparam("b_id"), col(M.status) == QueueStatus.SENT.value)
            .values(status=bindparam("b_status"), status_checked_at=now)
        )
        again = (
            update(M)
            .where(col(M.id) == bindparam("b_id"), col(M.status) == QueueStatus.SENT.value)
            .values(status=QueueStatus.PENDING.value, next_attempt_at=bindparam("b_next"),
                    status_checked_at=now)
        )  # fmt: skip
        with db.transaction() as session:
            if changes:
                session.connection().execute(statement, changes)
            if retries:
                session.connection().execute(again, retries)
            if failures:
                session.connection().execute(insert(MessageAttempt), failures)
    return stats


def _attempt(
    store_id: int, message_id: int | None, now: datetime, provider: str, error: str
) -> dict[str, object]:
    return {"store_id": store_id, "message_id": message_id, "attempted_at": now,
            "provider": provider, "status_code": None, "response": "", "error": error}  # fmt: skip
