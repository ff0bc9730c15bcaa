"""2-way Messaging at 80x24 by keyboard: replies arriving by themselves, a Quick Response sent, STOP.

Inbound texts are written by another connection, as the inbound poller in the
scheduler writes them; the screen must show them with no key pressed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.screens.two_way_messaging import HIPAA_NOTICE, POLL_SECONDS, TwoWayMessagingScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from tests.conftest import NOW
from tests.test_chat_service import (
    ANA_CELL,
    LOPEZ_HOUSEHOLD,
    STRANGER,
    add_inbound,
    add_quick_response,
    chat_pharmacy,
    texted_stop,
)
from tests.tui.conftest import settle, type_text


@pytest.fixture
def chat_ids(db: Database, store: Store) -> dict[str, int]:
    """The chat pharmacy with Ana's question, the Lopez household's flagged text, a template."""
    assert store.id is not None
    ids = chat_pharmacy(db, store)
    add_inbound(db, store.id, LOPEZ_HOUSEHOLD, "can you stop the refill on my Lisinopril", at=NOW - timedelta(hours=1), needs_staff=True)  # fmt: skip
    add_inbound(db, store.id, ANA_CELL, "Is my refill ready?", at=NOW - timedelta(minutes=10), patient_pk=ids["2001"])  # fmt: skip
    add_quick_response(db, store.id, "Ready", "Hi #PATIENTFIRSTNAME#, your order is ready.")
    return ids


@pytest.fixture
def chat_app(context: AppContext, chat_ids: dict[str, int]) -> RxMsgApp:
    return RxMsgApp(context)


async def open_by_menu(pilot: Pilot[None]) -> TwoWayMessagingScreen:
    """Misc > Messaging Interface > 2-way Messaging, by their numbers."""
    await pilot.press("3", "2", "1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TwoWayMessagingScreen)
    return screen


async def wait_for_poll(pilot: Pilot[None]) -> None:
    """Long enough for the screen's own timer to read the database again; no key pressed."""
    await pilot.pause(POLL_SECONDS + 0.5)
    await settle(pilot)


def text_of(screen: TwoWayMessagingScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def conversations(screen: TwoWayMessagingScreen) -> list[str]:
    listed = screen.query_one("#conversations", OptionList)
    return [str(listed.get_option_at_index(i).prompt).rstrip() for i in range(listed.option_count)]


def thread_lines(screen: TwoWayMessagingScreen) -> list[str]:
    return str(screen.query_one("#thread-lines", Static).content).splitlines()


def queued(db: Database) -> list[OutboundMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboundMessage)).scalars())  # type: ignore[call-overload]


async def test_a_reply_arriving_while_open_shows_without_a_key_press(
    chat_app: RxMsgApp, context: AppContext
) -> None:
    async with chat_app.run_test(size=(80, 24)) as pilot:
        screen = await open_by_menu(pilot)
        assert text_of(screen, "#hipaa-notice") == HIPAA_NOTICE
        # The newest conversation is open, and being on screen it has been read.
        assert conversations(screen) == [
            "  Ana Ruiz",
            " !Carlos Lopez +1    (1)",
        ]
        assert text_of(screen, "#thread-title").startswith("  To: Ana Ruiz (2001) · ")
        assert thread_lines(screen) == [" 10:20 < Is my refill ready?"]

        add_inbound(context.db, context.actor.store_id, STRANGER, "who is this", at=NOW)
        add_inbound(context.db, context.actor.store_id, ANA_CELL, "Hello?", at=NOW, patient_pk=1)
        await wait_for_poll(pilot)
        assert conversations(screen)[:2] == [
            "  Ana Ruiz",  # her new text is on screen, so read
            "  Unknown sender     (1)",
        ]
        assert thread_lines(screen)[-1] == " 10:30 < Hello?"


async def test_a_quick_response_is_chosen_edited_and_sent(
    chat_app: RxMsgApp, context: AppContext
) -> None:
    async with chat_app.run_test(size=(80, 24)) as pilot:
        screen = await open_by_menu(pilot)
        await pilot.press("tab", "tab")  # past the message field to the Quick Responses
        await pilot.press("enter", "down", "enter")
        await settle(pilot)
        compose = screen.query_one("#compose", Input)
        assert compose.has_focus and compose.value == "Hi Ana, your order is ready."
        assert text_of(screen, "#chat-length") == "28 chars, GSM-7, 1 segment"
        await type_text(pilot, " See you soon")
        await pilot.press("ctrl+s")
        await settle(pilot)

        (row,) = queued(context.db)
        assert (row.method, row.alert_type, row.priority, row.status, row.recipient) == (
            "SMS", "General", 1, "Pending", ANA_CELL
        )  # fmt: skip
        assert row.body == "Hi Ana, your order is ready. See you soon"
        assert (
            text_of(screen, "#chat-status") == f"Queued: message {row.id}, Pending, High priority."
        )
        assert compose.value == ""
        assert thread_lines(screen)[-1] == " 10:30 > Hi Ana, your order is ready. See you soon [Pending]"  # fmt: skip


async def test_a_stop_arriving_shows_the_patient_opted_out_and_send_is_refused(
    chat_app: RxMsgApp, context: AppContext, chat_ids: dict[str, int]
) -> None:
    async with chat_app.run_test(size=(80, 24)) as pilot:
        screen = await open_by_menu(pilot)
        texted_stop(context.db, context.actor.store_id, chat_ids["2001"], ANA_CELL, at=NOW + timedelta(seconds=1))  # fmt: skip
        await wait_for_poll(pilot)
        assert conversations(screen)[0] == "S Ana Ruiz"
        title = text_of(screen, "#thread-title")
        assert title.startswith("S To: Ana Ruiz (2001)") and title.endswith(
            "OPTED OUT: texted STOP"
        )
        assert thread_lines(screen)[-1] == " 10:30 < STOP [STOP]"

        await pilot.press("tab")
        await type_text(pilot, "Sorry to see you go")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(screen, "#chat-status") == (
            "Not sent: Ana Ruiz texted STOP: no texts until they text START"
        )
        assert queued(context.db) == []


async def test_a_flagged_text_is_marked_for_staff_and_a_restricted_word_is_refused(
    chat_app: RxMsgApp, context: AppContext
) -> None:
    async with chat_app.run_test(size=(80, 24)) as pilot:
        screen = await open_by_menu(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert thread_lines(screen) == [
            "!09:30 < can you stop the refill on my Lisinopril [for staff]"
        ]
        title = text_of(screen, "#thread-title")
        assert title.startswith(" !To: Carlos Lopez (2002) (F4: 1 of 2)")
        await pilot.press("f4")
        assert "To: Elena Lopez (2003) (F4: 2 of 2)" in text_of(screen, "#thread-title")
        await pilot.press("tab")
        await type_text(pilot, "We sell CBD now")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(screen, "#chat-status") == "Not sent: 'cbd' is a restricted word"
        assert queued(context.db) == []


async def test_c_on_the_patient_profile_opens_that_patients_thread(
    chat_app: RxMsgApp,
) -> None:
    async with chat_app.run_test(size=(80, 24)) as pilot:
        chat_app.push_screen(PatientProfileScreen(chat_app.context, patient_id="2003"))
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = chat_app.screen
        assert isinstance(screen, TwoWayMessagingScreen)
        assert "To: Elena Lopez (2003) (F4: 2 of 2)" in text_of(screen, "#thread-title")
        assert screen.query_one("#conversations", OptionList).highlighted == 1
        await pilot.press("escape")
        assert isinstance(chat_app.screen, PatientProfileScreen)
