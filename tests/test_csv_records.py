"""Rows of patients.csv and prescriptions.csv become typed records or every problem in them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain import csv_cells
from rxmsg_tui.domain.csv_records import (
    PATIENTS,
    PRESCRIPTIONS,
    PatientRecord,
    PrescriptionRecord,
    Problem,
    header_problems,
    parse_patient,
    parse_prescription,
)

TODAY = date(2026, 3, 2)

PATIENT_ROW = {
    "patient_id": "P001",
    "first_name": "Ann",
    "last_name": "Lee",
    "dob": "1950-02-28",
    "cell_phone": "(201) 555-0123",
    "email": "Ann.Lee@Example.com",
    "language": "es",
    "consent": "Y",
    "cell_verified": "y",
    "email_verified": "No",
    "zip": "07030",
}
RX_ROW = {
    "rx_number": "6000123",
    "patient_id": "P001",
    "drug_name": "Lisinopril 10 mg tablet",
    "ndc": "00071-0222-23",
    "maintenance": "Y",
    "dea_schedule": "0",
    "days_supply": "30",
    "last_fill_date": "2026-02-01",
    "refills_remaining": "3",
    "active": "Y",
}


def patient(**changes: str) -> PatientRecord | list[Problem]:
    return parse_patient(PATIENT_ROW | changes, today=TODAY)


def prescription(**changes: str) -> PrescriptionRecord | list[Problem]:
    return parse_prescription(RX_ROW | changes, today=TODAY)


def test_a_good_patient_row_is_typed_and_normalised() -> None:
    assert patient() == PatientRecord(
        patient_id="P001",
        first_name="Ann",
        last_name="Lee",
        dob=date(1950, 2, 28),
        cell_phone="+12015550123",
        email="Ann.Lee@example.com",
        language="es",
        consent=True,
        cell_verified=True,
        email_verified=False,
        zip="07030",
        marketing_consent=None,
    )


def test_blank_optional_cells_mean_none_on_file() -> None:
    record = patient(dob="", cell_phone=" ", email="", language="", zip="", cell_verified="N")
    assert isinstance(record, PatientRecord)
    assert (record.dob, record.cell_phone, record.email) == (None, None, None)
    assert (record.language, record.zip) == ("en", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Y", True), ("y", True), ("yes", True), (" YES ", True), ("N", False), ("no", False)],
)
def test_y_n_accepts_y_yes_n_no_in_any_case(value: str, expected: bool) -> None:
    record = patient(consent=value)
    assert isinstance(record, PatientRecord)
    assert record.consent is expected


@pytest.mark.parametrize(
    ("marketing", "expected"), [(None, None), ("", None), ("Y", True), ("n", False)]
)
def test_marketing_consent_is_optional(marketing: str | None, expected: bool | None) -> None:
    row = dict(PATIENT_ROW) if marketing is None else PATIENT_ROW | {"marketing_consent": marketing}
    record = parse_patient(row, today=TODAY)
    assert isinstance(record, PatientRecord)
    assert record.marketing_consent is expected


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"patient_id": ""}, "patient_id", "must not be empty"),
        ({"patient_id": "x" * 41}, "patient_id", "longer than 40 characters"),
        ({"first_name": "  "}, "first_name", "must not be empty"),
        ({"last_name": "Lee\x00"}, "last_name", "contains control characters"),
        ({"dob": "02/28/1950"}, "dob", "expected a date as YYYY-MM-DD"),
        ({"dob": "19500228"}, "dob", "expected a date as YYYY-MM-DD"),
        ({"dob": "1950-02-30"}, "dob", "no such date"),
        ({"dob": "2026-03-03"}, "dob", "in the future (after 2026-03-02)"),
        ({"dob": "1899-12-31"}, "dob", "before 1900-01-01"),
        ({"cell_phone": "555-010-2000"}, "cell_phone", "not a valid number"),
        ({"cell_phone": "12345"}, "cell_phone", "too few digits"),
        ({"email": "ann@"}, "email", "there must be something after the @-sign"),
        ({"language": "fr"}, "language", "expected en or es, got 'fr'"),
        ({"consent": ""}, "consent", "empty; expected Y or N"),
        ({"consent": "1"}, "consent", "expected Y or N, got '1'"),
        ({"consent": "TRUE"}, "consent", "expected Y or N, got 'TRUE'"),
        ({"cell_verified": "maybe"}, "cell_verified", "expected Y or N, got 'maybe'"),
        ({"cell_phone": "", "cell_verified": "Y"}, "cell_verified", "Y but no cell_phone"),
        ({"email": "", "email_verified": "Y"}, "email_verified", "Y but no email"),
        ({"zip": "1" * 17}, "zip", "longer than 16 characters"),
        ({"marketing_consent": "perhaps"}, "marketing_consent", "expected Y or N"),
    ],
)
def test_bad_patient_cells_are_reported_by_column(
    changes: dict[str, str], column: str, reason: str
) -> None:
    problems = patient(**changes)
    assert isinstance(problems, list)
    assert [p.column for p in problems] == [column]
    assert reason in problems[0].reason


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    problems = patient(dob="soon", email="@", consent="?", language="de")
    assert isinstance(problems, list)
    assert [p.column for p in problems] == ["dob", "email", "language", "consent"]


def test_a_missing_cell_is_a_problem_not_a_crash() -> None:
    row = {k: v for k, v in PATIENT_ROW.items() if k != "email"}
    assert parse_patient(row, today=TODAY) == [Problem("email", "missing cell")]


def test_identifying_cells_are_not_echoed_in_problems() -> None:
    problems = patient(dob="28.02.1950", patient_id="P\x01SECRET")
    assert isinstance(problems, list)
    assert all("1950" not in p.reason and "SECRET" not in p.reason for p in problems)


def test_a_good_prescription_row_is_typed_with_its_due_date() -> None:
    record = prescription()
    assert isinstance(record, PrescriptionRecord)
    assert record.ndc == "00071-0222-23"
    assert (record.maintenance, record.dea_schedule, record.active) == (True, 0, True)
    assert record.due_date == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"rx_number": ""}, "rx_number", "must not be empty"),
        ({"rx_number": "1" * 21}, "rx_number", "longer than 20 characters"),
        ({"drug_name": ""}, "drug_name", "must not be empty"),
        ({"ndc": "0071-0222"}, "ndc", "expected an NDC of 10 or 11 digits"),
        ({"ndc": "ABCDE-0222-23"}, "ndc", "expected an NDC"),
        ({"ndc": "00071--222-23"}, "ndc", "expected an NDC"),
        ({"dea_schedule": "1"}, "dea_schedule", "expected 0 (not controlled) or 2 to 5"),
        ({"dea_schedule": "6"}, "dea_schedule", "must be from 0 to 5"),
        ({"dea_schedule": "CII"}, "dea_schedule", "expected a whole number from 0 to 5"),
        ({"days_supply": "0"}, "days_supply", "must be from 1 to 365"),
        ({"days_supply": "366"}, "days_supply", "must be from 1 to 365"),
        ({"days_supply": "30.0"}, "days_supply", "expected a whole number"),
        ({"days_supply": "1_0"}, "days_supply", "expected a whole number"),
        ({"days_supply": "３０"}, "days_supply", "expected a whole number"),
        ({"refills_remaining": "-1"}, "refills_remaining", "expected a whole number from 0"),
        ({"refills_remaining": "100"}, "refills_remaining", "must be from 0 to 99"),
        ({"last_fill_date": "2026-03-03"}, "last_fill_date", "in the future"),
        ({"last_fill_date": "1999-12-31"}, "last_fill_date", "before 2000-01-01"),
        ({"last_fill_date": "2/1/2026"}, "last_fill_date", "expected a date as YYYY-MM-DD"),
        ({"maintenance": "X"}, "maintenance", "expected Y or N, got 'X'"),
        ({"active": ""}, "active", "empty; expected Y or N"),
    ],
)
def test_bad_prescription_cells_are_reported_by_column(
    changes: dict[str, str], column: str, reason: str
) -> None:
    problems = prescription(**changes)
    assert isinstance(problems, list)
    assert [p.column for p in problems] == [column]
    assert reason in problems[0].reason


@pytest.mark.parametrize("schedule", ["0", "2", "3", "4", "5"])
def test_each_dea_schedule_is_accepted(schedule: str) -> None:
    record = prescription(dea_schedule=schedule)
    assert isinstance(record, PrescriptionRecord)
    assert record.dea_schedule == int(schedule)


def test_headers_compare_trimmed_and_case_blind_and_extra_columns_are_fine() -> None:
    header = [" Patient_ID", *PATIENTS.required[1:], "store_notes", "MARKETING_CONSENT"]
    assert header_problems(PATIENTS, header) == []


def test_header_names_every_missing_column_and_repeats() -> None:
    header = ["rx_number", "patient_id", "ndc", "ndc", "active"]
    assert header_problems(PRESCRIPTIONS, header) == [
        "missing required columns: drug_name, maintenance, dea_schedule, days_supply, "
        "last_fill_date, refills_remaining",
        "column named more than once: ndc",
    ]


def test_shown_values_are_cut_short() -> None:
    assert csv_cells.shown("x" * 100) == repr("x" * csv_cells.MAX_SHOWN) + "…"


def _rows(columns: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    cell = st.text(max_size=20) | st.sampled_from(["Y", "n", "2026-02-29", "30", "+12015550123"])
    return st.fixed_dictionaries({}, optional=dict.fromkeys(columns, cell))


@settings(max_examples=200, deadline=None)
@given(_rows(PATIENTS.columns))
def test_any_patient_row_gives_a_record_or_problems(cells: dict[str, str]) -> None:
    result = parse_patient(cells, today=TODAY)
    assert isinstance(result, PatientRecord) or (
        result and all(isinstance(p, Problem) for p in result)
    )


@settings(max_examples=200, deadline=None)
@given(_rows(PRESCRIPTIONS.columns))
def test_any_prescription_row_gives_a_record_or_problems(cells: dict[str, str]) -> None:
    result = parse_prescription(cells, today=TODAY)
    assert isinstance(result, PrescriptionRecord) or (
        result and all(isinstance(p, Problem) for p in result)
    )
