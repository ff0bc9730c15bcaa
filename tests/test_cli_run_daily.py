"""`rxmsg run-daily` as a pharmacy's cron or support would run it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import Store
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.daily_world import World


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    """A store with one patient whose Rx is due on 31 March 2026, reminders by SMS."""
    runner = Rxmsg(tmp_path, env={"RXMSG_NOW": "2026-03-31T14:00:00+00:00"})
    assert runner("users", "list").returncode == 0  # creates the store and signs the OS account in
    db = Database(make_engine(f"sqlite:///{runner.db_path}"))
    with db.engine.begin() as conn:
        store_id = conn.execute(select(Store.id)).scalar_one()
    world = World(db, store_id)
    world.settings(refill_channels=["sms"])
    world.rx(world.patient(), world.drug(), last_fill=date(2026, 3, 1))
    db.dispose()
    return runner


def test_run_daily_queues_once_and_says_what(rxmsg: Rxmsg) -> None:
    first = rxmsg("run-daily", "--date", "2026-03-31")
    assert first.returncode == 0, first.stderr
    assert "2026-03-31:" in first.stdout
    assert "       1 refill reminders" in first.stdout
    again = rxmsg("run-daily")  # today by RXMSG_NOW: the same day, nothing new
    assert again.returncode == 0, again.stderr
    assert "       0 queued" in again.stdout
    queued = json.loads(rxmsg("queue", "--format", "json").stdout)
    assert [(m["alert_type"], m["method"], m["status"]) for m in queued] == [
        ("Refill Reminder", "SMS", "Pending")
    ]


def test_a_bad_date_is_a_usage_error(rxmsg: Rxmsg) -> None:
    result = rxmsg("run-daily", "--date", "2026-02-30")
    assert_clean_failure(result, code=2)
    assert "not a date like" in result.stderr
