"""A paged table whose rows are single plain lines, rewritten in place and painted cheaply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widgets.data_table import ColumnKey, RowKey

from rxmsg_tui.widgets.paged_table import PagedTable, PageRow

LINE = "line"
"""The table's one column: each row is one line of text laid out by its owner."""
LINE_KEY = ColumnKey(LINE)

_RowLines = tuple[list[list[Segment]], list[list[Segment]]]


@dataclass(frozen=True)
class _Paint:
    """What every line of one paint shares, read once instead of once a line."""

    base: Style
    width: int
    column_width: int
    header: int
    scroll_y: int
    cursor_row: int
    hover_row: int
    styles: dict[tuple[bool, bool], tuple[Style, Style]]
    """(cursor, hover) -> the line's style and the style of the room right of it."""


class LineTable(PagedTable):
    """One column, one plain line a row: what a long listing needs to page in a frame.

    The DataTable's rows are slots ("0", "1", …) whose one cell is rewritten
    when the window moves, instead of rows cleared and added again; `window[i]`
    is the row shown in slot `i`. The column has a set width, so nothing is
    measured. A line is painted as one segment in the DataTable's own styles
    (its component classes, cursor and hover rules, and the `row` meta a click
    reads) instead of through Rich's cell rendering, which costs a fifth of a
    millisecond a line, twenty lines a key. A cell that is not plain text, or
    a table set up otherwise (fixed columns, labels, zebra stripes), is painted
    the DataTable's way.
    """

    def __init__(self, *, page_size: int = 50, id: str | None = None) -> None:
        super().__init__(page_size=page_size, id=id)
        self.cell_padding = 0  # the line carries its own gaps
        self._paint: _Paint | None = None
        self._header_lines: dict[tuple[object, ...], _RowLines] = {}
        self._row_meta: dict[int, tuple[Style, Style]] = {}

    def set_line_column(self, heading: Text, width: int) -> None:
        """(Re)build the one column, `width` cells wide, and lay the window out in it."""
        self._header_lines.clear()
        self.clear(columns=True)
        self.add_column(heading, width=width, key=LINE)
        self.put_rows(self.window, appended=None)

    def put_rows(self, window: Sequence[PageRow], *, appended: int | None) -> None:
        """Rewrite the slots whose row changed and add slots at the end.

        A window that shrinks is laid out afresh (the last page, a new search):
        rare, and the DataTable's own clear is the simplest way down.
        """
        shown = self.row_count
        if len(window) < shown:
            self.clear()
            shown = 0
        old = self.window if shown else []
        rewritten = False
        for slot, row in enumerate(window):
            if slot >= shown:
                self.add_row(*self.shown_cells(row), key=str(slot))
            elif slot >= len(old) or old[slot] is not row:
                # update_cell's own work (a refresh a cell), done once for all below
                self._data[RowKey(str(slot))][LINE_KEY] = self.shown_cells(row)[0]
                rewritten = True
        if rewritten:
            self._update_count += 1
            self.refresh()

    def shown_cells(self, row: PageRow) -> tuple[RenderableType, ...]:
        return (Text(" ".join(row.cells), no_wrap=True, overflow="crop", end=""),)

    def reload(self, rows: Sequence[PageRow], *, more_before: bool, more_after: bool) -> None:
        """Show `rows` instead of the window, the cursor staying on the row it was on."""
        self.waiting = True
        self.more_before, self.more_after = more_before, more_after
        row, top = self.cursor_row, self.scroll_y
        key = self.window[row].key if 0 <= row < len(self.window) else None
        shrunk = len(rows) < self.row_count
        moved = [line.key for line in rows] != [line.key for line in self.window]
        self.put_rows(rows, appended=None)
        self.window = list(rows)
        if rows and (shrunk or moved):
            index = {line.key: i for i, line in enumerate(rows)}
            self.move_cursor(row=index.get(key or "", min(row, len(rows) - 1)), scroll=False)
            if shrunk:  # the clear went back to the top
                self.call_after_refresh(self.scroll_to, y=top, animate=False)
        self.waiting = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """As the DataTable's, but a scroll bar no cell wide is not refreshed.

        Textual cannot place such a bar, so its refresh makes it arrange the
        whole screen again, on every key that scrolls (2 ms of a key's 8).
        """
        if self.styles.scrollbar_size_vertical or not self.show_vertical_scrollbar:
            super().watch_scroll_y(old_value, new_value)
            return
        self.vertical_scrollbar.set_reactive(ScrollBar.position, new_value)
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
        self._ask_if_scrolled_to_edge(old_value, new_value)

    # Painting

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = self._paint_of_now()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _paint_of_now(self) -> _Paint | None:
        """The shared parts of this paint, or None when the table is not one plain column."""
        if (
            self.cursor_type != "row"
            or self.fixed_rows
            or self.fixed_columns
            or self.zebra_stripes
            or self.cell_padding
            or self._labelled_row_exists
            or len(self.columns) != 1
            or int(self.scroll_x)
        ):
            return None
        width = self.size.width
        column_width = self.ordered_columns[0].get_render_width(self)
        if column_width > width:  # the line would need cutting to the table
            return None
        base = self.rich_style
        row_style = self._get_row_style(0, base)
        show, hovering = self.show_cursor, self._show_hover_cursor
        css_color = self.cursor_foreground_priority == "css"
        css_background = self.cursor_background_priority == "css"
        styles = {}
        for cursor in (False, True):
            for hover in (False, True):
                component, post = self._get_styles_to_render_cell(
                    False, False, False, hover, cursor, show, hovering, css_color, css_background
                )
                extend, _ = self._get_styles_to_render_cell(
                    False, False, False, hover, cursor, show, hovering, False, False
                )
                styles[cursor, hover] = (row_style + component + post, row_style + extend)
        return _Paint(
            base=base,
            width=width,
            column_width=column_width,
            header=self.header_height if self.show_header else 0,
            scroll_y=int(self.scroll_y),
            cursor_row=self.cursor_coordinate.row,
            hover_row=self.hover_coordinate.row,
            styles=styles,
        )

    def render_line(self, y: int) -> Strip:
        paint = self._paint
        if paint is None:
            return super().render_line(y)
        if y < paint.header:
            return self._render_line(y, 0, paint.width, paint.base)
        row = y - paint.header + paint.scroll_y
        row_key = self._row_locations.get_key(row)
        if row_key is None:  # below the last row
            return Strip.blank(paint.width, paint.base)
        cell = self._data[row_key].get(LINE_KEY)
        if not isinstance(cell, Text) or cell.spans or cell.style:
            return self._render_line(y + paint.scroll_y, 0, paint.width, paint.base)
        style, extend = paint.styles[row == paint.cursor_row, row == paint.hover_row]
        meta, extend_meta = self._meta_of(row)
        segments = [
            Segment(set_cell_size(cell.plain, paint.column_width), style + meta),
            Segment(" " * max(0, paint.width - paint.column_width), extend + extend_meta),
        ]
        return Strip(segments, paint.width)  # as long as the table is wide: nothing to adjust

    def _meta_of(self, row: int) -> tuple[Style, Style]:
        """The `row` meta a click reads, for the line and for the room right of it."""
        meta = self._row_meta.get(row)
        if meta is None:
            meta = (
                Style.from_meta({"row": row, "column": 0}),
                Style.from_meta({"row": row, "column": 0, "out_of_bounds": True}),
            )
            self._row_meta[row] = meta
        return meta

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> _RowLines:
        """The heading, kept: it changes with the columns, the style and the hover, not the rows."""
        if row_key is not self._header_row_key:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        key = (
            line_no, base_style, cursor_location.row == -1, hover_location.row == -1,
            self.cursor_type, self.show_cursor, self._show_hover_cursor,
            self._pseudo_class_state, self.size.width,
        )  # fmt: skip
        lines = self._header_lines.get(key)
        if lines is None:
            lines = super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
            if len(self._header_lines) > 16:
                self._header_lines.clear()
            self._header_lines[key] = lines
        return lines

    def notify_style_update(self) -> None:
        self._header_lines.clear()
        super().notify_style_update()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Every row is one line in columns of set widths: nothing to measure, only the size.

        The DataTable measures each new row to size its columns, a cost a page
        of rows would pay on every key that loads one.
        """
        fixed = all(not column.auto_width for column in self.columns.values())
        rows = (self.rows.get(key) for key in new_rows)
        if not fixed or any(row is not None and (row.auto_height or row.label) for row in rows):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )
