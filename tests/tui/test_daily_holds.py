"""Held Daily Messages at 80x24: a held greeting is announced, shown, and released by an admin."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.screens.daily_holds import DailyHoldsScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.models import AuditLog, DailyHold, DailyRun, Store
from tests.conftest import NOW
from tests.tui.conftest import settle

OPEN_HOLDS = ("3", "1", "1", "7")  # Misc > Interface Setups > Outbound Messaging > Held …
OPEN_ALERTS = ("3", "1", "1", "2")
NOTICE = "Welcome Greeting held on 12/07: would reach 148,210 of 150,000 patients (99%)."


@pytest.fixture
def held(context: AppContext) -> AppContext:
    with context.db.engine.begin() as conn:
        conn.execute(insert(DailyHold).values(
            store_id=context.actor.store_id, run_date=date(2026, 12, 7), alert="welcome",
            would_queue=148_210, patient_total=150_000, held_at=NOW,
        ))  # fmt: skip
    return context


def notices(app: RxMsgApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


def status(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def open_holds(pilot: Pilot[None]) -> DailyHoldsScreen:
    await pilot.press(*OPEN_HOLDS)
    await settle(pilot)
    assert isinstance(pilot.app.screen, DailyHoldsScreen)
    return pilot.app.screen


async def test_a_held_greeting_is_announced_at_start_and_an_admin_releases_it(
    held: AppContext, pharmacy: dict[str, int]
) -> None:
    app = RxMsgApp(held)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any(NOTICE in line and "--release welcome" in line for line in notices(app))
        screen = await open_holds(pilot)
        table = screen.query_one("#holds", DataTable)
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)] == [
            "12/07/2026", "Welcome Greeting", "148,210", "150,000", "99%",
        ]  # fmt: skip
        assert NOTICE in status(screen, "#holds-status")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert status(screen, "#holds-status").startswith("Released: 0 Welcome Greeting")
        assert table.row_count == 0
    with held.db.engine.begin() as conn:
        assert conn.scalar(select(DailyHold.confirmed_by)) == "alice"
        assert "daily.released" in conn.scalars(select(AuditLog.action)).all()


async def test_a_pharmacist_sees_the_hold_but_cannot_release_it(
    held: AppContext, pharmacy: dict[str, int]
) -> None:
    held.actor = Actor(held.actor.store_id, held.actor.store_code, "pat", Role.PHARMACIST)
    app = RxMsgApp(held)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_holds(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, DailyHoldsScreen)
        assert status(screen, "#holds-status").endswith("Only an admin can release held messages.")
    with held.db.engine.begin() as conn:
        assert conn.scalar(select(DailyHold.confirmed_by)) is None


async def test_alert_settings_shows_go_live_and_the_held_greeting(
    held: AppContext, pharmacy: dict[str, int]
) -> None:
    with held.db.engine.begin() as conn:
        conn.execute(update(Store).values(go_live=date(2026, 12, 7)))
    app = RxMsgApp(held)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*OPEN_ALERTS)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AlertSettingsScreen)
        assert status(screen, "#go-live").startswith("Messaging went live on 12/07/2026.")
        assert status(screen, "#held-notice").startswith(NOTICE + " An admin can release it: ")
        assert screen.query_one("#held-notice").display


async def test_nothing_held_says_so(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_holds(pilot)
        assert status(screen, "#holds-status").startswith("Nothing is held")
        assert not [line for line in notices(app) if "held on" in line]


async def test_a_rule_that_failed_in_the_last_daily_run_is_announced_at_start(
    context: AppContext, pharmacy: dict[str, int]
) -> None:
    failed = {"refill": 3, "failed": {"birthday/sms 2026": "the format cannot be filled in"}}
    with context.db.engine.begin() as conn:
        conn.execute(insert(DailyRun).values(
            store_id=context.actor.store_id, run_date=date(2026, 3, 2),
            caught_up_from=date(2026, 3, 2), started_at=NOW, finished_at=NOW, queued=failed,
            trigger="scheduler", username="scheduler",
        ))  # fmt: skip
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert (
            "The daily process of 03/02 could not do birthday/sms 2026 (the format cannot be "
            "filled in); the other rules ran. See the audit log."
        ) in notices(app)
