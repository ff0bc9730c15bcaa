"""`consent_current`, kept by the database, always says what folding the whole ledger says.

Ledger rows reach the database from many writers (one row at a time, a
statement of many rows, rows recorded out of order or at the same instant);
whatever the order, the table the daily process joins must hold the newest
row per patient, channel and purpose, and for SMS of any purpose (a STOP),
as `fold_ledger` reads the ledger. Checked on SQLite and PostgreSQL, and for a
ledger that existed before the table (the migration folds it in).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, literal, select

from rxmsg_tui.domain.consent_ledger import ConsentState, fold_ledger
from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose
from rxmsg_tui.services.consent_state import consent_states
from rxmsg_tui.services.daily.eligibility import consent_granted, opted_out_by_text
from rxmsg_tui.services.daily.sql import CONSENT, CURRENT, PATIENT
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.migrate import alembic_config
from rxmsg_tui.storage.models import Store
from rxmsg_tui.storage.models.patient import ANY_PURPOSE
from tests.conftest import NOW
from tests.tui.seed import insert_patients, patient

_names = itertools.count()

LEDGER_ROW = st.fixed_dictionaries({
    "patient": st.integers(0, 2),
    "channel": st.sampled_from(["sms", "email", "call"]),
    "purpose": st.sampled_from(["transactional", "marketing"]),
    "granted": st.booleans(),
    "source": st.sampled_from(["verbal", "sms-keyword", "sigpad", "import"]),
    "minute": st.integers(0, 3),  # few instants: out of order and equal times are common
})  # fmt: skip
WRITES = st.lists(st.lists(LEDGER_ROW, min_size=1, max_size=5), min_size=1, max_size=8)
"""Statements, each writing one or several ledger rows."""


def _patients(db: Database, store_id: int) -> list[int]:
    names = [f"H{next(_names):06d}" for _ in range(3)]
    pks = insert_patients(db, store_id, [patient(n, "Ann", "Lee") for n in names])
    return [pks[n] for n in names]


def _write(conn: Connection, store_id: int, pks: list[int], rows: Sequence[dict[str, Any]]) -> None:
    """One statement for all `rows` (a multi-row insert), as the importer and the demo write."""
    values = [
        {"store_id": store_id, "patient_id": pks[r["patient"]], "channel": r["channel"],
         "purpose": r["purpose"], "granted": r["granted"], "source": r["source"],
         "recorded_at": NOW + timedelta(minutes=r["minute"])}
        for r in rows
    ]  # fmt: skip
    conn.execute(insert(CONSENT), values)


def _ledger(conn: Connection, pks: list[int]) -> dict[int, ConsentState]:
    c = CONSENT.c
    rows = conn.execute(
        select(c.patient_id, c.channel, c.purpose, c.granted, c.source, c.recorded_at)
        .where(CONSENT.c.patient_id.in_(pks))
        .order_by(CONSENT.c.patient_id, CONSENT.c.recorded_at, CONSENT.c.id)
    )
    return fold_ledger(rows)


def _newest_sms(conn: Connection, pks: list[int]) -> set[tuple[Any, ...]]:
    """The ledger's newest SMS row per patient, whatever its purpose."""
    newest: dict[tuple[int, str], tuple[Any, ...]] = {}
    rows = conn.execute(
        select(CONSENT.c.patient_id, CONSENT.c.channel, CONSENT.c.granted, CONSENT.c.source,
               CONSENT.c.recorded_at, CONSENT.c.id)
        .where(CONSENT.c.patient_id.in_(pks), CONSENT.c.channel == "sms")
        .order_by(CONSENT.c.recorded_at, CONSENT.c.id)
    )  # fmt: skip
    for pk, channel, granted, source, at, ledger_id in rows:
        newest[(pk, channel)] = (pk, channel, bool(granted), source, at, ledger_id)
    return set(newest.values())


