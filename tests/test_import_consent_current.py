"""An import keeps `consent_current` as the ledger folds, though SQLite's row trigger is lifted.

The importer writes its ledger rows with the trigger dropped and brings the
table up to date in one upsert (`lifted_on_sqlite`); the end state must be
the trigger's, for new patients, for a re-import over rows of every source
and time, and for several rows of one key in one statement. A failed import
must leave nothing, the trigger included: afterwards a row written the
ordinary way still moves the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Connection, select

from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily.sql import CURRENT, PATIENT
from rxmsg_tui.services.importing import consent as consent_module
from rxmsg_tui.services.importing import import_patients
from rxmsg_tui.services.importing import patients as patients_module
from rxmsg_tui.storage.consent_current import lifted_on_sqlite
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Consent, Patient, Store
from tests.conftest import NOW
from tests.test_consent_current import (
    WRITES,
    _patients,
    _write,
    assert_current_is_the_folded_ledger,
)
from tests.test_importer import PATIENT_HEADER, TODAY, count, write

HEADER = PATIENT_HEADER + ",marketing_consent"


def _row(n: int, consent: str, marketing: str) -> str:
    return (
        f"P{n},Ann,Lee,1950-02-28,201-555-01{n:02d},p{n}@example.com,en,{consent},Y,Y,,{marketing}"
    )


def _import(db: Database, admin: Actor, path: Path, minutes: int = 0) -> None:
    import_patients(db, admin, path, today=TODAY, now=NOW + timedelta(minutes=minutes))


def _pks(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.connection().scalars(select(PATIENT.c.id)))


def _direct(db: Database, store_id: int, pk: int, **row: Any) -> None:
    """A ledger row written the ordinary way (a screen, the signature pad, a text)."""
    with db.transaction() as session:
        session.add(Consent(store_id=store_id, patient_id=pk, **row))


def test_imports_keep_consent_current_as_the_ledger_folds(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    first = [_row(n, "Y" if n % 3 else "N", ["Y", "N", ""][n % 3]) for n in range(12)]
    _import(db, admin, write(tmp_path, "a.csv", HEADER, *first))
    pks = _pks(db)
    assert count(db, Consent) > 0
    assert_current_is_the_folded_ledger(db, pks)
    # Rows of other sources, newer and older than the next import, then imports that change
    # consent: later than everything, and earlier than a STOP (which must keep holding).
    _direct(db, admin.store_id, pks[1], channel="sms", purpose="transactional", granted=False,
            source="sms-keyword", recorded_at=NOW + timedelta(minutes=90))  # fmt: skip
    _direct(db, admin.store_id, pks[2], channel="email", purpose="marketing", granted=True,
            source="verbal", recorded_at=NOW - timedelta(minutes=5))  # fmt: skip
    second = [_row(n, "N" if n % 2 else "Y", ["N", "Y", "Y", ""][n % 4]) for n in range(16)]
    _import(db, admin, write(tmp_path, "b.csv", HEADER, *second), minutes=60)
    assert_current_is_the_folded_ledger(db, _pks(db))
    third = [_row(n, "Y", "N" if n % 2 else "Y") for n in range(16)]
    _import(db, admin, write(tmp_path, "c.csv", HEADER, *third), minutes=120)
    assert_current_is_the_folded_ledger(db, _pks(db))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=WRITES, lifted=WRITES)
def test_rows_written_with_the_trigger_lifted_end_as_the_trigger_would(
    db: Database,
    store: Store,
    before: list[list[dict[str, Any]]],
    lifted: list[list[dict[str, Any]]],
) -> None:
    """Any ledger, then statements of several rows per key (out of order, equal instants)."""
    assert store.id is not None
    pks = _patients(db, store.id)
    with db.engine.begin() as conn:
        for rows in before:
            _write(conn, store.id, pks, rows)
    with db.engine.begin() as conn, lifted_on_sqlite(conn):
        for rows in lifted:
            _write(conn, store.id, pks, rows)
    assert_current_is_the_folded_ledger(db, pks)


@contextmanager
def _failing_while_lifted(conn: Connection) -> Iterator[None]:
    with lifted_on_sqlite(conn):
        yield
        raise RuntimeError("disk full")


def _failing_after(*args: object, **kwargs: object) -> int:
    raise RuntimeError("disk full")


@pytest.mark.parametrize("when", ["while the trigger is lifted", "after the consent rows"])
def test_a_failed_import_leaves_nothing_and_the_trigger_in_place(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    if when == "while the trigger is lifted":
        monkeypatch.setattr(consent_module, "lifted_on_sqlite", _failing_while_lifted)
    else:
        monkeypatch.setattr(patients_module, "_apply_defaults", _failing_after)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(db, admin, write(tmp_path, "a.csv", HEADER, _row(1, "Y", "Y")))
    assert (count(db, Patient), count(db, Consent)) == (0, 0)
    monkeypatch.undo()
    _import(db, admin, write(tmp_path, "b.csv", HEADER, _row(2, "Y", "")))
    (pk,) = _pks(db)
    _direct(db, admin.store_id, pk, channel="sms", purpose="marketing", granted=False,
            source="sms-keyword", recorded_at=NOW + timedelta(hours=1))  # fmt: skip
    with db.read() as session:
        held = session.connection().execute(
            select(CURRENT.c.granted, CURRENT.c.source).where(
                CURRENT.c.patient_id == pk,
                CURRENT.c.channel == "sms",
                CURRENT.c.purpose.in_(["marketing", "any"]),
            )
        )
        assert sorted(held) == [(False, "sms-keyword"), (False, "sms-keyword")]
    assert_current_is_the_folded_ledger(db, [pk])
