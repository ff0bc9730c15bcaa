"""Records what happened to claimed messages, statuses and attempts, as soon as it is known.

The dispatcher records each message the moment its provider answers, so a
crash later in the batch cannot lose an acceptance (and send it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, or_, update
from sqlmodel import col

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import RECONCILE
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageAttempt, OutboundMessage

M = OutboundMessage


@dataclass(frozen=True)
class Outcome:
    """The new state of one claimed message, and the attempt to record (if one was made)."""

    message_id: int
    store_id: int
    status: QueueStatus
    attempts: int
    warning: str = ""
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    provider_message_id: str | None = None
    attempt: dict[str, object] | None = None
    """provider, status_code, response, error; None when nothing was tried."""


_RECORD = (
    update(M)
    .where(
        col(M.id) == bindparam("b_id"),
        col(M.status) == QueueStatus.SENDING.value,
        or_(col(M.claimed_by) == bindparam("b_claimant"), col(M.claimed_by) == RECONCILE),
    )
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        warning=bindparam("b_warning"),
        next_attempt_at=bindparam("b_next"),
        sent_at=bindparam("b_sent_at"),
        provider_message_id=bindparam("b_provider_id"),
        claimed_by=None,
        claimed_until=None,
    )
)
"""Built once: building and caching a statement per write cost more than running it."""
_ATTEMPT = insert(MessageAttempt)


def record(db: Database, claimant: Claimant, outcomes: list[Outcome], *, now: datetime) -> int:
    """Apply `outcomes` in a transaction of their own; rows changed (see `write_outcomes`)."""
    if not outcomes:
        return 0
    with db.engine.begin() as connection:
        if not db.is_sqlite:
            # Losing this commit to a database crash is safe: the message stays `Sending`
            # with `sent_at` set and is reconciled, so it need not wait for the disk.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        return write_outcomes(connection, claimant, outcomes, now=now)


def write_outcomes(
    connection: Connection, claimant: Claimant, outcomes: list[Outcome], *, now: datetime
) -> int:
    """Apply `outcomes`, but only to messages this claimant still holds; returns rows changed.

    A message taken over for reconciling (its claim expired while the provider
    was slow) still takes the answer: it is the truth the lookup would look for.
    Runs inside the caller's transaction, so the sending threads' writes can
    share one commit.
    """
    if not outcomes:
        return 0
    params = [
        {
            "b_id": o.message_id,
            "b_claimant": str(claimant),
            "b_status": o.status.value,
            "b_attempts": o.attempts,
            "b_warning": o.warning,
            "b_next": o.next_attempt_at,
            "b_sent_at": o.sent_at,
            "b_provider_id": o.provider_message_id,
        }
        for o in outcomes
    ]
    attempts = [
        {
            "store_id": o.store_id,
            "message_id": o.message_id,
            "attempted_at": now,
            "provider": o.attempt.get("provider", ""),
            "status_code": o.attempt.get("status_code"),
            "response": str(o.attempt.get("response", ""))[:2000],
            "error": str(o.attempt.get("error", ""))[:500],
        }
        for o in outcomes
        if o.attempt is not None
    ]
    result = connection.execute(_RECORD, params)
    if attempts:
        connection.execute(_ATTEMPT, attempts)
    return int(result.rowcount or 0)
