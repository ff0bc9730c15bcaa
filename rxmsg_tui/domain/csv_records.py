"""The patients.csv and prescriptions.csv formats (DESIGN.md §8): header and row rules."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, TypeVar

from rxmsg_tui.domain import csv_cells
from rxmsg_tui.domain.contact import InvalidContact, normalise_email, normalise_phone
from rxmsg_tui.domain.contact_fast import plain_address, us_number_e164
from rxmsg_tui.domain.csv_cells import CellError
from rxmsg_tui.domain.vocabulary import Language

EARLIEST_DOB = date(1900, 1, 1)
EARLIEST_FILL = date(2000, 1, 1)
DEA_SCHEDULES = frozenset({0, 2, 3, 4, 5})
MAX_DAYS_SUPPLY = 365
MAX_REFILLS = 99

# Cells that identify a patient are never echoed in an error (minimum necessary PHI).
IDENTIFYING = frozenset(
    {"patient_id", "first_name", "last_name", "dob", "cell_phone", "email", "zip", "rx_number"}
)
_NDC = re.compile(r"^[0-9][0-9-]*[0-9]$", re.ASCII)

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one cell (or the whole row, column `(row)`) cannot be imported.

    Rows give a record or every problem in them, never an exception: an import
    reports all bad rows at once, so staff fix the export in one go.
    """

    column: str
    reason: str


@dataclass(frozen=True)
class CsvLayout:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


PATIENTS = CsvLayout(
    "patients",
    (
        "patient_id", "first_name", "last_name", "dob", "cell_phone", "email",
        "language", "consent", "cell_verified", "email_verified", "zip",
    ),
    ("marketing_consent", "new_patient"),
)  # fmt: skip
PRESCRIPTIONS = CsvLayout(
    "prescriptions",
    (
        "rx_number", "patient_id", "drug_name", "ndc", "maintenance", "dea_schedule",
        "days_supply", "last_fill_date", "refills_remaining", "active",
    ),
)  # fmt: skip


def column_name(header_cell: str) -> str:
    """Header names compare trimmed and case-blind: `Patient_ID ` is `patient_id`."""
    return header_cell.strip().lstrip("\ufeff").strip().lower()


def header_problems(layout: CsvLayout, header: Sequence[str]) -> list[str]:
    """What is wrong with the header line, empty when the import may go on."""
    names = [column_name(cell) for cell in header]
    problems = []
    missing = [column for column in layout.required if column not in names]
    if missing:
        problems.append(
            f"missing required column{'s' if len(missing) > 1 else ''}: " + ", ".join(missing)
        )
    twice = sorted({n for n in names if n in layout.columns and names.count(n) > 1})
    if twice:
        problems.append("column named more than once: " + ", ".join(twice))
    return problems


class PatientRecord(NamedTuple):
    """One good patients.csv row: a tuple, built 200,000 times by an import at a tuple's cost
    (a frozen dataclass sets each of its fields through `object.__setattr__`)."""

    patient_id: str
    first_name: str
    last_name: str
    dob: date | None
    cell_phone: str | None
    email: str | None
    language: str
    consent: bool
    cell_verified: bool
    email_verified: bool
    zip: str
    marketing_consent: bool | None
    """None when the column is absent or the cell blank: the ledger is left as it is."""
    new_patient: bool | None = None
    """N: a patient the pharmacy had before (no Welcome); None when absent or blank."""


@dataclass(frozen=True, slots=True)
class PrescriptionRecord:
    rx_number: str
    patient_id: str
    drug_name: str
    ndc: str
    maintenance: bool
    dea_schedule: int
    days_supply: int
    last_fill_date: date
    refills_remaining: int
    active: bool

    @property
    def due_date(self) -> date:
        """The refill rules' due date (DESIGN.md §4): last fill + days supply."""
        return self.last_fill_date + timedelta(days=self.days_supply)


class _Row:
    """Reads the cells of one row, collecting problems instead of stopping at the first."""

    def __init__(self, cells: Mapping[str, str]) -> None:
        self.cells = cells
        self.problems: list[Problem] = []

    def get(self, column: str, read: Callable[[str], R], default: R) -> R:
        value = self.cells.get(column)
        if value is None:
            self.problems.append(Problem(column, "missing cell"))
            return default
        try:
            return read(value)
        except CellError as exc:
            shown = column not in IDENTIFYING
            self.problems.append(Problem(column, exc.describe(show_value=shown)))
        except InvalidContact as exc:
            self.problems.append(Problem(column, str(exc)))
        return default

    def check(self, column: str, ok: bool, reason: str) -> None:
        if not ok:
            self.problems.append(Problem(column, reason))


