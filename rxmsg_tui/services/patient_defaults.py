"""Patient defaults: the store's channels per alert, written into patients' message settings.

The legacy Patient Default dialog sets the defaults, applies them to a new
patient or on sigpad consent (`defaults.apply_on`), and can Update All
existing patients. A chain store may hold 200,000 patients, so Update All is
a few set-based statements per chunk of patient ids, never a loop over rows,
and runs in one transaction: it changes every patient or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES, CHANNELS
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import NotFound, PermissionDenied, ServiceError
from rxmsg_tui.services.support import UnlockGrant, check_unlock
from rxmsg_tui.storage.bulk import dialect_insert, insert_rows, table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Patient, PatientMessagePrefs
from rxmsg_tui.storage.queries import patient_defaults_of

CHUNK_PATIENTS = 20_000
"""Patients per chunk of Update All: progress is reported between chunks."""

ProgressCallback = Callable[[int, int], None]
"""(patients done, patients in all), called between chunks."""

DefaultPrefs = dict[str, dict[str, bool]]
"""alert short name → {"email": …, "sms": …, "call": …}, as patient_message_prefs holds it."""


def default_prefs(defaults: Mapping[str, Any]) -> DefaultPrefs:
    """The preference row of each alert the store has a default for.

    An alert without a default gets no row, which reads as "no channels",
    the same as a row with every channel off.
    """
    return {
        alert: {channel: channel in channels for channel in CHANNELS}
        for alert, channels in sorted(defaults.items())
        if alert in ALERT_SHORT_NAMES and isinstance(channels, list)
    }


def count_patients(db: Database, store_id: int) -> int:
    """How many patients Update All would change, for its confirmation."""
    with db.read() as session:
        return _count(session.connection(), store_id)


def update_all(
    db: Database,
    actor: Actor,
    *,
    unlock_code: str | UnlockGrant | None,
    public_key: str | None,
    now: datetime,
    progress: ProgressCallback | None = None,
    chunk: int = CHUNK_PATIENTS,
) -> int:
    """Set every patient's message settings to the store's defaults; returns the patient count.

    Patient defaults are locked settings, so this needs a valid support unlock
    code like changing them does. Any error rolls everything back.
    """
    if not actor.role.may_change_setup:
        raise PermissionDenied(
            f"{actor.username} is a technician; technicians cannot update patient defaults"
        )
    if not unlock_code:
        raise PermissionDenied(
            "patient defaults are locked; Update All needs a support unlock code"
        )
    with db.transaction() as session:
        check_unlock(session, actor, unlock_code, public_key=public_key)
    try:
        return _update_all(db, actor, now, progress, chunk)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ServiceError(
            f"the database refused the update ({reason}); no patient was changed"
        ) from exc


def _update_all(
    db: Database, actor: Actor, now: datetime, progress: ProgressCallback | None, chunk: int
) -> int:
    with db.transaction() as session:
        conn = session.connection()
        apply_on, prefs = _store_defaults(conn, actor.store_id)
        total = _count(conn, actor.store_id)
        done = 0
        for low, high in _id_ranges(conn, actor.store_id, chunk):
            done += _replace_prefs(conn, actor.store_id, prefs, low, high)
            if progress is not None:
                progress(done, total)
        audit.record(
            session,
            actor,
            "patient_defaults.update_all",
            at=now,
            target=f"{done} patients",
            after={"patients": done, "apply_on": apply_on, "defaults": _as_channels(prefs)},
        )
        return done


def apply_defaults_to_patient(session: Session, store_id: int, patient_pk: int) -> int:
    """Replace one patient's message settings with the store's defaults, in the caller's work.

    For a patient who consents on the signature pad when the store applies
    defaults then (`defaults.apply_on == "sigpad_consent"`); the caller checks
    that setting. Returns the number of preference rows written.
    """
    conn = session.connection()
    _, prefs = _store_defaults(conn, store_id)
    prefs_table = table(PatientMessagePrefs)
    conn.execute(
        delete(prefs_table).where(
            prefs_table.c.store_id == store_id, prefs_table.c.patient_id == patient_pk
        )
    )
    return insert_rows(conn, prefs_table, _rows(store_id, [patient_pk], prefs))


def apply_defaults_to_new_patients(conn: Connection, store_id: int, new_patients: list[int]) -> int:
    """Default preference rows for patients just added, when the store applies defaults then."""
    if not new_patients:
        return 0
    apply_on, prefs = _store_defaults(conn, store_id)
    if apply_on != "new_patient":
        return 0
    return insert_rows(conn, table(PatientMessagePrefs), _rows(store_id, new_patients, prefs))


def _store_defaults(conn: Connection, store_id: int) -> tuple[str, DefaultPrefs]:
    found = patient_defaults_of(conn, store_id)
    if found is None:
        raise NotFound(f"store {store_id} has no alert settings; the database is incomplete")
    apply_on, defaults = found
    return apply_on, default_prefs(defaults)


def _rows(store_id: int, patients: Iterable[int], prefs: DefaultPrefs) -> Iterator[dict[str, Any]]:
    for pk in patients:
        for alert, channels in prefs.items():
            yield {"store_id": store_id, "patient_id": pk, "alert": alert, **channels}


def _count(conn: Connection, store_id: int) -> int:
    patient = table(Patient)
    query = select(func.count()).select_from(patient).where(patient.c.store_id == store_id)
    return int(conn.execute(query).scalar_one())


def _id_ranges(conn: Connection, store_id: int, chunk: int) -> Iterator[tuple[int, int]]:
    """(after, up to) patient id ranges of at most `chunk` patients, found by keyset."""
    patient = table(Patient)
    after = 0
    while True:
        of_store = (patient.c.store_id == store_id) & (patient.c.id > after)
        last = conn.execute(
            select(patient.c.id).where(of_store).order_by(patient.c.id).offset(chunk - 1).limit(1)
        ).scalar()
        if last is None:
            last = conn.execute(select(func.max(patient.c.id)).where(of_store)).scalar()
            if last is None:
                return
        yield after, int(last)
        after = int(last)


def _replace_prefs(
    conn: Connection, store_id: int, prefs: DefaultPrefs, after: int, up_to: int
) -> int:
    """The defaults for the store's patients in (after, up_to]: one upsert…select per alert.

    An upsert rather than delete and insert: a row that keeps its patient is
    updated in place, which skips the foreign-key checks an insert makes,
    and a row already equal to the default is not written at all.
    """
    prefs_table, patient = table(PatientMessagePrefs), table(Patient)
    in_range = (prefs_table.c.patient_id > after) & (prefs_table.c.patient_id <= up_to)
    others = prefs_table.c.alert.not_in(list(prefs))
    conn.execute(delete(prefs_table).where(prefs_table.c.store_id == store_id, in_range, others))
    chosen = (patient.c.store_id == store_id) & (patient.c.id > after) & (patient.c.id <= up_to)
    columns = ["store_id", "patient_id", "alert", *CHANNELS]
    for alert, channels in prefs.items():
        rows = select(
            patient.c.store_id,
            patient.c.id,
            literal(alert),
            *(true() if channels[c] else false() for c in CHANNELS),
        ).where(chosen)
        upsert = dialect_insert(conn, prefs_table).from_select(columns, rows)
        new = {c: upsert.excluded[c] for c in CHANNELS}
        conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[prefs_table.c.patient_id, prefs_table.c.alert],
                set_=new,
                where=or_(*(prefs_table.c[c].is_distinct_from(v) for c, v in new.items())),
            )
        )
    counted = select(func.count()).select_from(patient).where(chosen)
    return int(conn.execute(counted).scalar_one())


def _as_channels(prefs: DefaultPrefs) -> dict[str, list[str]]:
    return {alert: [c for c in CHANNELS if row[c]] for alert, row in prefs.items()}
