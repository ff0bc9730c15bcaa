"""Outbound Messaging Format at 80x24, by keyboard: add, edit, Load Default, refusals, Cancel."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static, TextArea

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method, Role
from rxmsg_tui.screens.message_format import MessageFormatScreen
from rxmsg_tui.screens.message_format_edit import FormatEditorScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.message_formats import (
    FormatDraft,
    FormatRow,
    list_formats,
    load_default,
    save_format,
)
from rxmsg_tui.services.formats.review_sites import save_site
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.format_preview import FormatPreview
from tests.conftest import NOW
from tests.tui.conftest import settle, type_text

READ_ONLY = "Read only: technicians cannot change setup; ask a pharmacist or an admin."
OPEN_FORMATS = ("3", "1", "1", "3")  # Misc > Interface Setups > Outbound Messaging > Format
PICKUP = FormatDraft(
    Method.SMS, AlertType.READY_FOR_PICKUP, Language.ENGLISH, "Pickup", "Ready, #PATIENTFIRSTNAME#"
)


@pytest.fixture
def pickup(context: AppContext) -> FormatRow:
    return save_format(context.db, context.actor, PICKUP, format_id=None, now=NOW)


def formats(context: AppContext) -> list[FormatRow]:
    return list_formats(context.db, context.actor.store_id)


def editor(app: RxMsgApp) -> FormatEditorScreen:
    assert isinstance(app.screen, FormatEditorScreen)
    return app.screen


async def open_formats(pilot: Pilot[None]) -> MessageFormatScreen:
    await pilot.press(*OPEN_FORMATS)
    await settle(pilot)
    assert isinstance(pilot.app.screen, MessageFormatScreen)
    return pilot.app.screen


async def pause_for_preview(pilot: Pilot[None]) -> None:
    await pilot.pause(0.35)


def own_rows(table: DataTable[str]) -> list[list[str]]:
    """The store's own formats in the list, without the defaults listed below them."""
    rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    return [row for row in rows if row[3] != "Default"]


def field_message(app: RxMsgApp, field: str) -> str:
    return app.screen.query_one(f"#{field}-error", FieldMessage).message


async def test_add_new_format_with_a_variable_and_save_and_exit(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_formats(pilot)
        status = str(listing.query_one("#formats-status", Static).content)
        assert status.startswith("0 formats + 48 defaults in use")
        await pilot.press("f3")
        assert editor(app).title == "Add New Format"
        # Method Type stays SMS; Alert Type: General → RX Ready for Pickup.
        await pilot.press("tab", "enter", "down", "down", "enter")
        await pilot.press("tab", "tab", "tab")  # Language, Group Message, Subject
        await type_text(pilot, "Pickup text")
        await pilot.press("tab")
        await type_text(pilot, "Hi ")
        await pilot.press("f2")
        await type_text(pilot, "firstname")
        await pilot.press("enter")  # inserts #PATIENTFIRSTNAME# at the cursor
        await type_text(pilot, ", ready at #STORENAME#.")
        await pause_for_preview(pilot)
        preview = app.screen.query_one(FormatPreview)
        assert preview.text == "Hi Maria, ready at Main Street Pharmacy."
        assert preview.counter == "40 chars, GSM-7, 1 segment"
        await pilot.press("tab", "tab", "tab")  # Load Default, Save, Save & Exit
        assert app.focused is not None and app.focused.id == "save-exit"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageFormatScreen)
        table = app.screen.query_one("#formats", DataTable)
        assert [row[:2] for row in own_rows(table)] == [["SMS", "RX Ready for Pickup"]]
        assert table.row_count == 1 + 46  # its English and Spanish defaults no longer in use
    [saved] = formats(context)
    assert (saved.subject, saved.body) == (
        "Pickup text",
        "Hi #PATIENTFIRSTNAME#, ready at #STORENAME#.",
    )
    with context.db.read() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert "format.save" in actions


async def test_edit_from_the_list_with_load_default_then_delete(
    app: RxMsgApp, context: AppContext, pickup: FormatRow
) -> None:
    default = load_default(PICKUP)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_formats(pilot)
        await pilot.press("enter")  # edits the highlighted row
        assert editor(app).title == "Edit Format"
        await pilot.press("f4")  # the message is not empty: it asks first
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        body = app.screen.query_one("#body", TextArea)
        assert body.text == default.body
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(app.screen.query_one("#format-status", Static).content).startswith("Saved")
        await pilot.press("escape")  # nothing unsaved: straight back to the list
        await settle(pilot)
        assert isinstance(app.screen, MessageFormatScreen)
        assert [(f.id, f.body) for f in formats(context)] == [(pickup.id, default.body)]
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert own_rows(app.screen.query_one("#formats", DataTable)) == []
    assert formats(context) == []


