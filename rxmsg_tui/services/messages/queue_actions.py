"""What staff do to one queued message: read it whole, delete it, retry it, confirm it was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import NotFound, ServiceError

# The criteria are applied exactly as the forward listing applies them, so a
# page read backwards can never disagree with the one read forwards.
from rxmsg_tui.services.messages.queue_listing import queue_row
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage

M = OutboundMessage

DELETABLE = frozenset(
    {
        QueueStatus.PENDING,
        QueueStatus.SENT,
        QueueStatus.DELIVERED,
        QueueStatus.FAILED,
        QueueStatus.UNDELIVERED,
        QueueStatus.UNCONFIRMED,
    }
)
"""Not yet sent (Pending) or finished; never `Sending`, whose outcome is still to be written."""

RETRYABLE = frozenset({QueueStatus.FAILED, QueueStatus.UNCONFIRMED})
"""Failed, or "Sent?" when staff found the patient did not get it."""


@dataclass(frozen=True)
class AttemptLine:
    attempted_at: datetime
    provider: str
    status_code: int | None
    error: str


@dataclass(frozen=True)
class MessageDetail:
    """A queued message whole, with every try at sending it, oldest first."""

    id: int
    method: str
    alert_type: str
    priority: str
    entity: str
    entity_name: str
    recipient: str
    subject: str
    body: str
    status: str
    warning: str
    created_at: datetime
    created_by: str
    scheduled_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    attempts: tuple[AttemptLine, ...]


def message_detail(db: Database, store_id: int, message_id: int) -> MessageDetail:
    with db.read() as session:
        message = _message(session, store_id, message_id)
        tries = session.exec(
            select(MessageAttempt)
            .where(MessageAttempt.message_id == message_id)
            .order_by(col(MessageAttempt.attempted_at), col(MessageAttempt.id))
        )
        lines = tuple(
            AttemptLine(a.attempted_at, a.provider, a.status_code, a.error) for a in tries
        )
    shown = {k: v for k, v in vars(queue_row(message)).items() if k != "attempts"}
    return MessageDetail(
        **shown,
        created_by=message.created_by,
        next_attempt_at=message.next_attempt_at,
        attempts=lines,
    )


def delete_message(db: Database, actor: Actor, message_id: int, *, now: datetime) -> None:
    """Mark the message `Deleted` (kept for audit, hidden from the queue by default).

    The status is changed only if it is still the one checked, so a message the
    dispatcher claims in between is refused rather than deleted mid-send.
    """
    with db.transaction() as session:
        status = QueueStatus(_message(session, actor.store_id, message_id).status)
        if status is QueueStatus.SENDING:
            raise ServiceError(
                f"message {message_id} is being sent right now; try again in a moment"
            )
        if status not in DELETABLE:
            raise ServiceError(f"message {message_id} is already deleted")
        _change(session, actor, message_id, status, QueueStatus.DELETED)
        audit.record(
            session, actor, "queue.delete", at=now, target=f"message {message_id}",
            before={"status": status.value}, after={"status": QueueStatus.DELETED.value},
        )  # fmt: skip


def retry_message(db: Database, actor: Actor, message_id: int, *, now: datetime) -> None:
    """Put a `Failed` or `Unconfirmed` ("Sent?") message back to `Pending`, due now.

    Its attempts are kept, not reset: the count stays the honest total and every
    earlier try stays listed. The dispatcher's retry limit still applies, so a
    message that had used all its tries gets exactly one more. For a "Sent?"
    message this is staff's decision that the patient did not get it: the one
    thing rxmsg never decides by itself, so it is audited as such.
    """
    with db.transaction() as session:
        status = QueueStatus(_message(session, actor.store_id, message_id).status)
        if status not in RETRYABLE:
            raise ServiceError(
                f"only Failed and Sent? messages can be retried; message {message_id} is "
                f"{status.label}"
            )
        _change(session, actor, message_id, status, QueueStatus.PENDING, due=now)
        audit.record(
            session, actor, "queue.retry", at=now, target=f"message {message_id}",
            before={"status": status.value}, after={"status": QueueStatus.PENDING.value},
        )  # fmt: skip


def confirm_sent(db: Database, actor: Actor, message_id: int, *, now: datetime) -> None:
    """Mark an `Unconfirmed` ("Sent?") message `Sent`: staff know the patient got it."""
    with db.transaction() as session:
        status = QueueStatus(_message(session, actor.store_id, message_id).status)
        if status is not QueueStatus.UNCONFIRMED:
            raise ServiceError(
                f"only Sent? messages can be marked sent; message {message_id} is {status.label}"
            )
        _change(session, actor, message_id, status, QueueStatus.SENT)
        audit.record(
            session, actor, "queue.confirm_sent", at=now, target=f"message {message_id}",
            before={"status": status.value}, after={"status": QueueStatus.SENT.value},
        )  # fmt: skip


def _message(session: Session, store_id: int, message_id: int) -> OutboundMessage:
    message = session.get(M, message_id)
    if message is None or message.store_id != store_id:
        raise NotFound(f"message {message_id} is not in this store's queue")
    return message


def _change(
    session: Session,
    actor: Actor,
    message_id: int,
    old: QueueStatus,
    new: QueueStatus,
    *,
    due: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": new.value}
    if due is not None:
        values.update(next_attempt_at=due, claimed_by=None, claimed_until=None, sent_at=None)
    result = session.connection().execute(
        update(M)
        .where(col(M.id) == message_id, col(M.store_id) == actor.store_id)
        .where(col(M.status) == old.value)
        .values(**values)
    )
    if not result.rowcount:
        raise ServiceError(
            f"message {message_id} changed while you were looking at it; search again"
        )
