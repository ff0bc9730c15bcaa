"""What every rxmsg screen shares: header, footer, Esc to go back, and opening others."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from rxmsg_tui.screens.catalogue import Item
from rxmsg_tui.screens.work import RunsServices
from rxmsg_tui.widgets.app_header import AppHeader

if TYPE_CHECKING:
    from rxmsg_tui.services.context import AppContext


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

    Only the first menu is built without a context: the App paints it while it
    opens the database, then hands it the context with `signed_in`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back", tooltip="Back one level"),
    ]

    def __init__(self, context: AppContext | None, item: Item) -> None:
        super().__init__()
        self._known_context = context
        self.item = item
        self.title = item.name

    @property
    def context(self) -> AppContext:
        """Store, user and database; a screen that needs them is only built once they are known."""
        if self._known_context is None:
            raise RuntimeError(f"{self.item.name} asked for the database before it was open")
        return self._known_context

    @property
    def has_context(self) -> bool:
        return self._known_context is not None

    def signed_in(self, context: AppContext) -> None:
        """The App opened the database: the header now names the store and the user."""
        self._known_context = context
        self.query_one(AppHeader).show(context)

    read_only: str | None = None
    """Why the user may read this screen's setup but not change it (a technician), or None."""

    def show_status(self, text: str) -> None:
        """The screen's status line; a screen of setup has one and shows it there."""
        self.notify(text)

    def refused_read_only(self) -> bool:
        """Say why nothing may change, when it may not: a key that would change is never mute."""
        if self.read_only is None:
            return False
        self.show_status(self.read_only)
        self.notify(self.read_only, title="Read only", severity="warning")
        return True

    def compose(self) -> ComposeResult:
        yield AppHeader.of(self._known_context)
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
