"""A database that fails under each screen's load and save: a line on screen, the App stays up.

Every built screen of the menu catalogue is opened by keyboard at 80x24 while
the database raises `OperationalError` (database is locked) on every
transaction, then opened healthy and saved while it fails. The screen must
stay, say so in one readable line and log the failure without patient data.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.cli.logs import LOG_FILE, log_to_file
from rxmsg_tui.dialogs.patient_defaults import PatientDefaultsDialog
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.screens.catalogue import (
    ALERT_SETTINGS,
    HELD_DAILY_MESSAGES,
    MESSAGE_FORMAT,
    MESSAGE_QUEUE,
    OPT_IN_WORDING,
    OUTBOUND_SETUP,
    PATIENT_LISTING,
    PATIENT_PROFILE,
    QUICK_RESPONSES,
    REVIEW_SITES,
    SEND_EMAIL_SMS,
    TWO_WAY_MESSAGING,
    ScreenEntry,
    walk,
)
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.failures import log_failure
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import ConversationMessage, DailyHold, Store
from tests.tui.conftest import SMITH, settle, type_text
from tests.tui.test_menu import route_to
from tests.tui.test_message_queue import insert_messages, message
from tests.unlock_codes import SUPPORT_PUBLIC_PEM, unlock_code

LOCKED = "The database could not be reached (database is locked); nothing was changed — try again"
SECRET = "Smith"
"""A patient's name among the failing statement's parameters: it must show nowhere."""

BUILT = [
    item for item, _ in walk() if isinstance(item, ScreenEntry) and item.id in RxMsgApp._SCREENS
]

Steps = Callable[[Pilot[None]], Awaitable[None]]


class BrokenDatabase:
    """Every read and transaction raises while `broken`, as a locked SQLite file does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.broken = False
        self.calls = 0
        read, transaction = Database.read, Database.transaction

        def guard(real: Callable[[Database], AbstractContextManager[Session]]) -> object:
            def opened(db: Database) -> AbstractContextManager[Session]:
                if self.broken:
                    self.calls += 1
                    raise OperationalError(
                        "UPDATE patient SET last_name=?",
                        {"last_name": SECRET},
                        sqlite3.OperationalError("database is locked"),
                    )
                return real(db)

            return opened

        monkeypatch.setattr(Database, "read", guard(read))
        monkeypatch.setattr(Database, "transaction", guard(transaction))


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> BrokenDatabase:
    return BrokenDatabase(monkeypatch)


@pytest.fixture
def app(context: AppContext, pharmacy: dict[str, int], db: Database, store: Store) -> RxMsgApp:
    """The test pharmacy with one Failed message in today's queue (for Retry) and support's key."""
    insert_messages(db, store, [message(0, "Failed", "Rx 600123", entity="Prescription")])
    context.settings = context.settings.model_copy(
        update={"support_public_key": SUPPORT_PUBLIC_PEM}
    )
    return RxMsgApp(context)


async def open_by_menu(pilot: Pilot[None], item: ScreenEntry) -> None:
    for _menu, index in route_to(item):
        await pilot.press(*(["down"] * index), "enter")
        await settle(pilot)


async def nothing(pilot: Pilot[None]) -> None:
    return None


async def look_up_smith(pilot: Pilot[None]) -> None:
    await type_text(pilot, SMITH)
    await pilot.press("enter")
    await settle(pilot)


@dataclass(frozen=True)
class Case:
    after_open: Steps
    """What staff do once the screen is open, for it to read something (e.g. type an ID)."""
    save: Steps
    """The keys that make the screen write (or, for a listing, read again)."""
    before_save: Steps = nothing
    """What comes first, with the database still well (Alert Settings: unlock, change)."""


async def unlock_and_change(pilot: Pilot[None]) -> None:
    """F2, paste a code from support, Enter; then tick the first box (Refill by Email)."""
    await pilot.press("f2")
    field = pilot.app.screen.query_one("#unlock-code", Input)
    field.post_message(events.Paste(unlock_code("TEST", minutes=30)))
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AlertSettingsScreen) and pilot.app.screen.unlock
    await keys(pilot, "space")


async def hold_a_greeting(pilot: Pilot[None]) -> None:
    """The flood guard held the day's welcomes; F5 shows the hold."""
    app = pilot.app
    assert isinstance(app, RxMsgApp)
    with app.context.db.engine.begin() as conn:
        conn.execute(insert(DailyHold).values(
            store_id=app.context.actor.store_id, run_date=date(2026, 3, 2), alert="welcome",
            would_queue=500, patient_total=600, held_at=datetime.now(UTC),
        ))  # fmt: skip
    await keys(pilot, "f5")