def _current(conn: Connection, pks: list[int]) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """`consent_current` as (per purpose, of any purpose: SMS only)."""
    rows = conn.execute(
        select(CURRENT.c.patient_id, CURRENT.c.channel, CURRENT.c.purpose, CURRENT.c.granted,
               CURRENT.c.source, CURRENT.c.recorded_at, CURRENT.c.ledger_id)
        .where(CURRENT.c.patient_id.in_(pks))
    )  # fmt: skip
    per_purpose, any_purpose = set(), set()
    for pk, channel, purpose, granted, source, at, ledger_id in rows:
        if purpose == ANY_PURPOSE:
            any_purpose.add((pk, channel, bool(granted), source, at, ledger_id))
        else:
            per_purpose.add((pk, channel, purpose, bool(granted), source, at))
    return per_purpose, any_purpose


def assert_current_is_the_folded_ledger(db: Database, pks: list[int]) -> None:
    with db.read() as session:
        conn = session.connection()
        folded = _ledger(conn, pks)
        per_purpose, any_purpose = _current(conn, pks)
        assert per_purpose == {
            (pk, e.channel, e.purpose, e.granted, e.source, e.recorded_at)
            for pk, state in folded.items()
            for e in state.entries
        }
        assert any_purpose == _newest_sms(conn, pks)
        assert consent_states(session, pks) == folded
        # The daily process's clauses read the same: granted per purpose, and STOP by text.
        for channel, purpose in itertools.product(Channel, ConsentPurpose):
            granted = set(conn.scalars(
                select(PATIENT.c.id).where(PATIENT.c.id.in_(pks), consent_granted(channel, purpose))
            ))  # fmt: skip
            assert granted == {pk for pk, s in folded.items() if (channel, purpose) in s.granted}
        stopped = set(conn.scalars(select(PATIENT.c.id).where(PATIENT.c.id.in_(pks),
                                                              opted_out_by_text())))  # fmt: skip
        assert stopped == {pk for pk, s in folded.items() if s.sms_opted_out}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(writes=WRITES, one_transaction=st.booleans())
def test_consent_current_equals_the_folded_ledger(
    db: Database, store: Store, writes: list[list[dict[str, Any]]], one_transaction: bool
) -> None:
    assert store.id is not None
    pks = _patients(db, store.id)
    if one_transaction:  # several statements in one transaction, as a sigpad consent writes
        with db.engine.begin() as conn:
            for rows in writes:
                _write(conn, store.id, pks, rows)
    else:
        for rows in writes:
            with db.engine.begin() as conn:
                _write(conn, store.id, pks, rows)
    assert_current_is_the_folded_ledger(db, pks)


def test_a_stop_then_a_grant_of_another_purpose_on_the_same_instant(
    db: Database, store: Store
) -> None:
    """Equal times: the later id holds, so the grant written after the STOP ends the opt-out."""
    assert store.id is not None
    pks = _patients(db, store.id)
    stop = {"patient": 0, "channel": "sms", "purpose": "marketing", "granted": False,
            "source": "sms-keyword", "minute": 1}  # fmt: skip
    start = stop | {"purpose": "transactional", "granted": True, "source": "verbal"}
    with db.engine.begin() as conn:
        _write(conn, store.id, pks, [stop])
    with db.read() as session:
        assert consent_states(session, pks)[pks[0]].sms_opted_out
    with db.engine.begin() as conn:
        _write(conn, store.id, pks, [start | {"minute": 0}])  # older: the STOP still holds
    with db.read() as session:
        assert consent_states(session, pks)[pks[0]].sms_opted_out
    with db.engine.begin() as conn:
        _write(conn, store.id, pks, [start])
    with db.read() as session:
        assert not consent_states(session, pks)[pks[0]].sms_opted_out
    assert_current_is_the_folded_ledger(db, pks)


def test_removing_a_patient_removes_their_current_consent(db: Database, store: Store) -> None:
    assert store.id is not None
    pks = _patients(db, store.id)
    row = {"patient": 0, "channel": "email", "purpose": "marketing", "granted": True,
           "source": "verbal", "minute": 0}  # fmt: skip
    with db.engine.begin() as conn:
        _write(conn, store.id, pks, [row])
        conn.execute(PATIENT.delete().where(PATIENT.c.id == pks[0]))
        left = conn.scalar(select(CURRENT.c.patient_id).where(CURRENT.c.patient_id == pks[0]))
    assert left is None


