"""A patients.csv row read in one pass gives what reading it cell by cell gives.

`parse_patient` decides clean rows in one straight pass and hands every other
row to `parse_patient_cell_by_cell`; the rows drawn here mix good cells,
near misses (blank, too long, control characters, odd case, padding, foreign
numbers, Unicode addresses) and noise, so both sides of every check are met.
"""

from __future__ import annotations

from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain import csv_records
from rxmsg_tui.domain.csv_records import (
    PATIENTS,
    PatientRecord,
    parse_patient,
    parse_patient_cell_by_cell,
)

TODAY = date(2026, 3, 2)
CLEAN = {
    "patient_id": "P001", "first_name": "Ann", "last_name": "Lee", "dob": "1950-02-28",
    "cell_phone": "(201) 555-0123", "email": "Ann.Lee@Example.com", "language": "es",
    "consent": "Y", "cell_verified": "y", "email_verified": "No", "zip": "07030",
}  # fmt: skip

TEXT = ["Ann", " Ann ", "", "  ", "A" * 80, "A" * 81, "P" * 40, "P" * 41, "O\u2019Neil", "Ann\tLee",
        "Ann\x85", "\xa0Ann", "Zo\u00eb", "=cmd", "07030", "0703O-1234-5678-90"]  # fmt: skip
DATES = ["1950-02-28", " 1950-02-28", "", "2026-03-02", "2026-03-03", "1899-12-31", "1900-01-01",
         "1950-02-29", "19500228", "1950-W10-1", "28/02/1950", "1950-2-28"]  # fmt: skip
PHONES = ["(201) 555-0123", "201-555-0123", "+1 201 555 0123", " 2015550123 ", "", "(555) 010-2000",
          "+44 20 7946 0958", "201-555-012", "1-800-FLOWERS", "201 555 0123 x12", "+1 (201)555-0123",
          "9" * 41, "(201)) 555-0123"]  # fmt: skip
EMAILS = ["Ann.Lee@Example.com", "", " ann@example.com ", "josé@bücher.de", "a..b@example.com",
          "Postmaster@example.com", "ann@example.test", "ann@ex--ample.com", "ann@@example.com",
          "ann@localhost", "ann@xn--bcher-kva.de", "a" * 250 + "@x.io", "ann@example.c0m"]  # fmt: skip
LANGUAGES = ["en", "es", "ES", " en ", "", "fr", "EN\t", "english"]
YES_NO = ["Y", "N", "y", "n", "YES", "no", " Y ", "", "maybe", "1", "Ñ"]
COLUMN_VALUES = {
    "patient_id": TEXT, "first_name": TEXT, "last_name": TEXT, "zip": TEXT, "dob": DATES,
    "cell_phone": PHONES, "email": EMAILS, "language": LANGUAGES, "consent": YES_NO,
    "cell_verified": YES_NO, "email_verified": YES_NO, "marketing_consent": YES_NO,
    "new_patient": YES_NO,
}  # fmt: skip


def _cell(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values) | st.text(max_size=12)


ROWS = st.fixed_dictionaries(
    {column: _cell(COLUMN_VALUES[column]) for column in PATIENTS.required},
    optional={column: _cell(COLUMN_VALUES[column]) for column in PATIENTS.optional},
)
MOSTLY_CLEAN = st.fixed_dictionaries(
    {column: st.sampled_from(COLUMN_VALUES[column][:4]) for column in PATIENTS.required},
    optional={column: st.sampled_from(YES_NO[:8]) for column in PATIENTS.optional},
)


@settings(max_examples=1500, deadline=None)
@given(
    ROWS | MOSTLY_CLEAN | MOSTLY_CLEAN.map(lambda row: {k: v for k, v in row.items() if k != "zip"})
)
@example(CLEAN)
@example(CLEAN | {"cell_verified": "Y", "cell_phone": ""})
@example(CLEAN | {"email_verified": "Y", "email": " "})
@example(CLEAN | {"first_name": "Ann\x1f"})
@example(CLEAN | {"marketing_consent": "", "new_patient": "N"})
def test_one_pass_and_cell_by_cell_agree(cells: dict[str, str]) -> None:
    assert parse_patient(cells, today=TODAY) == parse_patient_cell_by_cell(cells, today=TODAY)


def test_a_clean_row_takes_the_one_pass() -> None:
    record = csv_records._clean_patient(CLEAN | {"marketing_consent": "n"}, TODAY)
    assert record == PatientRecord(
        "P001", "Ann", "Lee", date(1950, 2, 28), "+12015550123", "Ann.Lee@example.com", "es",
        True, True, False, "07030", False, None,
    )  # fmt: skip
    foreign = csv_records._clean_patient(CLEAN | {"cell_phone": "+44 20 7946 0958"}, TODAY)
    assert foreign is not None and foreign.cell_phone == "+442079460958"


def test_a_row_with_a_problem_is_left_to_the_cell_by_cell_reading() -> None:
    for changes in ({"dob": "1950-02-30"}, {"email": "ann@"}, {"zip": "0" * 17}, {"consent": ""}):
        assert csv_records._clean_patient(CLEAN | changes, TODAY) is None, changes
    assert csv_records._clean_patient({k: v for k, v in CLEAN.items() if k != "dob"}, TODAY) is None