async def smith_texts(pilot: Pilot[None]) -> None:
    """John Smith texts the pharmacy; F5 reads the conversations again."""
    app = pilot.app
    assert isinstance(app, RxMsgApp)
    with app.context.db.engine.begin() as conn:
        conn.execute(insert(ConversationMessage).values(
            store_id=app.context.actor.store_id, direction="in", phone="+15550102000",
            body="Is my refill ready?", at=datetime.now(UTC),
        ))  # fmt: skip
    await keys(pilot, "f5")


class Typed(str):
    """Text to type, among the keys to press."""


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    for key in pressed:
        if isinstance(key, Typed):
            await type_text(pilot, key)
        else:
            await pilot.press(key)
    await settle(pilot)


CASES: dict[ScreenEntry, Case] = {
    OUTBOUND_SETUP: Case(nothing, lambda p: keys(p, "ctrl+s")),
    ALERT_SETTINGS: Case(nothing, lambda p: keys(p, "ctrl+s"), before_save=unlock_and_change),
    MESSAGE_FORMAT: Case(nothing, lambda p: keys(p, "f3", "tab", Typed("Hi"), "ctrl+s")),
    MESSAGE_QUEUE: Case(nothing, lambda p: keys(p, "r")),
    QUICK_RESPONSES: Case(
        nothing, lambda p: keys(p, "f3", Typed("Thanks"), "tab", Typed("Thank you"), "ctrl+s")
    ),
    REVIEW_SITES: Case(
        nothing,
        lambda p: keys(
            p, "f3", Typed("Yelp"), "tab", Typed("https://yelp.example.com/r"), "ctrl+s"
        ),
    ),
    PATIENT_LISTING: Case(nothing, lambda p: keys(p, Typed("smi"), "enter")),
    PATIENT_PROFILE: Case(look_up_smith, lambda p: keys(p, "l")),
    HELD_DAILY_MESSAGES: Case(nothing, lambda p: keys(p, "r", "y"), before_save=hold_a_greeting),
    SEND_EMAIL_SMS: Case(nothing, lambda p: keys(p, "f2")),
    TWO_WAY_MESSAGING: Case(
        nothing, lambda p: keys(p, "tab", Typed("Hi"), "ctrl+s"), before_save=smith_texts
    ),
    OPT_IN_WORDING: Case(nothing, lambda p: keys(p, "enter", Typed("Signed. "), "ctrl+s")),
}


def test_every_built_screen_has_a_failure_case() -> None:
    assert set(CASES) == set(BUILT)


def on_screen(app: RxMsgApp) -> list[str]:
    """Every line the screen shows in its own widgets, and the notifications over it."""
    lines = [str(static.content) for static in app.screen.query(Static)]
    return lines + [note.message for note in app._notifications]


def assert_reported(app: RxMsgApp, title: str, caplog: pytest.LogCaptureFixture) -> None:
    """Still running, on the same screen, one line naming the fault, a log line, no patient."""
    assert app.is_running
    assert app.screen.title in (title, "Add New Format")
    shown = [line for line in on_screen(app) if "database is locked" in line]
    assert shown, on_screen(app)
    assert all(len(line.splitlines()) == 1 and SECRET not in line for line in shown)
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("rxmsg")]
    assert any("OperationalError" in line or "ServiceError" in line for line in logged), logged
    assert not any(SECRET in line for line in logged)


@pytest.mark.parametrize("item", BUILT, ids=lambda item: item.id)
async def test_a_database_failure_while_a_screen_loads_is_shown_and_the_app_stays(
    app: RxMsgApp, broken: BrokenDatabase, item: ScreenEntry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="rxmsg")
    async with app.run_test(size=(80, 24)) as pilot:
        broken.broken = True
        await open_by_menu(pilot, item)
        await CASES[item].after_open(pilot)
        assert broken.calls, "the screen read nothing"
        assert_reported(app, item.name, caplog)
        await pilot.press("escape")  # and it still answers the keys
        await settle(pilot)
        assert app.is_running and app.screen.title != item.name


@pytest.mark.parametrize("item", BUILT, ids=lambda item: item.id)
async def test_a_database_failure_while_a_screen_saves_is_shown_and_the_app_stays(
    app: RxMsgApp, broken: BrokenDatabase, item: ScreenEntry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="rxmsg")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_menu(pilot, item)
        await CASES[item].after_open(pilot)
        await CASES[item].before_save(pilot)
        assert not any(LOCKED in line for line in on_screen(app))
        broken.broken = True
        await CASES[item].save(pilot)
        assert broken.calls, "the keys wrote nothing"
        assert_reported(app, item.name, caplog)


