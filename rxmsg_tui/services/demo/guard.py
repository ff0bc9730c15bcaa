"""Where the demo may run, and `--reset`: the demo keeps to a database of its own.

The demo makes whoever runs it an admin and fills a store with made-up
patients; on a pharmacy's database that would add a second store (so every
terminal then has to name its store) and an admin nobody chose. It therefore
refuses any database that holds a store other than DEMO. `--reset` deletes
what the DEMO store holds, keeping the store itself, its users, the audit
trail and the record of used unlock codes, so the demo can be built anew.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, func
from sqlalchemy import select as select_rows
from sqlmodel import Session, SQLModel, col, select

from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.storage.models import Store

KEPT_ON_RESET = frozenset({"store", "app_user", "audit_log", "unlock_code_use"})
"""Who may sign in, what was done and which codes were used outlive a reset."""


def refuse_other_stores(session: Session, demo_code: str) -> None:
    """Raise unless every store in the database is the demo's."""
    other = session.exec(
        select(Store.code).where(Store.code != demo_code).order_by(col(Store.code)).limit(1)
    ).first()
    if other is not None:
        raise PermissionDenied(
            f"this database holds store {other}, which is not a demo; "
            "rxmsg demo only runs on a database of its own"
        )


def wipe_store(session: Session, store_id: int) -> dict[str, int]:
    """Delete the store's rows, children first; returns rows deleted per table (for the audit)."""
    conn = session.connection()
    deleted: dict[str, int] = {}
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name in KEPT_ON_RESET or "store_id" not in table.c:
            continue
        count = _count(session, table, store_id)
        if count:
            conn.execute(delete(table).where(table.c.store_id == store_id))
            deleted[table.name] = count
    session.expire_all()
    return deleted


def _count(session: Session, table: Table, store_id: int) -> int:
    query = select_rows(func.count()).select_from(table).where(table.c.store_id == store_id)
    return int(session.connection().execute(query).scalar_one())
