"""The engine factory: SQLite tuned for several terminals on one file, or PostgreSQL."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import create_engine

from rxmsg_tui.domain.safe_text import shown

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "rxmsg_read_only"
"""Execution option marking a connection that only reads (see `_sqlite_engine`)."""
_EXAMPLES = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE"
_PORT_TEXT = re.compile(r"[\w+]+://(?:[^:/]*(?::[^@]*)?@)?(?:\[[^/?]+\]|[^/:?]+)?:([^/?]*)")
"""The port as SQLAlchemy's own URL pattern reads it, to name it when it is not a number."""


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message says why."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Build the engine for `url`; a SQLite file is created 0600 in a 0700 directory.

    Patient data lives in that file, so other local users must not read it.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, echo=echo)
    if parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5)


def parse_database_url(url: str) -> URL:
    """The URL checked before any driver sees it; a `DatabaseUrlError` says what is wrong.

    No message repeats the URL: it may hold the database password, and the
    part that is wrong is named on its own (the port, the @ in a password).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"not a database URL; expected {_EXAMPLES}") from None
    except ValueError:
        port = _PORT_TEXT.match(url)
        raise DatabaseUrlError(
            f'port "{shown(port.group(1) if port else "")}" is not a number'
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(f'unsupported database "{shown(backend)}": use {_EXAMPLES}')
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise DatabaseUrlError(f"port {parsed.port} is not from 1 to 65535")
    if parsed.host and "@" in parsed.host:
        raise DatabaseUrlError("the user name or password holds an @; write it as %40")
    return parsed


def _sqlite_engine(url: str, database: str | None, *, echo: bool) -> Engine:
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    if not in_memory:
        _create_private_file(Path(database or ""))
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
    if in_memory:
        from sqlalchemy.pool import StaticPool

        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # rxmsg begins transactions itself (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        """Writers take the write lock up front; readers read statement by statement.

        A deferred transaction that reads and then writes fails at once with
        "database is locked" when another terminal wrote in between (SQLite
        cannot upgrade a stale snapshot), so every writing transaction begins
        IMMEDIATE and waits its turn under the busy timeout instead. Reads hold
        no transaction, so a long report never blocks the dispatcher.
        """
        if not connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
    except OSError as exc:
        raise DatabaseUrlError(
            f"cannot create the database file {shown(str(path))}: {exc.strerror or exc}"
        ) from None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
