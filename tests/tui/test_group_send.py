"""Send Email/SMS at 80x24 by keyboard: pick patients, write the message, confirm and queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import select as model_select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static, TextArea

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.group_send import list_group_sends
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, OutboundMessage, Store
from tests.tui.conftest import BOTH_DATABASES, SMITH, settle, type_text
from tests.tui.seed import insert_patients, insert_prefs, numbered_patients


@pytest.fixture
def app(context: AppContext, pharmacy: dict[str, int], db: Database, store: Store) -> RxMsgApp:
    """The test pharmacy with General messages on by email and SMS, for the store and each patient."""
    with db.transaction() as session:
        settings = session.exec(
            model_select(AlertSettings).where(AlertSettings.store_id == store.id)
        ).one()
        settings.general_channels = ["email", "sms"]
        session.add(settings)
    assert store.id is not None
    for pk in pharmacy.values():
        insert_prefs(db, store.id, pk, "general", "email", "sms")
    return RxMsgApp(context)


def wizard(app: RxMsgApp) -> GroupSendScreen:
    screen = app.screen
    assert isinstance(screen, GroupSendScreen), screen
    return screen


def text(app: RxMsgApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def rows(app: RxMsgApp) -> list[list[str]]:
    table = app.screen.query_one("#candidates", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_wizard(pilot: Pilot[None]) -> None:
    """From the first menu: Send Email/SMS is its fourth entry."""
    await pilot.press("4")
    await settle(pilot)
    await pilot.pause(0.4)
    await settle(pilot)


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


def queued_in_group(app: RxMsgApp) -> dict[int | None, int]:
    with app.context.db.read() as session:
        found = session.execute(
            select(OutboundMessage.group_send_id, func.count()).group_by(
                OutboundMessage.group_send_id
            )
        ).all()
    return {group: count for group, count in found}


async def write_message(pilot: Pilot[None], subject: str, body: str, sms: str) -> None:
    """Step 2 opens on the email subject; tab goes subject → body; the SMS part follows."""
    screen = pilot.app.screen
    screen.query_one("#email-subject", Input).focus()
    await type_text(pilot, subject)
    screen.query_one("#email-body", TextArea).focus()
    await type_text(pilot, body)
    screen.query_one("#sms-body", TextArea).focus()
    await type_text(pilot, sms)
    await settle(pilot)


@BOTH_DATABASES
async def test_the_whole_wizard_queues_once_under_one_group(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        screen = wizard(app)
        assert text(app, "#step-title") == "Step 1 of 3 · Patients"
        assert len(rows(app)) == 4
        assert text(app, "#count-line").startswith("Selected 0")
        await keys(pilot, "f2")  # Select All
        assert text(app, "#count-line").startswith("Selected 4")
        # A patient with neither cell nor email is red, with a mark that survives monochrome.
        smithers = next(row for row in rows(app) if row[1] == "1003")
        assert smithers[0] == "[x]!"
        # Untick Bob Adams by keyboard: the list, then down to his row, space.
        await keys(pilot, "enter")  # the search line's Enter moves to the list
        assert isinstance(app.focused, DataTable)
        assert rows(app)[0][1] == "1004"
        await keys(pilot, "space")
        assert text(app, "#count-line").startswith("Selected 3")
        assert rows(app)[0][0].startswith("[ ]")
        await keys(pilot, "f8")
        assert text(app, "#step-title") == "Step 2 of 3 · Message"
        await write_message(pilot, "Flu shots", "Hi #PATIENTFIRSTNAME#, flu shots are here.",
                            "Flu shots are here")  # fmt: skip
        assert text(app, "#sms-length").startswith("18 chars")
        # Back and Next keep every tick and every word.
        await keys(pilot, "f7")
        assert text(app, "#step-title") == "Step 1 of 3 · Patients"
        assert rows(app)[0][0].startswith("[ ]") and text(app, "#count-line").startswith(
            "Selected 3"
        )
        await keys(pilot, "f8")
        assert screen.query_one("#email-subject", Input).value == "Flu shots"
        await keys(pilot, "f8")
        assert text(app, "#step-title") == "Step 3 of 3 · Confirm"
        counts = text(app, "#dry-counts")
        assert "Email:" in counts and "SMS:" in counts, counts
        reasons = text(app, "#dry-reasons")
        assert "No Consent" in reasons, reasons
        exclusions = app.screen.query_one("#exclusions", DataTable)
        assert exclusions.row_count > 0
        assert "Flu shots" in text(app, "#previews")
        await keys(pilot, "f9")
        await keys(pilot, "f9")  # pressed twice: queued once
        result = text(app, "#send-result")
        assert result.startswith("Queued ") and "as group #" in result, result
        await keys(pilot, "f7", "f8")  # back and forward over the same send: still queued once
        await keys(pilot, "f9")
        assert "already queued" in text(app, "#send-result"), text(app, "#send-result")
        groups = queued_in_group(app)
        group_ids = [group for group in groups if group is not None]
        assert len(group_ids) == 1
        total = int(result.split()[1].replace(",", ""))
        assert groups[group_ids[0]] == total
        sends = list_group_sends(app.context.db, app.context.actor.store_id)
        assert [send.id for send in sends] == group_ids
        # F10: the Outbound Messaging Queue, filtered on this group.
        await keys(pilot, "f10")
        await settle(pilot)
        assert isinstance(app.screen, OutboundMessagingQueueScreen)
        assert app.screen.query_one("#group-send", Select).value == group_ids[0]


async def test_a_bad_message_is_refused_at_its_field_and_nothing_is_checked_further(
    app: RxMsgApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        await keys(pilot, "f8")
        assert "Select at least one patient" in text(app, "#filter-problem")
        await keys(pilot, "f2", "f8")
        await write_message(pilot, "Hello", "Hi #NOSUCHTHING#", "Hi there")
        app.screen.query_one("#save-sms").value = True  # type: ignore[attr-defined]
        await keys(pilot, "f8")
        assert text(app, "#problem-sms_subject").startswith("A text message is saved under")
        assert text(app, "#step-title") == "Step 2 of 3 · Message"
        assert text(app, "#problem-email_body"), "the unknown variable is shown at its field"
        assert app.focused is app.screen.query_one("#email-body")
        assert queued_in_group(app) == {}


async def test_a_saved_template_is_offered_on_top_next_time(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        await keys(pilot, "f2", "f8")
        await write_message(pilot, "Holiday hours", "We close at noon on the 24th.", "")
        app.screen.query_one("#by-sms").value = False  # type: ignore[attr-defined]
        await keys(pilot, "f7")
        await keys(pilot, "f8")
        app.screen.query_one("#save-email").focus()
        await keys(pilot, "space", "f8")
        await keys(pilot, "f9")
        assert "1 template saved" in text(app, "#send-result"), text(app, "#send-result")
        await keys(pilot, "escape")
        await open_wizard(pilot)
        await keys(pilot, "f2")
        app.screen.query_one("#by-sms").value = False  # type: ignore[attr-defined]
        await keys(pilot, "f8")
        previous: Select[Any] = app.screen.query_one("#prev-email", Select)
        options = [str(prompt) for prompt, _ in previous._options if _ is not Select.NULL]
        # The saved template on top, then the group message just sent among the recent ones.
        assert len(options) == 2 and all("Holiday hours" in o for o in options), options
        assert options[0] != options[1], options
        previous.focus()
        await keys(pilot, "enter", "down", "enter")
        assert app.screen.query_one("#email-subject", Input).value == "Holiday hours"
        assert "noon" in app.screen.query_one("#email-body", TextArea).text


async def test_a_red_row_is_fixed_through_the_bell_and_shown_again(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        await keys(pilot, "enter")
        table = app.screen.query_one("#candidates", DataTable)
        while rows(app)[table.cursor_row][1] != "1003":
            await keys(pilot, "down")
        cell = table.get_row_at(table.cursor_row)[3]
        assert str(cell) == "" and "red" in str(cell.style)  # Ann Smithers has no cell
        await keys(pilot, "enter")
        assert type(app.screen).__name__ == "PatientMessageSettingsDialog"
        app.screen.query_one("#cell", Input).focus()
        await type_text(pilot, "2025550143")
        await keys(pilot, "ctrl+s")
        screen = wizard(app)
        smithers = next(row for row in rows(app) if row[1] == "1003")
        assert smithers[3] == "(202) 555-0143"
        index = [row[1] for row in rows(app)].index("1003")
        assert "red" not in str(
            screen.query_one("#candidates", DataTable).get_row_at(index)[3].style
        )


async def test_send_email_sms_from_the_profile_is_for_that_patient_only(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientProfileScreen(app.context, patient_id=SMITH))
        await settle(pilot)
        app.screen.query_one("#patient-id").blur()
        app.screen.set_focus(None)
        await keys(pilot, "s")
        await pilot.pause(0.4)
        await settle(pilot)
        screen = wizard(app)
        assert screen.patient_ids == (SMITH,)
        assert [row[1] for row in rows(app)] == [SMITH]
        assert text(app, "#count-line").startswith("Selected 1 · by email 0 · by SMS 1")


async def test_patient_listing_hands_its_search_to_the_wizard(context: AppContext,
                                                              pharmacy: dict[str, int]) -> None:  # fmt: skip
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PatientListingScreen(context))
        await settle(pilot)
        await type_text(pilot, "smi")
        await keys(pilot, "down")
        await keys(pilot, "s")
        await pilot.pause(0.4)
        await settle(pilot)
        wizard(app)
        assert app.screen.query_one("#search", Input).value == "smi"
        assert sorted(row[1] for row in rows(app)) == [SMITH, "1003"]


async def test_filters_narrow_the_list_and_a_bad_one_is_named_at_its_field(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        await type_text(pilot, "smi")
        await keys(pilot, "enter")
        assert sorted(row[1] for row in rows(app)) == [SMITH, "1003"]
        await keys(pilot, "f2")
        assert text(app, "#count-line").startswith("Selected 2")
        await keys(pilot, "f5")
        app.screen.query_one("#birth-month", Input).focus()
        await type_text(pilot, "13")
        await keys(pilot, "enter")
        assert text(app, "#filter-problem") == "Birth month must be a whole number from 1 to 12"
        assert app.focused is app.screen.query_one("#birth-month")
        await keys(pilot, "backspace", "backspace", "4", "enter")
        assert text(app, "#filter-problem") == ""
        assert [row[1] for row in rows(app)] == [SMITH]  # born in April
        assert text(app, "#count-line").startswith("Selected 1")


async def test_f6_inserts_a_variable_where_staff_are_typing(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        await keys(pilot, "f2", "f8")
        body = app.screen.query_one("#email-body", TextArea)
        body.focus()
        await type_text(pilot, "Hi ")
        await keys(pilot, "f6")
        await type_text(pilot, "patientfirst")
        await keys(pilot, "enter")
        assert body.text.startswith("Hi #PATIENTFIRSTNAME#"), body.text
        assert app.focused is body


async def test_the_list_is_read_a_page_at_a_time_and_counts_every_match(
    context: AppContext, db: Database, store: Store
) -> None:
    assert store.id is not None
    insert_patients(db, store.id, numbered_patients(130))
    app = RxMsgApp(context)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot)
        assert len(rows(app)) == 50
        await keys(pilot, "f2")
        assert text(app, "#count-line").startswith("Selected 130")
        await keys(pilot, "enter")  # to the list
        for _ in range(3):
            await keys(pilot, "pagedown", "pagedown", "pagedown")
        assert 50 < len(rows(app)) <= 130