async def test_an_action_that_raises_is_a_message_and_the_screen_stays(
    app: RxMsgApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_retry(self: OutboundMessagingQueueScreen) -> None:
        raise KeyError(SECRET)

    monkeypatch.setattr(OutboundMessagingQueueScreen, "action_retry_message", broken_retry)
    caplog.set_level(logging.INFO, logger="rxmsg")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_menu(pilot, MESSAGE_QUEUE)
        await keys(pilot, "r")
        assert app.is_running and isinstance(app.screen, OutboundMessagingQueueScreen)
        assert any("Something went wrong (KeyError)" in line for line in on_screen(app))
        await keys(pilot, "escape")
        assert app.screen.title == "Outbound Messaging"
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("retry_message failed: KeyError" in line for line in logged), logged
    assert not any(SECRET in line for line in logged)


async def test_a_screen_whose_handler_raises_is_closed_and_the_app_stays(
    app: RxMsgApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_mount(self: OutboundMessagingQueueScreen) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(OutboundMessagingQueueScreen, "on_mount", broken_mount)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_menu(pilot, MESSAGE_QUEUE)
        assert app.is_running and app.screen.title == "Outbound Messaging"
        assert any(
            "Outbound Messaging Queue was closed after an unexpected error (RuntimeError)" in line
            for line in on_screen(app)
        )
        await keys(pilot, "escape")  # the menus still answer
        assert app.screen.title == "Interface Setups"


async def test_a_worker_outside_the_helper_that_fails_leaves_the_app_up(app: RxMsgApp) -> None:
    def fails() -> None:
        raise OSError(28, "No space left on device")

    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.run_worker(fails, thread=True)
        await settle(pilot)
        assert app.is_running
        expected = "The system refused (No space left on device); nothing was changed — try again"
        assert expected in on_screen(app)


def test_the_tui_logs_to_a_private_file_in_the_data_dir(tmp_path: Path) -> None:
    """While the App owns the terminal, the failures it reports are kept for support."""
    path = tmp_path / "logs" / LOG_FILE
    log_to_file(path)
    try:
        log_failure(logging.getLogger("rxmsg.screens"), "reading the queue", _locked())
    finally:
        for name in ("rxmsg", "rxmsg_tui"):
            for handler in logging.getLogger(name).handlers[:]:
                if getattr(handler, "baseFilename", "") == str(path):
                    logging.getLogger(name).removeHandler(handler)
                    handler.close()
    assert path.stat().st_mode & 0o777 == 0o600
    (line,) = path.read_text().splitlines()
    assert (
        "ERROR rxmsg.screens: reading the queue failed: OperationalError: database is locked"
        in line
    )
    assert SECRET not in line


def _locked() -> OperationalError:
    try:
        raise OperationalError(
            "SELECT 1", {"name": SECRET}, sqlite3.OperationalError("database is locked")
        )
    except OperationalError as error:
        return error


async def test_the_patient_default_dialog_reports_a_failing_database_and_stays(
    app: RxMsgApp, broken: BrokenDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="rxmsg")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_menu(pilot, ALERT_SETTINGS)
        await unlock_and_change(pilot)
        broken.broken = True
        await keys(pilot, "f4")
        assert app.is_running and isinstance(app.screen, PatientDefaultsDialog)
        status = str(app.screen.query_one("#defaults-status", Static).content)
        assert status == f"Cannot read the defaults: {LOCKED}"
        await keys(pilot, "ctrl+s")  # nothing was read, so there is nothing to save
        await keys(pilot, "escape")
        assert isinstance(app.screen, AlertSettingsScreen)


async def test_a_sqlite_file_really_locked_during_a_save_is_a_line_on_screen(
    app: RxMsgApp, tmp_path: Path
) -> None:
    """No stand-in: another process holds the write lock past the busy timeout."""
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_menu(pilot, OUTBOUND_SETUP)
        holder = sqlite3.connect(tmp_path / "rxmsg.db", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            await keys(pilot, "ctrl+s")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert app.is_running and app.screen.title == OUTBOUND_SETUP.name
        status = str(app.screen.query_one("#setup-status", Static).content)
        assert status == f"Not saved: {LOCKED}"
        await keys(pilot, "ctrl+s")  # the lock gone, the same keys save
        status = str(app.screen.query_one("#setup-status", Static).content)
        assert status == "Nothing changed."
