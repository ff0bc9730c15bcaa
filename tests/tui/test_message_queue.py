"""Outbound Messaging Queue at 80x24 by keyboard: dates, filters, detail, delete, retry, print, clear."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Select, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens import message_queue
from rxmsg_tui.screens.message_detail import MessageDetailScreen
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.dispatch.dispatcher import DispatchStats
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, MessageAttempt, OutboundMessage, Store
from rxmsg_tui.widgets.date_input import DateInput
from rxmsg_tui.widgets.queue_table import QueueTable
from tests.tui.conftest import settle, type_text
from tests.tui.seed import insert_patients, patient

# 2 March 2026 in New York (the store's zone); the test clock says 10:30 there.
TODAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 at the store


def message(n: int, status: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()), "method": "SMS", "alert_type": "Refill Reminder",
        "priority": 2, "entity": "Patient", "entity_name": name, "recipient": "+15550102000",
        "subject": "", "body": f"Message {n} for {name}", "status": status, "attempts": 0,
        "warning": "", "claimed_by": None, "created_at": TODAY,
        "scheduled_at": TODAY + timedelta(minutes=15 * n), "patient_id": None, **extra,
    }  # fmt: skip


def insert_messages(db: Database, store: Store, rows: list[dict[str, Any]]) -> list[int]:
    with db.engine.begin() as conn:
        result = conn.execute(
            insert(OutboundMessage).returning(
                col(OutboundMessage.id), sort_by_parameter_order=True
            ),
            [{"store_id": store.id, **row} for row in rows],
        )
        return [int(i or 0) for i in result.scalars()]


@pytest.fixture
def ids(db: Database, store: Store) -> list[int]:
    """Five messages today (09:00 to 10:00), one deleted, and one yesterday.

    The first is about Ana Diaz's Rx 600123, the second about John Smith; the
    others name no patient on file (as a message to an unknown number does).
    """
    people = insert_patients(db, store.id or 0, [
        patient("P600", "Ana", "Diaz"), patient("P601", "John", "Smith"),
    ])  # fmt: skip
    found = insert_messages(db, store, [
        message(0, "Pending", "Rx 600123", entity="Prescription", patient_id=people["P600"]),
        message(1, "Sent", "Smith, John", method="Email", alert_type="RX Ready for Pickup", attempts=1,
                patient_id=people["P601"]),
        message(2, "Failed", "Rx 600124", entity="Prescription", attempts=2, subject="Refill due"),
        message(3, "Sending", "Garcia, Maria", claimed_by="host|1|x", alert_type="General"),
        message(4, "Undelivered", "Adams, Bob", warning="Opted Out", alert_type="Birthday Greeting"),
        message(5, "Deleted", "Removed, Gone"),
        message(-80, "Pending", "Smithers, Ann", method="Email", alert_type="Welcome Greeting"),
    ])  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(insert(MessageAttempt), [
            {"store_id": store.id, "message_id": found[2], "attempted_at": TODAY + timedelta(minutes=30),
             "provider": "twilio", "status_code": 503, "response": "", "error": "Service Unavailable"},
            {"store_id": store.id, "message_id": found[2], "attempted_at": TODAY + timedelta(minutes=31),
             "provider": "twilio", "status_code": 400, "response": "", "error": "not a valid phone number"},
        ])  # fmt: skip
    return found


@pytest.fixture
def app(context: AppContext, ids: list[int]) -> RxMsgApp:
    return RxMsgApp(context)


async def open_queue(pilot: Pilot[None]) -> OutboundMessagingQueueScreen:
    # Misc > Interface Setups > Outbound Messaging > Queue, by the menus' current numbers
    from tests.tui.test_menu import route_to

    await pilot.press(*(str(index + 1) for _, index in route_to(message_queue.MESSAGE_QUEUE)))
    await settle(pilot)
    assert isinstance(pilot.app.screen, OutboundMessagingQueueScreen)
    return pilot.app.screen


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def shown(screen: OutboundMessagingQueueScreen) -> list[int]:
    return [int(line.key) for line in screen.query_one(QueueTable).window]


def status_line(screen: OutboundMessagingQueueScreen) -> str:
    return str(screen.query_one("#queue-status", Static).content)


def focus(app: RxMsgApp) -> Widget | None:
    """The focused widget, read afresh (the type checker would keep the last assertion's)."""
    return app.focused


def current(app: RxMsgApp) -> Screen[object]:
    return app.screen


def notices(app: RxMsgApp) -> list[str]:
    return [n.message for n in app._notifications]


def status_of(db: Database, message_id: int) -> str:
    with db.read() as session:
        found = session.get(OutboundMessage, message_id)
        assert found is not None
        return found.status


async def test_opens_on_todays_messages_in_time_order_with_deleted_hidden(
    app: RxMsgApp, ids: list[int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(QueueTable)
        assert focus(app) is table
        assert shown(screen) == ids[:5]
        assert status_line(screen) == "5 messages · Dates: 2026-03-02 to 2026-03-02 · Enter: detail"
        # 80 columns: short names, and the patient after the Rx number (cut, with a mark)
        assert table.window[0].cells == (
            "03/02 09:00", "SMS", "Refill", "Norm", "Rx 600123 · Ana Di…", "Pending", "0", "",
        )  # fmt: skip
        assert table.window[1].cells[4] == "Smith, John"
        assert table.window[4].cells[5:] == ("Undelivered", "0", "Opted Out")
        keys = {b.binding.key for b in screen.active_bindings.values() if b.binding.show}
        assert {"delete", "d", "r", "slash", "enter", "escape"} <= keys


async def test_a_date_range_by_keyboard_and_bad_dates_are_named_at_the_field(
    app: RxMsgApp, ids: list[int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("slash")  # to the From field, its date selected to be typed over
        await type_text(pilot, "2026-03-01")
        await pilot.press("tab")
        await type_text(pilot, "2026-03-01")
        await press(pilot, "enter")
        assert shown(screen) == [ids[6]]
        assert focus(app) is screen.query_one(QueueTable)
        await pilot.press("slash")
        await type_text(pilot, "2026-02-30")
        await press(pilot, "enter")
        date_from = screen.query_one("#date-from", DateInput)
        assert status_line(screen) == (
            "From: 2026-02-30 is not a date: type it as MM/DD/YYYY or YYYY-MM-DD"
        )
        assert focus(app) is date_from and date_from.has_class("-bad-date")
        assert shown(screen) == [ids[6]]  # what was shown stays until a search can run
        await pilot.press("ctrl+u")  # clear the field: a blank From means from the first day
        await pilot.press("tab")
        await type_text(pilot, "2026-03-01")
        await press(pilot, "enter")
        assert shown(screen) == [ids[6]]
        await pilot.press("slash")
        await type_text(pilot, "2026-03-03")
        await press(pilot, "enter")
        assert status_line(screen) == "To: the last day is before the first"
        assert focus(app) is screen.query_one("#date-to", DateInput)


async def test_the_status_filter_picks_failed_or_deleted_messages(
    app: RxMsgApp, ids: list[int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("slash", "tab", "tab")  # From, To, Status
        assert focus(app) is screen.query_one("#status", Select)
        await press(pilot, "enter", "down", "down", "down", "down", "down", "enter")
        assert screen.query_one("#status", Select).value == "Failed"
        await press(pilot, "tab", "tab", "tab", "enter")  # Method, Alert Type, Search
        assert shown(screen) == [ids[2]]
        assert status_line(screen).startswith("1 message ·")
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await press(pilot, "enter", "down", "down", "enter", "tab", "tab", "tab", "enter")
        assert screen.query_one("#status", Select).value == "Deleted"
        assert shown(screen) == [ids[5]]


async def test_enter_opens_the_message_with_every_attempt_and_esc_comes_back(
    app: RxMsgApp, ids: list[int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await press(pilot, "down", "down", "enter")
        detail = app.screen
        assert isinstance(detail, MessageDetailScreen) and detail.message_id == ids[2]
        text = str(detail.query_one("#detail-text", Static).content)
        for expected in (
            "Recipient  +15550102000",
            "Subject    Refill due",
            "Message 2 for Rx 600124",
            "Attempts (2)",
            "2026-03-02 09:30:00  twilio 503  Service Unavailable",
            "2026-03-02 09:31:00  twilio 400  not a valid phone number",
        ):
            assert expected in text
        await press(pilot, "escape")
        assert app.screen is screen
        assert screen.query_one(QueueTable).cursor_row == 2


async def test_delete_asks_first_then_deletes_softly_with_an_audit_entry(
    app: RxMsgApp, ids: list[int], db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await press(pilot, "delete")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "enter")  # Keep has the focus: Enter out of habit changes nothing
        assert current(app) is screen and status_of(db, ids[0]) == "Pending"
        await press(pilot, "d", "y")
        await pilot.pause(0.1)
        await settle(pilot)
        assert status_of(db, ids[0]) == "Deleted"
        assert shown(screen) == ids[1:5]
        assert f"Message {ids[0]} deleted" in notices(app)
        assert status_line(screen).startswith("4 messages")
        with db.read() as session:
            [entry] = session.exec(select(AuditLog).where(AuditLog.action == "queue.delete"))
        assert entry.target == f"message {ids[0]}" and json.loads(entry.after or "") == {
            "status": "Deleted"
        }


async def test_a_message_being_sent_is_not_deleted_and_only_failed_ones_are_retried(
    app: RxMsgApp, ids: list[int], db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await press(pilot, "down", "down", "down", "delete", "y")
        assert status_of(db, ids[3]) == "Sending"
        assert f"message {ids[3]} is being sent right now; try again in a moment" in notices(app)
        await press(pilot, "up", "r")
        await pilot.pause(0.1)
        await settle(pilot)
        assert status_of(db, ids[2]) == "Pending"
        assert screen.query_one(QueueTable).window[2].cells[5] == "Pending"
        await press(pilot, "up", "up", "r")
        assert (
            f"only Failed and Sent? messages can be retried; message {ids[0]} is Pending"
            in notices(app)
        )


async def test_print_without_a_printer_saves_every_matching_row_to_a_file(
    context: AppContext, ids: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-lp"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(
            OutboundMessagingQueueScreen(context, page_size=2)
        )  # the table holds 2 of 5
        await settle(pilot)
        await pilot.press("slash", *["tab"] * 6)
        assert focus(app) is app.screen.query_one("#print")
        await press(pilot, "enter")
        folder = context.settings.data_dir / "printouts"
        [saved] = folder.iterdir()
        assert f"Saved to {saved} (lp is not installed)" in notices(app)
        text = saved.read_text()
        assert "Main Street Pharmacy (TEST)" in text and "Page 1 of 1" in text
        for name in ("Rx 600123", "Smith, John", "Rx 600124", "Garcia, Maria", "Adams, Bob"):
            assert name in text
        assert "5 messages" in text and "Smithers" not in text


async def test_clear_empties_criteria_and_results_and_csv_saves_what_is_shown(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("slash", *["tab"] * 8)  # … Search, Print, Clear, CSV
        await press(pilot, "enter")
        [saved] = (context.settings.data_dir / "exports").iterdir()
        assert saved.suffix == ".csv" and f"Saved to {saved}" in notices(app)
        assert len(saved.read_text().splitlines()) == 6
        await pilot.press("shift+tab")  # Clear
        await press(pilot, "enter")
        assert [f.value for f in screen.query(DateInput)] == ["", ""]
        assert all(s.value is Select.NULL for s in screen.query(Select))
        assert screen.query_one(QueueTable).row_count == 0 and screen.criteria is None
        assert status_line(screen) == "Type the dates and filters, then Search"
        assert focus(app) is screen.query_one("#date-from", DateInput)
        await pilot.press(*["tab"] * 6)  # Print with nothing shown
        await press(pilot, "enter")
        assert "Nothing to print: Search first" in notices(app)
        await pilot.press("shift+tab")  # Search with blank dates: every day
        await press(pilot, "enter")
        assert len(shown(screen)) == 6


async def test_the_table_pages_from_the_database_and_never_holds_the_whole_queue(
    context: AppContext, db: Database, store: Store
) -> None:
    many = insert_messages(db, store, [message(n // 10, "Pending", f"P{n:03d}") for n in range(95)])
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = OutboundMessagingQueueScreen(context, page_size=10)
        await app.push_screen(screen)
        await settle(pilot)
        table = screen.query_one(QueueTable)
        assert shown(screen) == many[:10]
        held = []
        for _ in range(12):
            await press(pilot, "pagedown")
            held.append(table.row_count)
        assert max(held) == 20 and shown(screen)[-1] == many[-1]
        await press(pilot, "ctrl+home")
        assert shown(screen) == many[:10]
        await press(pilot, "ctrl+end")  # read backwards from the end, not forwards to it
        assert shown(screen) == many[-10:]
        await press(pilot, "pageup", "pageup", "pageup")
        assert shown(screen)[0] < many[-10] and table.row_count <= 20


async def test_the_screen_follows_the_dispatcher_keeping_the_cursor(
    app: RxMsgApp, ids: list[int], db: Database, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message_queue, "REFRESH_PAUSE", 0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(QueueTable)
        await press(pilot, "down", "down")
        with db.engine.begin() as conn:
            conn.execute(
                update(OutboundMessage)
                .where(col(OutboundMessage.id) == ids[0])
                .values(status="Sent", attempts=1)
            )
        # The runner reports from its own thread.
        await asyncio.to_thread(app.queue_dispatched, DispatchStats(claimed=1, sent=1))
        await pilot.pause(0.2)
        await settle(pilot)
        assert table.window[0].cells[5:7] == ("Sent", "1")
        assert table.cursor_row == 2
        [earlier] = insert_messages(db, store, [message(1, "Pending", "Early, Ed")])
        await asyncio.to_thread(app.queue_dispatched, DispatchStats(claimed=1))
        await pilot.pause(0.2)
        await settle(pilot)
        assert shown(screen) == [ids[0], ids[1], earlier, ids[2], ids[3], ids[4]]
        assert table.window[table.cursor_row].key == str(ids[2])  # still on the same message


async def test_a_sent_question_mark_message_shows_so_and_staff_mark_it_sent(
    app: RxMsgApp, ids: list[int], db: Database, store: Store
) -> None:
    """Its sender died mid-send at a provider that cannot be asked: "Sent?" until staff decide."""
    [unsure] = insert_messages(db, store, [message(6, "Unconfirmed", "Lee, Kim", attempts=1)])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        row = shown(screen).index(unsure)
        assert screen.query_one(QueueTable).window[row].cells[5] == "Sent?"
        await press(pilot, *["down"] * row, "m")
        await pilot.pause(0.1)
        await settle(pilot)
        assert status_of(db, unsure) == "Sent"
        assert f"Message {unsure} marked Sent" in notices(app)
        with db.read() as session:
            [entry] = session.exec(select(AuditLog).where(AuditLog.action == "queue.confirm_sent"))
        assert entry.target == f"message {unsure}"
