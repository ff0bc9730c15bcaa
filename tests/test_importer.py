"""The import service on SQLite and PostgreSQL: all rows or nothing, upserts, consent ledger."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from rxmsg_tui.domain.csv_records import PATIENTS, Problem
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing import (
    ImportReport,
    ImportStep,
    ProgressCallback,
    RowsRejected,
    UnreadableFile,
    bulk,
    import_patients,
    import_prescriptions,
)
from rxmsg_tui.services.importing import consent as consent_module
from rxmsg_tui.services.importing import patients as patients_module
from rxmsg_tui.services.importing.reader import read_rows
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import (
    AlertSettings,
    AuditLog,
    Consent,
    Drug,
    Patient,
    PatientMessagePrefs,
    Prescription,
    Store,
)
from tests.conftest import NOW

TODAY = date(2026, 3, 2)
PATIENT_HEADER = (
    "patient_id,first_name,last_name,dob,cell_phone,email,language,consent,"
    "cell_verified,email_verified,zip"
)
RX_HEADER = (
    "rx_number,patient_id,drug_name,ndc,maintenance,dea_schedule,days_supply,"
    "last_fill_date,refills_remaining,active"
)
ANN = "P1,Ann,Lee,1950-02-28,(201) 555-0123,Ann@Example.com,en,Y,Y,N,07030"
BOB = "P2,Bob,Ray,1961-07-04,,,es,N,N,N,"


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_patients(
    db: Database,
    admin: Actor,
    path: Path,
    *,
    skip_bad: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    return import_patients(
        db, admin, path, today=TODAY, now=NOW, skip_bad=skip_bad, progress=progress
    )


def count(db: Database, model: type[SQLModel]) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def consent_rows(db: Database) -> list[tuple[str, str, str, bool, str]]:
    with db.read() as session:
        rows = session.exec(
            select(Consent, Patient.patient_id)
            .join(Patient, col(Patient.id) == Consent.patient_id)
            .order_by(col(Consent.id))
        ).all()
    return [(pid, c.channel, c.purpose, c.granted, c.source) for c, pid in rows]


def patient(db: Database, patient_id: str) -> Patient:
    with db.read() as session:
        return session.exec(select(Patient).where(Patient.patient_id == patient_id)).one()


@pytest.fixture(params=["by batch", "store-wide"])
def consent_read(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-import reads the consent that holds by batches of patients (a small file) or, on
    PostgreSQL, the store's whole table at once (from `STORE_WIDE_FROM` known patients): both
    decide alike."""
    if request.param == "store-wide":
        monkeypatch.setattr(consent_module, "STORE_WIDE_FROM", 0)


def test_patients_are_inserted_normalised_with_consent_and_one_audit_row(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    report = load_patients(db, admin, write(tmp_path, "patients.csv", PATIENT_HEADER, ANN, BOB))
    assert (report.inserted, report.updated, report.unchanged, report.bad_row_count) == (2, 0, 0, 0)
    ann = patient(db, "P1")
    assert (ann.cell_phone, ann.email, ann.dob) == (
        "+12015550123",
        "Ann@example.com",
        date(1950, 2, 28),
    )
    assert (ann.cell_verified, ann.email_verified, ann.zip, ann.language) == (
        True,
        False,
        "07030",
        "en",
    )
    assert patient(db, "P2").cell_phone is None
    assert consent_rows(db) == [
        ("P1", channel, "transactional", True, "import") for channel in ("email", "sms", "call")
    ]
    with db.read() as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "import.patients")).one()
    assert audit.target == "patients.csv" and audit.username == "alice"
    assert json.loads(audit.after or "")["inserted"] == 2
    assert "Ann" not in (audit.after or "") and "P1" not in (audit.after or "")


