"""The claim heartbeat never waits on a row the sending threads are writing.

With several dispatchers on PostgreSQL, the heartbeat's one UPDATE over a
batch's rows and the sending threads' writes of answers and hand-overs
(other rows of the same batch, locked in another order) deadlocked now and
then. The heartbeat now skips rows locked this instant and renews them at
its next beat; SQLite has one writer at a time and no such order to fear.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import col, select, update

from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.dispatch.claims import claim_due, renew
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from tests.test_dispatcher import NOON, add_messages

LEASE = timedelta(minutes=2)


def _until(db: Database) -> dict[str, object]:
    with db.read() as session:
        return {m.body: m.claimed_until for m in session.exec(select(OutboundMessage))}


def test_renew_extends_every_claim_held(db: Database, store: Store) -> None:
    add_messages(db, store, "one", "two", "three")
    me, other = Claimant.for_this_process(), Claimant("elsewhere", 1, "other")
    claim_due(db, me, now=NOON, limit=2, lease=LEASE)
    claim_due(db, other, now=NOON, limit=1, lease=LEASE)
    later = NOON + timedelta(seconds=40)
    assert renew(db, me, now=later, lease=LEASE) == 2
    renewed = [body for body, until in _until(db).items() if until == later + LEASE]
    assert len(renewed) == 2  # the other dispatcher's claim is left as it was


def test_renew_skips_a_row_being_written_instead_of_waiting(db: Database, store: Store) -> None:
    add_messages(db, store, "one", "two", "three")
    me = Claimant.for_this_process()
    ids = sorted(claim_due(db, me, now=NOON, limit=3, lease=LEASE))
    later = NOON + timedelta(seconds=40)
    if db.engine.dialect.name != "postgresql":  # one writer at a time: nothing to skip
        assert renew(db, me, now=later, lease=LEASE) == 3
        return
    done: list[int] = []
    with db.engine.connect() as writer:  # a sending thread, mid-write on the middle row
        writer.execute(update(OutboundMessage).where(col(OutboundMessage.id) == ids[1])
                       .values(attempts=1))  # fmt: skip
        beat = threading.Thread(target=lambda: done.append(renew(db, me, now=later, lease=LEASE)))
        beat.start()
        beat.join(timeout=10)
        assert not beat.is_alive(), "the heartbeat waited on the row being written"
        writer.commit()
    assert done == [2]
    assert renew(db, me, now=later, lease=LEASE) == 3  # the next beat renews it
