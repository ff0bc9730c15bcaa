"""The Outbound Messaging Queue's table: short names at 80 columns, the legacy's when wide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.messages.queue_listing import ListedRow, QueueRow
from rxmsg_tui.services.messages.queue_report import (
    SHORT_ALERT,
    SHORT_METHOD,
    SHORT_PRIORITY,
    SHORT_WARNING,
)
from rxmsg_tui.widgets.line_table import LineTable
from rxmsg_tui.widgets.paged_table import Direction, PageRow, clip

FLEX = 0
"""The width of the one column (Entity Name) that takes whatever room the others leave."""

Cell = Callable[[QueueRow, ZoneInfo], str]


def _when(row: QueueRow, zone: ZoneInfo) -> str:
    return row.scheduled_at.astimezone(zone).strftime("%m/%d %H:%M")


def _who(row: QueueRow, _zone: ZoneInfo) -> str:
    """`Rx 1000129 · Ana Diaz` for an Rx message, the patient's name for the others."""
    return row.who if isinstance(row, ListedRow) else row.entity_name


def status_label(status: str) -> str:
    """As staff read it: an `Unconfirmed` message shows "Sent?"."""
    try:
        return QueueStatus(status).label
    except ValueError:
        return status


def _short(names: dict[str, str], field: str) -> Cell:
    def cell(row: QueueRow, _zone: ZoneInfo) -> str:
        value = str(getattr(row, field))
        return names.get(value, value)

    return cell


def _full(field: str) -> Cell:
    return lambda row, _zone: str(getattr(row, field))


def _status(row: QueueRow, _zone: ZoneInfo) -> str:
    return status_label(row.status)


@dataclass(frozen=True)
class QueueLayout:
    """The columns for one range of widths: (label, width, cell); widths leave out the gaps."""

    name: str
    columns: tuple[tuple[str, int, Cell], ...]

    @property
    def least_width(self) -> int:
        """The narrowest table this layout fits, its flexible column at the least it needs."""
        return sum(width or FLEXIBLE_LEAST for _, width, _ in self.columns) + len(self.columns) - 1

    def widths(self, total: int) -> list[int]:
        fixed = sum(width for _, width, _ in self.columns) + len(self.columns) - 1
        return [width or max(FLEXIBLE_LEAST, total - fixed) for _, width, _ in self.columns]


FLEXIBLE_LEAST = 19
"""Entity Name at 80 columns: `Rx 1000129 · Ana D…`, `Diaz Hernandez, A…`."""

COMPACT = QueueLayout(
    "compact",
    (
        ("Date/Time", 11, _when),
        ("Method", 6, _short(SHORT_METHOD, "method")),
        ("Alert", 9, _short(SHORT_ALERT, "alert_type")),
        ("Prio", 4, _short(SHORT_PRIORITY, "priority")),
        ("Entity Name", FLEX, _who),
        ("Status", 11, _status),
        ("Att", 3, _full("attempts")),
        ("Warning", 10, _short(SHORT_WARNING, "warning")),
    ),
)
"""80 columns: the short names, and no Entity column (`Rx …` in the name says it)."""

FULL = QueueLayout(
    "full",
    (
        ("Date/Time", 11, _when),
        ("Method", 13, _full("method")),
        ("Alert Type", 22, _full("alert_type")),
        ("Priority", 8, _full("priority")),
        ("Entity Name", FLEX, _who),
        ("Status", 11, _status),
        ("Attempts", 8, _full("attempts")),
        ("Warning", 15, _full("warning")),
    ),
)
"""From 115 columns: every name and word as on the legacy screen."""

FULL_WITH_ENTITY = QueueLayout(
    "full-entity",
    (*FULL.columns[:4], ("Entity", 12, _full("entity")), *FULL.columns[4:]),
)
"""From 128 columns: the legacy's Entity column too."""

LAYOUTS = (FULL_WITH_ENTITY, FULL, COMPACT)
"""Widest first: a table takes the first one that fits."""


def layout_for(width: int) -> QueueLayout:
    return next((layout for layout in LAYOUTS if width >= layout.least_width), COMPACT)


@dataclass(frozen=True)
class QueueLine(PageRow):
    """A row as shown, with the message it shows, so keys act on what staff see."""

    message: QueueRow | None = None
    layout: str = COMPACT.name
    width: int = 80
    line: Text | None = None
    """The cells joined: the table paints one cell a row, not eight or nine."""


