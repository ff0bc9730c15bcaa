"""The Patient Listing, Profile and report queries, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from rxmsg_tui.domain.vocabulary import ConsentPurpose
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.services.patients import (
    ListingKey,
    PatientRow,
    count_patients,
    display_phone,
    iter_patient_report,
    list_patients,
    patient_profile,
)
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store
from tests.conftest import NOW
from tests.tui.seed import (
    insert_consent,
    insert_drug,
    insert_patients,
    insert_prefs,
    insert_rx,
    numbered_patients,
    patient,
)


@pytest.fixture
def store_id(store: Store) -> int:
    assert store.id is not None
    return store.id


@pytest.fixture
def other_store_id(db: Database) -> int:
    """A second pharmacy on the same database: none of its patients may leak into ours."""
    with db.transaction() as session:
        other = create_store(
            session, code="OTHER", name="Other", phone="", timezone="America/Chicago", now=NOW
        )
    assert other.id is not None
    return other.id


@pytest.fixture
def people(db: Database, store_id: int, other_store_id: int) -> dict[str, int]:
    insert_patients(db, other_store_id, [patient("1001", "John", "Smith")])
    return insert_patients(
        db,
        store_id,
        [
            patient("1001", "John", "Smith", cell_phone="+15550102000", email="js@example.com"),
            patient("1002", "Maria", "Garcia", cell_phone="+15550103000", language="es"),
            patient("1003", "Ann", "Smithers"),
            patient("1004", "Bob", "Adams"),
            patient("A-77", "Zoe", "Smith"),
            patient("1005", "Al", "Lo_pez"),
        ],
    )


def names(rows: tuple[PatientRow, ...]) -> list[str]:
    return [row.name for row in rows]


def test_keyset_pages_walk_the_listing_forwards_and_backwards(db: Database, store_id: int) -> None:
    insert_patients(db, store_id, numbered_patients(23))
    forward: list[str] = []
    page = list_patients(db, store_id, limit=10)
    while True:
        forward += [row.patient_id for row in page.rows]
        if not page.more:
            break
        page = list_patients(db, store_id, after=page.rows[-1].key, limit=10)
    assert forward == [f"P{n:05d}" for n in range(1, 24)]

    last = list_patients(db, store_id, from_end=True, limit=10)
    assert [row.patient_id for row in last.rows] == [f"P{n:05d}" for n in range(14, 24)]
    assert last.more
    before = list_patients(db, store_id, before=last.rows[0].key, limit=10)
    assert [row.patient_id for row in before.rows] == [f"P{n:05d}" for n in range(4, 14)]
    assert before.more
    start = list_patients(db, store_id, before=before.rows[0].key, limit=10)
    assert [row.patient_id for row in start.rows] == ["P00001", "P00002", "P00003"]
    assert not start.more


def test_listing_orders_by_last_then_first_name_and_stays_in_its_store(
    db: Database, store_id: int, people: dict[str, int]
) -> None:
    page = list_patients(db, store_id)
    assert names(page.rows) == [
        "Adams, Bob",
        "Garcia, Maria",
        "Lo_pez, Al",
        "Smith, John",
        "Smith, Zoe",
        "Smithers, Ann",
    ]
    assert not page.more
    assert count_patients(db, store_id) == 6
    smith = page.rows[3]
    assert smith.key == ListingKey("Smith", "John", people["1001"])
    assert (smith.cell_phone, smith.email, smith.language) == (
        "+15550102000",
        "js@example.com",
        "en",
    )


SEARCHES = [
    ("smith", ["Smith, John", "Smith, Zoe", "Smithers, Ann"]),
    ("SMITH", ["Smith, John", "Smith, Zoe", "Smithers, Ann"]),
    ("Smith, Jo", ["Smith, John"]),
    ("jo smi", ["Smith, John"]),
    ("maria", ["Garcia, Maria"]),
    ("1002", ["Garcia, Maria"]),
    ("a-7", ["Smith, Zoe"]),
    ("(555) 010-3000", ["Garcia, Maria"]),
    ("0102000", ["Smith, John"]),
    ("3000", ["Garcia, Maria"]),
    ("010-3000", ["Garcia, Maria"]),
    ("(555) 010", ["Garcia, Maria", "Smith, John"]),
    ("(555) 011", []),
    ("5550102000", ["Smith, John"]),
    ("1-555-010-3000", ["Garcia, Maria"]),
    ("100", ["Adams, Bob", "Garcia, Maria", "Lo_pez, Al", "Smith, John", "Smithers, Ann"]),
    ("a-77", ["Smith, Zoe"]),
    ("A-7 zoe", ["Smith, Zoe"]),
    ("x-7", []),
    ("lo_", ["Lo_pez, Al"]),
    ("%", []),
    ("_", []),
    ("nobody", []),
    ("   ", ["Adams, Bob", "Garcia, Maria", "Lo_pez, Al", "Smith, John", "Smith, Zoe"]),
]


@pytest.mark.parametrize("probe", [2000, 0], ids=["rare-by-index", "walking-names"])
def test_search_by_name_patient_id_or_phone(
    db: Database, store_id: int, people: dict[str, int], probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One database for all the cases: building a schema per case would cost more than them all.
    # A probe of 0 takes every search the road of dense matches: both roads, the same rows.
    monkeypatch.setattr("rxmsg_tui.services.patients.PROBE", probe)
    for search, expected in SEARCHES:
        page = list_patients(db, store_id, search=search, limit=5)
        assert names(page.rows) == expected, search
        if search.strip():
            assert count_patients(db, store_id, search=search) == len(expected), search


@pytest.fixture
def cells(db: Database, store_id: int, other_store_id: int) -> None:
    insert_patients(db, other_store_id, [patient("9", "Other", "Store", cell_phone="+13125550101")])
    insert_patients(
        db,
        store_id,
        [
            patient("1", "Ann", "Chicago", cell_phone="+13125550101"),
            patient("2", "Bo", "Evanston", cell_phone="+18475550101"),
            patient("3", "Cy", "Loop", cell_phone="+13125550199"),
            patient("4", "Di", "Middle", cell_phone="+13120101555"),
            patient("5", "Ed", "Short", cell_phone="555-12"),
            patient("6", "Flo", "None"),
        ],
    )


BOTH_ROADS = pytest.mark.parametrize("probe", [2000, 0], ids=["rare-by-index", "walking-names"])


@BOTH_ROADS
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("555-0101", ["Chicago, Ann", "Evanston, Bo"]),
        ("0101", ["Chicago, Ann", "Evanston, Bo"]),
        ("5 0 1 9 9", ["Loop, Cy"]),
        ("1555", ["Middle, Di"]),
    ],
)
def test_four_digits_or_more_find_the_cells_ending_with_them(
    db: Database,
    store_id: int,
    cells: None,
    probe: int,
    search: str,
    expected: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("rxmsg_tui.services.patients.PROBE", probe)
    assert names(list_patients(db, store_id, search=search).rows) == expected
    assert count_patients(db, store_id, search=search) == len(expected)


@BOTH_ROADS
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("(312) 555", ["Chicago, Ann", "Loop, Cy"]),
        ("(312)", ["Chicago, Ann", "Loop, Cy", "Middle, Di"]),
        ("3125550199", ["Loop, Cy"]),
        ("1 (847) 555-0101", ["Evanston, Bo"]),
        ("(555) 12", []),
    ],
)
def test_a_paren_or_ten_digits_find_the_cells_starting_with_them(
    db: Database,
    store_id: int,
    cells: None,
    probe: int,
    search: str,
    expected: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("rxmsg_tui.services.patients.PROBE", probe)
    assert names(list_patients(db, store_id, search=search).rows) == expected
    assert count_patients(db, store_id, search=search) == len(expected)


@BOTH_ROADS
def test_a_cell_holding_four_digits_or_more_only_in_its_middle_is_not_found_by_them(
    db: Database, store_id: int, cells: None, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Di's +1 312 010-1555 holds "0101" and "5550" in its middle: found by neither."""
    monkeypatch.setattr("rxmsg_tui.services.patients.PROBE", probe)
    assert names(list_patients(db, store_id, search="0101").rows) == [
        "Chicago, Ann",
        "Evanston, Bo",
    ]
    assert names(list_patients(db, store_id, search="5550").rows) == []
    assert names(list_patients(db, store_id, search="312-555").rows) == []
    # One to three digits still match anywhere in the number.
    assert names(list_patients(db, store_id, search="015").rows) == ["Middle, Di"]
    assert names(list_patients(db, store_id, search="(0").rows) == []