def test_new_patients_carry_the_import_time_and_how_they_came(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """Staged rows go to the driver as tuples: each value must land as the ORM would write it."""
    load_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, ANN))
    later = NOW + timedelta(days=1)
    header = f"{PATIENT_HEADER},new_patient"
    path = write(tmp_path, "b.csv", header, f"{BOB},N", "P3,Cy,Fox,1990-12-31,,,en,N,N,N,,")
    import_patients(db, admin, path, today=TODAY, now=later)
    ann, bob, cy = patient(db, "P1"), patient(db, "P2"), patient(db, "P3")
    assert (ann.created_at, ann.updated_at, ann.is_new) == (NOW, NOW, False)
    assert (bob.created_at, bob.updated_at, bob.is_new) == (later, later, False)
    assert (cy.created_at, cy.dob, cy.is_new, cy.email_verified) == (
        later,
        date(1990, 12, 31),
        True,
        False,
    )
    with db.read() as session:
        newest = session.exec(select(Patient).order_by(col(Patient.created_at).desc())).first()
    assert newest is not None and newest.patient_id in {"P2", "P3"}


def test_reimport_updates_by_patient_id_and_adds_no_duplicates(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    load_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, ANN, BOB))
    first = patient(db, "P2")
    moved = BOB.replace("Ray", "Ray-Smith").replace(",,,es", ",201-555-0199,,es")
    report = load_patients(db, admin, write(tmp_path, "b.csv", PATIENT_HEADER, ANN, moved))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert count(db, Patient) == 2
    bob = patient(db, "P2")
    assert (bob.id, bob.last_name, bob.cell_phone) == (first.id, "Ray-Smith", "+12015550199")
    assert len(consent_rows(db)) == 3, "unchanged consent adds no ledger rows"


@pytest.mark.usefixtures("consent_read")
def test_consent_changes_append_grants_and_revocations(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    header = PATIENT_HEADER + ",marketing_consent"
    load_patients(db, admin, write(tmp_path, "a.csv", header, ANN + ",Y", BOB + ","))
    assert len(consent_rows(db)) == 6
    report = load_patients(
        db,
        admin,
        write(tmp_path, "b.csv", header, ANN.replace(",Y,Y,N", ",N,Y,N") + ",", BOB + ",N"),
    )
    assert report.consent_recorded == 3
    assert consent_rows(db)[6:] == [
        ("P1", channel, "transactional", False, "import") for channel in ("email", "sms", "call")
    ], "blank marketing_consent leaves marketing alone; N for Bob changes nothing"


@pytest.mark.usefixtures("consent_read")
def test_a_grant_in_the_file_does_not_undo_an_opt_out_made_at_the_pharmacy(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "patients.csv", PATIENT_HEADER, ANN)
    load_patients(db, admin, path)
    ann = patient(db, "P1")
    assert ann.id is not None
    with db.transaction() as session:
        session.add(
            Consent(
                store_id=admin.store_id,
                patient_id=ann.id,
                channel="sms",
                purpose="transactional",
                granted=False,
                source="sms-keyword",
                recorded_at=NOW + timedelta(hours=1),
            )
        )
    report = load_patients(db, admin, path)
    assert (report.consent_recorded, report.consent_kept_revoked) == (0, 1)
    assert consent_rows(db)[-1] == ("P1", "sms", "transactional", False, "sms-keyword")


def test_a_verification_survives_reimport_while_the_number_is_the_same(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    load_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, ANN))
    load_patients(
        db, admin, write(tmp_path, "b.csv", PATIENT_HEADER, ANN.replace(",Y,Y,N", ",Y,N,N"))
    )
    assert patient(db, "P1").cell_verified is True
    other = ANN.replace("(201) 555-0123", "201-555-0188").replace(",Y,Y,N", ",Y,N,N")
    load_patients(db, admin, write(tmp_path, "c.csv", PATIENT_HEADER, other))
    assert patient(db, "P1").cell_verified is False


@pytest.mark.parametrize(("apply_on", "expected"), [("new_patient", 2), ("sigpad_consent", 0)])
def test_new_patients_get_the_store_defaults_when_they_apply_on_new_patients(
    db: Database, admin: Actor, store: Store, tmp_path: Path, apply_on: str, expected: int
) -> None:
    with db.transaction() as session:
        settings = session.exec(
            select(AlertSettings).where(AlertSettings.store_id == store.id)
        ).one()
        settings.defaults = {"refill": ["email", "sms"], "pickup": ["call"]}
        settings.defaults_apply_on = apply_on
        session.add(settings)
    load_patients(db, admin, write(tmp_path, "a.csv", PATIENT_HEADER, ANN))
    load_patients(db, admin, write(tmp_path, "b.csv", PATIENT_HEADER, ANN, BOB))
    with db.read() as session:
        prefs = session.exec(
            select(PatientMessagePrefs).order_by(col(PatientMessagePrefs.id))
        ).all()
    assert len(prefs) == expected * 2, "one row per alert, for each new patient, once"
    if expected:
        assert {(p.alert, p.email, p.sms, p.call) for p in prefs} == {
            ("refill", True, True, False),
            ("pickup", False, False, True),
        }