def queue_line(
    row: QueueRow, zone: ZoneInfo, layout: QueueLayout = COMPACT, width: int = 80
) -> QueueLine:
    """The row's cells in `layout` at `width` columns, cut to their columns with a mark."""
    widths = layout.widths(width)
    cells = tuple(
        clip(" ".join(cell(row, zone).split()), size)
        for (_, _, cell), size in zip(layout.columns, widths, strict=True)
    )
    line = Text(_join(cells, widths), no_wrap=True, overflow="crop", end="")
    return QueueLine(
        key=str(row.id),
        cells=cells,
        anchor=row.key,
        message=row,
        layout=layout.name,
        width=width,
        line=line,
    )


def _join(texts: Sequence[str], widths: Sequence[int]) -> str:
    return " ".join(text.ljust(size) for text, size in zip(texts, widths, strict=True)).rstrip()


class QueueTable(LineTable):
    """The paged table with the queue's keys, and a reload that keeps the cursor in place.

    The keys act on the screen (`screen.delete_message`, …) but live here, so
    that `d` and `r` typed in a criteria field stay letters. Its columns follow
    its width: short names at 80 columns, the legacy's full ones when wide. Each
    row is its message's cells joined into one line (see LineTable), laid out
    off the UI thread by `queue_line`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,d", "screen.delete_message", "Delete", id="queue.delete",
                tooltip="Delete the highlighted message (asks first)"),
        Binding("r", "screen.retry_message", "Retry", id="queue.retry",
                tooltip="Send a Failed or Sent? message again"),
        # Not on the footer, which is full at 80 columns; only Sent? messages need it.
        Binding("m", "screen.confirm_sent", "Mark Sent", id="queue.confirm_sent", show=False,
                tooltip="A Sent? message the patient did get: mark it Sent"),
        Binding("slash", "screen.focus_criteria", "Criteria", id="queue.criteria",
                tooltip="Back to the dates and filters"),
    ]  # fmt: skip

    def __init__(self, *, page_size: int, zone: ZoneInfo, id: str | None = None) -> None:
        super().__init__(page_size=page_size, id=id)
        self.zone = zone
        self.queue_layout = COMPACT
        self.line_width = 80

    def on_mount(self) -> None:
        self._set_columns()

    def on_resize(self, event: events.Resize) -> None:
        """Another width may call for other columns: the rows on show are laid out again."""
        # Near an edge is a screenful from it: the next PageDown lands on rows already here.
        self.margin = max(1, min(self.page_size // 3, max(5, event.size.height - 1)))
        width = max(event.size.width, 1)
        if width == self.line_width:
            return
        row, top = self.cursor_row, self.scroll_y
        self.line_width, self.queue_layout = width, layout_for(width)
        self.window = [self.line_of(line) for line in self.window]
        self._set_columns()
        if self.window:
            self.move_cursor(row=min(row, len(self.window) - 1), scroll=False)
            self.call_after_refresh(self.scroll_to, y=top, animate=False)

    def _set_columns(self) -> None:
        widths = self.queue_layout.widths(self.line_width)
        heading = _join([label for label, _, _ in self.queue_layout.columns], widths)
        self.set_line_column(Text(heading, no_wrap=True, overflow="crop"), self.line_width)

    def line_of(self, row: PageRow) -> PageRow:
        """`row` laid out for this table's width (a page read before a resize comes back so)."""
        stale = isinstance(row, QueueLine) and (row.layout, row.width) != (
            self.queue_layout.name,
            self.line_width,
        )
        if isinstance(row, QueueLine) and row.message is not None and stale:
            return queue_line(row.message, self.zone, self.queue_layout, self.line_width)
        return row

    def shown_cells(self, row: PageRow) -> tuple[RenderableType, ...]:
        line = row.line if isinstance(row, QueueLine) else None
        return (line,) if line is not None else super().shown_cells(row)

    def show_page(self, rows: Sequence[PageRow], direction: Direction, *, more: bool) -> None:
        super().show_page([self.line_of(row) for row in rows], direction, more=more)

    def reload(self, rows: Sequence[PageRow], *, more_before: bool, more_after: bool) -> None:
        """Show `rows` instead of the window, laid out for this width."""
        rows = [self.line_of(row) for row in rows]
        super().reload(rows, more_before=more_before, more_after=more_after)

    def message_at(self, row: int) -> QueueRow | None:
        """The message shown in DataTable row `row` (rows are slots, not message ids)."""
        line = self.window[row] if 0 <= row < len(self.window) else None
        return line.message if isinstance(line, QueueLine) else None

    def current(self) -> QueueRow | None:
        """The highlighted message, if any."""
        return self.message_at(self.cursor_row)
