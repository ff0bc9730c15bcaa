"""What every rxmsg screen shares: header, footer, Esc to go back, and opening others."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from rxmsg_tui.screens.catalogue import Item
from rxmsg_tui.screens.work import RunsServices
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.widgets.app_header import AppHeader


class ScreenRequested(Message):
    """Staff chose a menu entry; the App decides which screen that is and opens it."""

    def __init__(self, item: Item) -> None:
        super().__init__()
        self.item = item


class RxScreen(RunsServices, Screen[None]):
    """A screen with the store/user header, the key footer and Esc back one level.

    Screens get the context from the App that builds them rather than looking
    it up, so tests build the very same screens over a test database. They call
    services through `screens.work.run_service`, so a failure is a line on screen.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back", tooltip="Back one level"),
    ]

    def __init__(self, context: AppContext, item: Item) -> None:
        super().__init__()
        self.context = context
        self.item = item
        self.title = item.name

    def compose(self) -> ComposeResult:
        yield AppHeader(
            store_name=self.context.store.name,
            username=self.context.actor.username,
            role=self.context.actor.role.value,
            test_store=self.context.store.is_test,
        )
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between header and footer."""
        yield from ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The first menu has nowhere to go back to: hide Back rather than do nothing.
        return not (action == "back" and len(self.app.screen_stack) <= 1)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
