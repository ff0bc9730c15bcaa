"""Reads and SQL expressions several services share, so each is written once.

`alert_settings_of` is the one way a service reads a store's Alert Settings;
`concat` the one text concatenation the daily SQL and the dedupe keys use on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, literal
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from rxmsg_tui.storage.models import AlertSettings


def alert_settings_of(session: Session, store_id: int) -> AlertSettings | None:
    """The store's Alert Settings row; None for a store created without one."""
    return session.exec(select(AlertSettings).where(AlertSettings.store_id == store_id)).first()


def concat(*parts: ColumnElement[Any] | str) -> ColumnElement[str]:
    """`a || b || …`; plain strings become bound literals."""
    expressions = [literal(p, String) if isinstance(p, str) else p for p in parts]
    if not expressions:
        return literal("", String)
    result: ColumnElement[Any] = expressions[0]
    for part in expressions[1:]:
        result = result.op("||", return_type=String)(part)
    return result
