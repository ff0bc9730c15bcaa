"""Writes the audit trail: who, when, what, before and after (DESIGN.md §9)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.storage.models import AuditLog


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target: str = "",
    before: Any = None,
    after: Any = None,
) -> None:
    """Add an audit row inside the caller's transaction, so it commits with the change."""
    session.add(
        AuditLog(
            store_id=actor.store_id,
            at=at,
            username=actor.username,
            action=action,
            target=target,
            before=None if before is None else json.dumps(before, default=str, sort_keys=True),
            after=None if after is None else json.dumps(after, default=str, sort_keys=True),
        )
    )


def recent(session: Session, store_id: int, *, limit: int = 50) -> list[AuditLog]:
    query = (
        select(AuditLog)
        .where(AuditLog.store_id == store_id)
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
