"""What became of messages whose sender died mid-send: ask the provider before sending again.

Twilio and SendGrid ignore Idempotency-Key, so sending such a message again
could text the patient twice. Where the provider can be asked (`FindsSent`:
the Twilio-compatible message list, the routing API, the outbox's files) the
message becomes `Sent` if it is found, or `Pending` once "not found" can be
believed (`claimed_until`, see claims.SETTLE). Where it cannot (SendGrid,
SMTP, a transport switched off) it becomes `Unconfirmed`, shown "Sent?", and
staff decide; it is never sent again by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlmodel import col, or_, select

from rxmsg_tui.domain.vocabulary import Method, QueueStatus
from rxmsg_tui.providers.base import FindsSent, OutgoingMessage, SentRecord
from rxmsg_tui.services.dispatch.driver_writes import RECONCILE
from rxmsg_tui.services.dispatch.transports import ProviderFor
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage

log = logging.getLogger("rxmsg.dispatch")
M = OutboundMessage

GIVE_UP = timedelta(hours=1)
"""A provider that cannot answer the question for this long leaves the message to staff."""

CANNOT_ASK = (
    "the sender stopped while handing this message to {provider}, which cannot be asked "
    "whether it went; check with the patient, then Retry or Mark Sent"
)


@dataclass
class ReconcileStats:
    found: int = 0
    """Accepted by the provider after all: now `Sent`."""
    resent: int = 0
    """The provider never had it: back to `Pending`."""
    unconfirmed: int = 0
    """Cannot be known: `Unconfirmed` for staff."""
    waiting: int = 0
    """Not found yet, or the provider could not answer: asked again next time."""


def reconcile(
    db: Database, provider_for: ProviderFor, *, now: datetime, limit: int = 50
) -> ReconcileStats:
    stats = ReconcileStats()
    with db.read() as session:
        rows = list(
            session.exec(
                select(M)
                .where(
                    col(M.status) == QueueStatus.SENDING.value,
                    col(M.claimed_by) == RECONCILE,
                    # Asked once at once (most are found then), else not before it can be believed.
                    or_(col(M.status_checked_at).is_(None), col(M.claimed_until) <= now),
                )
                .order_by(col(M.claimed_until), col(M.id))
                .limit(limit)
            )
        )
    for message in rows:
        try:
            _reconcile_one(db, provider_for, message, now, stats)
        except Exception:  # one odd message must not stop the others or the batch after
            log.exception("could not reconcile message %s; trying again later", message.id)
            stats.waiting += 1
    return stats


def _reconcile_one(
    db: Database, provider_for: ProviderFor, message: OutboundMessage, now: datetime,
    stats: ReconcileStats,
) -> None:  # fmt: skip
    provider = provider_for(message.store_id, Method(message.method))
    name = provider.name if provider is not None else "its transport (now switched off)"
    if provider is None or not isinstance(provider, FindsSent):
        stats.unconfirmed += 1
        _settle(db, message, now, QueueStatus.UNCONFIRMED, name, CANNOT_ASK.format(provider=name))
        return
    since = message.sent_at or message.created_at
    try:
        records = provider.find_sent(_outgoing(message), since)
    except Exception as error:
        reason = getattr(error, "reason", None) or f"{type(error).__name__}: {error}"
        if message.claimed_until is not None and now > message.claimed_until + GIVE_UP:
            stats.unconfirmed += 1
            text = f"the sender stopped mid-send and {name} could not say whether it went: {reason}"
            _settle(db, message, now, QueueStatus.UNCONFIRMED, name, text)
        else:
            stats.waiting += 1
            log.warning("message %s: %s could not be asked yet: %s", message.id, name, reason)
        return
    record = _unclaimed(db, message, records)
    if record is not None:
        stats.found += 1
        _settle(db, message, now, QueueStatus.SENT, name, "", record=record)
    elif message.claimed_until is None or now >= message.claimed_until:
        stats.resent += 1
        text = f"the sender stopped before {name} took this message; sending it again"
        _settle(db, message, now, QueueStatus.PENDING, name, text)
    else:
        stats.waiting += 1
        with db.transaction() as session:
            session.connection().execute(
                update(M).where(col(M.id) == message.id).values(status_checked_at=now)
            )


def _outgoing(message: OutboundMessage) -> OutgoingMessage:
    return OutgoingMessage(
        uuid=message.uuid,
        method=Method(message.method),
        to=message.recipient,
        subject=message.subject,
        body=message.body,
    )


def _unclaimed(
    db: Database, message: OutboundMessage, records: list[SentRecord]
) -> SentRecord | None:
    """The first record no other queued message already owns (same text, same day, twice)."""
    ids = [r.provider_message_id for r in records if r.provider_message_id]
    if not records:
        return None
    with db.read() as session:
        taken = set(
            session.exec(
                select(M.provider_message_id).where(
                    col(M.provider_message_id).in_(ids), col(M.id) != message.id
                )
            )
        )
    return next((r for r in records if r.provider_message_id not in taken), None)


def _settle(
    db: Database,
    message: OutboundMessage,
    now: datetime,
    status: QueueStatus,
    provider: str,
    error: str,
    *,
    record: SentRecord | None = None,
) -> None:
    values: dict[str, object] = {
        "status": status.value,
        "claimed_by": None,
        "claimed_until": None,
        "status_checked_at": None,
    }
    if status is QueueStatus.SENT:
        assert record is not None
        values.update(
            sent_at=record.sent_at or message.sent_at or now,
            provider_message_id=record.provider_message_id,
            attempts=message.attempts + 1,
        )
    elif status is QueueStatus.PENDING:
        values.update(sent_at=None, next_attempt_at=None)
    else:
        values.update(attempts=message.attempts + 1)
    response = f"found at {provider} as {record.provider_message_id}" if record is not None else ""
    with db.transaction() as session:
        changed = session.connection().execute(
            update(M)
            .where(
                col(M.id) == message.id,
                col(M.status) == QueueStatus.SENDING.value,
                col(M.claimed_by) == RECONCILE,
            )
            .values(**values)
        )
        if changed.rowcount:
            session.connection().execute(
                insert(MessageAttempt),
                [{"store_id": message.store_id, "message_id": message.id, "attempted_at": now,
                  "provider": provider[:32], "status_code": None, "response": response,
                  "error": error[:500]}],
            )  # fmt: skip
    log.info("message %s reconciled: %s", message.id, status.value)