@pytest.mark.parametrize(
    ("search", "index"),
    [
        ("555-0101", "ix_patient_store_cell_last4"),
        ("0101", "ix_patient_store_cell_last4"),
        ("(312) 555", "ix_patient_store_cell"),
        ("3015550101", "ix_patient_store_cell"),
    ],
)
def test_a_cell_search_reads_a_cell_index_never_every_patient(
    db: Database, store_id: int, search: str, index: str
) -> None:
    """The statements a cell search runs, as each database plans them on 3,000 patients.

    A hundred area codes, 30 numbers each. SQLite as a store runs it, without
    ANALYZE; PostgreSQL analysed, as autovacuum keeps it.
    """
    insert_patients(
        db,
        store_id,
        [
            patient(f"P{n:04d}", f"First{n}", f"Last{n}", cell_phone=f"+1{300 + n % 100}555{n:04d}")
            for n in range(3000)
        ],
    )
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE patient")
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        list_patients(db, store_id, search=search)
        count_patients(db, store_id, search=search)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        plan = "\n".join(
            str(line[-1])
            for statement, params in statements
            for line in conn.exec_driver_sql(explain + statement, params)
        )
    # The index is searched by the store AND the cell, not walked through the whole store.
    searched = (
        rf"INDEX {index} \(store_id=\? AND "
        if db.is_sqlite
        else rf"(using|on) {index} .*\n\s+Index Cond: \(\(store_id = \d+\) AND "
    )
    assert re.search(searched, plan), plan
    assert "SCAN patient" not in plan, plan
    assert "Seq Scan on patient" not in plan, plan


