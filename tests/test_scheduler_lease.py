"""The scheduler lease on both databases: one holder, renewal, expiry, dead local holders."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

from rxmsg_tui.services.dispatch.claimant import Claimant
from rxmsg_tui.services.scheduler_lease import current_holder, release, try_acquire
from rxmsg_tui.storage.database import Database

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


def test_one_holder_renews_others_wait_until_expiry(db: Database) -> None:
    a, b = Claimant("host-a", 100, "a"), Claimant("host-b", 200, "b")
    assert try_acquire(db, a, now=T0, ttl=TTL)
    assert not try_acquire(db, b, now=T0 + timedelta(seconds=5), ttl=TTL)
    assert try_acquire(db, a, now=T0 + timedelta(seconds=10), ttl=TTL)  # renewed to T0+25
    assert not try_acquire(db, b, now=T0 + timedelta(seconds=20), ttl=TTL)
    assert try_acquire(db, b, now=T0 + timedelta(seconds=26), ttl=TTL)
    holder = current_holder(db)
    assert holder is not None and holder.holder == str(b)
    assert not try_acquire(db, a, now=T0 + timedelta(seconds=27), ttl=TTL)


def test_a_dead_holder_on_this_host_is_replaced_at_once(db: Database) -> None:
    dead = Claimant(socket.gethostname(), 2**22 + 11, "dead")
    me = Claimant.for_this_process()
    assert try_acquire(db, dead, now=T0, ttl=timedelta(minutes=5))
    assert try_acquire(db, me, now=T0 + timedelta(seconds=1), ttl=TTL)


def test_release_frees_the_lease(db: Database) -> None:
    a, b = Claimant("host-a", 1, "a"), Claimant("host-b", 2, "b")
    assert try_acquire(db, a, now=T0, ttl=TTL)
    release(db, b)  # not the holder: nothing happens
    assert not try_acquire(db, b, now=T0, ttl=TTL)
    release(db, a)
    assert current_holder(db) is None
    assert try_acquire(db, b, now=T0, ttl=TTL)


def test_racing_candidates_get_exactly_one_lease(db: Database) -> None:
    winners: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        claimant = Claimant(f"host-{n}", n, str(n))
        if try_acquire(db, claimant, now=T0, ttl=TTL):
            with lock:
                winners.append(str(claimant))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(winners) == 1
