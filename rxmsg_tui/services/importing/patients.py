"""`rxmsg import patients`: patients upserted by `patient_id`, consent and defaults applied.

Everything that takes time is done before the write lock: the file is
checked, the store's patients and consent ledger are read (reading takes no
lock on SQLite) and each row is decided as new, changed or unchanged. New
patients and consent rows are staged in temporary tables (`staging`); the
write is then one short transaction of INSERT…SELECTs, so the counter can
queue a message while a 150,000-patient import runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Row,
    Select,
    and_,
    func,
    literal,
    select,
    true,
    update,
)

from rxmsg_tui.domain.csv_records import PATIENTS, PatientRecord, parse_patient
from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.go_live import mark_go_live
from rxmsg_tui.services.importing.bulk import batches, dialect_insert, insert_tuples, table
from rxmsg_tui.services.importing.checking import check_file
from rxmsg_tui.services.importing.collection_pause import collection_paused
from rxmsg_tui.services.importing.consent import STAGES as CONSENT_STAGES
from rxmsg_tui.services.importing.consent import (
    ConsentPlan,
    Wanted,
    apply_consent,
    plan_consent,
    stage_consent,
)
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
from rxmsg_tui.services.patient_defaults import default_prefs
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.deferred_indexes import indexes_built_after
from rxmsg_tui.storage.models import Patient, PatientMessagePrefs
from rxmsg_tui.storage.queries import patient_defaults_of

_COPIED = ("first_name", "last_name", "dob", "cell_phone", "email", "language", "zip")
_FLAGS = (("cell_verified", "cell_phone"), ("email_verified", "email"))
_COMPARED = (*_COPIED, "cell_verified", "email_verified")
PATIENT = table(Patient)
PREFS = table(PatientMessagePrefs)
NEW_STAGE = stage_table(
    "import_patient_stage",
    [Column("pk", Integer), *(Column(c.name, c.type) for c in PATIENT.c if c.name != "id")],
)
"""New patients (no `pk`) and changed ones (`pk`), moved into `patient` set-based."""
STAGE_COLUMNS = (
    "pk", "store_id", "patient_id", "first_name", "last_name", "dob", "cell_phone", "email",
    "language", "cell_verified", "email_verified", "zip", "is_new", "created_at", "updated_at",
)  # fmt: skip
"""The staging row's values, in the order `_new_row` gives them."""
_STAGE_ROW = itemgetter(*STAGE_COLUMNS)
"""A changed patient's dict as a staging row."""


@dataclass
class _Plan:
    """The rows to write, decided before the write lock."""

    new: list[tuple[Any, ...]] = field(default_factory=list)
    changed: list[tuple[Any, ...]] = field(default_factory=list)
    consent: ConsentPlan = field(default_factory=ConsentPlan)