def test_a_page_size_out_of_range_is_refused(db: Database, store_id: int) -> None:
    with pytest.raises(InvalidInput, match="a page holds 1 to 2000 patients"):
        list_patients(db, store_id, limit=0)
    with pytest.raises(InvalidInput):
        list_patients(db, store_id, limit=2001)


def test_report_streams_everyone_in_order_with_consent_from_the_ledger(
    db: Database, store_id: int, people: dict[str, int]
) -> None:
    smith, garcia = people["1001"], people["1002"]
    day = timedelta(days=1)
    # Smith: SMS granted then revoked, then granted again; email granted; marketing revoked.
    insert_consent(db, store_id, smith, "sms", "transactional", granted=True, at=NOW - 3 * day)
    insert_consent(db, store_id, smith, "sms", "transactional", granted=False, at=NOW - 2 * day)
    insert_consent(db, store_id, smith, "sms", "transactional", granted=True, at=NOW - day)
    insert_consent(db, store_id, smith, "email", "transactional", granted=True, at=NOW)
    insert_consent(db, store_id, smith, "sms", "marketing", granted=True, at=NOW - 2 * day)
    insert_consent(db, store_id, smith, "sms", "marketing", granted=False, at=NOW)
    # Garcia: recorded out of order; the latest by time wins, not the last inserted.
    insert_consent(db, store_id, garcia, "sms", "marketing", granted=True, at=NOW)
    insert_consent(db, store_id, garcia, "sms", "marketing", granted=False, at=NOW - day)

    rows = list(iter_patient_report(db, store_id, chunk_size=2))
    assert [row.patient.patient_id for row in rows] == [
        "1004",
        "1002",
        "1005",
        "1001",
        "A-77",
        "1003",
    ]
    by_id = {row.patient.patient_id: row.consent for row in rows}
    assert by_id["1001"].channels(ConsentPurpose.TRANSACTIONAL) == ("email", "sms")
    assert by_id["1001"].channels(ConsentPurpose.MARKETING) == ()
    assert by_id["1002"].channels(ConsentPurpose.MARKETING) == ("sms",)
    assert by_id["1003"].entries == ()
    latest_sms = next(
        e for e in by_id["1001"].entries if e.channel == "sms" and e.purpose == "transactional"
    )
    assert latest_sms.recorded_at == NOW - day


def test_report_of_an_empty_store_is_empty(db: Database, store_id: int) -> None:
    assert list(iter_patient_report(db, store_id)) == []


def test_profile_has_rxs_message_settings_and_consent(
    db: Database, store_id: int, people: dict[str, int]
) -> None:
    smith = people["1001"]
    drug = insert_drug(db, store_id, "00093-7339-01", "Lisinopril 10 mg")
    other = insert_drug(db, store_id, "00093-1048-01", "Metformin 500 mg")
    insert_rx(db, store_id, smith, other, "600200", last_fill=date(2025, 12, 1), active=False)
    insert_rx(db, store_id, smith, drug, "600100", last_fill=date(2026, 2, 1), days_supply=90)
    insert_rx(db, store_id, smith, other, "600300", last_fill=date(2026, 1, 1), refills=0)
    insert_rx(db, store_id, people["1002"], drug, "600400", last_fill=date(2026, 1, 1))
    insert_prefs(db, store_id, smith, "pickup", "sms", "email")
    insert_prefs(db, store_id, smith, "refill", "call")
    insert_consent(db, store_id, smith, "sms", "transactional", granted=True, at=NOW)

    profile = patient_profile(db, store_id, " 1001 ")
    assert profile.patient.name == "Smith, John"
    assert [
        (rx.rx_number, rx.drug_name, rx.due_date, rx.refills_remaining, rx.active)
        for rx in profile.prescriptions
    ] == [
        ("600300", "Metformin 500 mg", date(2026, 1, 31), 0, True),
        ("600100", "Lisinopril 10 mg", date(2026, 5, 2), 3, True),
        ("600200", "Metformin 500 mg", date(2025, 12, 31), 3, False),
    ]
    assert [(p.alert, p.channels) for p in profile.preferences] == [
        ("Refill Reminder", ("call",)),
        ("RX Ready for Pickup", ("email", "sms")),
    ]
    assert profile.consent.channels(ConsentPurpose.TRANSACTIONAL) == ("sms",)


def test_profile_of_an_unknown_or_blank_id_says_so(
    db: Database, store_id: int, other_store_id: int, people: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="no patient with ID '9999' at this store"):
        patient_profile(db, store_id, "9999")
    with pytest.raises(InvalidInput, match="enter a patient ID"):
        patient_profile(db, store_id, "  ")
    insert_patients(db, other_store_id, [patient("2001", "Only", "Elsewhere")])
    with pytest.raises(NotFound):
        patient_profile(db, store_id, "2001")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+15550102000", "(555) 010-2000"),
        ("+442071234567", "+442071234567"),
        ("555-0102", "555-0102"),
        (None, ""),
    ],
)
def test_display_phone(stored: str | None, shown: str) -> None:
    assert display_phone(stored) == shown
