"""Review Sites at 80x24, by keyboard: add (http-less URL refused), set default, delete."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.review_sites import ReviewSitesScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.review_sites import list_sites, save_site
from rxmsg_tui.widgets.field_message import FieldMessage
from tests.conftest import NOW
from tests.tui.conftest import settle, type_text

READ_ONLY = "Read only: technicians cannot change setup; ask a pharmacist or an admin."
OPEN_SITES = ("3", "1", "1", "6")  # Misc > Interface Setups > Outbound Messaging > Review Sites


def sites(context: AppContext) -> list[tuple[str, str, bool]]:
    return [(s.name, s.url, s.is_default) for s in list_sites(context.db, context.actor.store_id)]


async def open_sites(pilot: Pilot[None]) -> ReviewSitesScreen:
    await pilot.press(*OPEN_SITES)
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReviewSitesScreen)
    return pilot.app.screen


def shown(screen: ReviewSitesScreen) -> list[tuple[str, str]]:
    table = screen.query_one("#sites", DataTable)
    return [
        (str(row[0]).strip(), str(row[1])) for row in map(table.get_row_at, range(table.row_count))
    ]


async def test_add_a_site_the_url_is_checked_at_the_field_and_the_first_is_default(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        status = str(screen.query_one("#sites-status", Static).content)
        assert status.startswith("No review sites yet. Press F3")
        await pilot.press("f3")
        await type_text(pilot, "Google")
        await pilot.press("enter")  # on to the URL
        await type_text(pilot, "g.page/r/abc")
        await pilot.press("enter")  # Enter in the URL saves
        await settle(pilot)
        error = screen.query_one("#url-error", FieldMessage).message
        assert error == "the URL must start with http:// or https:// and name a site"
        assert app.focused is not None and app.focused.id == "site-url"
        assert sites(context) == []
        await pilot.press("home")
        await type_text(pilot, "https://")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one("#site-form").display
        assert shown(screen) == [("✓", "Google")]
        assert str(screen.query_one("#sites-status", Static).content).startswith(
            "Saved Google (the default). 1 site"
        )
    assert sites(context) == [("Google", "https://g.page/r/abc", True)]


async def test_set_default_moves_the_mark_and_delete_asks_first(
    app: RxMsgApp, context: AppContext
) -> None:
    for name in ("Google", "Yelp"):
        url = f"https://{name.lower()}.example.com/review"
        save_site(context.db, context.actor, name=name, url=url, make_default=False, now=NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        assert shown(screen) == [("✓", "Google"), ("", "Yelp")]
        await pilot.press("down", "f5")
        await settle(pilot)
        assert shown(screen) == [("", "Google"), ("✓", "Yelp")]
        assert [s[2] for s in sites(context)] == [False, True]
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # kept
        await settle(pilot)
        assert len(sites(context)) == 2
        await pilot.press("d", "y")  # Yelp goes; Google is the default again
        await settle(pilot)
        assert shown(screen) == [("✓", "Google")]
    assert sites(context) == [("Google", "https://google.example.com/review", True)]


async def test_edit_then_cancel_changes_nothing(app: RxMsgApp, context: AppContext) -> None:
    save_site(
        context.db, context.actor, name="Yelp", url="https://y.example", make_default=True, now=NOW
    )
    before = sites(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        await pilot.press("enter")  # edit Yelp
        assert screen.query_one("#site-form").display
        await type_text(pilot, "!")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # discard
        assert not screen.query_one("#site-form").display
    assert sites(context) == before


async def test_a_technician_reads_the_sites_and_each_change_key_says_why(
    context: AppContext,
) -> None:
    save_site(
        context.db, context.actor, name="Yelp", url="https://y.example", make_default=True, now=NOW
    )
    google = "https://g.example"
    save_site(context.db, context.actor, name="Google", url=google, make_default=False, now=NOW)
    before = sites(context)
    actor = context.actor
    context.actor = Actor(actor.store_id, actor.store_code, "tom", Role.TECHNICIAN)
    app = RxMsgApp(context)
    app.NOTIFICATION_TIMEOUT = 600  # each refusal still listed on a slow machine
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sites(pilot)
        assert status(screen) == READ_ONLY  # on opening, before any key
        for key in ("f3", "f5", "delete"):  # Add, Set Default, Delete: each says why
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen, key
            assert not screen.query_one("#site-form").display
        await pilot.press("enter")  # the site opens whole, to be read
        assert screen.query_one("#site-form").display
        assert screen.query_one("#site-url", Input).value == google
        assert screen.query_one("#site-url", Input).disabled
        assert not screen.query("#site-save")
        await type_text(pilot, "!")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert status(screen) == READ_ONLY
        assert [n.message for n in app._notifications] == [READ_ONLY] * 4
        await pilot.press("escape")  # nothing could change: the form closes at once
        assert not screen.query_one("#site-form").display
    assert sites(context) == before


def status(screen: ReviewSitesScreen) -> str:
    return str(screen.query_one("#sites-status", Static).content)