@collection_paused()
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
    """Check every row, then write all good rows in one short transaction, or nothing.

    Bad rows stop the import (`RowsRejected`) unless `skip_bad`; `today` is the
    store's date, which birth dates may not follow. The store's first import
    starts messaging (`store.go_live`): its patients are not new.
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
    with db.read() as session:
        plan = _plan(session.connection(), actor.store_id, checked.records, now)
    report.inserted, report.updated = len(plan.new), len(plan.changed)
    report.unchanged = len(checked.records) - report.inserted - report.updated
    with one_connection(db, NEW_STAGE, *CONSENT_STAGES) as conn:
        fill_unlocked(conn, lambda: _stage(conn, plan, path.name, progress))
        with write_transaction(conn) as session:
            # The store's patients become not new as it goes live, before 200,000 more are
            # written as not new: one UPDATE of the few already there, not of them all.
            first_import = mark_go_live(conn, actor.store_id, today)
            new = _write(conn, actor.store_id, plan, go_live=first_import)
            consent = apply_consent(
                conn,
                plan.consent,
                store_id=actor.store_id,
                evidence=path.name,
                username=actor.username,
                now=now,
            )
            report.consent_recorded = consent.recorded
            report.consent_kept_revoked = consent.kept_revoked
            report.prefs_added = _apply_defaults(conn, actor.store_id, new)
            if first_import:
                report.went_live = today
            audit.record(
                session, actor, "import.patients", at=now, target=path.name,
                after=report.counts() | ({"go_live": today.isoformat()} if first_import else {}),
            )  # fmt: skip
    return report


def _plan(
    conn: Connection,
    store_id: int,
    records: Sequence[tuple[int, PatientRecord]],
    now: datetime,
) -> _Plan:
    """Each record as a new row, a changed row or nothing, and the consent to append.

    Rows are tuples in `STAGE_COLUMNS` order, ready for the driver: a first
    import is 200,000 new rows, and a dict per row costs more than its check.
    """
    existing = _existing(conn, store_id)
    plan = _Plan()
    new, changed = plan.new, plan.changed
    for _, record in records:
        found = existing.get(record.patient_id)
        if found is None:
            new.append(_new_row(store_id, record, now))
        elif _same(found, record):
            continue
        elif (values := _updated(found._asdict(), _row(store_id, record, now))) is not None:
            changed.append(_STAGE_ROW(values))
    known = {patient_id: found.id for patient_id, found in existing.items()}
    wanted = [
        Wanted(record.patient_id, line, record.consent, record.marketing_consent)
        for line, record in records
    ]
    plan.consent = plan_consent(conn, wanted, known, store_id=store_id)
    return plan


def _existing(conn: Connection, store_id: int) -> dict[str, Row[Any]]:
    query = select(PATIENT.c.id, PATIENT.c.patient_id, *(PATIENT.c[n] for n in _COMPARED)).where(
        PATIENT.c.store_id == store_id
    )
    return {row.patient_id: row for row in conn.execute(query)}


def _same(found: Row[Any], record: PatientRecord) -> bool:
    """`_updated` would find nothing to change: the common answer of a re-import, cheaply.

    A verification flag stays as found while the address is the same, unless
    the file sets one the patient does not have yet.
    """
    return (
        found.first_name == record.first_name
        and found.last_name == record.last_name
        and found.dob == record.dob
        and found.cell_phone == record.cell_phone
        and found.email == record.email
        and found.language == record.language
        and found.zip == record.zip
        and (found.cell_verified or not record.cell_verified)
        and (found.email_verified or not record.email_verified)
    )


def _updated(found: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    """What an existing patient takes from the file, or None when nothing differs.

    A verification done in rxmsg survives a re-import while the address is the
    same (the pharmacy system may not know of it); a new address takes the
    file's flag. `is_new` is never changed: it says how the patient first came.
    """
    values = {name: row[name] for name in _COPIED}
    for flag, address in _FLAGS:
        same = found[address] == row[address]
        values[flag] = bool(found[flag] or row[flag]) if same else row[flag]
    if all(found[name] == values[name] for name in _COMPARED):
        return None
    return row | values | {"pk": found["id"], "is_new": None}


def _stage(conn: Connection, plan: _Plan, evidence: str, progress: ProgressCallback | None) -> None:
    """The new patients and the consent to append, staged where they block nobody."""
    NEW_STAGE.create(conn, checkfirst=True)
    done, total = 0, len(plan.new) + len(plan.changed)
    for rows in (plan.new, plan.changed):
        for batch in batches(rows):
            insert_tuples(conn, NEW_STAGE, STAGE_COLUMNS, batch)
            done += len(batch)
            if progress is not None:
                progress(ImportStep.WRITING, done, total)
    stage_consent(conn, plan.consent, evidence)


def _write(conn: Connection, store_id: int, plan: _Plan, *, go_live: bool) -> Select[Any]:
    """Insert the staged patients and update the changed ones; returns a query of the ids inserted.

    A patient another terminal added since the plan was made is left as that
    terminal wrote it (ON CONFLICT DO NOTHING) rather than failing the import.
    The patients of the import that takes the store live (`go_live`) are not new.
    """
    last = int(conn.scalar(select(func.max(PATIENT.c.id))) or 0)
    columns = [c.name for c in NEW_STAGE.c if c.name != "pk"]
    staged = [
        literal(False, PATIENT.c.is_new.type) if go_live and name == "is_new" else NEW_STAGE.c[name]
        for name in columns
    ]
    # SQLite needs a WHERE before ON CONFLICT to parse INSERT…SELECT unambiguously.
    rows = select(*staged).where(NEW_STAGE.c.pk.is_(None), true())
    insert = dialect_insert(conn, PATIENT).from_select(columns, rows)
    with indexes_built_after(conn, PATIENT, adding=len(plan.new)):
        conn.execute(insert.on_conflict_do_nothing())
    if plan.changed:
        values = {name: NEW_STAGE.c[name] for name in (*_COMPARED, "updated_at")}
        conn.execute(update(PATIENT).values(values).where(PATIENT.c.id == NEW_STAGE.c.pk))
    inserted = select(PATIENT.c.id).join_from(
        NEW_STAGE,
        PATIENT,
        and_(PATIENT.c.store_id == store_id, PATIENT.c.patient_id == NEW_STAGE.c.patient_id),
    )
    return inserted.where(PATIENT.c.id > last, NEW_STAGE.c.pk.is_(None))


def _apply_defaults(conn: Connection, store_id: int, new: Select[Any]) -> int:
    """The store's default message settings for the new patients, when it applies them then.

    One INSERT…SELECT per alert (a store's new patients × seven alerts is a
    million rows for a first import) rather than rows built one by one.
    """
    found = patient_defaults_of(conn, store_id)
    if found is None or found[0] != "new_patient":
        return 0
    added = 0
    for alert, channels in default_prefs(found[1]).items():
        ids = new.subquery("new_patient")
        rows = select(
            literal(store_id, PREFS.c.store_id.type),
            ids.c.id,
            literal(alert, PREFS.c.alert.type),
            *(literal(channels[name], PREFS.c[name].type) for name in CHANNELS),
        )
        statement = PREFS.insert().from_select(["store_id", "patient_id", "alert", *CHANNELS], rows)
        added += max(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount, 0)
    return added


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


def _new_row(store_id: int, record: PatientRecord, now: datetime) -> tuple[Any, ...]:
    """A new patient's staging row, in `STAGE_COLUMNS` order."""
    return (
        None, store_id, record.patient_id, record.first_name, record.last_name, record.dob,
        record.cell_phone, record.email, record.language, record.cell_verified,
        record.email_verified, record.zip, record.new_patient is not False, now, now,
    )  # fmt: skip
