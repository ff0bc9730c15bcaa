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

IMPORT_CACHE_KIB = 512 * 1024
"""SQLite's page cache per schema during an import, at most (the default is 2 MiB).

Pages are taken only as the import touches them: a 200,000-patient first
import dirties about 300 MB, and every page the cache cannot hold is written
to the WAL mid-transaction and read back for the next index entry (the
ledger's insert took twice as long with 64 MiB)."""
_SCHEMAS = ("main", "temp")


def stage_table(name: str, columns: list[Column[object]]) -> Table:
    """A temporary table of its own metadata, so `SQLModel.metadata` never creates it."""
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])


@contextmanager
def one_connection(db: Database, *tables: Table) -> Iterator[Connection]:
    """The connection that sees the staging tables (temporary tables are per connection).

    The tables are dropped at the end: a pooled connection outlives the import.
    """
    with db.engine.connect() as conn, _roomy_cache(conn):
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            with conn.begin():
                for table in tables:
                    table.drop(conn, checkfirst=True)


@contextmanager
def _roomy_cache(conn: Connection) -> Iterator[None]:
    """On SQLite, a page cache that holds what one import touches, for this connection only.

    With the default 2 MiB, a 200,000-patient transaction spills pages to the
    WAL and reads them back for the next index entry; the memory is given back
    when the import ends. Set on the driver's connection, which starts no
    transaction (a statement through SQLAlchemy would begin one, and take the
    write lock).
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.dbapi_connection
    assert driver is not None
    before = [driver.execute(f"PRAGMA {schema}.cache_size").fetchone()[0] for schema in _SCHEMAS]
    for schema in _SCHEMAS:
        driver.execute(f"PRAGMA {schema}.cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        for schema, size in zip(_SCHEMAS, before, strict=True):
            driver.execute(f"PRAGMA {schema}.cache_size = {int(size)}")


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
