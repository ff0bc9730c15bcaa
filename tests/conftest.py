"""Fixtures shared by the suite: databases on SQLite and PostgreSQL, a store, a clock."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import Store

POSTGRES_URL = os.environ.get("RXMSG_TEST_POSTGRES_URL", "")
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def postgres_url_or_skip() -> str:
    """The server URL; a skip only where no server is reachable, and never in CI."""
    reason = _postgres_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    return POSTGRES_URL


@functools.cache
def _postgres_unavailable() -> str:
    if not POSTGRES_URL:
        return "no PostgreSQL server: set RXMSG_TEST_POSTGRES_URL to run this test"
    engine = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect():
            return ""
    except OperationalError as exc:
        return f"PostgreSQL at RXMSG_TEST_POSTGRES_URL is not reachable: {str(exc.orig).strip()}"
    finally:
        engine.dispose()


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections see a fresh, private schema, dropped afterwards."""
    base = postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """Every storage test runs on the embedded SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/rxmsg.db"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(make_engine(database_url))
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def store(db: Database) -> Store:
    with db.transaction() as session:
        return create_store(
            session,
            code="TEST",
            name="Main Street Pharmacy",
            phone="(555) 010-2000",
            timezone="America/New_York",
            now=NOW,
        )


@pytest.fixture
def admin(store: Store) -> Actor:
    assert store.id is not None
    return Actor(store.id, store.code, "alice", Role.ADMIN)
