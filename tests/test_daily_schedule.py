"""The scheduler's daily job: after "Start Daily Process after", once a day, catching up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.scheduler.runner import SchedulerRunner
from rxmsg_tui.services.daily.schedule import run_due
from rxmsg_tui.services.dispatch.dispatcher import Dispatcher
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import DailyRun, Store
from tests.daily_world import World
from tests.test_scheduler_runner import wait_for

# The test store is in New York (EDT in July): 08:00 local is 12:00 UTC.
EIGHT_AM = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)


def test_runs_once_a_day_after_the_start_time(db: Database, store: Store) -> None:
    assert store.id is not None
    World(db, store.id).settings(daily_start="08:00")
    assert run_due(db, now=EIGHT_AM - timedelta(minutes=1)) == []
    [first] = run_due(db, now=EIGHT_AM)
    assert (first.since, first.day) == (date(2026, 7, 6), date(2026, 7, 6))
    assert run_due(db, now=EIGHT_AM + timedelta(hours=15, minutes=59)) == []  # 23:59 local
    [next_day] = run_due(db, now=EIGHT_AM + timedelta(days=1))
    assert next_day.day == date(2026, 7, 7)


def test_after_downtime_the_missed_days_are_caught_up(db: Database, store: Store) -> None:
    [first] = run_due(db, now=EIGHT_AM)
    [back] = run_due(db, now=EIGHT_AM + timedelta(days=3, hours=2))
    assert (back.since, back.day) == (date(2026, 7, 7), date(2026, 7, 9))
    with db.read() as session:
        runs = session.connection().execute(select(DailyRun.trigger, DailyRun.username)).all()
    assert runs == [("scheduler", "scheduler")] * 2
    assert first.day == date(2026, 7, 6)


def test_the_scheduler_runs_the_daily_job(db: Database, store: Store) -> None:
    """A leader with the clock after the start time runs the day at once, by itself."""
    assert store.id is not None
    world = World(db, store.id)
    world.settings(refill_channels=["sms"], daily_start="08:00")
    world.rx(world.patient(), world.drug(), last_fill=date(2026, 6, 6))  # due 6 July
    clock = Clock(EIGHT_AM + timedelta(minutes=5))
    runner = SchedulerRunner(db, Dispatcher(db, lambda _s, _m: None, clock), clock)
    runner.dispatch = lambda: None  # type: ignore[method-assign]
    runner.start()
    try:
        assert wait_for(lambda: len(world.queued()) == 1)
    finally:
        runner.stop()
    assert world.queued()[0][2].endswith(":refill:1001:2026-06-06:due:sms")
