"""A table's secondary indexes built after a bulk insert, not row by row, on SQLite.

A first import writes 200,000 patients into a table with seven secondary
indexes and 600,000 ledger rows into one with three. Each row's entries go
into each index at a random place: the page cache overflows and the write
costs eight times what the rows alone do. Building an index from the
finished table sorts once, which is half the cost all told. Worth it only
when the table is about to hold at least as many new rows as it holds now:
rebuilding a chain's 10,000,000-row ledger for a 1,000-row import would not be.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Table


@contextmanager
def indexes_built_after(conn: Connection, target: Table, *, adding: int) -> Iterator[None]:
    """Insert `adding` rows into `target` inside this block; its indexes are built at the end.

    On SQLite, when `adding` is at least the rows `target` holds, its
    non-unique indexes are dropped here and re-created from their own SQL
    after the block; unique ones stay (conflict targets need them). Must run
    inside the write transaction: SQLite's DDL is transactional, so other
    connections never see the table without its indexes, and a rollback
    restores them. Statements inside the block that read `target` by one of
    those indexes scan it instead: keep only the bulk insert inside. On
    PostgreSQL, dropping an index locks the table against readers: nothing to do.
    """
    if conn.dialect.name != "sqlite" or adding < _rows_at_most(conn, target):
        yield
        return
    assert conn.in_transaction(), "indexes may only be dropped inside the write transaction"
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL",
        (target.name,),
    ).all()
    deferred = [(name, sql) for name, sql in found if not sql.upper().startswith("CREATE UNIQUE")]
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in deferred:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in deferred:
        conn.exec_driver_sql(sql)


def _rows_at_most(conn: Connection, target: Table) -> int:
    """The highest rowid: no fewer than the rows, read from the end of the table's b-tree."""
    found = conn.exec_driver_sql(
        f"SELECT max(rowid) FROM {conn.dialect.identifier_preparer.format_table(target)}"  # noqa: S608
    ).scalar()
    return int(found or 0)
