"""Reads and SQL expressions several services share, so each is written once.

`alert_settings_of` (and `patient_defaults_of` on a bare connection) is the one
way a service reads a store's Alert Settings;
`concat` the one text concatenation the daily SQL and the dedupe keys use on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, String, literal
from sqlalchemy import select as sa_select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.models import AlertSettings


def alert_settings_of(session: Session, store_id: int) -> AlertSettings:
    """The store's Alert Settings row; every store is created with one, so its absence
    raises (`NoResultFound`) as a database set up by hand would deserve."""
    return session.exec(_alert_settings(store_id)).one()


def alert_settings_or_none(session: Session, store_id: int) -> AlertSettings | None:
    """The store's Alert Settings row, for the few callers that repair or skip a missing one."""
    return session.exec(_alert_settings(store_id)).first()


def patient_defaults_of(conn: Connection, store_id: int) -> tuple[str, dict[str, Any]] | None:
    """When the store applies its Patient Defaults, and the defaults, read on a bare
    connection so bulk imports and Update All need no ORM row."""
    settings = table(AlertSettings)
    found = conn.execute(
        sa_select(settings.c.defaults_apply_on, settings.c.defaults).where(
            settings.c.store_id == store_id
        )
    ).first()
    if found is None:
        return None
    defaults = found.defaults if isinstance(found.defaults, dict) else {}
    return str(found.defaults_apply_on), defaults


def _alert_settings(store_id: int) -> SelectOfScalar[AlertSettings]:
    return select(AlertSettings).where(AlertSettings.store_id == store_id)


def concat(*parts: ColumnElement[Any] | str) -> ColumnElement[str]:
    """`a || b || …`; plain strings become bound literals."""
    expressions = [literal(p, String) if isinstance(p, str) else p for p in parts]
    if not expressions:
        return literal("", String)
    result: ColumnElement[Any] = expressions[0]
    for part in expressions[1:]:
        result = result.op("||", return_type=String)(part)
    return result
