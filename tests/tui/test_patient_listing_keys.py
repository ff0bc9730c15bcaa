"""Patient Listing's footer offers only keys that do what it says where the focus is."""

from __future__ import annotations

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.widgets.paged_table import PagedTable
from tests.tui.conftest import settle, type_text


def footer(app: RxMsgApp) -> dict[str, str]:
    """What the footer shows: key as displayed → description."""
    return {key.key_display: key.description for key in app.screen.query(FooterKey)}


async def test_the_search_line_footer_offers_no_key_that_would_be_typed_into_it(
    app: RxMsgApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PatientListingScreen)
        search = screen.query_one("#search", Input)
        assert app.focused is search
        shown = footer(app)
        assert shown.get("esc") == "Back"
        for letter in ("/", "b", "s"):
            assert letter not in shown, shown
        await type_text(pilot, "sb/")  # each of them is text of the search here
        assert search.value == "sb/"
        search.value = ""
        await pilot.press("down")
        await settle(pilot)
        assert app.focused is screen.query_one(PagedTable)
        shown = footer(app)
        assert shown.get("/") == "Search"
        assert shown.get("b") == "Message Settings"
        assert shown.get("s") == "Send Email/SMS"
        await pilot.press("slash")  # does what the footer says: back to the search
        await pilot.pause()
        assert app.focused is search
        assert search.value == ""
