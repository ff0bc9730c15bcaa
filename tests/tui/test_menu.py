"""Every menu entry reached by keyboard at 80x24, Esc back, accelerators and the palette."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from rxmsg_tui.app import RxMsgApp, ScreenCommands
from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.screens.catalogue import (
    ALERT_SETTINGS,
    HELD_DAILY_MESSAGES,
    MAIN_MENU,
    MESSAGE_FORMAT,
    MESSAGE_QUEUE,
    OPT_IN_WORDING,
    OUTBOUND_MESSAGING,
    OUTBOUND_SETUP,
    PATIENT_LISTING,
    PATIENT_PROFILE,
    QUICK_RESPONSES,
    REVIEW_SITES,
    SEND_EMAIL_SMS,
    TWO_WAY_MESSAGING,
    Item,
    Menu,
    walk,
)
from rxmsg_tui.screens.daily_holds import DailyHoldsScreen
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.message_format import MessageFormatScreen
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.screens.not_available import NotAvailableScreen
from rxmsg_tui.screens.opt_in_wording import OptInWordingScreen
from rxmsg_tui.screens.outbound_setup import OutboundSetupScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.screens.review_sites import ReviewSitesScreen
from rxmsg_tui.screens.two_way_message_template import TwoWayMessageTemplateScreen
from rxmsg_tui.screens.two_way_messaging import TwoWayMessagingScreen
from rxmsg_tui.widgets.app_header import AppHeader
from tests.tui.conftest import settle, type_text

ALL_ITEMS = [item for item, _ in walk()]
BUILT: dict[Item, type] = {
    PATIENT_LISTING: PatientListingScreen,
    PATIENT_PROFILE: PatientProfileScreen,
    MESSAGE_QUEUE: OutboundMessagingQueueScreen,
    MESSAGE_FORMAT: MessageFormatScreen,
    QUICK_RESPONSES: TwoWayMessageTemplateScreen,
    REVIEW_SITES: ReviewSitesScreen,
    ALERT_SETTINGS: AlertSettingsScreen,
    OUTBOUND_SETUP: OutboundSetupScreen,
    HELD_DAILY_MESSAGES: DailyHoldsScreen,
    SEND_EMAIL_SMS: GroupSendScreen,
    TWO_WAY_MESSAGING: TwoWayMessagingScreen,
    OPT_IN_WORDING: OptInWordingScreen,
}
"""The screens built so far; every other entry shows the not-available panel."""


def route_to(target: Item) -> list[tuple[Menu, int]]:
    """The menus to go through and the position chosen in each, from the Main Menu."""

    def search(menu: Menu) -> list[tuple[Menu, int]] | None:
        for index, item in enumerate(menu.items):
            if item is target:
                return [(menu, index)]
            if isinstance(item, Menu) and (rest := search(item)) is not None:
                return [(menu, index), *rest]
        return None

    found = search(MAIN_MENU)
    assert found is not None
    return found


def shown(app: RxMsgApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def test_the_six_outbound_screens_are_in_the_legacy_order() -> None:
    """The legacy six, then rxmsg's own Held Daily Messages (the flood guard's holds) and
    Opt-in Wording (what the signature pad shows)."""
    assert [s.name for s in OUTBOUND_MESSAGING.items] == [
        "Outbound Messaging Setup",
        "Alert Settings",
        "Outbound Messaging Format",
        "Outbound Messaging Queue",
        "2-way Message Template",
        "Review Sites",
        "Held Daily Messages",
        "Opt-in Wording",
    ]
    assert route_to(MESSAGE_QUEUE)[0][0] is MAIN_MENU
    assert [menu.name for menu, _ in route_to(MESSAGE_QUEUE)] == [
        "Main Menu",
        "Misc",
        "Interface Setups",
        "Outbound Messaging",
    ]


async def test_main_menu_shows_store_user_role_and_scheduler(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)
        header = app.screen.query_one(AppHeader)
        assert header.screen_title == "Main Menu"
        assert header.status_text() == ("Main Street Pharmacy · alice (admin) · Scheduler: off")
        options = app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(4)] == [
            "1  Patient Listing",
            "2  Patient Profile",
            "3  Misc  >",
            "4  Send Email/SMS",
        ]
        # The palette offers every menu and screen by its legacy name, in menu order.
        offered = [name for name, _, _ in ScreenCommands(app.screen).commands()]
        assert offered[: len(ALL_ITEMS) + 1] == ["Main Menu", *(i.name for i in ALL_ITEMS)]
        # Esc on the first menu has nowhere to go and must not empty the screen.
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen) and app.screen.menu is MAIN_MENU


async def test_every_entry_is_reached_with_arrows_and_enter_and_esc_goes_back(
    app: RxMsgApp,
) -> None:
    seen: list[str] = []

    async def visit(pilot: Pilot[None], menu: Menu) -> None:
        """Open each entry of `menu` in turn with Down and Enter, check it, Esc back."""
        for index, target in enumerate(menu.items):
            assert isinstance(app.screen, MenuScreen) and app.screen.menu is menu
            assert app.screen.query_one(OptionList).highlighted == max(index - 1, 0)
            await pilot.press(*(["down"] if index else []), "enter")
            await settle(pilot)
            screen = app.screen
            assert screen.title == target.name
            assert screen.query_one(AppHeader).screen_title == target.name
            seen.append(target.name)
            if isinstance(target, Menu):
                assert isinstance(screen, MenuScreen) and screen.menu is target
                await visit(pilot, target)
            elif target in BUILT:
                assert isinstance(screen, BUILT[target]), target.name
            else:
                assert isinstance(screen, NotAvailableScreen), target.name
                headline = shown(app, "#not-available-headline")
                assert headline == f"{target.name} is not available yet in this version of rxmsg."
                assert target.purpose in shown(app, "#not-available-purpose")
                assert shown(app, "#not-available-path").endswith(f"> {target.name}")
            await pilot.press("escape")
            assert isinstance(app.screen, MenuScreen) and app.screen.menu is menu, target.name
            assert app.screen.query_one(OptionList).highlighted == index

    async with app.run_test(size=(80, 24)) as pilot:
        await visit(pilot, MAIN_MENU)
        assert len(app.screen_stack) == 1
    assert seen == [item.name for item in ALL_ITEMS]


async def test_numbers_and_first_letters_choose_entries(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "i", "o")
        assert app.screen.title == "Outbound Messaging"
        options = app.screen.query_one(OptionList)
        # Three screens start with O: the letter moves between them, Enter opens.
        await pilot.press("o")
        assert options.highlighted == 2
        await pilot.press("o")
        assert options.highlighted == 3
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OutboundMessagingQueueScreen)
        await pilot.press("escape", "r")
        assert app.screen.title == "Review Sites"
        await pilot.press("escape", "9")
        assert app.screen.title == "Outbound Messaging"
        await pilot.press("escape", "escape", "escape", "1")
        await settle(pilot)
        assert isinstance(app.screen, PatientListingScreen)


async def palette(pilot: Pilot[None], name: str) -> None:
    """Open the command palette, type `name` in full and take the best match."""
    await pilot.press("ctrl+p")
    await type_text(pilot, name)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


async def test_palette_finds_screens_by_their_legacy_names(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await palette(pilot, "Outbound Messaging Queue")
        assert isinstance(app.screen, OutboundMessagingQueueScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen) and app.screen.menu is MAIN_MENU

        await pilot.press("3", "1", "1", "6")
        assert app.screen.title == "Review Sites"
        await palette(pilot, "Patient Listing")
        assert isinstance(app.screen, PatientListingScreen)
        assert app.screen.title == PATIENT_LISTING.name
        await pilot.press("escape")  # back where the palette was opened
        assert app.screen.title == "Review Sites"

        await palette(pilot, "Main Menu")
        assert len(app.screen_stack) == 1
        assert isinstance(app.screen, MenuScreen) and app.screen.menu is MAIN_MENU


async def test_palette_finds_two_way_messaging_as_chat_too(app: RxMsgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await palette(pilot, "Chat")
        assert isinstance(app.screen, TwoWayMessagingScreen)
        await pilot.press("escape")
        await palette(pilot, "2-way Messaging")
        assert isinstance(app.screen, TwoWayMessagingScreen)
    assert [menu.name for menu, _ in route_to(TWO_WAY_MESSAGING)] == [
        "Main Menu",
        "Misc",
        "Messaging Interface",
    ]


async def test_an_entry_whose_screen_is_missing_says_so_and_esc_goes_back(
    app: RxMsgApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry has its screen today; a future entry listed before its screen is built
    must explain itself rather than crash."""
    screens = {k: v for k, v in RxMsgApp._SCREENS.items() if k != REVIEW_SITES.id}
    monkeypatch.setattr(RxMsgApp, "_SCREENS", screens)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "1", "1", "6")
        await settle(pilot)
        assert isinstance(app.screen, NotAvailableScreen)
        headline = shown(app, "#not-available-headline")
        assert headline == "Review Sites is not available yet in this version of rxmsg."
        assert shown(app, "#not-available-path").endswith("> Review Sites")
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)