async def test_the_list_filters_by_method_type_and_subject(
    app: RxMsgApp, context: AppContext, pickup: FormatRow
) -> None:
    birthday = FormatDraft(Method.EMAIL, AlertType.BIRTHDAY, Language.ENGLISH, "Cake", "Hi")
    save_format(context.db, context.actor, birthday, format_id=None, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_formats(pilot)
        table = listing.query_one("#formats", DataTable)
        assert len(own_rows(table)) == 2
        await pilot.press("slash", "enter", "down", "down", "enter")  # Method Type: SMS
        await settle(pilot)
        assert [row[4] for row in own_rows(table)] == ["Pickup"]
        assert {row[0] for row in [table.get_row_at(i) for i in range(table.row_count)]} == {"SMS"}
        await pilot.press("tab", "tab")  # Alert Type, then Subject
        await type_text(pilot, "cake")
        await pilot.press("enter")  # at once, and on to the table
        await settle(pilot)
        assert table.row_count == 0 and app.focused is table
        status = str(listing.query_one("#formats-status", Static).content)
        assert status == "No format matches these filters. F3 adds one."


async def test_refused_saves_show_the_message_at_the_field_and_save_nothing(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_formats(pilot)
        await pilot.press("f3", "tab", "tab", "tab", "tab")  # to Subject
        await type_text(pilot, "Hello #NOPE#")
        await pilot.press("tab")
        await type_text(pilot, "Ask about our CBD oil")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_message(app, "subject") == "line 1, column 7: unknown variable #NOPE#"
        assert app.focused is not None and app.focused.id == "subject"
        await pilot.press("right", "delete")  # the cursor is at the bad variable: "#OPE#"
        await pilot.press(*["delete"] * 5)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_message(app, "subject") == ""
        assert field_message(app, "body") == "line 1, column 15: restricted word 'cbd'"
        assert app.focused is not None and app.focused.id == "body"
        assert "Not saved" in str(app.screen.query_one("#format-status", Static).content)
        assert isinstance(app.screen, FormatEditorScreen)
    assert formats(context) == []


async def test_cancel_asks_about_changes_and_leaves_the_database_unchanged(
    app: RxMsgApp, context: AppContext, pickup: FormatRow
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_formats(pilot)
        await pilot.press("enter")
        await type_text(pilot, "Changed ")
        for _ in range(4):  # Body → Load Default → Save → Save & Exit → Cancel
            await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing
        assert editor(app).query_one("#body", TextArea).text.startswith("Changed ")
        await pilot.press("escape", "y")  # Esc is Cancel too; this time discard
        await settle(pilot)
        assert isinstance(app.screen, MessageFormatScreen)
    assert formats(context) == [pickup]


async def test_email_customer_review_inserts_the_highlighted_site_as_link_and_button(
    app: RxMsgApp, context: AppContext
) -> None:
    for name, url in (("Google", "https://g.page/r/abc/review"), ("Yelp", "https://yelp.com/x")):
        save_site(context.db, context.actor, name=name, url=url, make_default=True, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_formats(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert not editor(app).query_one("#review-sites").display  # SMS: no site list
        await pilot.press("enter", "up", "enter")  # Method Type: Email
        await pilot.press("tab", "enter", "end", "enter")  # Alert Type: Customer Review
        assert editor(app).query_one("#review-sites").display
        await pilot.press("f4")  # empty message: the default goes in at once
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # … Subject, Message, Review Sites
        # The sites are listed by name, Google highlighted first; Yelp is the default.
        await pilot.press("f6", "f5")
        await pause_for_preview(pilot)
        body = editor(app).query_one("#body", TextArea).text
        assert app.screen.query_one(FormatPreview).counter == "HTML email"
        await pilot.press("ctrl+s")
        await settle(pilot)
    [saved] = formats(context)
    assert (saved.method, saved.alert_type) == (Method.EMAIL, AlertType.CUSTOMER_REVIEW)
    assert saved.body == body
    assert '<a href="https://g.page/r/abc/review">Google</a>' in body
    assert 'style="display:inline-block' in body and "Review us on Google</a>" in body
    assert "#REVIEWURL#" in body


async def test_a_technician_reads_the_formats_read_only_and_each_change_key_says_why(
    context: AppContext, pickup: FormatRow, db: Database
) -> None:
    actor = context.actor
    context.actor = Actor(actor.store_id, actor.store_code, "tom", Role.TECHNICIAN)
    app = RxMsgApp(context)
    app.NOTIFICATION_TIMEOUT = 600  # each refusal still listed on a slow machine
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_formats(pilot)
        assert status_of(listing, "#formats-status") == READ_ONLY  # on opening
        for key in ("f3", "delete"):  # Add and Delete say why rather than doing nothing
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is listing
            assert status_of(listing, "#formats-status") == READ_ONLY
        await pilot.press("enter")  # the format opens to be read
        screen = editor(app)
        assert screen.title == "Read Format"
        assert status_of(screen, "#format-status") == READ_ONLY
        body = screen.query_one("#body", TextArea)
        assert app.focused is body and body.read_only
        assert screen.query_one("#subject", Input).is_disabled
        await type_text(pilot, "x")
        assert body.text == PICKUP.body
        for key in ("ctrl+s", "f4", "f2"):  # Save, Load Default, Variables
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen, key
        assert status_of(screen, "#format-status") == READ_ONLY
        assert [n.message for n in app._notifications] == [READ_ONLY] * 5
        await pilot.press("escape")  # nothing could change: closes at once
        assert app.screen is listing
    assert list_formats(db, actor.store_id) == [pickup]


def status_of(screen: Screen[None], selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_defaults_in_use_are_listed_marked_and_enter_makes_the_stores_own(
    app: RxMsgApp, context: AppContext
) -> None:
    english_only = FormatDraft(
        Method.EMAIL, AlertType.BIRTHDAY, Language.ENGLISH, "Cake", "Happy birthday"
    )
    save_format(context.db, context.actor, english_only, format_id=None, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_formats(pilot)
        table = listing.query_one("#formats", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0] == ["Email", "Birthday Greeting", "English", "", "Cake"]
        defaults = rows[1:]
        assert defaults and all(row[3] == "Default" for row in defaults)
        kinds = {(row[0], row[1], row[2]) for row in defaults}
        # Spanish patients get the store's English email too: neither default is in use.
        assert ("Email", "Birthday Greeting", "English") not in kinds
        assert ("Email", "Birthday Greeting", "Spanish") not in kinds
        assert ("SMS", "Birthday Greeting", "Spanish") in kinds
        assert len(defaults) == 46
        status = str(listing.query_one("#formats-status", Static).content)
        assert status.startswith("1 format + 46 defaults in use")

        await pilot.press("down", "delete")  # a default cannot be deleted
        assert app.screen is listing
        status = str(listing.query_one("#formats-status", Static).content)
        assert status.startswith("A default cannot be deleted")
        highlighted = [str(c) for c in table.get_row_at(table.cursor_row)]
        await pilot.press("enter")  # starts the store's own format from the default
        screen = editor(app)
        assert screen.title == "Add New Format"
        default = load_default(
            FormatDraft(Method(highlighted[0]), AlertType(highlighted[1]), Language.ENGLISH, "", "")
        )
        assert screen.draft().body == default.body
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MessageFormatScreen)
    assert [(f.method.value, f.alert_type.value, f.is_default) for f in formats(context)] == [
        ("Email", "Birthday Greeting", False),
        (highlighted[0], highlighted[1], False),
    ]


async def test_a_pasted_subject_over_200_characters_is_kept_whole_and_refused_at_the_field(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_formats(pilot)
        await pilot.press("f3")
        await pilot.press("tab", "tab", "tab", "tab")  # Alert Type, Language, Group, Subject
        subject = app.screen.query_one("#subject", Input)
        assert app.focused is subject
        long = "Refill " * 71 + "ready"  # 502 characters
        subject.post_message(events.Paste(long))
        await pilot.pause()
        assert subject.value == long  # not cut to 200
        assert field_message(app, "subject") == (
            "the subject is 502 characters; at most 200: shorten it to save"
        )
        await pilot.press("tab")
        await type_text(pilot, "Your refill is ready.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_message(app, "subject") == (
            "the subject is 502 characters; at most 200: shorten it to save"
        )
        assert editor(app).format_id is None
        subject.value = "Refill ready"  # shortened: the warning goes as it becomes valid
        await pilot.pause()
        assert field_message(app, "subject") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert [f.subject for f in formats(context)] == ["Refill ready"]
