"""The Outbound Messaging Queue's criteria: From/To dates, four filters, and the buttons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from rxmsg_tui.domain.vocabulary import AlertType, Method, QueueStatus
from rxmsg_tui.services.errors import FieldError
from rxmsg_tui.services.messages.queue_listing import QueueFilter
from rxmsg_tui.widgets.date_input import DateInput

T = TypeVar("T")


class QueueCriteria(Vertical):
    """Three lines in Tab order: From, To, Status, Method, Alert Type, Search, Print, Clear,
    CSV, then Group Send and Delete Group's Pending.

    A blank filter means all; Enter on a focused button presses it, as on the
    legacy screen.
    """

    DEFAULT_CSS = """
    QueueCriteria {
        height: auto;
    }
    QueueCriteria > Horizontal {
        height: 1;
    }
    """

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today

    def compose(self) -> ComposeResult:
        with Horizontal(id="criteria-dates"):
            yield Label("From")
            yield DateInput(self.today, id="date-from")
            yield Label("To")
            yield DateInput(self.today, id="date-to")
            yield Label("Status")
            yield _select(QueueStatus, "status")
            yield Label("Method")
            yield _select(Method, "method")
        with Horizontal(id="criteria-filters"):
            yield Label("Alert Type")
            yield _select(AlertType, "alert-type")
            for name in ("Search", "Print", "Clear", "CSV"):
                yield Button(name, id=name.lower(), compact=True)
        with Horizontal(id="criteria-group"):
            yield Label("Group Send")
            yield Select[int]([], prompt="All", id="group-send", compact=True)
            yield Button("Delete Group's Pending", id="delete-group", compact=True)

    def read(self) -> QueueFilter:
        """The criteria as typed; FieldError names the field (`date-from`, `date-to`) and why."""
        days: list[date | None] = []
        for field_id, name in (("date-from", "From"), ("date-to", "To")):
            try:
                days.append(self.query_one(f"#{field_id}", DateInput).read())
            except ValueError as exc:
                raise FieldError(field_id, f"{name}: {exc}") from None
        start, end = days
        if start and end and start > end:
            raise FieldError("date-to", "To: the last day is before the first")
        return QueueFilter(
            start, end, self._chosen("status", QueueStatus), self._chosen("method", Method),
            self._chosen("alert-type", AlertType), self.group_send_id,
        )  # fmt: skip

    @property
    def group_send_id(self) -> int | None:
        """The group send chosen in the Group Send filter, if any."""
        value = self.query_one("#group-send", Select).value
        return value if isinstance(value, int) else None

    def show_groups(self, groups: Iterable[tuple[str, int]], *, chosen: int | None = None) -> None:
        """Offer these group sends (label, id), newest first; keep or make `chosen` the choice."""
        select: Select[int] = self.query_one("#group-send", Select)
        keep = chosen if chosen is not None else self.group_send_id
        options = list(groups)
        select.set_options(options)
        if keep is not None and any(value == keep for _, value in options):
            select.value = keep

    def clear(self) -> None:
        for field in self.query(DateInput):
            field.show(None)
        for select in self.query(Select):
            select.clear()

    def _chosen(self, field_id: str, kind: type[T]) -> T | None:
        value = self.query_one(f"#{field_id}", Select).value
        return value if isinstance(value, kind) else None


def _select(values: Iterable[T], id: str) -> Select[T]:
    return Select([(str(value), value) for value in values], prompt="All", id=id, compact=True)