def test_any_bad_row_means_nothing_is_written(db: Database, admin: Actor, tmp_path: Path) -> None:
    bad = BOB.replace("1961-07-04", "07/04/1961").replace(",N,N,N,", ",N,N,maybe,")
    path = write(tmp_path, "patients.csv", PATIENT_HEADER, ANN, bad, "P3,Cy,Oh,,12345,,en,Y,N,N,")
    with pytest.raises(
        RowsRejected, match=r"nothing imported: 2 bad rows in patients\.csv"
    ) as caught:
        load_patients(db, admin, path)
    assert [(b.line, [p.column for p in b.problems]) for b in caught.value.report.bad_rows] == [
        (3, ["dob", "email_verified"]),
        (4, ["cell_phone"]),
    ]
    assert (count(db, Patient), count(db, Consent), count(db, AuditLog)) == (0, 0, 0)


def test_skip_bad_imports_the_good_rows_and_reports_the_rest(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "p.csv", PATIENT_HEADER, ANN, BOB.replace(",es,", ",fr,"))
    report = load_patients(db, admin, path, skip_bad=True)
    assert (report.inserted, report.bad_row_count, report.bad_rows[0].line) == (1, 1, 3)
    assert count(db, Patient) == 1


def test_a_patient_id_twice_in_one_file_is_a_bad_row(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path, "p.csv", PATIENT_HEADER, ANN, BOB, ANN.replace("Ann,", "Anne,"))
    with pytest.raises(RowsRejected) as caught:
        load_patients(db, admin, path)
    (bad,) = caught.value.report.bad_rows
    assert (bad.line, bad.problems[0].reason) == (4, "same patient_id as line 2")


def test_a_failed_write_rolls_back_everything(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(patients_module, "apply_consent", broken)
    with pytest.raises(RuntimeError):
        load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, ANN, BOB))
    assert (count(db, Patient), count(db, AuditLog)) == (0, 0)


def test_rows_are_numbered_by_the_line_they_start_on(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    quoted = 'P3,"Mary\nJane",Oh,1970-01-01,,,en,Y,N,N,'
    path = write(tmp_path, "p.csv", PATIENT_HEADER, "", quoted, "P4,Al,Bo,1970-01-01,,,en,Y,N", BOB)
    with pytest.raises(RowsRejected) as caught:
        load_patients(db, admin, path)
    assert [(b.line, b.problems[0].reason) for b in caught.value.report.bad_rows] == [
        (3, "contains control characters"),
        (5, "has 9 cells, the header has 11"),
    ]


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Actor]]:
    """One migrated database for the file-level faults: they are refused before any SQL."""
    database = Database(make_engine(f"sqlite:///{tmp_path_factory.mktemp('db')}/rxmsg.db"))
    database.migrate()
    with database.transaction() as session:
        store = create_store(session, code="T", name="T", phone="", timezone="UTC", now=NOW)
    assert store.id is not None
    yield database, Actor(store.id, store.code, "alice", Role.ADMIN)
    database.dispose()


LATIN_1 = (PATIENT_HEADER + "\n" + ANN.replace("Ann", "Ánn")).encode("latin-1")
UNREADABLE = {
    "empty": (b"", "the file is empty"),
    "blank lines": (b"\n\r\n,,,\n", "the file is empty"),
    "header only": (PATIENT_HEADER.encode() + b"\n", "the file has a header but no rows"),
    "missing columns": (b"patient_id,first_name\nP1,Ann\n", "columns: last_name, dob, cell_"),
    "semicolons": (PATIENT_HEADER.replace(",", ";").encode(), "uses another separator"),
    "latin-1": (LATIN_1, f"not UTF-8 text: line 2, byte {len(PATIENT_HEADER) + 5} "),
    "utf-16": ((PATIENT_HEADER + "\n" + ANN).encode("utf-16"), "the file is UTF-16 text"),
    "nul": (
        PATIENT_HEADER.encode() + b"\nP1,\x00",
        f"a NUL byte on line 2 .byte {len(PATIENT_HEADER) + 5}.",
    ),
    "random": (bytes(range(256)) * 4, "not a CSV text file: a NUL byte on line 1"),
    "controls": (bytes(range(1, 256)) * 4, r"not a CSV text file \(it looks like a binary"),
    "old mac line ends": (f"{PATIENT_HEADER}\r{ANN}\r".encode(), "line 1: the header is not valid"),
    "late nul": (f"{PATIENT_HEADER}\n{ANN}\n".encode() * 100 + b"\x00", "NUL byte on line 201 "),
}


