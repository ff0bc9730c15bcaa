"""`rxmsg import patients`: patients upserted by `patient_id`, consent and defaults applied."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, or_

from rxmsg_tui.domain.csv_records import PATIENTS, PatientRecord, parse_patient
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.importing.bulk import (
    batches,
    patient_ids,
    table,
    upsert_changed,
)
from rxmsg_tui.services.importing.checking import check_file
from rxmsg_tui.services.importing.consent import Wanted, apply_consent
from rxmsg_tui.services.importing.report import (
    ImportReport,
    ImportStep,
    ProgressCallback,
    RowsRejected,
)
from rxmsg_tui.services.patient_defaults import apply_defaults_to_new_patients
from rxmsg_tui.storage.models import Patient

_COPIED = ("first_name", "last_name", "dob", "cell_phone", "email", "language", "zip")


def import_patients(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    today: date,
    now: datetime,
    skip_bad: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check every row, then write all good rows in one transaction, or nothing.

    Bad rows stop the import (`RowsRejected`) unless `skip_bad`; `today` is the
    store's date, which birth dates may not follow.
    """
    checked = check_file(
        path,
        PATIENTS,
        lambda cells: parse_patient(cells, today=today),
        key_column="patient_id",
        key=lambda record: record.patient_id,
        progress=progress,
    )
    report = checked.report
    if not checked.records or (report.bad_row_count and not skip_bad):
        raise RowsRejected(report)
    with db.transaction() as session:
        conn = session.connection()
        ids, new = _write_patients(conn, actor.store_id, checked.records, report, now, progress)
        known = {ids[record.patient_id] for _, record in checked.records} - new
        consent = apply_consent(
            conn,
            [
                Wanted(ids[r.patient_id], line, r.consent, r.marketing_consent)
                for line, r in checked.records
            ],
            store_id=actor.store_id,
            known=known,
            evidence=path.name,
            username=actor.username,
            now=now,
        )
        report.consent_recorded, report.consent_kept_revoked = (
            consent.recorded,
            consent.kept_revoked,
        )
        report.prefs_added = apply_defaults_to_new_patients(conn, actor.store_id, sorted(new))
        audit.record(
            session, actor, "import.patients", at=now, target=path.name, after=report.counts()
        )
    return report


def _write_patients(
    conn: Connection,
    store_id: int,
    records: Sequence[tuple[int, PatientRecord]],
    report: ImportReport,
    now: datetime,
    progress: ProgressCallback | None,
) -> tuple[dict[str, int], set[int]]:
    """patient_id → patient.id for every patient of the store, and the ids inserted now."""
    patient = table(Patient)
    existing = patient_ids(conn, store_id)
    ids = dict(existing)
    new: set[int] = set()
    done = 0
    for batch in batches(records):
        rows = [_row(store_id, record, now) for _, record in batch]
        changed = upsert_changed(
            conn,
            patient,
            rows,
            keys=("store_id", "patient_id"),
            new_values=_new_values,
            touch={"updated_at": now},
            returning=("patient_id", "id"),
        )
        for patient_id, pk in changed:
            if patient_id in existing:
                report.updated += 1
            else:
                report.inserted += 1
                ids[patient_id] = pk
                new.add(pk)
        done += len(batch)
        if progress is not None:
            progress(ImportStep.WRITING, done, len(records))
    report.unchanged = len(records) - report.inserted - report.updated
    return ids, new


def _row(store_id: int, record: PatientRecord, now: datetime) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "patient_id": record.patient_id,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "dob": record.dob,
        "cell_phone": record.cell_phone,
        "email": record.email,
        "language": record.language,
        "cell_verified": record.cell_verified,
        "email_verified": record.email_verified,
        "zip": record.zip,
        "created_at": now,
        "updated_at": now,
    }


def _new_values(excluded: Any) -> dict[str, ColumnElement[Any]]:
    """What an existing patient takes from the file.

    A verification done in rxmsg survives a re-import while the address is the
    same (the pharmacy system may not know of it); a new address takes the
    file's flag.
    """
    patient = table(Patient)
    values: dict[str, ColumnElement[Any]] = {name: excluded[name] for name in _COPIED}
    for flag, address in (("cell_verified", "cell_phone"), ("email_verified", "email")):
        values[flag] = case(
            (
                patient.c[address] == excluded[address],
                or_(patient.c[flag], excluded[flag]),
            ),
            else_=excluded[flag],
        )
    return values
