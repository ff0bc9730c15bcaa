"""Overlapping daily runs (a cron job and the scheduler, two terminals) queue each message once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import Store
from tests.conftest import NOW
from tests.daily_world import World


def test_four_overlapping_runs_queue_each_message_once(
    db: Database, store: Store, admin: Actor, database_url: str
) -> None:
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["email", "sms"], birthday_channels=["email", "sms"])
    drug = world.drug()
    for n in range(40):
        pk = world.patient(f"P{n:02d}", dob=date(1975, 3, 31), prefs={"refill": ("email", "sms"),
                           "birthday": ("email", "sms")})  # fmt: skip
        world.rx(pk, drug, f"R{n:02d}", last_fill=date(2026, 3, 1) - timedelta(days=n % 5))

    def one_run(_: int) -> int:
        own = Database(make_engine(database_url))  # each process has its own connections
        try:
            return run_daily(own, admin, now=NOW, day=date(2026, 3, 31)).total
        finally:
            own.dispose()

    with ThreadPoolExecutor(4) as pool:
        totals = list(pool.map(one_run, range(4)))
    keys = [key for _, _, key in world.queued()]
    assert len(keys) == len(set(keys)) == 40 * 2 + 40 * 2
    assert sum(totals) == len(keys)  # every message was counted by exactly one run
