"""The stand-in for a legacy screen that is not built yet: it names it and says what it will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import ScreenEntry, menu_path
from rxmsg_tui.services.context import AppContext


class NotAvailableScreen(RxScreen):
    """One class for every screen still to come, so each menu entry already leads somewhere.

    Staff who follow the legacy path find the screen by its legacy name and
    learn what it will do, instead of a missing menu entry or an error.
    """

    CSS_PATH = "../styles/not_available.tcss"

    def __init__(self, context: AppContext, entry: ScreenEntry) -> None:
        super().__init__(context, entry)
        self.entry = entry

    def compose_body(self) -> ComposeResult:
        with Vertical(id="not-available") as panel:
            panel.border_title = self.entry.name
            yield Static(
                f"{self.entry.name} is not available yet in this version of rxmsg.",
                id="not-available-headline",
            )
            yield Static(f"Menu: {menu_path(self.entry)}", id="not-available-path")
            yield Static(
                f"When it is ready, it will let you {self.entry.purpose}",
                id="not-available-purpose",
            )
            if self.entry.meanwhile:
                yield Static(f"Meanwhile: {self.entry.meanwhile}", id="not-available-meanwhile")
            yield Static("Press Esc to go back.", id="not-available-back")
