"""The flood guard holds a greeting that would reach too many patients until an admin releases it.

Over both limits (more than `alerts.flood_guard_share` of the store's
patients and more than 100) nothing of the alert is queued and a hold is
recorded; refill reminders for the same patients go all the same.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.daily.holds import held_alerts, release
from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import AuditLog, Consent, DailyHold, PatientMessagePrefs, Store
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.conftest import NOW
from tests.daily_world import LONG_AGO, World
from tests.tui.seed import insert_patients, patient

TODAY = date(2026, 3, 2)


def add_patients(db: Database, store_id: int, count: int, *, birthday: bool, prefix: str) -> None:
    """`count` patients with marketing consent by SMS; born today when `birthday`."""
    dob = date(1970, 3, 2) if birthday else date(1970, 9, 9)
    rows = [
        patient(f"{prefix}{n:05d}", "Pat", f"Lee{n}", dob=dob, cell_phone="+13125550100",
                created_at=LONG_AGO)
        for n in range(count)
    ]  # fmt: skip
    ids = insert_patients(db, store_id, rows)
    pks = [ids[row["patient_id"]] for row in rows]
    consent: list[dict[str, Any]] = [
        {"store_id": store_id, "patient_id": pk, "channel": "sms", "purpose": purpose,
         "granted": True, "source": "verbal", "username": "alice", "recorded_at": LONG_AGO}
        for pk in pks for purpose in ("transactional", "marketing")
    ]  # fmt: skip
    prefs = [
        {"store_id": store_id, "patient_id": pk, "alert": alert, "email": False, "sms": True,
         "call": False}
        for pk in pks for alert in ("birthday", "refill")
    ]  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(insert(Consent), consent)
        conn.execute(insert(PatientMessagePrefs), prefs)


def birthdays_queued(world: World) -> int:
    return sum(1 for alert, _, _ in world.queued() if alert == "Birthday Greeting")


@pytest.fixture
def world(db: Database, store: Store) -> World:
    assert store.id is not None
    found = World(db, store.id)
    found.settings(refill_channels=["sms"], birthday_channels=["sms"])
    return found


def test_more_than_100_and_the_share_holds_the_birthdays_but_not_the_refills(
    db: Database, world: World, admin: Actor
) -> None:
    add_patients(db, world.store_id, 101, birthday=True, prefix="B")
    with db.engine.begin() as conn:
        first = conn.scalar(select(PatientMessagePrefs.patient_id).limit(1))
    world.rx(int(first or 0), world.drug(), last_fill=date(2026, 2, 1))  # due 3 March
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert birthdays_queued(world) == 0
    assert result.queued["refill"] == 1
    [held] = result.held
    assert (held.alert, held.would_queue, held.patients) == ("birthday", 101, 101)
    [notice] = held_alerts(db, world.store_id)
    assert notice.notice() == (
        "Birthday Greeting held on 03/02: would reach 101 of 101 patients (100%)."
    )
    again = run_daily(db, admin, now=NOW, day=TODAY)  # still held; one hold, not two
    assert birthdays_queued(world) == 0 and [h.alert for h in again.held] == ["birthday"]
    with db.engine.begin() as conn:
        assert len(conn.execute(select(DailyHold)).all()) == 1


def test_an_admin_releases_the_hold_and_the_greetings_are_queued(
    db: Database, world: World, admin: Actor
) -> None:
    add_patients(db, world.store_id, 150, birthday=True, prefix="B")
    run_daily(db, admin, now=NOW, day=TODAY)
    technician = Actor(admin.store_id, admin.store_code, "tom", Role.TECHNICIAN)
    with pytest.raises(PermissionDenied):
        release(db, technician, "birthday", now=NOW)
    result = release(db, admin, "birthday", now=NOW)
    assert result.queued["birthday"] == 150 and birthdays_queued(world) == 150
    assert held_alerts(db, world.store_id) == []
    with db.engine.begin() as conn:
        confirmed_by = conn.scalar(select(DailyHold.confirmed_by))
        actions = list(conn.scalars(select(AuditLog.action)))
    assert confirmed_by == "alice"
    assert "daily.held" in actions and "daily.released" in actions
    assert run_daily(db, admin, now=NOW, day=TODAY).held == []


def test_100_patients_are_never_held(db: Database, world: World, admin: Actor) -> None:
    add_patients(db, world.store_id, 100, birthday=True, prefix="B")
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert (result.held, result.queued["birthday"]) == ([], 100)


def test_under_the_share_is_not_held(db: Database, world: World, admin: Actor) -> None:
    add_patients(db, world.store_id, 101, birthday=True, prefix="B")
    add_patients(db, world.store_id, 2000, birthday=False, prefix="N")  # 101 / 2101 = 4.8 %
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert (result.held, result.queued["birthday"]) == ([], 101)


def test_the_share_is_a_setting(db: Database, world: World, admin: Actor) -> None:
    add_patients(db, world.store_id, 101, birthday=True, prefix="B")
    add_patients(db, world.store_id, 2000, birthday=False, prefix="N")
    world.settings(flood_guard_share=0.01)
    result = run_daily(db, admin, now=NOW, day=TODAY)
    assert [h.alert for h in result.held] == ["birthday"] and birthdays_queued(world) == 0


def test_run_daily_says_what_it_held_and_an_admin_releases_it_from_the_command_line(
    tmp_path: Path,
) -> None:
    rxmsg = Rxmsg(tmp_path, env={"RXMSG_NOW": "2026-03-02T15:30:00+00:00"})
    assert rxmsg("users", "list").returncode == 0
    db = Database(make_engine(rxmsg.db_url))
    with db.engine.begin() as conn:
        store_id = conn.execute(select(Store.id)).scalar_one()
    World(db, store_id).settings(refill_channels=[], birthday_channels=["sms"])
    add_patients(db, store_id, 120, birthday=True, prefix="B")
    db.dispose()
    held = rxmsg("run-daily")
    assert held.returncode == 0, held.stderr
    assert "       0 birthday greetings" in held.stdout
    assert (
        "Birthday Greeting held on 03/02: would reach 120 of 120 patients (100%). "
        "Nothing of it was queued. An admin can release it: rxmsg run-daily --release birthday"
    ) in held.stdout
    rxmsg.become("pharmacist")
    refused = rxmsg("run-daily", "--release", "birthday")
    assert_clean_failure(refused, code=1)
    assert "only an admin can release" in refused.stderr
    rxmsg.become("admin")
    released = rxmsg("run-daily", "--release", "birthday")
    assert released.returncode == 0, released.stderr
    assert "     120 birthday greetings" in released.stdout
    assert len(json.loads(rxmsg("queue", "--format", "json").stdout)) == 120
    again = rxmsg("run-daily", "--release", "birthday")
    assert_clean_failure(again, code=1)
    assert "no held Birthday Greeting to release" in again.stderr
