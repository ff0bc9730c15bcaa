"""Claiming due messages and taking back the claims of dispatchers that died.

On SQLite a claim is one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING,
atomic because the statement takes the write lock before it reads. On
PostgreSQL the due rows are first locked with `FOR UPDATE SKIP LOCKED` (a
LIMIT inside an UPDATE's subquery may be evaluated more than once there), so
several dispatchers share the work without overlap.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import col

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.dispatch.claimant import Claimant, process_alive
from rxmsg_tui.storage.models import OutboundMessage

M = OutboundMessage


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
            status=QueueStatus.SENDING.value, claimed_by=str(claimant), claimed_until=now + lease
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


def recover_claims(db: Database, *, now: datetime) -> int:
    """Put back `Pending` what expired claims or dead local dispatchers left `Sending`."""
    host = socket.gethostname()
    with db.transaction() as session:
        holders = session.execute(
            select(col(M.claimed_by)).where(col(M.status) == QueueStatus.SENDING.value).distinct()
        ).scalars()
        dead = [
            text
            for text in holders
            if text
            and (c := Claimant.parse(text)) is not None
            and c.host == host
            and not process_alive(c.pid)
        ]
        condition = col(M.claimed_until) < now
        if dead:
            condition = or_(condition, col(M.claimed_by).in_(dead))
        result = session.connection().execute(
            update(M)
            .where(and_(col(M.status) == QueueStatus.SENDING.value, condition))
            .values(status=QueueStatus.PENDING.value, claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount or 0)