@pytest.mark.parametrize(("content", "message"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_file_stops_before_anything_is_written(
    shared_sqlite: tuple[Database, Actor], tmp_path: Path, content: bytes, message: str
) -> None:
    db, admin = shared_sqlite
    path = tmp_path / "patients.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        load_patients(db, admin, path)
    assert count(db, Patient) == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [b"", PATIENT_HEADER.encode() + b"\n", b"\xef\xbb\xbf" + PATIENT_HEADER.encode()]
    ),
    st.binary(max_size=200)
    | st.text(alphabet=',"\r\n YN-0123abc\u00e9', max_size=200).map(str.encode),
)
def test_any_bytes_give_numbered_rows_or_one_unreadable_file_error(
    head: bytes, body: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patients.csv"
        path.write_bytes(head + body)
        try:
            rows = list(read_rows(path, PATIENTS, None))
        except UnreadableFile as exc:
            assert str(exc)
            return
    lines = [line for line, _ in rows]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)
    for _, cells in rows:
        assert isinstance(cells, dict) or all(isinstance(p, Problem) for p in cells)


def test_a_utf8_bom_and_crlf_line_ends_are_fine(db: Database, admin: Actor, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{PATIENT_HEADER}\r\n{ANN}\r\n".encode())
    assert load_patients(db, admin, path).inserted == 1


def rx_line(rx: str, patient_id: str = "P1", ndc: str = "00071-0222-23", **cells: str) -> str:
    row = {
        "rx_number": rx, "patient_id": patient_id, "drug_name": "Lisinopril 10 mg", "ndc": ndc,
        "maintenance": "Y", "dea_schedule": "0", "days_supply": "30",
        "last_fill_date": "2026-02-01", "refills_remaining": "3", "active": "Y",
    } | cells  # fmt: skip
    return ",".join(row.values())


def test_prescriptions_upsert_drugs_by_ndc_and_store_the_due_date(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, ANN, BOB))
    lines = [rx_line("100"), rx_line("101", "P2", "12345-678-90", drug_name="Oxycodone 5 mg",
             dea_schedule="2", maintenance="N", days_supply="10", last_fill_date="2026-02-25")]  # fmt: skip
    path = write(tmp_path, "rx.csv", RX_HEADER, *lines)
    report = import_prescriptions(db, admin, path, today=TODAY, now=NOW)
    assert (report.inserted, report.drugs_added) == (2, 2)
    with db.read() as session:
        rows = session.exec(
            select(Prescription, Drug, Patient)
            .join(Drug, col(Drug.id) == Prescription.drug_id)
            .join(Patient, col(Patient.id) == Prescription.patient_id)
            .order_by(Prescription.rx_number)
        ).all()
    assert [(rx.rx_number, rx.due_date, d.dea_schedule, p.patient_id) for rx, d, p in rows] == [
        ("100", date(2026, 3, 3), 0, "P1"),
        ("101", date(2026, 3, 7), 2, "P2"),
    ]
    with db.read() as session:
        audits = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
    assert [a.action for a in audits] == ["import.patients", "import.prescriptions"]
    assert json.loads(audits[1].after or "") == {
        "rows": 2, "inserted": 2, "updated": 0, "unchanged": 0, "bad_rows": 0,
        "drugs_added": 2, "drugs_updated": 0,
    }  # fmt: skip