def parse_patient(cells: Mapping[str, str], *, today: date) -> PatientRecord | list[Problem]:
    """One patients.csv row; `today` is the store's date (a birth date cannot follow it).

    A clean row (almost every row of an export) is read in one straight pass;
    any doubt sends it through `parse_patient_cell_by_cell`, which names every
    problem. `tests/test_csv_records.py` proves the two agree.
    """
    return _clean_patient(cells, today) or parse_patient_cell_by_cell(cells, today=today)


def parse_patient_cell_by_cell(
    cells: Mapping[str, str], *, today: date
) -> PatientRecord | list[Problem]:
    """`parse_patient` with every cell through its reader: the reference the fast pass matches."""
    row = _Row(cells)
    yes_no = csv_cells.yes_no
    record = PatientRecord(
        patient_id=row.get("patient_id", _PATIENT_ID, ""),
        first_name=row.get("first_name", _NAME, ""),
        last_name=row.get("last_name", _NAME, ""),
        dob=row.get("dob", _dates(today).dob, None),
        cell_phone=row.get("cell_phone", _PHONE, None),
        email=row.get("email", _EMAIL, None),
        language=row.get("language", _language, Language.ENGLISH.value),
        consent=row.get("consent", yes_no, False),
        cell_verified=row.get("cell_verified", yes_no, False),
        email_verified=row.get("email_verified", yes_no, False),
        zip=row.get("zip", _ZIP, ""),
        marketing_consent=_optional_yes_no(row, "marketing_consent"),
        new_patient=_optional_yes_no(row, "new_patient"),
    )
    if not row.problems:
        has_phone, has_email = record.cell_phone is not None, record.email is not None
        row.check("cell_verified", has_phone or not record.cell_verified, "Y but no cell_phone")
        row.check("email_verified", has_email or not record.email_verified, "Y but no email")
    return row.problems or record


_YES_NO = {word: True for word in csv_cells.YES} | {word: False for word in csv_cells.NO}
_BLANK_OR_YES_NO: dict[str, bool | None] = {"": None, **_YES_NO}
_LANGUAGE_CODES = {"": Language.ENGLISH.value} | {lang.value: lang.value for lang in Language}


def _clean_patient(cells: Mapping[str, str], today: date) -> PatientRecord | None:
    """The row's record when every cell is plainly good, else None (not decided here).

    The same readers and the same order of transforms as the cell-by-cell path,
    without its per-cell bookkeeping, which costs more than the checks at 200,000
    rows. Never a refusal: a problem of any kind returns None.
    """
    try:
        patient_id = cells["patient_id"].strip()
        first_name = cells["first_name"].strip()
        last_name = cells["last_name"].strip()
        zip_code = cells["zip"].strip()
        dob_text = cells["dob"].strip()
        phone_text = cells["cell_phone"].strip()
        email_text = cells["email"].strip()
        language = _LANGUAGE_CODES.get(cells["language"].strip().lower())
        consent = _YES_NO.get(cells["consent"].strip().upper())
        cell_verified = _YES_NO.get(cells["cell_verified"].strip().upper())
        email_verified = _YES_NO.get(cells["email_verified"].strip().upper())
        marketing = _optional_cell(cells, "marketing_consent")
        new_patient = _optional_cell(cells, "new_patient")
    except KeyError:
        return None
    if (
        not (patient_id and first_name and last_name)
        or language is None
        or consent is None
        or cell_verified is None
        or email_verified is None
        or len(patient_id) > _PATIENT_ID_MAX
        or len(first_name) > _NAME_MAX
        or len(last_name) > _NAME_MAX
        or len(zip_code) > _ZIP_MAX
        # No control character (the cell readers' refusal) is printable.
        or not (patient_id + first_name + last_name + zip_code).isprintable()
        or (cell_verified and not phone_text)
        or (email_verified and not email_text)
    ):
        return None
    try:
        dob = (
            csv_cells.iso_date(dob_text, earliest=EARLIEST_DOB, latest=today) if dob_text else None
        )
        cell_phone = (
            (us_number_e164(phone_text) or normalise_phone(phone_text)) if phone_text else None
        )
        email = (plain_address(email_text) or normalise_email(email_text)) if email_text else None
    except (CellError, InvalidContact):
        return None
    return PatientRecord(
        patient_id, first_name, last_name, dob, cell_phone, email, language, consent,
        cell_verified, email_verified, zip_code, marketing, new_patient,
    )  # fmt: skip


