"""`rxmsg import prescriptions`: drugs upserted by NDC, prescriptions by Rx number.

As for patients (`importing.patients`), everything slow happens before the
write lock: the file is checked, the store's drugs and prescriptions are read
and each row is decided as new, changed or unchanged, and the new and
changed prescriptions are staged in temporary tables. The write is then a few
set-based statements in one short transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, and_, bindparam, select, true, update

from rxmsg_tui.domain.csv_records import (
    PRESCRIPTIONS,
    PrescriptionRecord,
    Problem,
    parse_prescription,
)
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing.bulk import batches, dialect_insert, patient_ids, table
from rxmsg_tui.services.importing.checking import check_file
from rxmsg_tui.services.importing.collection_pause import collection_paused
from rxmsg_tui.services.importing.report import (
    ImportReport,
    ImportStep,
    ProgressCallback,
    RowsRejected,
)
from rxmsg_tui.services.importing.staging import (
    fill_unlocked,
    one_connection,
    stage_table,
    write_transaction,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Drug, Prescription

UNKNOWN_PATIENT = Problem("patient_id", "no such patient at this store (import patients.csv first)")
DRUG = table(Drug)
RX = table(Prescription)
_DRUG_FIELDS = ("name", "maintenance", "dea_schedule")
_RX_FIELDS = (
    "patient_id", "days_supply", "last_fill_date", "due_date", "refills_remaining", "active",
)  # fmt: skip
STAGE = stage_table(
    "import_rx_stage",
    [
        Column("pk", Integer),
        Column("ndc", DRUG.c.ndc.type),
        Column("rx_number", RX.c.rx_number.type),
        *(Column(name, RX.c[name].type) for name in (*_RX_FIELDS, "updated_at")),
    ],
)
"""New prescriptions (no `pk`) and changed ones (`pk`), with their drug by NDC."""
DRUG_STAGE = stage_table(
    "import_drug_stage", [Column(c.name, c.type) for c in DRUG.c if c.name != "id"]
)
"""New drugs (a pharmacy's first import names thousands)."""


@dataclass
class _Plan:
    new_drugs: list[dict[str, Any]] = field(default_factory=list)
    changed_drugs: list[dict[str, Any]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


@collection_paused()
def import_prescriptions(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    today: date,
    now: datetime,
    skip_bad: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check every row (an unknown patient is a bad row), then write all in one transaction.

    When one NDC appears with different names in the file, the last row wins:
    the drug table holds one description per product.
    """
    patients = _patient_ids(db, actor.store_id)
    checked = check_file(
        path,
        PRESCRIPTIONS,
        lambda cells: parse_prescription(cells, today=today),
        key_column="rx_number",
        key=lambda record: record.rx_number,
        also=lambda record: [] if record.patient_id in patients else [UNKNOWN_PATIENT],
        progress=progress,
    )
    report = checked.report
    if not checked.records or (report.bad_row_count and not skip_bad):
        raise RowsRejected(report)
    records = [record for _, record in checked.records]
    with db.read() as session:
        plan = _plan(session.connection(), actor.store_id, records, patients, now)
    report.drugs_added, report.drugs_updated = len(plan.new_drugs), len(plan.changed_drugs)
    report.inserted, report.updated = len(plan.new), len(plan.changed)
    report.unchanged = len(records) - report.inserted - report.updated
    with one_connection(db, STAGE, DRUG_STAGE) as conn:
        fill_unlocked(conn, lambda: _stage(conn, plan, progress))
        with write_transaction(conn) as session:
            _write(conn, actor.store_id, plan)
            audit.record(
                session, actor, "import.prescriptions", at=now, target=path.name,
                after=report.counts(),
            )  # fmt: skip
    return report


def _patient_ids(db: Database, store_id: int) -> dict[str, int]:
    with db.read() as session:
        return patient_ids(session.connection(), store_id)


def _plan(
    conn: Connection,
    store_id: int,
    records: Sequence[PrescriptionRecord],
    patients: dict[str, int],
    now: datetime,
) -> _Plan:
    plan = _Plan()
    drugs = _existing(conn, DRUG, "ndc", ("id", *_DRUG_FIELDS), store_id)
    for ndc, wanted in {r.ndc: _drug(store_id, r) for r in records}.items():
        found = drugs.get(ndc)
        if found is None:
            plan.new_drugs.append(wanted)
        elif any(found[name] != wanted[name] for name in _DRUG_FIELDS):
            plan.changed_drugs.append(
                {f"v_{n}": wanted[n] for n in _DRUG_FIELDS} | {"pk": found["id"]}
            )
    changed_ndcs = {d["ndc"] for d in plan.new_drugs}
    drug_of = {ndc: found["id"] for ndc, found in drugs.items()}
    existing = _existing(conn, RX, "rx_number", ("id", "drug_id", *_RX_FIELDS), store_id)
    for record in records:
        row = _row(record, patients[record.patient_id], now)
        found = existing.get(record.rx_number)
        if found is None:
            plan.new.append(row | {"pk": None})
        elif (
            record.ndc in changed_ndcs
            or found["drug_id"] != drug_of.get(record.ndc)
            or any(found[name] != row[name] for name in _RX_FIELDS)
        ):
            plan.changed.append(row | {"pk": found["id"]})
    return plan


def _existing(
    conn: Connection, target: Any, key: str, columns: tuple[str, ...], store_id: int
) -> dict[str, dict[str, Any]]:
    query = select(target.c[key], *(target.c[n] for n in columns)).where(
        target.c.store_id == store_id
    )
    return {row[key]: dict(row) for row in conn.execute(query).mappings()}


def _stage(conn: Connection, plan: _Plan, progress: ProgressCallback | None) -> None:
    STAGE.create(conn, checkfirst=True)
    DRUG_STAGE.create(conn, checkfirst=True)
    for batch in batches(plan.new_drugs):
        conn.execute(DRUG_STAGE.insert(), list(batch))
    rows = plan.new + plan.changed
    done = 0
    for batch in batches(rows):
        conn.execute(STAGE.insert(), list(batch))
        done += len(batch)
        if progress is not None:
            progress(ImportStep.WRITING, done, len(rows))


def _write(conn: Connection, store_id: int, plan: _Plan) -> None:
    """Drugs first (prescriptions name them), then the staged prescriptions, set-based."""
    if plan.new_drugs:
        columns = [c.name for c in DRUG_STAGE.c]
        # SQLite needs a WHERE before ON CONFLICT to parse INSERT…SELECT unambiguously.
        drugs = dialect_insert(conn, DRUG).from_select(columns, select(*DRUG_STAGE.c).where(true()))
        conn.execute(drugs.on_conflict_do_nothing())
    if plan.changed_drugs:
        changes = update(DRUG).where(DRUG.c.id == bindparam("pk"))
        conn.execute(
            changes.values({n: bindparam(f"v_{n}") for n in _DRUG_FIELDS}), plan.changed_drugs
        )
    drug_id = (
        select(DRUG.c.id)
        .where(DRUG.c.store_id == store_id, DRUG.c.ndc == STAGE.c.ndc)
        .scalar_subquery()
    )
    values = {name: STAGE.c[name] for name in (*_RX_FIELDS, "updated_at")}
    if plan.new:
        columns = ["store_id", "rx_number", "drug_id", *values]
        rows = select(DRUG.c.store_id, STAGE.c.rx_number, DRUG.c.id, *values.values()).join_from(
            STAGE, DRUG, and_(DRUG.c.store_id == store_id, DRUG.c.ndc == STAGE.c.ndc)
        )
        # SQLite needs a WHERE before ON CONFLICT to parse INSERT…SELECT unambiguously.
        statement = dialect_insert(conn, RX).from_select(
            columns, rows.where(STAGE.c.pk.is_(None), true())
        )
        conn.execute(statement.on_conflict_do_nothing())
    if plan.changed:
        conn.execute(update(RX).values(drug_id=drug_id, **values).where(RX.c.id == STAGE.c.pk))


def _drug(store_id: int, record: PrescriptionRecord) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "ndc": record.ndc,
        "name": record.drug_name,
        "maintenance": record.maintenance,
        "dea_schedule": record.dea_schedule,
    }


def _row(record: PrescriptionRecord, patient: int, now: datetime) -> dict[str, Any]:
    return {
        "rx_number": record.rx_number,
        "ndc": record.ndc,
        "patient_id": patient,
        "days_supply": record.days_supply,
        "last_fill_date": record.last_fill_date,
        "due_date": record.due_date,
        "refills_remaining": record.refills_remaining,
        "active": record.active,
        "updated_at": now,
    }
