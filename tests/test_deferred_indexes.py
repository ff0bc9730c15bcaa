"""A bulk import builds the patient and ledger indexes after its rows, and never loses one.

`indexes_built_after` drops a table's non-unique indexes on SQLite when an
import is about to at least double the table, and re-creates them from their
own SQL. The schema afterwards must be the migrated one, whether the import
succeeded or failed half-way; a small import into a larger table must leave
the indexes alone, and PostgreSQL never drops one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing import import_patients
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Consent, Patient
from tests.conftest import NOW
from tests.test_importer import PATIENT_HEADER, TODAY, count, write

TABLES = ("patient", "consent")


def _rows(first: int, n: int) -> list[str]:
    return [f"P{i},Ann,Lee{i},1950-02-28,201-555-{i % 10_000:04d},p{i}@example.com,en,Y,Y,Y,"
            for i in range(first, first + n)]  # fmt: skip


def _indexes(db: Database) -> set[tuple[str, str]]:
    """Every index of the two tables, by name and definition, as the database reports them."""
    with db.read() as session:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            query = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (?, ?)"
            )
            return {(name, sql or "") for name, sql in conn.exec_driver_sql(query, TABLES)}
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s)"
        return {(name, sql) for name, sql in conn.exec_driver_sql(query, TABLES)}


@pytest.fixture
def dropped(db: Database) -> Iterator[list[str]]:
    """The DROP INDEX statements the import sends."""
    seen: list[str] = []

    def listen(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("DROP INDEX"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listen)


def test_a_first_import_builds_the_indexes_after_its_rows(
    db: Database, admin: Actor, tmp_path: Path, dropped: list[str]
) -> None:
    migrated = _indexes(db)
    assert {name for name, _ in migrated} >= {"ix_patient_store_name", "ix_consent_current"}
    import_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, *_rows(0, 40)),
                    today=TODAY, now=NOW)  # fmt: skip
    assert _indexes(db) == migrated
    assert (count(db, Patient), count(db, Consent)) == (40, 120)
    if db.engine.dialect.name == "sqlite":
        assert any("ix_patient_store_name" in s for s in dropped)
        assert any("ix_consent_current" in s for s in dropped)
    else:
        assert dropped == []
    # The indexes serve the next reads: a name search finds the patient by the rebuilt index.
    with db.read() as session:
        found = session.connection().scalar(
            select(Patient.patient_id).where(Patient.last_name == "Lee17")  # type: ignore[arg-type]
        )
    assert found == "P17"


def test_a_small_import_into_a_larger_table_leaves_the_indexes_alone(
    db: Database, admin: Actor, tmp_path: Path, dropped: list[str]
) -> None:
    import_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, *_rows(0, 40)),
                    today=TODAY, now=NOW)  # fmt: skip
    dropped.clear()
    import_patients(db, admin, write(tmp_path, "b.csv", PATIENT_HEADER, *_rows(40, 5)),
                    today=TODAY, now=NOW)  # fmt: skip
    assert dropped == []
    assert count(db, Patient) == 45


class _DiskFull(RuntimeError):
    pass


def test_a_failed_import_leaves_every_index_in_place(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """The ledger insert fails with the patients written and the ledger's indexes dropped."""
    migrated = _indexes(db)

    def fail_on_ledger(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().startswith("INSERT INTO consent ("):
            raise _DiskFull("disk full")

    event.listen(db.engine, "before_cursor_execute", fail_on_ledger)
    try:
        with pytest.raises(_DiskFull):
            import_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, *_rows(0, 40)),
                            today=TODAY, now=NOW)  # fmt: skip
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_ledger)
    assert (count(db, Patient), count(db, Consent)) == (0, 0)
    assert _indexes(db) == migrated
