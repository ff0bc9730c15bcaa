"""Core helpers for statements that bypass the ORM: bulk inserts and upserts (PERF.md).

The importer, Update All and the daily process all write many rows at once;
they share these so a table, a dialect's `insert` and a batched executemany
mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

BATCH_ROWS = 5000
"""Rows per statement call; SQLAlchemy splits further to fit the parameter limits."""


def table(model: type[SQLModel]) -> Table:
    """The Core table behind a model."""
    mapped = inspect(model).local_table
    assert isinstance(mapped, Table)
    return mapped


def dialect_insert(conn: Connection, target: Table) -> Any:
    """The dialect's own `insert`, which has `on_conflict_do_*` and `excluded`."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(target)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(target)
    raise NotImplementedError(f"bulk statements do not support {conn.dialect.name}")


def insert_rows(conn: Connection, target: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """A plain executemany insert of rows new by construction, built lazily batch by batch."""
    written = 0
    source = iter(rows)
    while batch := list(islice(source, BATCH_ROWS)):
        conn.execute(target.insert(), batch)
        written += len(batch)
    return written
