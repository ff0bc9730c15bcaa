"""Claiming due messages, keeping the claims alive, and taking back those of dead dispatchers.

On SQLite a claim is one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING,
atomic because the statement takes the write lock before it reads. On
PostgreSQL the due rows are first locked with `FOR UPDATE SKIP LOCKED` (a
LIMIT inside an UPDATE's subquery may be evaluated more than once there), so
several dispatchers share the work without overlap.

A claimed message is `Sending` with `sent_at` empty until the moment it is
handed to the provider (`mark_handed` sets `sent_at`, and refuses if the claim
was lost). So when a dispatcher dies, what it never handed over goes straight
back to `Pending`, and only what it may have sent is left for `reconcile`
(claimed by `RECONCILE` until `claimed_until`, when "the provider has no such
message" can be believed).
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, or_, select, update
from sqlmodel import col

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.dispatch.claimant import Claimant, process_alive
from rxmsg_tui.services.dispatch.driver_writes import RECONCILE, driver_writes
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage

M = OutboundMessage
SENDING = QueueStatus.SENDING.value

SETTLE = timedelta(seconds=30)
"""How long a request already on the wire may still take to land at the provider
(connect, write and the provider's own work), so a lookup made sooner may miss it."""


def claim_due(
    db: Database, claimant: Claimant, *, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Mark up to `limit` due messages `Sending` for `claimant`; returns their ids in send order."""
    due = (
        select(col(M.id))
        .where(
            col(M.status) == QueueStatus.PENDING.value,
            col(M.scheduled_at) <= now,
            or_(col(M.next_attempt_at).is_(None), col(M.next_attempt_at) <= now),
        )
        .order_by(col(M.priority), col(M.scheduled_at), col(M.id))
        .limit(limit)
    )
    claim = (
        update(M)
        .where(col(M.status) == QueueStatus.PENDING.value)
        .values(
            status=SENDING,
            claimed_by=str(claimant),
            claimed_until=now + lease,
            sent_at=None,
            status_checked_at=None,
        )
        .returning(col(M.id), col(M.priority), col(M.scheduled_at))
    )
    with db.transaction() as session:
        connection = session.connection()
        if db.is_sqlite:
            rows = connection.execute(claim.where(col(M.id).in_(due.scalar_subquery()))).all()
        else:
            # The rows stay locked until commit, so the UPDATE claims exactly these.
            ids = connection.execute(due.with_for_update(skip_locked=True)).scalars().all()
            rows = connection.execute(claim.where(col(M.id).in_(ids))).all() if ids else []
    ordered = sorted(rows, key=lambda r: (r[1], r[2], r[0]))
    return [row[0] for row in ordered if row[0] is not None]


def mark_handed(db: Database, claimant: Claimant, message_id: int, *, now: datetime) -> bool:
    """Record that the message is about to go to the provider; False if the claim was lost.

    The check and the mark are one statement, so a dispatcher whose claim
    expired (and was taken over) never sends a message someone else now holds.
    """
    with db.engine.begin() as connection:  # one statement: no ORM session needed
        result = connection.execute(
            update(M)
            .where(
                col(M.id) == message_id,
                col(M.status) == SENDING,
                col(M.claimed_by) == str(claimant),
                col(M.claimed_until) >= now,
            )
            .values(sent_at=now)
        )
    return bool(result.rowcount)


def mark_handed_many(
    connection: Connection, claimant: Claimant, message_ids: list[int], *, now: datetime
) -> set[int]:
    """`mark_handed` for several messages in the caller's transaction; the ids still held.

    The commit must reach the disk before any of them is sent (a lost mark
    would let a crash send the message again), so callers never turn off
    synchronous commit for it.
    """
    return driver_writes(connection).mark_handed(connection, str(claimant), message_ids, now)


def renew(db: Database, claimant: Claimant, *, now: datetime, lease: timedelta) -> int:
    """Extend the claims `claimant` still holds: the heartbeat of a batch at work.

    On PostgreSQL the rows another transaction is writing this instant (the
    sending threads recording answers and hand-overs, a row at a time in their
    own order) are skipped, not waited for: one UPDATE over all of a batch's
    rows waiting on theirs while they wait on it was a deadlock, one beat in
    a few thousand with four dispatchers. A skipped row is renewed at the next
    beat; a claim lasts three.
    """
    held = and_(col(M.status) == SENDING, col(M.claimed_by) == str(claimant))
    with db.transaction() as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            free = select(col(M.id)).where(held).with_for_update(skip_locked=True)
            held = col(M.id).in_(free.scalar_subquery())
        result = conn.execute(update(M).where(held).values(claimed_until=now + lease))
    return int(result.rowcount or 0)


def release(db: Database, claimant: Claimant, *, now: datetime, settle: timedelta = SETTLE) -> int:
    """Give back what a batch still holds when it ends: unsent to `Pending`, the rest to reconcile.

    After a normal batch nothing is left; after an error mid-batch this is what
    keeps a message the provider may have accepted from being sent again blindly.
    """
    return _take_back(db, col(M.claimed_by) == str(claimant), now=now, settle=settle)


def recover_claims(db: Database, *, now: datetime, settle: timedelta = SETTLE) -> int:
    """Take back what expired claims or dead local dispatchers left `Sending`."""
    host = socket.gethostname()
    with db.read() as session:
        holders = session.execute(
            select(col(M.claimed_by)).where(col(M.status) == SENDING).distinct()
        ).scalars()
        dead = [
            text
            for text in holders
            if text
            and (c := Claimant.parse(text)) is not None
            and c.host == host
            and not process_alive(c.pid)
        ]
    condition = and_(
        col(M.claimed_until) < now,
        or_(col(M.claimed_by).is_(None), col(M.claimed_by) != RECONCILE),
    )
    if dead:
        condition = or_(condition, col(M.claimed_by).in_(dead))
    return _take_back(db, condition, now=now, settle=settle)


def _take_back(db: Database, held: object, *, now: datetime, settle: timedelta) -> int:
    sending = and_(col(M.status) == SENDING, held)  # type: ignore[arg-type]
    with db.transaction() as session:
        connection = session.connection()
        unsent = connection.execute(
            update(M)
            .where(sending, col(M.sent_at).is_(None))
            .values(status=QueueStatus.PENDING.value, claimed_by=None, claimed_until=None)
        )
        handed = connection.execute(
            update(M)
            .where(sending, col(M.sent_at).is_not(None))
            .values(claimed_by=RECONCILE, claimed_until=now + settle)
        )
    return int(unsent.rowcount or 0) + int(handed.rowcount or 0)
