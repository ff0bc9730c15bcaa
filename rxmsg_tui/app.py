"""The Textual App: global keys, which screen each menu entry opens, and the palette."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import PurePath
from typing import ClassVar, cast

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from rxmsg_tui.screens.base import RxScreen, ScreenRequested
from rxmsg_tui.screens.catalogue import (
    MAIN_MENU,
    PATIENT_LISTING,
    PATIENT_PROFILE,
    Item,
    Menu,
    walk,
)
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.not_available import NotAvailableScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.services.context import AppContext

Command = tuple[str, Callable[[], object], str]


class ScreenCommands(Provider):
    """Every screen and menu by its legacy name, then the keys of the screen in front."""

    def commands(self) -> Iterator[Command]:
        app = cast("RxMsgApp", self.app)
        yield MAIN_MENU.name, partial(app.open, MAIN_MENU), MAIN_MENU.purpose
        for item, path in walk():
            yield item.name, partial(app.open, item), f"{path}: {item.purpose}"
        screen = self.screen
        for binding in screen.active_bindings.values():
            if binding.node is screen and binding.binding.show and binding.enabled:
                action = partial(app.run_action, binding.binding.action, screen)
                yield f"{screen.title}: {binding.binding.description}", action, binding.tooltip

    async def discover(self) -> Hits:
        for name, command, help_text in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self.commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class RxMsgApp(App[None]):
    """rxmsg's terminal application; built by the `rxmsg` command with everything it needs."""

    TITLE = "rxmsg"
    # Textual loads a screen's CSS_PATH when the screen is pushed, and the first
    # menu is installed rather than pushed, so the App loads its stylesheet.
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/app.tcss", "styles/menu.tcss"]
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave rxmsg", priority=True),
    ]

    _SCREENS: ClassVar[dict[str, Callable[[AppContext], Screen[None]]]] = {
        PATIENT_LISTING.id: PatientListingScreen,
        PATIENT_PROFILE.id: PatientProfileScreen,
    }

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def get_default_screen(self) -> Screen[None]:
        return MenuScreen(self.context, MAIN_MENU)

    def on_screen_requested(self, event: ScreenRequested) -> None:
        self.open(event.item)

    def open(self, item: Item) -> None:
        """Show the screen or menu behind a menu entry or palette command."""
        if item is MAIN_MENU:
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        if isinstance(self.screen, RxScreen) and self.screen.item is item:
            return
        self.push_screen(self._build(item))

    def _build(self, item: Item) -> Screen[None]:
        if isinstance(item, Menu):
            return MenuScreen(self.context, item)
        build = self._SCREENS.get(item.id)
        if build is not None:
            return build(self.context)
        return NotAvailableScreen(self.context, item)
