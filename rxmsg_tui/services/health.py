"""Is this rxmsg working? The answer a container's HEALTHCHECK or a monitor asks for.

The database must answer and be at the newest schema; a scheduler holding
the lease on this host must be renewing it (a daemon whose jobs hang would
stop renewing, while its process lives on and looks well from outside).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

from rxmsg_tui.services.scheduler_lease import current_holder
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.migrate import current_revision, is_up_to_date


@dataclass(frozen=True)
class Health:
    healthy: bool
    summary: str


def check_health(db: Database, *, now: datetime, host: str | None = None) -> Health:
    """Healthy, or the first thing wrong in one line."""
    try:
        up_to_date = is_up_to_date(db.engine)
        revision = current_revision(db.engine)
    except Exception as exc:  # any driver error: the database does not answer
        return Health(False, f"the database does not answer: {type(exc).__name__}")
    if revision is None:
        return Health(
            False, "the database holds no rxmsg tables yet (any rxmsg command makes them)"
        )
    if not up_to_date:
        return Health(
            False, f"the database is at schema {revision}, not the newest (restart rxmsg)"
        )
    here = host or socket.gethostname()
    lease = current_holder(db)
    if lease is None:
        return Health(True, "database answers; no scheduler holds the lease")
    until = lease.expires_at.strftime("%H:%M:%S UTC")
    if lease.host == here and lease.expires_at < now:
        return Health(
            False, f"the scheduler here (pid {lease.pid}) stopped renewing its lease at {until}"
        )
    return Health(True, f"database answers; scheduler on {lease.host} (pid {lease.pid}) to {until}")
