"""What a list screen's rows have in common: a database id, so a reload keeps its place."""

from __future__ import annotations

from typing import Protocol, TypeVar


class Row(Protocol):
    """A row keyed by its database id, so a reload keeps pointing at the same rows."""

    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=Row)
