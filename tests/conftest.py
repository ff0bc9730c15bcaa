"""Fixtures shared by the suite: databases on SQLite and PostgreSQL, a store, a clock."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

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
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on the embedded SQLite file and on PostgreSQL."""
    return backend_url(request, request.param, tmp_path)


def backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A database of `backend` for one test: already migrated where the test asks for `db`.

    The migrated one is a copy of a template migrated once per test process: running
    Alembic for each test cost more than most tests themselves.
    """
    migrated = "db" in request.fixturenames
    if backend == "sqlite":
        path = tmp_path / "rxmsg.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
            path.chmod(0o600)
        return f"sqlite:///{path}"
    if migrated and request.getfixturevalue("migrated_postgres"):
        return str(request.getfixturevalue("postgres_clone_url"))
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, for `db` to copy."""
    path = tmp_path_factory.mktemp("migrated") / "rxmsg.db"
    database = Database(make_engine(f"sqlite:///{path}"))
    database.migrate()
    database.dispose()
    return path


def _autocommit(url: str) -> Engine:
    return create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A database at the newest schema, the template of each test's `postgres_clone_url`.

    "" where the server's role may not create databases: each test then migrates a schema.
    """
    base = postgres_url_or_skip()
    name = f"rxmsg_template_{uuid.uuid4().hex[:12]}"
    admin = _autocommit(base)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError:
        admin.dispose()
        yield ""
        return
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        database = Database(make_engine(url))
        database.migrate()
        database.dispose()
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_clone_url(migrated_postgres: str) -> Iterator[str]:
    """A URL of a private database copied from the migrated template, dropped afterwards."""
    base = postgres_url_or_skip()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _autocommit(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_postgres}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


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
