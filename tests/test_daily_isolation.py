"""One rule that fails does not stop the others: reported, logged, audited, recorded with the run.

Before, a saved format that failed at render (`title(1)`) stopped `run-daily`
at that rule every day, and the welcome and birthday rules after it never ran.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from rxmsg_tui.domain.vocabulary import AlertType, Method
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import process, run_daily
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import AuditLog, DailyRun, MessageFormat, Store
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.conftest import NOW
from tests.daily_world import World

TODAY = date(2026, 3, 2)
BROKEN = "Happy birthday {{ patient_first_name|title(1) }}"


def _world(db: Database, store_id: int) -> World:
    """A patient born today, who joined today, with an Rx due: one message of each rule."""
    world = World(db, store_id)
    world.settings(refill_channels=["sms"], birthday_channels=["sms"], welcome_channels=["sms"])
    pk = world.patient("P1", dob=date(1970, 3, 2), created_at=NOW)
    world.rx(pk, world.drug(), last_fill=date(2026, 2, 1))
    return world


def _store_broken_birthday_format(db: Database, store_id: int) -> None:
    """Written as an old version could have saved it, past today's save checks."""
    with db.engine.begin() as conn:
        conn.execute(insert(MessageFormat).values(
            store_id=store_id, method=Method.SMS.value, alert_type=AlertType.BIRTHDAY.value,
            language="en", subject="", body=BROKEN, updated_at=NOW,
        ))  # fmt: skip


def test_a_format_that_fails_at_render_stops_only_its_own_rule(
    db: Database, store: Store, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    assert store.id is not None
    world = _world(db, store.id)
    _store_broken_birthday_format(db, store.id)
    with caplog.at_level(logging.ERROR, logger="rxmsg.daily"):
        result = run_daily(db, admin, now=NOW, day=TODAY)
    assert sorted(alert for alert, _, _ in world.queued()) == [
        "Refill Reminder",
        "Welcome Greeting",
    ]
    assert list(result.failed) == ["birthday/sms 2026"]
    assert "birthday/sms 2026 failed" in caplog.text and "Ann" not in caplog.text
    with db.engine.begin() as conn:
        queued = conn.scalar(select(DailyRun.queued))
        failures = list(
            conn.scalars(select(AuditLog.after).where(AuditLog.action == "daily.failed"))
        )
    assert queued is not None and list(queued["failed"]) == ["birthday/sms 2026"]
    assert (queued["refill"], queued["welcome"], queued["birthday"]) == (1, 1, 0)
    assert json.loads(failures[0])["part"] == "birthday/sms 2026"


def test_any_exception_in_a_rule_is_contained(
    db: Database, store: Store, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.id is not None
    world = _world(db, store.id)

    def broken(*_args: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(process, "refill_candidates", broken)
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert result.failed == {"refill/sms": "the disk is full"}
    assert sorted(alert for alert, _, _ in world.queued()) == [
        "Birthday Greeting",
        "Welcome Greeting",
    ]


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path, env={"RXMSG_NOW": "2026-03-02T15:30:00+00:00"})
    assert runner("users", "list").returncode == 0
    db = Database(make_engine(f"sqlite:///{runner.db_path}"))
    with db.engine.begin() as conn:
        store_id = conn.execute(select(Store.id)).scalar_one()
    _world(db, store_id)
    _store_broken_birthday_format(db, store_id)
    db.dispose()
    return runner


def test_run_daily_reports_the_failed_rule_after_running_the_others(rxmsg: Rxmsg) -> None:
    result = rxmsg("run-daily")
    assert_clean_failure(result, code=1)
    assert "       1 refill reminders" in result.stdout
    assert "       1 welcome greetings" in result.stdout
    assert "birthday/sms 2026 failed" in result.stderr


@pytest.mark.parametrize("day", ["2026-03-03", "2026-12-23", "9999-12-31", "0001-01-01"])
def test_run_daily_refuses_a_future_or_far_past_date(rxmsg: Rxmsg, day: str) -> None:
    result = rxmsg("run-daily", "--date", day)
    assert_clean_failure(result, code=2)
    assert "--date" in result.stderr
    assert json.loads(rxmsg("queue", "--format", "json").stdout) == []


def test_run_daily_accepts_today_and_past_days(rxmsg: Rxmsg) -> None:
    past = rxmsg("run-daily", "--date", "2026-02-27")
    assert past.returncode == 0 and "Daily process for" in past.stdout, past.stderr
    today = rxmsg("run-daily", "--date", "2026-03-02")
    assert "       1 welcome greetings" in today.stdout
