"""The Outbound Messaging Queue's table: 80 columns of messages, a page or two at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual.binding import Binding, BindingType

from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.messages.queue_listing import QueueRow
from rxmsg_tui.services.messages.queue_report import (
    SHORT_ALERT,
    SHORT_ENTITY,
    SHORT_METHOD,
    SHORT_PRIORITY,
    SHORT_WARNING,
)
from rxmsg_tui.widgets.paged_table import PagedTable, PageRow, clip

COLUMNS = (
    ("Date/Time", 11), ("Method", 6), ("Alert", 9), ("Prio", 4), ("Entity", 7),
    ("Entity Name", 11), ("Status", 11), ("Att", 3), ("Warning", 10),
)  # fmt: skip
"""Widths without the one-space gap each column but the last carries: 80 in all."""


@dataclass(frozen=True)
class QueueLine(PageRow):
    """A row as shown, with the message it shows, so keys act on what staff see."""

    message: QueueRow | None = None


def status_label(status: str) -> str:
    """As staff read it: an `Unconfirmed` message shows "Sent?"."""
    try:
        return QueueStatus(status).label
    except ValueError:
        return status


def queue_line(row: QueueRow, zone: ZoneInfo) -> QueueLine:
    texts = (
        row.scheduled_at.astimezone(zone).strftime("%m/%d %H:%M"),
        SHORT_METHOD.get(row.method, row.method),
        SHORT_ALERT.get(row.alert_type, row.alert_type),
        SHORT_PRIORITY.get(row.priority, row.priority),
        SHORT_ENTITY.get(row.entity, row.entity),
        row.entity_name,
        status_label(row.status),
        str(row.attempts),
        SHORT_WARNING.get(row.warning, row.warning),
    )
    cells = tuple(clip(text, width) for text, (_, width) in zip(texts, COLUMNS, strict=True))
    return QueueLine(key=str(row.id), cells=cells, anchor=row.key, message=row)


class QueueTable(PagedTable):
    """The paged table with the queue's keys, and a reload that keeps the cursor in place.

    The keys act on the screen (`screen.delete_message`, …) but live here, so
    that `d` and `r` typed in a criteria field stay letters.
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

    def __init__(self, *, page_size: int, id: str | None = None) -> None:
        super().__init__(page_size=page_size, id=id)
        self.cell_padding = 0  # each column carries its own gap: 80 columns are tight

    def on_mount(self) -> None:
        for n, (label, width) in enumerate(COLUMNS):
            gap = 1 if n < len(COLUMNS) - 1 else 0
            self.add_column(label, width=width + gap, key=label)

    def current(self) -> QueueRow | None:
        """The highlighted message, if any."""
        line = self.window[self.cursor_row] if 0 <= self.cursor_row < len(self.window) else None
        return line.message if isinstance(line, QueueLine) else None

    def reload(self, rows: Sequence[PageRow], *, more_before: bool, more_after: bool) -> None:
        """Show `rows` instead of the window: cells change where they can, else the rows do."""
        self.waiting = True
        self.more_before, self.more_after = more_before, more_after
        if [r.key for r in rows] == [r.key for r in self.window]:
            columns = list(self.columns)
            for old, new in zip(self.window, rows, strict=True):
                for column, before, after in zip(columns, old.cells, new.cells, strict=True):
                    if before != after:
                        self.update_cell(new.key, column, after)
        else:
            row, top = self.cursor_row, self.scroll_y
            key = self.window[row].key if 0 <= row < len(self.window) else None
            self.clear()
            for line in rows:
                self.add_row(*line.cells, key=line.key)
            index = {line.key: i for i, line in enumerate(rows)}
            self.move_cursor(row=index.get(key or "", min(row, len(rows) - 1)), scroll=False)
            self.call_after_refresh(self.scroll_to, y=top, animate=False)
        self.window = list(rows)
        self.waiting = False
