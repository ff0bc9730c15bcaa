"""Staging tables: an import's rows written where they block nobody, then moved in one statement.

SQLite lets one writer at a time write the database file, and a 150,000-row
executemany holds that lock for tens of seconds: a `rxmsg send` at the
counter gives up after its busy timeout. Temporary tables live outside the
database file, so filling them takes no lock that others wait for; the
import's real transaction is then a few INSERT…SELECTs, which run at
hundreds of thousands of rows a second (PERF.md). PostgreSQL has no such
lock; the same path keeps one behaviour on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Connection, MetaData, Table
from sqlmodel import Session

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import READ_ONLY


def stage_table(name: str, columns: list[Column[object]]) -> Table:
    """A temporary table of its own metadata, so `SQLModel.metadata` never creates it."""
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])


@contextmanager
def one_connection(db: Database, *tables: Table) -> Iterator[Connection]:
    """The connection that sees the staging tables (temporary tables are per connection).

    The tables are dropped at the end: a pooled connection outlives the import.
    """
    with db.engine.connect() as conn:
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            with conn.begin():
                for table in tables:
                    table.drop(conn, checkfirst=True)


def fill_unlocked(conn: Connection, fill: Callable[[], None]) -> None:
    """Run `fill` (writes to staging tables only) in a transaction that locks nothing shared.

    On SQLite every transaction of rxmsg begins IMMEDIATE, which takes the
    database's write lock; this one begins deferred instead, and a deferred
    transaction that writes only temporary tables never takes it.
    """
    if conn.dialect.name != "sqlite":
        with conn.begin():
            fill()
        return
    conn.execution_options(**{READ_ONLY: True})
    try:
        conn.exec_driver_sql("BEGIN")
        fill()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.execution_options(**{READ_ONLY: False})


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Session]:
    """The import's one short transaction on `conn`: commit at the end, or nothing at all."""
    with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
        yield session
        session.flush()
