"""One active scheduler per database: a lease row naming its holder, renewed while held.

Another process takes the lease over when it expires, or at once when the
holder is a dead process on the same host, so a killed daemon is replaced
within seconds. Acquire and renew are one conditional UPDATE (or the first
INSERT), so two candidates never both believe they hold it.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from rxmsg_tui.services.dispatch.claimant import Claimant, process_alive
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import SchedulerLease

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class LeaseHolder:
    holder: str
    host: str
    pid: int
    expires_at: datetime


def try_acquire(db: Database, claimant: Claimant, *, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; False while another live holder has it."""
    holder = str(claimant)
    current = current_holder(db)
    dead_local = (
        current is not None
        and current.host == socket.gethostname()
        and current.holder != holder
        and not process_alive(current.pid)
    )
    with db.transaction() as session:
        if current is None:
            try:
                with session.begin_nested():
                    session.add(
                        SchedulerLease(
                            name=LEASE_NAME, holder=holder, host=claimant.host, pid=claimant.pid,
                            acquired_at=now, expires_at=now + ttl,
                        )
                    )  # fmt: skip
                return True
            except IntegrityError:
                return False
        conditions = [col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) < now]
        if dead_local and current is not None:
            conditions.append(col(SchedulerLease.holder) == current.holder)
        result = session.connection().execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == LEASE_NAME, or_(*conditions))
            .values(holder=holder, host=claimant.host, pid=claimant.pid, expires_at=now + ttl)
        )
        taken = bool(result.rowcount)
        if taken and (current is None or current.holder != holder):
            session.connection().execute(
                update(SchedulerLease)
                .where(col(SchedulerLease.name) == LEASE_NAME)
                .values(acquired_at=now)
            )
        return taken


def release(db: Database, claimant: Claimant) -> None:
    """Give the lease up at a clean stop so the next scheduler need not wait for expiry."""
    with db.transaction() as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        if lease is not None and lease.holder == str(claimant):
            session.delete(lease)


def current_holder(db: Database) -> LeaseHolder | None:
    with db.read() as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        if lease is None:
            return None
        return LeaseHolder(lease.holder, lease.host, lease.pid, lease.expires_at)
