"""Events a list screen's worker threads post: rows read, a change made, a refusal."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from textual.message import Message


class Row(Protocol):
    """A row keyed by its database id, so a reload keeps pointing at the same rows."""

    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=Row)


class RowsLoaded(Message, Generic[RowT]):
    """The rows as read, with what the change before the reading did (`note`)."""

    def __init__(self, rows: list[RowT], note: str) -> None:
        super().__init__()
        self.rows = rows
        self.note = note


class RowsChanged(Message):
    """A save or delete went through; the rows are read again so the table shows them."""

    def __init__(self, note: str, *, close_form: bool) -> None:
        super().__init__()
        self.note = note
        self.close_form = close_form


class RowRefused(Message):
    """Refused at a field (`field`), or as a whole (`field` empty: permission, not found)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__()
        self.field = field
        self.text = text
