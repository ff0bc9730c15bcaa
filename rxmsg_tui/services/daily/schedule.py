"""When the daily process is due: after each store's "Start Daily Process after" time.

The scheduler asks every minute rather than keeping a cron entry per store:
a store's hour, time zone or the clock (`RXMSG_NOW`) can change under it, and
a scheduler that was down at the hour simply finds the day not yet run and
runs it, catching up the days it missed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.process import DailyResult, run_daily
from rxmsg_tui.storage.bulk import table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, DailyRun, Store

log = logging.getLogger("rxmsg.daily")
SCHEDULER_USER = "scheduler"


def run_due(db: Database, *, now: datetime) -> list[DailyResult]:
    """Run the day for every store whose start time has passed and whose day has not run."""
    results = []
    for store_id, code, zone, start, last in _stores(db):
        local = now.astimezone(ZoneInfo(zone))
        if local.time() < time.fromisoformat(start) or (last is not None and last >= local.date()):
            continue
        actor = Actor(store_id, code, SCHEDULER_USER, Role.ADMIN)
        result = run_daily(db, actor, now=now, catch_up=True, trigger="scheduler")
        log.info("daily process for %s, %s: %d queued", code, result.day, result.total)
        for held in result.held:
            log.warning("daily process for %s, %s: %s held until an admin releases it",
                        code, result.day, held.alert)  # fmt: skip
        if result.failed:
            log.error("daily process for %s, %s: %d part(s) failed: %s", code, result.day,
                      len(result.failed), ", ".join(result.failed))  # fmt: skip
        results.append(result)
    return results


def _stores(db: Database) -> list[tuple[int, str, str, str, date | None]]:
    store, alerts, runs = table(Store), table(AlertSettings), table(DailyRun)
    last_run = (
        select(func.max(runs.c.run_date)).where(runs.c.store_id == store.c.id).scalar_subquery()
    )
    query = select(store.c.id, store.c.code, store.c.timezone, alerts.c.daily_start, last_run).join(
        alerts, alerts.c.store_id == store.c.id
    )
    with db.read() as session:
        return [(r[0], r[1], r[2], r[3], r[4]) for r in session.connection().execute(query)]
