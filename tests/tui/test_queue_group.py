"""The Outbound Messaging Queue's Group Send filter and Delete Group's Pending, at 80x24 by keyboard."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Select

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.group_send import GroupMessage, PatientFilter, Selection, send_group
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from rxmsg_tui.widgets.queue_table import QueueTable
from tests.conftest import NOW
from tests.group_send_world import add_patient, general_channels
from tests.tui.conftest import settle

SMS = GroupMessage(email=False, sms=True, sms_subject="Flu", sms_body="Flu shots are here")
EMAIL = GroupMessage(email=True, sms=False, email_subject="Closed", email_body="Closed Monday")


def two_groups(db: Database, store: Store, admin: Actor) -> tuple[int, int]:
    general_channels(db, store, ["email", "sms"])
    add_patient(db, store, NOW, "G1", last="Adams")
    add_patient(db, store, NOW, "G2", last="Baker")
    everyone = Selection(PatientFilter(), None)
    first = send_group(db, admin, everyone, SMS, request_key="one", now=NOW)
    second = send_group(db, admin, everyone, EMAIL, request_key="two", now=NOW)
    return first.group_send_id, second.group_send_id


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


def shown(screen: OutboundMessagingQueueScreen) -> list[str]:
    return [line.message.method for line in screen.query_one(QueueTable).window]  # type: ignore[attr-defined]


def statuses(db: Database) -> list[tuple[int | None, str]]:
    with db.read() as session:
        rows = session.exec(__import__("sqlmodel").select(OutboundMessage)).all()
    return sorted((r.group_send_id, r.status) for r in rows)


async def test_a_group_is_shown_alone_and_its_pending_deleted_after_a_confirm(
    context: AppContext, db: Database, store: Store, admin: Actor
) -> None:
    first, second = two_groups(db, store, admin)
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OutboundMessagingQueueScreen(context))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboundMessagingQueueScreen)
        assert sorted(shown(screen)) == ["Email", "Email", "SMS", "SMS"]
        await keys(pilot, "slash", *["tab"] * 9)  # From … CSV, then Group Send
        group = screen.query_one("#group-send", Select)
        assert app.focused is group
        await keys(pilot, "enter", "down", "down", "enter")  # All, #second, #first
        assert group.value == first
        await keys(pilot, "shift+tab", "shift+tab", "shift+tab", "shift+tab", "enter")  # Search
        assert shown(screen) == ["SMS", "SMS"]
        await keys(pilot, *["tab"] * 5)  # Print, Clear, CSV, Group Send, Delete Group's Pending
        assert app.focused is screen.query_one("#delete-group")
        await keys(pilot, "enter")
        assert isinstance(app.screen, ConfirmDialog)
        await keys(pilot, "y")
        assert isinstance(app.screen, OutboundMessagingQueueScreen)
        assert any("2 Pending messages of group send" in n.message for n in app._notifications)
        assert shown(screen) == []
    assert statuses(db) == [
        (first, "Deleted"), (first, "Deleted"), (second, "Pending"), (second, "Pending")
    ]  # fmt: skip


async def test_without_a_group_chosen_nothing_is_deleted(
    context: AppContext, db: Database, store: Store, admin: Actor
) -> None:
    two_groups(db, store, admin)
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OutboundMessagingQueueScreen(context))
        await settle(pilot)
        await keys(pilot, "slash", *["tab"] * 10, "enter")
        assert isinstance(app.screen, OutboundMessagingQueueScreen)
        assert any("Choose a group send" in n.message for n in app._notifications)
    assert {s for _, s in statuses(db)} == {"Pending"}


async def test_the_queue_opens_on_one_group(
    context: AppContext, db: Database, store: Store, admin: Actor
) -> None:
    _, second = two_groups(db, store, admin)
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OutboundMessagingQueueScreen(context, group_send_id=second))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboundMessagingQueueScreen)
        assert screen.query_one("#group-send", Select).value == second
        assert shown(screen) == ["Email", "Email"]