def test_prescription_reimport_updates_in_place(db: Database, admin: Actor, tmp_path: Path) -> None:
    load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, ANN))
    first = write(tmp_path, "a.csv", RX_HEADER, rx_line("100"), rx_line("101"))
    import_prescriptions(db, admin, first, today=TODAY, now=NOW)
    refilled = rx_line("100", last_fill_date="2026-03-01", refills_remaining="2")
    second = write(tmp_path, "b.csv", RX_HEADER, refilled, rx_line("101", drug_name="Lisinopril"))
    report = import_prescriptions(db, admin, second, today=TODAY, now=NOW)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert (report.drugs_added, report.drugs_updated) == (0, 1)
    assert (count(db, Prescription), count(db, Drug)) == (2, 1)
    with db.read() as session:
        rx = session.exec(select(Prescription).where(Prescription.rx_number == "100")).one()
        drug = session.exec(select(Drug)).one()
    assert (rx.due_date, rx.refills_remaining, drug.name) == (date(2026, 3, 31), 2, "Lisinopril")


def test_an_unknown_patient_is_a_bad_row(db: Database, admin: Actor, tmp_path: Path) -> None:
    load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, ANN))
    path = write(tmp_path, "rx.csv", RX_HEADER, rx_line("100"), rx_line("101", "P9"))
    with pytest.raises(RowsRejected) as caught:
        import_prescriptions(db, admin, path, today=TODAY, now=NOW)
    (bad,) = caught.value.report.bad_rows
    assert (bad.line, bad.problems[0].column) == (3, "patient_id")
    assert (count(db, Prescription), count(db, Drug)) == (0, 0)


def test_batches_and_progress_cover_every_row(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH_ROWS", 3)
    lines = [f"P{i},Pat,Number{i},1970-01-01,,,en,Y,N,N," for i in range(10)]
    path = write(tmp_path, "p.csv", PATIENT_HEADER, *lines)
    calls: list[tuple[ImportStep, int, int]] = []

    def progress(step: ImportStep, done: int, total: int) -> None:
        calls.append((step, done, total))

    report = load_patients(db, admin, path, progress=progress)
    assert report.inserted == 10 and count(db, Consent) == 30
    assert calls[-1] == (ImportStep.WRITING, 10, 10)
    assert (ImportStep.CHECKING, path.stat().st_size, path.stat().st_size) in calls
    assert [c[1] for c in calls if c[0] is ImportStep.WRITING] == [3, 6, 9, 10]


def test_an_rx_moved_to_another_drug_follows_it(db: Database, admin: Actor, tmp_path: Path) -> None:
    """The staged update resolves the new NDC, a drug added by the same file included."""
    load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, ANN))
    import_prescriptions(db, admin, write(tmp_path, "a.csv", RX_HEADER, rx_line("100")),
                         today=TODAY, now=NOW)  # fmt: skip
    moved = rx_line("100", ndc="55555-555-55", drug_name="Atorvastatin 20 mg")
    report = import_prescriptions(db, admin, write(tmp_path, "b.csv", RX_HEADER, moved),
                                  today=TODAY, now=NOW)  # fmt: skip
    assert (report.updated, report.drugs_added) == (1, 1)
    with db.read() as session:
        rx, drug = session.exec(
            select(Prescription, Drug).join(Drug, col(Drug.id) == Prescription.drug_id)
        ).one()
    assert (rx.rx_number, drug.ndc, drug.name) == ("100", "55555-555-55", "Atorvastatin 20 mg")


def test_names_with_the_characters_copy_and_sql_escape_arrive_as_written(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """Staging goes by COPY on PostgreSQL and by bound parameters on SQLite: a backslash, a
    quote, a semicolon or `\\N` (COPY's NULL) in a cell must reach the table unchanged."""
    awkward = {"P1": ("O\\Brien", "D'Arcy"), "P2": ("\\N", 'Ann "Jo"; DROP'), "P3": ("Zoë", "\\t")}
    rows = [f'{pid},"{first.replace(chr(34), chr(34) * 2)}",{last},1950-02-28,,,en,Y,N,N,'
            for pid, (first, last) in awkward.items()]  # fmt: skip
    load_patients(db, admin, write(tmp_path, "p.csv", PATIENT_HEADER, *rows))
    for pid, (first, last) in awkward.items():
        found = patient(db, pid)
        assert (found.first_name, found.last_name) == (first, last)
