"""Records what happened to claimed messages, statuses and attempts, as soon as it is known.

The dispatcher records each message the moment its provider answers, so a
crash later in the batch cannot lose an acceptance (and send it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.driver_writes import driver_writes
from rxmsg_tui.storage.database import Database


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
    return driver_writes(connection).record(connection, str(claimant), outcomes, now)
