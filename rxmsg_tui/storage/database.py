"""The unit of work: one session and one transaction per service call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from rxmsg_tui.storage.engine import READ_ONLY, is_sqlite
from rxmsg_tui.storage.migrate import upgrade_to_head


class Database:
    """Hands out transactions; services call `transaction()`, never screens."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def migrate(self) -> None:
        upgrade_to_head(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends, roll back on any error: nothing half-written."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; on SQLite it takes no lock (see storage.engine)."""
        with Session(self.engine, expire_on_commit=False) as session:
            if self.is_sqlite:
                session.connection(execution_options={READ_ONLY: True})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
