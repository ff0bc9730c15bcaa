"""A DataTable that holds a window of pages and asks for the next one near an edge."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.console import RenderableType
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

Direction = Literal["first", "after", "before", "last"]


@dataclass(frozen=True)
class PageRow:
    """One row as the table shows it, with the position it sorts at in its listing."""

    key: str
    cells: tuple[str, ...]
    anchor: Hashable


def clip(text: str, width: int) -> str:
    """Cut `text` to a column, showing that it was cut: staff must not misread a drug name."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class PagedTable(DataTable[RenderableType]):
    """Shows at most two pages of a long listing and never the whole of it.

    A DataTable with 100,000 rows takes seconds and hundreds of megabytes to
    paint, so the screen that owns this table pages from the database by
    keyset. The table only says when it needs more (`RowsWanted`, with the
    anchor of the row at that edge); the screen fetches the page in a worker
    and hands it back with `show_page`. Pages beyond two are dropped from the
    far side, so going down a long list keeps the memory flat.
    """

    DEFAULT_CSS = """
    PagedTable {
        width: 100%;
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open", tooltip="Open this row"),
        Binding("ctrl+home", "first_page", "First", show=False, id="table.first"),
        Binding("ctrl+end", "last_page", "Last", show=False, id="table.last"),
    ]

    class RowsWanted(Message):
        """The cursor or the view came near an edge behind which more rows lie."""

        def __init__(self, table: PagedTable, direction: Direction, anchor: Hashable) -> None:
            super().__init__()
            self.table = table
            self.direction: Direction = direction
            self.anchor = anchor

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, *, page_size: int = 50, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.page_size = page_size
        # Near an edge means a few rows from it, but never so many that both
        # edges are near at once and pages would be asked for back and forth.
        self.margin = max(1, min(5, page_size // 4))
        self.window: list[PageRow] = []
        self.more_before = False
        self.more_after = False
        self.waiting = True

    @property
    def max_rows(self) -> int:
        return 2 * self.page_size

    def expect_new_rows(self) -> None:
        """A new search started: ask for nothing until its first page is shown."""
        self.waiting = True

    def stop_waiting(self) -> None:
        """The page asked for could not be read; a later move may ask again."""
        self.waiting = False

    def show_page(self, rows: Sequence[PageRow], direction: Direction, *, more: bool) -> None:
        """Put a fetched page in the window; `more` says whether rows lie beyond it."""
        self.waiting = True  # moving the cursor below must not ask for pages
        cursor_key = self._key_at(self.cursor_row)
        top_key = self._key_at(round(self.scroll_y))
        old_length = len(self.window)
        if direction in ("first", "last"):
            window = list(rows)
            at_start = direction == "first"
            self.more_before, self.more_after = (False, more) if at_start else (more, False)
            cursor_key = top_key = None
        elif direction == "after":
            window = [*self.window, *rows]
            self.more_after = more
            if len(window) > self.max_rows:
                del window[: len(window) - self.max_rows]
                self.more_before = True
        else:
            window = [*rows, *self.window]
            self.more_before = more
            if len(window) > self.max_rows:
                del window[self.max_rows :]
                self.more_after = True
        appended = direction == "after" and window[:old_length] == self.window
        self.put_rows(window, appended=len(rows) if appended else None)
        self.window = window
        index = {row.key: i for i, row in enumerate(window)}
        fallback = len(window) - 1 if direction == "last" else 0
        self.move_cursor(row=index.get(cursor_key or "", fallback), scroll=top_key is None)
        if top_key is not None and top_key in index:
            # In this frame when the height allows it (a page swapped for a page, the
            # usual case), so the view never shows the top of the window in between.
            self.scroll_to(y=index[top_key], animate=False, immediate=True)
            self.call_after_refresh(self.scroll_to, y=index[top_key], animate=False)
        self.waiting = False

    def put_rows(self, window: Sequence[PageRow], *, appended: int | None) -> None:
        """Hand `window` to the DataTable; `appended` counts rows added after those shown.

        Here a row's key is its PageRow key; a subclass may reuse its rows instead.
        """
        if appended is not None:
            for row in window[len(window) - appended :]:
                self.add_row(*self.shown_cells(row), key=row.key)
            return
        self.clear()
        for row in window:
            self.add_row(*self.shown_cells(row), key=row.key)

    def shown_cells(self, row: PageRow) -> tuple[RenderableType, ...]:
        """The cells handed to the DataTable for `row` (a subclass may join them into one)."""
        return row.cells

    def watch_cursor_coordinate(
        self, old_coordinate: Coordinate, new_coordinate: Coordinate
    ) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        self._ask_if_near_edge(self.cursor_row, self.cursor_row)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ask_if_scrolled_to_edge(old_value, new_value)

    def _ask_if_scrolled_to_edge(self, old_value: float, new_value: float) -> None:
        if new_value >= self.max_scroll_y and self.max_scroll_y > 0:
            self._ask_if_near_edge(len(self.window), len(self.window))
        elif new_value <= 0 and old_value > 0:
            self._ask_if_near_edge(0, 0)

    def action_first_page(self) -> None:
        if self.more_before and not self.waiting:
            self.waiting = True
            self.post_message(self.RowsWanted(self, "first", None))
        else:
            self.action_scroll_top()

    def action_last_page(self) -> None:
        if self.more_after and not self.waiting:
            self.waiting = True
            self.post_message(self.RowsWanted(self, "last", None))
        else:
            self.action_scroll_bottom()

    def _ask_if_near_edge(self, top: int, bottom: int) -> None:
        if self.waiting or not self.window:
            return
        if self.more_after and bottom >= len(self.window) - 1 - self.margin:
            self.waiting = True
            self.post_message(self.RowsWanted(self, "after", self.window[-1].anchor))
        elif self.more_before and top <= self.margin:
            self.waiting = True
            self.post_message(self.RowsWanted(self, "before", self.window[0].anchor))

    def _key_at(self, index: int) -> str | None:
        return self.window[index].key if 0 <= index < len(self.window) else None
