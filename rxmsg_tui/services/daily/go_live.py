"""Go-live (DESIGN.md §4): the day a store starts messaging, and who is new after it.

The patients a store already has when it starts messaging (its first
import, or the demo's patients) are not new: welcoming each of them would
flood the queue with hundreds of thousands of greetings. `store.go_live`
records that day; patients added later are new (`patient.is_new`) unless
their import row says `new_patient` N.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select, update

from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Patient, Store

STORE = table(Store)
PATIENT = table(Patient)


def go_live_of(conn: Connection, store_id: int) -> date | None:
    """The store's go-live day, or None while it has not started messaging."""
    found: date | None = conn.scalar(select(STORE.c.go_live).where(STORE.c.id == store_id))
    return found


def mark_go_live(conn: Connection, store_id: int, day: date) -> bool:
    """Start messaging on `day` (the store-local day) unless the store is live already.

    Every patient present now becomes not new. Returns whether this call set
    the day; call it inside the transaction that writes the go-live patients,
    and write those not new.
    """
    if go_live_of(conn, store_id) is not None:
        return False
    conn.execute(update(STORE).where(STORE.c.id == store_id).values(go_live=day))
    conn.execute(
        update(PATIENT)
        .where(PATIENT.c.store_id == store_id, PATIENT.c.is_new.is_(True))
        .values(is_new=False)
    )
    return True


def read_go_live(db: Database, store_id: int) -> date | None:
    with db.read() as session:
        return go_live_of(session.connection(), store_id)


def go_live_line(day: date | None) -> str:
    """The read-only line of Alert Settings."""
    if day is None:
        return "Not live yet (the first patient import starts it)"
    return f"Messaging went live on {day:%m/%d/%Y}"