@contextmanager
def _store_at(database_url: str, revision: str) -> Iterator[tuple[Database, int, list[int]]]:
    """A database at an older `revision` with a store and three patients: an upgrade's start."""
    db = Database(make_engine(database_url))
    try:
        command.upgrade(alembic_config(db.engine), revision)
        with db.transaction() as session:
            store = create_store(session, code="OLD", name="Old Pharmacy", phone="(555) 010-2000",
                                 timezone="America/New_York", now=NOW)  # fmt: skip
            store_id = store.id
        assert store_id is not None
        yield db, store_id, _patients(db, store_id)
    finally:
        db.dispose()


def test_upgrading_folds_an_existing_ledger_in(database_url: str) -> None:
    """A pharmacy's ledger from before the table: the upgrade fills it, then keeps it."""
    with _store_at(database_url, "0007") as (db, store_id, pks):
        rows = [
            {"patient": p, "channel": ch, "purpose": pu, "granted": (p + m) % 2 == 0,
             "source": "sms-keyword" if m == 2 else "verbal", "minute": (5 - m) % 4}
            for p in range(3) for ch in ("sms", "email") for pu in ("transactional", "marketing")
            for m in range(4)
        ]  # fmt: skip
        with db.engine.begin() as conn:
            for row in rows:
                _write(conn, store_id, pks, [row])
        command.upgrade(alembic_config(db.engine), "head")
        assert_current_is_the_folded_ledger(db, pks)
        with db.engine.begin() as conn:
            _write(conn, store_id, pks, [rows[0] | {"minute": 9, "granted": False}])
        assert_current_is_the_folded_ledger(db, pks)


def _unread_any_rows(db: Database) -> int:
    with db.read() as session:
        query = select(CURRENT.c.patient_id).where(
            CURRENT.c.purpose == ANY_PURPOSE, CURRENT.c.channel != "sms"
        )
        return len(session.connection().execute(query).all())


def test_upgrading_drops_the_any_rows_no_one_reads(database_url: str) -> None:
    """Revision 0011: email and call keep no `any` row; SMS keeps its STOP row, exact."""
    with _store_at(database_url, "0010") as (db, store_id, pks):
        rows = [
            {"patient": p, "channel": ch, "purpose": pu, "granted": (p + m) % 2 == 0,
             "source": "sms-keyword" if ch == "sms" and m == 1 else "verbal", "minute": m}
            for p in range(3) for ch in ("sms", "email", "call")
            for pu in ("transactional", "marketing") for m in range(2)
        ]  # fmt: skip
        with db.engine.begin() as conn:
            _write(conn, store_id, pks, rows)
            # What the trigger before 0011 also kept: every channel's newest row of any purpose.
            conn.execute(insert(CURRENT).from_select(
                [c.name for c in CURRENT.c],
                select(CURRENT.c.store_id, CURRENT.c.patient_id, CURRENT.c.channel,
                       literal(ANY_PURPOSE), CURRENT.c.granted, CURRENT.c.source,
                       CURRENT.c.recorded_at, CURRENT.c.ledger_id)
                .where(CURRENT.c.channel != "sms", CURRENT.c.purpose == "transactional"),
            ))  # fmt: skip
        assert _unread_any_rows(db) == 6
        command.upgrade(alembic_config(db.engine), "head")
        assert _unread_any_rows(db) == 0
        assert_current_is_the_folded_ledger(db, pks)
        with db.engine.begin() as conn:  # the trigger re-created: none written any more
            _write(conn, store_id, pks, [r | {"minute": 3, "granted": not r["granted"]}
                                         for r in rows])  # fmt: skip
        assert _unread_any_rows(db) == 0
        assert_current_is_the_folded_ledger(db, pks)
