"""Bulk inserts for the demo: Core statements run as one `executemany` per batch.

ORM objects per row cost 48× raw speed (PERF.md). Every insert goes through
`ON CONFLICT` on the table's unique key (skip, or overwrite for drugs), so a
row that already exists is never written twice, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from rxmsg_tui.services.demo.catalogue import DemoDrug
from rxmsg_tui.services.demo.pg_copy import copy_insert
from rxmsg_tui.services.demo.rows import (
    CONSENTS,
    PATIENTS,
    PRESCRIPTIONS,
    PreparedBatch,
    Row,
    RowEncoder,
)
from rxmsg_tui.storage.models import Drug

DRUGS: Table = Drug.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Written:
    new_patients: int
    new_prescriptions: int
    consent_rows: int


def upsert(
    conn: Connection,
    table: Table,
    rows: list[Row],
    *,
    key: Sequence[str],
    refresh: Sequence[str] = (),
) -> None:
    """Insert encoded `rows`; where `key` exists, overwrite the `refresh` columns (or skip)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    if refresh:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key), set_={name: stmt.excluded[name] for name in refresh}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    execute_many(conn, stmt, rows)


def insert_new(
    conn: Connection, table: Table, rows: list[Row], *, key: Sequence[str] | None
) -> None:
    """Insert encoded `rows`, skipping those whose `key` exists: COPY on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        copy_insert(conn, table, rows, key=key)
    elif key:
        upsert(conn, table, rows, key=key)
    elif rows:
        execute_many(conn, table.insert(), rows)


def execute_many(conn: Connection, stmt: Insert, rows: list[Row]) -> None:
    """Run `stmt` for every row as one DBAPI `executemany`; values must be encoded already.

    Core compiles the statement, so each database gets its own upsert syntax.
    """
    # sqlite3 takes dicts with :name placeholders; psycopg's pyformat does already.
    compiler = sqlite.dialect(paramstyle="named") if conn.dialect.name == "sqlite" else conn.dialect
    conn.exec_driver_sql(str(stmt.compile(dialect=compiler, column_keys=list(rows[0]))), rows)


def upsert_drugs(conn: Connection, store_id: int, drugs: Iterable[DemoDrug]) -> dict[str, int]:
    """The catalogue by NDC, names and classes reset to the demo's; ids by NDC."""
    rows = [
        {
            "store_id": store_id,
            "ndc": d.ndc,
            "name": d.name,
            "maintenance": d.maintenance,
            "dea_schedule": d.dea_schedule,
        }
        for d in drugs
    ]
    encoded = RowEncoder(DRUGS, conn.dialect).encode(rows)
    refresh = ("name", "maintenance", "dea_schedule")
    upsert(conn, DRUGS, encoded, key=("store_id", "ndc"), refresh=refresh)
    query = select(DRUGS.c.ndc, DRUGS.c.id).where(DRUGS.c.store_id == store_id)
    return {row.ndc: row.id for row in conn.execute(query)}


def write_batch(
    conn: Connection, batch: PreparedBatch, *, drug_ids: Mapping[str, int], newest_before: int
) -> Written:
    """Insert the batch's patients, then the prescriptions and consent of those it created.

    A patient whose id is above the newest before this run is one this run
    inserted; anything of a patient that already existed is left alone.
    """
    if not batch.patients:
        return Written(0, 0, 0)
    store_id = batch.patients[0]["store_id"]
    insert_new(conn, PATIENTS, batch.patients, key=("store_id", "patient_id"))
    keys = [p["patient_id"] for p in batch.patients]
    query = select(PATIENTS.c.patient_id, PATIENTS.c.id).where(
        PATIENTS.c.store_id == store_id, PATIENTS.c.patient_id.in_(keys)
    )
    created = {row.patient_id: row.id for row in conn.execute(query) if row.id > newest_before}
    prescriptions = _resolve(batch.prescriptions, created, drug_ids)
    insert_new(conn, PRESCRIPTIONS, prescriptions, key=("store_id", "rx_number"))
    consents = _resolve(batch.consents, created, None)
    insert_new(conn, CONSENTS, consents, key=None)  # a ledger: every row is new
    return Written(len(created), len(prescriptions), len(consents))


def _resolve(
    rows: list[Row], patient_ids: Mapping[str, int], drug_ids: Mapping[str, int] | None
) -> list[Row]:
    """Swap the keys the generator used for database ids; drop rows of patients not created."""
    kept = []
    for row in rows:
        ident = patient_ids.get(row.pop("patient_key"))
        if ident is not None:
            row["patient_id"] = ident
            if drug_ids is not None:
                row["drug_id"] = drug_ids[row.pop("drug_key")]
            kept.append(row)
    return kept
