"""The queue at 80 and 120 columns, the patient behind an Rx, days typed as 03/01/2026, pages read ahead."""

# ruff: noqa: F811  (pytest hands the seeded queue's fixtures in by name)

from __future__ import annotations

from sqlalchemy import update

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.message_detail import MessageDetailScreen
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from rxmsg_tui.widgets.queue_table import QueueTable
from tests.tui.conftest import settle, type_text
from tests.tui.test_message_queue import (  # noqa: F401  (the seeded queue)
    app,
    ids,
    insert_messages,
    message,
    open_queue,
    press,
    shown,
    status_line,
)


def heading(table: QueueTable) -> str:
    return str(next(iter(table.columns.values())).label)


def restrict_word(db: Database, message_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id)  # type: ignore[arg-type]
            .values(status="Undelivered", warning="Word Restricted", priority=3)
        )


async def test_at_80_columns_the_names_are_short_and_the_rx_names_its_patient(
    app: RxMsgApp,
    ids: list[int],
    db: Database,
) -> None:
    restrict_word(db, ids[3])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(QueueTable)
        assert heading(table).split() == [
            "Date/Time", "Method", "Alert", "Prio", "Entity", "Name", "Status", "Att", "Warning",
        ]  # fmt: skip
        assert table.window[0].cells[4] == "Rx 600123 · Ana Di…"
        assert table.window[3].cells[3:] == (
            "Low",
            "Garcia, Maria",
            "Undelivered",
            "0",
            "Restricted",
        )
        assert all(len(str(line.line)) <= 80 for line in table.window)  # type: ignore[attr-defined]


async def test_at_120_columns_the_legacy_names_and_words_are_whole(
    app: RxMsgApp,
    ids: list[int],
    db: Database,
) -> None:
    restrict_word(db, ids[3])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(QueueTable)
        assert heading(table).split() == [
            "Date/Time", "Method", "Alert", "Type", "Priority", "Entity", "Name", "Status",
            "Attempts", "Warning",
        ]  # fmt: skip
        assert table.window[0].cells[1:5] == (
            "SMS", "Refill Reminder", "Normal", "Rx 600123 · Ana Diaz",
        )  # fmt: skip
        assert table.window[1].cells[1:3] == ("Email", "RX Ready for Pickup")
        assert table.window[3].cells[5:] == ("Undelivered", "0", "Word Restricted")
        await press(pilot, "down", "down", "down")
        await pilot.resize_terminal(80, 24)  # narrower: laid out again, the cursor stays
        await settle(pilot)
        assert table.window[3].cells[5:] == ("Undelivered", "0", "Restricted")
        assert table.cursor_row == 3 and "Prio" in heading(table).split()


async def test_at_140_columns_the_entity_column_comes_back(app: RxMsgApp, ids: list[int]) -> None:
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await open_queue(pilot)
        table = screen.query_one(QueueTable)
        assert table.window[0].cells[4:6] == ("Prescription", "Rx 600123 · Ana Diaz")
        assert table.window[1].cells[4:6] == ("Patient", "Smith, John")


async def test_the_detail_names_the_patient_of_an_rx_message(app: RxMsgApp, ids: list[int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter")
        detail = app.screen
        assert isinstance(detail, MessageDetailScreen) and detail.message_id == ids[0]
        text = str(detail.query_one("#detail-text").content)  # type: ignore[attr-defined]
        assert "Entity     Prescription: Rx 600123" in text
        assert "Patient    Ana Diaz (ID P600)" in text
        await press(pilot, "escape", "down", "down", "enter")
        text = str(app.screen.query_one("#detail-text").content)  # type: ignore[attr-defined]
        assert "Patient    (none on file)" in text


async def test_days_typed_as_on_a_us_label_are_read_beside_iso(
    app: RxMsgApp,
    ids: list[int],
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(pilot)
        await pilot.press("slash")
        await type_text(pilot, "03/01/2026")
        await pilot.press("tab")
        await type_text(pilot, "3/1/2026")
        await press(pilot, "enter")
        assert shown(screen) == [ids[6]]
        assert status_line(screen).startswith("1 message · Dates: 2026-03-01 to 2026-03-01")
        await pilot.press("slash")
        await type_text(pilot, "02/30/2026")
        await press(pilot, "enter")
        assert status_line(screen) == (
            "From: 02/30/2026 is not a date: type it as MM/DD/YYYY or YYYY-MM-DD"
        )
        assert shown(screen) == [ids[6]]


async def test_pages_read_ahead_go_down_and_back_up_without_a_gap_or_a_repeat(
    context: AppContext, db: Database, store: Store
) -> None:
    many = insert_messages(db, store, [message(n // 10, "Pending", f"P{n:03d}") for n in range(95)])
    queue_app = RxMsgApp(context)
    async with queue_app.run_test(size=(80, 24)) as pilot:
        screen = OutboundMessagingQueueScreen(context, page_size=20)
        await queue_app.push_screen(screen)
        await settle(pilot)
        table = screen.query_one(QueueTable)
        assert shown(screen) == many[:20]
        assert ("after", table.window[-1].anchor) in screen._ahead  # the next page is at hand
        seen: list[int] = []
        for _ in range(40):
            await press(pilot, "down")
            seen.append(int(table.window[table.cursor_row].key))
        for _ in range(60):
            await press(pilot, "pagedown")
        assert shown(screen)[-1] == many[-1] and table.row_count <= 40
        assert seen == many[1:41]  # row by row: every message once, in order
        back: list[int] = []
        for _ in range(94):
            await press(pilot, "up")
            back.append(int(table.window[table.cursor_row].key))
        assert back == many[-2::-1]
        # The queue changes under the cursor: pages read ahead before it are dropped.
        await press(pilot, "ctrl+end")
        with db.engine.begin() as conn:
            conn.execute(update(OutboundMessage).values(status="Sent"))
        screen._reload(count=True)
        await settle(pilot)
        assert all(line.cells[5] == "Sent" for line in table.window)
        await press(pilot, "ctrl+home")
        assert table.window[0].cells[5] == "Sent" and shown(screen)[:3] == many[:3]