def _optional_cell(cells: Mapping[str, str], column: str) -> bool | None:
    """None when absent or blank; KeyError when neither blank nor Y/N (the full path says why)."""
    value = cells.get(column)
    return None if value is None else _BLANK_OR_YES_NO[value.strip().upper()]


def parse_prescription(
    cells: Mapping[str, str], *, today: date
) -> PrescriptionRecord | list[Problem]:
    """One prescriptions.csv row; the patient is resolved later, against the database."""
    row = _Row(cells)
    yes_no = csv_cells.yes_no
    record = PrescriptionRecord(
        rx_number=row.get("rx_number", _RX_NUMBER, ""),
        patient_id=row.get("patient_id", _SHARED_PATIENT_ID, ""),
        drug_name=row.get("drug_name", _DRUG_NAME, ""),
        ndc=row.get("ndc", _ndc, ""),
        maintenance=row.get("maintenance", yes_no, False),
        dea_schedule=row.get("dea_schedule", _dea_schedule, 0),
        days_supply=row.get("days_supply", _DAYS_SUPPLY, 1),
        last_fill_date=row.get("last_fill_date", _dates(today).fill, today),
        refills_remaining=row.get("refills_remaining", _REFILLS, 0),
        active=row.get("active", yes_no, False),
    )
    return row.problems or record


def _optional_yes_no(row: _Row, column: str) -> bool | None:
    if column not in row.cells:
        return None
    return row.get(column, csv_cells.optional_yes_no, None)


def _text(max_len: int, *, required: bool = True) -> Callable[[str], str]:
    return lambda value: csv_cells.text(value, max_len=max_len, required=required)


def _whole(low: int, high: int) -> Callable[[str], int]:
    return lambda value: csv_cells.whole_number(value, low=low, high=high)


def _date(earliest: date, latest: date) -> Callable[[str], date]:
    return lambda value: csv_cells.iso_date(value, earliest=earliest, latest=latest)


def _optional(read: Callable[[str], R]) -> Callable[[str], R | None]:
    """A blank cell is "none on file"; anything else must read cleanly."""
    return lambda value: read(value) if value.strip() else None


def _shared(read: Callable[[str], str]) -> Callable[[str], str]:
    """Interned: one drug or patient recurs on many rows, and a large file is held whole."""
    return lambda value: sys.intern(read(value))


_PATIENT_ID_MAX, _NAME_MAX, _ZIP_MAX = 40, 80, 16
_PATIENT_ID = _text(_PATIENT_ID_MAX)
_SHARED_PATIENT_ID = _shared(_PATIENT_ID)
_NAME = _text(_NAME_MAX)
_ZIP = _text(_ZIP_MAX, required=False)
_PHONE = _optional(normalise_phone)
_EMAIL = _optional(normalise_email)
_RX_NUMBER = _text(20)
_DRUG_NAME = _shared(_text(120))
_DAYS_SUPPLY = _whole(1, MAX_DAYS_SUPPLY)
_REFILLS = _whole(0, MAX_REFILLS)
_LANGUAGES = frozenset(lang.value for lang in Language)


@dataclass(frozen=True)
class _DateReaders:
    dob: Callable[[str], date | None]
    fill: Callable[[str], date]


@functools.lru_cache(maxsize=4)
def _dates(today: date) -> _DateReaders:
    """Built once per import day rather than once per row."""
    return _DateReaders(_optional(_date(EARLIEST_DOB, today)), _date(EARLIEST_FILL, today))


def _language(value: str) -> str:
    code = value.strip().lower()
    if not code:
        return Language.ENGLISH.value
    if code not in _LANGUAGES:
        raise CellError("expected en or es", value)
    return code


def _dea_schedule(value: str) -> int:
    schedule = csv_cells.whole_number(value, low=0, high=5)
    if schedule not in DEA_SCHEDULES:
        raise CellError("expected 0 (not controlled) or 2 to 5", value)
    return schedule


def _ndc(value: str) -> str:
    """Kept as the pharmacy system spells it, so a re-import finds the same drug."""
    code = csv_cells.text(value, max_len=16)
    digits = len(code) - code.count("-")
    if not _NDC.match(code) or "--" in code or digits not in (10, 11):
        raise CellError("expected an NDC of 10 or 11 digits, hyphens allowed", value)
    return sys.intern(code)
