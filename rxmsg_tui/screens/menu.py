"""The menus that mirror the legacy path: Main Menu, Misc, Interface Setups, Outbound Messaging."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rxmsg_tui.screens.base import RxScreen, ScreenRequested
from rxmsg_tui.screens.catalogue import Menu, menu_path

if TYPE_CHECKING:
    from rxmsg_tui.services.context import AppContext

HELP = "Arrows and Enter, number or first letter · Esc back · Ctrl+P: any screen"


class MenuScreen(RxScreen):
    """One level of the menu: a numbered list, the highlighted entry explained below it.

    Staff who know the legacy menus type the number or first letter; a letter
    shared by several entries (the Outbound Messaging screens) moves between
    them, and Enter opens the highlighted one.
    """

    CSS_PATH = "../styles/menu.tcss"
    AUTO_FOCUS = "#menu-options"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            str(n),
            f"choose({n - 1})",
            "Choose",
            key_display="1-9",
            show=n == 1,
            id=f"menu.choose-{n}",
            tooltip="Open the entry with this number",
        )
        for n in range(1, 10)
    ]

    def __init__(self, context: AppContext | None, menu: Menu) -> None:
        """`context` is None for the first menu, painted while the App opens the database."""
        super().__init__(context, menu)
        self.menu = menu

    def compose_body(self) -> ComposeResult:
        with Vertical(id="menu-box") as box:
            box.border_title = menu_path(self.menu)
            yield OptionList(
                *(
                    Option(f"{n}  {item.name}{'  >' if isinstance(item, Menu) else ''}", id=item.id)
                    for n, item in enumerate(self.menu.items, start=1)
                ),
                id="menu-options",
            )
            yield Static(id="menu-purpose")
        yield Static(HELP, id="menu-help")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _explain(self, event: OptionList.OptionHighlighted) -> None:
        item = self.menu.items[event.option_index]
        text = item.purpose if isinstance(item, Menu) else f"{item.name}: {item.purpose}"
        self.query_one("#menu-purpose", Static).update(text)

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(ScreenRequested(self.menu.items[event.option_index]))

    def action_choose(self, index: int) -> None:
        if 0 <= index < len(self.menu.items):
            options = self.query_one(OptionList)
            options.highlighted = index
            options.action_select()

    def on_key(self, event: events.Key) -> None:
        """A first letter: open the only entry with it, or move to the next of several."""
        letter = (event.character or "").lower()
        if len(letter) != 1 or not letter.isalpha():
            return
        matches = [
            i for i, item in enumerate(self.menu.items) if item.name.lower().startswith(letter)
        ]
        if not matches:
            return
        event.stop()
        if len(matches) == 1:
            self.action_choose(matches[0])
            return
        options = self.query_one(OptionList)
        current = options.highlighted if options.highlighted is not None else -1
        options.highlighted = next((i for i in matches if i > current), matches[0])
