"""The schema: migrations build exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import time
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, inspect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.migrate import HEAD_REVISION, is_up_to_date, script_head

DESIGN_TABLES = {
    "store",
    "outbound_setup",
    "alert_settings",
    "review_site",
    "patient",
    "patient_message_prefs",
    "drug",
    "prescription",
    "rx_event",
    "message_format",
    "quick_response",
    "outbound_message",
    "message_attempt",
    "verification_code",
    "conversation_message",
    "consent",
    "app_user",
    "audit_log",
    "restricted_word",
    "scheduler_lease",
}


def expression_indexes() -> dict[str, str]:
    """The models' indexes on an expression, which SQLite cannot reflect, as SQLite creates them."""
    return {
        str(index.name): str(CreateIndex(index).compile(dialect=sqlite.dialect()))
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
    }


def test_migrations_create_every_table_and_match_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert tables >= DESIGN_TABLES
    with db.engine.connect() as conn, warnings.catch_warnings():
        if db.is_sqlite:  # the next test compares these
            for name in expression_indexes():
                warnings.filterwarnings("ignore", f".*expression-based index '?{name}'?")
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    assert is_up_to_date(db.engine)


def test_the_indexes_on_expressions_are_the_models_on_sqlite_too(db: Database) -> None:
    """PostgreSQL reflects them and the comparison above covers them; on SQLite, their SQL."""
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%(%(%'"
    wanted = expression_indexes()
    assert "ix_patient_store_cell_last4" in wanted
    if not db.is_sqlite:
        pytest.skip("PostgreSQL reflects indexes on expressions")
    with db.engine.connect() as conn:
        assert {name: sql for name, sql in conn.execute(text(query))} == wanted


def test_the_triggers_the_models_cannot_show_are_in_place(db: Database) -> None:
    """The schema comparison sees no triggers: the ledger's keeper of `consent_current`."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if db.is_sqlite
        else "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
    )
    with db.engine.connect() as conn:
        assert set(conn.scalars(text(query))) == {"consent_current_keep"}


def test_every_pharmacy_table_carries_store_id(db: Database) -> None:
    inspector = inspect(db.engine)
    per_database = {"store", "scheduler_lease", "alembic_version"}
    for table in DESIGN_TABLES - per_database:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert "store_id" in columns, table


def test_migrating_twice_is_harmless(db: Database) -> None:
    db.migrate()
    assert is_up_to_date(db.engine)


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rxmsg.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    db.migrate()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    db.dispose()


def test_the_head_constant_names_the_newest_migration() -> None:
    assert script_head() == HEAD_REVISION


def test_sqlite_readers_never_block_a_writer(tmp_path: Path) -> None:
    """A long read (a report) holds no lock; a writer still waits its turn, never fails."""
    db = Database(make_engine(f"sqlite:///{tmp_path}/rx.db"))
    db.migrate()
    with db.read() as reader:
        reader.connection().execute(text("SELECT count(*) FROM store")).scalar()
        started = time.monotonic()
        with db.transaction() as writer:
            writer.connection().execute(
                text(
                    "INSERT INTO restricted_word (store_id, word, created_at) SELECT 1, 'x', '2026-01-01' WHERE 0"
                )
            )
        assert time.monotonic() - started < 2
    db.dispose()
