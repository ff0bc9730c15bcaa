"""`rxmsg import prescriptions`: drugs upserted by NDC, prescriptions by Rx number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from rxmsg_tui.domain.csv_records import (
    PRESCRIPTIONS,
    PrescriptionRecord,
    Problem,
    parse_prescription,
)
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.importing.bulk import batches, key_map, patient_ids, table, upsert_changed
from rxmsg_tui.services.importing.checking import check_file
from rxmsg_tui.services.importing.report import (
    ImportReport,
    ImportStep,
    ProgressCallback,
    RowsRejected,
)
from rxmsg_tui.storage.models import Drug, Prescription

UNKNOWN_PATIENT = Problem("patient_id", "no such patient at this store (import patients.csv first)")
_DRUG_FIELDS = ("name", "maintenance", "dea_schedule")
_RX_FIELDS = (
    "patient_id", "drug_id", "days_supply", "last_fill_date", "due_date",
    "refills_remaining", "active",
)  # fmt: skip


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
    with db.transaction() as session:
        conn = session.connection()
        drugs = _write_drugs(conn, actor.store_id, records, report)
        _write_prescriptions(conn, actor.store_id, records, patients, drugs, report, now, progress)
        audit.record(
            session, actor, "import.prescriptions", at=now, target=path.name, after=report.counts()
        )
    return report


def _patient_ids(db: Database, store_id: int) -> dict[str, int]:
    with db.read() as session:
        return patient_ids(session.connection(), store_id)


def _write_drugs(
    conn: Connection, store_id: int, records: Sequence[PrescriptionRecord], report: ImportReport
) -> dict[str, int]:
    """NDC → drug.id for every drug the file names."""
    drug = table(Drug)
    existing = key_map(conn, select(drug.c.ndc, drug.c.id).where(drug.c.store_id == store_id))
    by_ndc = {
        r.ndc: {
            "store_id": store_id,
            "ndc": r.ndc,
            "name": r.drug_name,
            "maintenance": r.maintenance,
            "dea_schedule": r.dea_schedule,
        }
        for r in records
    }
    ids = dict(existing)
    for batch in batches(list(by_ndc.values())):
        changed = upsert_changed(
            conn,
            drug,
            batch,
            keys=("store_id", "ndc"),
            new_values=lambda excluded: {name: excluded[name] for name in _DRUG_FIELDS},
            returning=("ndc", "id"),
        )
        for ndc, pk in changed:
            if ndc in existing:
                report.drugs_updated += 1
            else:
                report.drugs_added += 1
                ids[ndc] = pk
    return ids


def _write_prescriptions(
    conn: Connection,
    store_id: int,
    records: Sequence[PrescriptionRecord],
    patients: dict[str, int],
    drugs: dict[str, int],
    report: ImportReport,
    now: datetime,
    progress: ProgressCallback | None,
) -> None:
    rx = table(Prescription)
    existing = set(conn.execute(select(rx.c.rx_number).where(rx.c.store_id == store_id)).scalars())
    done = 0
    for batch in batches(records):
        rows = [_row(store_id, r, patients[r.patient_id], drugs[r.ndc], now) for r in batch]
        changed = upsert_changed(
            conn,
            rx,
            rows,
            keys=("store_id", "rx_number"),
            new_values=_rx_values,
            touch={"updated_at": now},
            returning=("rx_number",),
        )
        for (rx_number,) in changed:
            if rx_number in existing:
                report.updated += 1
            else:
                report.inserted += 1
        done += len(batch)
        if progress is not None:
            progress(ImportStep.WRITING, done, len(records))
    report.unchanged = len(records) - report.inserted - report.updated


def _rx_values(excluded: Any) -> dict[str, ColumnElement[Any]]:
    return {name: excluded[name] for name in _RX_FIELDS}


def _row(
    store_id: int, record: PrescriptionRecord, patient: int, drug: int, now: datetime
) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "rx_number": record.rx_number,
        "patient_id": patient,
        "drug_id": drug,
        "days_supply": record.days_supply,
        "last_fill_date": record.last_fill_date,
        "due_date": record.due_date,
        "refills_remaining": record.refills_remaining,
        "active": record.active,
        "updated_at": now,
    }
