"""2-way Message Template at 80x24, by keyboard: add with a variable, edit, delete, refusals."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, TextArea

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens.two_way_message_template import TwoWayMessageTemplateScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.quick_responses import list_responses, save_response
from rxmsg_tui.widgets.field_message import FieldMessage
from tests.conftest import NOW
from tests.tui.conftest import settle, type_text

OPEN_RESPONSES = ("3", "1", "1", "5")  # … > Outbound Messaging > 2-way Message Template


def responses(context: AppContext) -> list[tuple[str, str]]:
    return [(r.description, r.body) for r in list_responses(context.db, context.actor.store_id)]


async def open_responses(pilot: Pilot[None]) -> TwoWayMessageTemplateScreen:
    await pilot.press(*OPEN_RESPONSES)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TwoWayMessageTemplateScreen)
    return pilot.app.screen


def error(screen: TwoWayMessageTemplateScreen, field: str) -> str:
    return screen.query_one(f"#{field}-error", FieldMessage).message


async def test_add_edit_and_delete_a_quick_response(app: RxMsgApp, context: AppContext) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_responses(pilot)
        await pilot.press("f3")
        await type_text(pilot, "Ready")
        await pilot.press("enter")  # on to the message
        await type_text(pilot, "Hi ")
        await pilot.press("f2")
        await type_text(pilot, "patientname")
        await pilot.press("enter")
        await type_text(pilot, ", it is ready.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        table = screen.query_one("#responses", DataTable)
        assert table.get_row_at(0) == ["Ready", "Hi #PATIENTNAME#, it is ready."]
        assert responses(context) == [("Ready", "Hi #PATIENTNAME#, it is ready.")]

        await pilot.press("enter")  # edit it
        await pilot.press("end")
        await type_text(pilot, " now")
        await pilot.press("tab", "tab", "enter")  # Message, then the Save button
        await settle(pilot)
        assert responses(context) == [("Ready now", "Hi #PATIENTNAME#, it is ready.")]

        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert table.row_count == 0
    assert responses(context) == []


async def test_refused_saves_show_at_the_field_and_cancel_keeps_the_old_text(
    app: RxMsgApp, context: AppContext
) -> None:
    save_response(context.db, context.actor, description="Hours", body="Open 9-7", now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_responses(pilot)
        await pilot.press("enter")
        await pilot.press("ctrl+u")  # clear the description
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error(screen, "description") == "enter a short description (1 to 80 characters)"
        await type_text(pilot, "Hours")
        await pilot.press("tab", "home")  # the new words go before the old
        await type_text(pilot, "Ask about CBD #NOPE#")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error(screen, "description") == ""
        assert error(screen, "body") == "line 1, column 15: unknown variable #NOPE#"
        body = screen.query_one("#response-body", TextArea)
        assert app.focused is body and body.cursor_location == (0, 14)
        await pilot.press("shift+end", "backspace", "ctrl+s")
        await settle(pilot)
        assert error(screen, "body") == "restricted word 'cbd'"
        await pilot.press("escape")  # Cancel: the form changed, so it asks
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        assert not screen.query_one("#response-form").display
    assert responses(context) == [("Hours", "Open 9-7")]
