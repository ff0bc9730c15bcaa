"""Batched Core upserts on SQLite and PostgreSQL: lists of dicts, never ORM objects (PERF.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, Table, or_, select

from rxmsg_tui.storage.bulk import BATCH_ROWS, dialect_insert, insert_rows, table
from rxmsg_tui.storage.models import Patient

__all__ = [
    "batches",
    "dialect_insert",
    "insert_rows",
    "key_map",
    "patient_ids",
    "table",
    "upsert_changed",
]


T = TypeVar("T")

Excluded = Any
"""The `excluded` pseudo-table of an upsert: the row that was proposed."""


def key_map(conn: Connection, query: Select[Any]) -> dict[str, int]:
    """A (key, id) query as a dict; a Result is not a mapping for `dict()`."""
    return {key: pk for key, pk in conn.execute(query)}


def patient_ids(conn: Connection, store_id: int) -> dict[str, int]:
    """patient_id (the pharmacy system's) → patient.id for every patient of the store."""
    patient = table(Patient)
    query = select(patient.c.patient_id, patient.c.id).where(patient.c.store_id == store_id)
    return key_map(conn, query)


def batches(items: Sequence[T], size: int | None = None) -> Iterator[Sequence[T]]:
    step = size or BATCH_ROWS
    for start in range(0, len(items), step):
        yield items[start : start + step]


def upsert_changed(
    conn: Connection,
    target: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: tuple[str, ...],
    new_values: Callable[[Excluded], dict[str, ColumnElement[Any]]],
    touch: dict[str, Any] | None = None,
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """Insert `rows`, or update the existing row with the same `keys` where a value differs.

    Returns `returning` for the rows inserted or changed only, so a re-import of
    the same file reports them unchanged and leaves `updated_at` alone.
    `touch` columns are set on every change but do not count as one.
    """
    if not rows:
        return []
    stmt = dialect_insert(conn, target)
    values = new_values(stmt.excluded)
    differs = or_(*(target.c[name].is_distinct_from(value) for name, value in values.items()))
    stmt = stmt.on_conflict_do_update(
        index_elements=[target.c[name] for name in keys],
        set_={**values, **(touch or {})},
        where=differs,
    ).returning(*(target.c[name] for name in returning))
    return [tuple(row) for row in conn.execute(stmt, list(rows))]
