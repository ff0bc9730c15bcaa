"""Patient Listing, Patient Profile and the `rxmsg patients` report, read page by page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.operators import in_op
from sqlalchemy.sql.schema import Column
from sqlmodel import SQLModel, col

from rxmsg_tui.domain.consent_ledger import NO_CONSENT, ConsentState, fold_ledger
from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES
from rxmsg_tui.domain.vocabulary import AlertType
from rxmsg_tui.services.errors import InvalidInput, NotFound, ServiceError
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Consent, Drug, Patient, PatientMessagePrefs, Prescription
from rxmsg_tui.storage.models.patient import last_four

MAX_PAGE = REPORT_CHUNK = 2000
PROBE = 2000
"""A filter whose own index holds at most this many matches is read from that index first."""
_PHONE_OR_ID = re.compile(r"[\d\s()+.\-]+")
_NATIONAL_DIGITS = 10
_LAST_DIGITS = 4
"""From this many digits a number typed without a paren is the end of the cell."""


def _columns(model: type[SQLModel], names: str) -> tuple[Any, ...]:
    return tuple(col(getattr(model, name)) for name in names.split())


_COLUMNS = _columns(
    Patient,
    "id patient_id first_name last_name dob cell_phone email language cell_verified email_verified",
)
_RX_COLUMNS = (
    *_columns(Prescription, "rx_number"),
    col(Drug.name),
    *_columns(Prescription, "last_fill_date days_supply due_date refills_remaining active"),
)
_CONSENT_COLUMNS = _columns(Consent, "patient_id channel purpose granted source recorded_at")
_ORDER = (col(Patient.last_name), col(Patient.first_name), col(Patient.id))


@dataclass(frozen=True)
class ListingKey:
    """Where a row sorts in the listing; the next page starts after it."""

    last_name: str
    first_name: str
    id: int


@dataclass(frozen=True)
class PatientRow:
    key: ListingKey
    patient_id: str
    first_name: str
    last_name: str
    dob: date | None
    cell_phone: str | None
    email: str | None
    language: str
    cell_verified: bool
    email_verified: bool

    @property
    def name(self) -> str:
        """As the pharmacy files it: `Last, First`."""
        return f"{self.last_name}, {self.first_name}"


@dataclass(frozen=True)
class PatientPage:
    rows: tuple[PatientRow, ...]
    more: bool
    """Whether rows lie beyond this page in the direction it was read."""


@dataclass(frozen=True)
class ReportRow:
    patient: PatientRow
    consent: ConsentState


@dataclass(frozen=True)
class RxLine:
    rx_number: str
    drug_name: str
    last_fill_date: date
    days_supply: int
    due_date: date
    refills_remaining: int
    active: bool


@dataclass(frozen=True)
class AlertPreference:
    """The channels a patient chose for one alert (the legacy Bell icon settings)."""

    alert: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class PatientProfile:
    patient: PatientRow
    consent: ConsentState
    preferences: tuple[AlertPreference, ...]
    prescriptions: tuple[RxLine, ...]


def list_patients(
    db: Database,
    store_id: int,
    *,
    search: str = "",
    after: ListingKey | None = None,
    before: ListingKey | None = None,
    from_end: bool = False,
    limit: int = 50,
) -> PatientPage:
    """One page of the listing: the first, the last, or the one after/before a key.

    A chain holds hundreds of thousands of patients, so nothing loads them all:
    `(last, first, id) > key` walks ix_patient_store_name from the key, and
    page 4,000 costs what page 1 does (an OFFSET would not).
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE} patients, not {limit}")
    backwards = before is not None or (from_end and after is None)
    query = select(*_COLUMNS)
    if after is not None:
        query = query.where(tuple_(*_ORDER) > tuple_(*astuple(after)))
    if before is not None:
        query = query.where(tuple_(*_ORDER) < tuple_(*astuple(before)))
    order = [c.desc() for c in _ORDER] if backwards else list(_ORDER)
    with _reading(db) as conn:
        clause = search_clause(search, store_id=store_id, conn=conn)
        query = query.where(in_store(store_id, clause))
        rows = [_row(r) for r in conn.execute(query.order_by(*order).limit(limit + 1))]
    more = len(rows) > limit
    del rows[limit:]
    if backwards:
        rows.reverse()
    return PatientPage(tuple(rows), more)


def count_patients(db: Database, store_id: int, *, search: str = "") -> int:
    with _reading(db) as conn:
        clause = search_clause(search, store_id=store_id, conn=conn)
        query = select(func.count()).select_from(Patient).where(in_store(store_id, clause))
        return int(conn.execute(query).scalar_one())


def iter_patient_report(
    db: Database, store_id: int, *, chunk_size: int = REPORT_CHUNK
) -> Iterator[ReportRow]:
    """Every patient in listing order with current consent; memory stays one chunk deep."""
    after: ListingKey | None = None
    while True:
        page = list_patients(db, store_id, after=after, limit=chunk_size)
        if not page.rows:
            return
        in_chunk = tuple_(*_ORDER) <= tuple_(*astuple(page.rows[-1].key))
        if after is not None:
            in_chunk = and_(in_chunk, tuple_(*_ORDER) > tuple_(*astuple(after)))
        with _reading(db) as conn:
            consent = _current_consent(conn=conn, store_id=store_id, patients=in_chunk)
        for row in page.rows:
            yield ReportRow(row, consent.get(row.key.id, NO_CONSENT))
        if not page.more:
            return
        after = page.rows[-1].key


def patient_profile(db: Database, store_id: int, patient_id: str) -> PatientProfile:
    """The patient with this pharmacy-system ID, their Rxs, message settings and consent."""
    wanted = patient_id.strip()
    if not wanted:
        raise InvalidInput("enter a patient ID")
    with _reading(db) as conn:
        found = conn.execute(
            select(*_COLUMNS).where(
                col(Patient.store_id) == store_id, col(Patient.patient_id) == wanted
            )
        ).first()
        if found is None:
            raise NotFound(f"no patient with ID {wanted!r} at this store")
        patient = _row(found)
        consent = _current_consent(
            conn=conn, store_id=store_id, patients=col(Patient.id) == patient.key.id
        ).get(patient.key.id, NO_CONSENT)
        prefs = conn.execute(
            select(PatientMessagePrefs).where(col(PatientMessagePrefs.patient_id) == patient.key.id)
        ).all()
        rxs = conn.execute(
            select(*_RX_COLUMNS)
            .join(Drug, col(Drug.id) == col(Prescription.drug_id))
            .where(col(Prescription.patient_id) == patient.key.id)
            .order_by(
                col(Prescription.active).desc(), *_columns(Prescription, "due_date rx_number")
            )
        ).all()
    by_alert = {p.alert: p for p in prefs}
    order = [*ALERT_SHORT_NAMES, *sorted(set(by_alert) - set(ALERT_SHORT_NAMES))]
    preferences = tuple(
        AlertPreference(
            _alert_name(alert),
            tuple(c for c in ("email", "sms", "call") if getattr(by_alert[alert], c)),
        )
        for alert in order
        if alert in by_alert
    )
    prescriptions = tuple(
        RxLine(number, drug, filled, days, due, refills, bool(active))
        for number, drug, filled, days, due, refills, active in rxs
    )
    return PatientProfile(patient, consent, preferences, prescriptions)


def display_phone(value: str | None) -> str:
    """`+15550102000` as staff say it, `(555) 010-2000`; anything else as entered."""
    if not value:
        return ""
    digits = value[2:] if value.startswith("+1") else ""
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return value


@contextmanager
def _reading(db: Database) -> Iterator[Connection]:
    """A read on its own connection; a database that cannot be reached is said in one line."""
    try:
        with db.read() as session:
            yield session.connection()
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[:1] or [type(exc.orig).__name__]
        raise ServiceError(f"the database cannot be used: {first[0]}") from exc


def search_clause(
    search: str, *, store_id: int, conn: Connection | None = None, sqlite: bool | None = None
) -> ColumnElement[bool] | None:
    """Name words match the start of a first or last name; digits a patient ID or cell phone.

    Letters-only words look at the names alone, which ix_patient_store_name
    covers, so a name search never reads the table rows it rejects. A word
    with a digit is a patient ID (no name holds one): its prefix is a range of
    uq_patient_store_patient_id, read first when it holds few IDs (`narrowed`).
    A search of digits alone is also a cell as staff read it (`_cell`), found
    by one of the cell's own indexes. Without `conn` nothing is probed and the
    same rows come by the slower road.
    """
    term = search.strip()
    if not term:
        return None
    if sqlite is None:
        sqlite = conn is None or conn.dialect.name == "sqlite"
    digits = re.sub(r"\D", "", term)
    if _PHONE_OR_ID.fullmatch(term) and digits:
        return _id_or_cell(conn, store_id, term, digits, sqlite=sqlite)
    clauses = []
    for word in (w for w in re.split(r"[\s,]+", term) if w):
        if any(c.isdigit() for c in word):
            dense = _starts(col(Patient.patient_id), word, sqlite=sqlite)
            clauses.append(narrowed(conn, _id_prefix(store_id, word, sqlite=sqlite), dense))
            continue
        either = [
            _starts(col(Patient.last_name), word, sqlite=sqlite),
            _starts(col(Patient.first_name), word, sqlite=sqlite),
        ]
        if not word.isalpha():
            either.append(_starts(col(Patient.patient_id), word, sqlite=sqlite))
        clauses.append(or_(*either))
    return and_(*clauses)


def narrowed(
    conn: Connection | None, ids: Select[Any], dense: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The patients `ids` reads (from an index) when they are few, else `dense`: the same rows.

    A page walks ix_patient_store_name and stops at its 51st row: cheap when
    matches are dense, a walk of every patient when they are rare (a ZIP
    nobody has, a last fill long ago). Reading at most PROBE+1 ids from the
    filter's own index tells which case this is, and when they are few they
    are the answer: the page then reads those rows alone and sorts them.
    """
    if conn is None:
        return dense
    found = sorted(set(conn.execute(ids.limit(PROBE + 1)).scalars()))
    if len(found) > PROBE:
        return dense
    return col(Patient.id).in_(found) if found else false()


def in_store(store_id: int, where: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """The store's patients that `where` keeps.

    When `where` names the patients by id (`narrowed` found few), the store is
    tested as `store_id + 0`: otherwise SQLite, choosing to save the sort,
    walks every entry of ix_patient_store_name to find those few rows.
    """
    if where is None:
        return col(Patient.store_id) == store_id
    by_id = any(
        isinstance(e, BinaryExpression)
        and e.operator is in_op
        and isinstance(e.left, Column)
        and e.left.table.name == "patient"
        and e.left.name == "id"
        for e in visitors.iterate(where)
    )
    store = col(Patient.store_id) + 0 if by_id else col(Patient.store_id)
    return and_(store == store_id, where)


def prefix_range(column: Any, text: str) -> ColumnElement[bool]:
    """`column` starts with `text`, as a range an index serves (LIKE in SQLite cannot)."""
    last = text[-1]
    start: ColumnElement[bool] = column >= text
    if ord(last) >= 0x10FFFF:
        return start
    return and_(start, column < text[:-1] + chr(ord(last) + 1))


def _id_prefix(store_id: int, word: str, *, sqlite: bool) -> Select[Any]:
    """IDs starting with `word` as typed, in capitals or in small letters, by index ranges."""
    pid = col(Patient.patient_id)
    exact = _starts(pid, word, sqlite=sqlite)
    spellings = dict.fromkeys((word, word.upper(), word.lower()))
    parts = [
        select(col(Patient.id)).where(
            col(Patient.store_id) == store_id, prefix_range(pid, spelling), exact
        )
        for spelling in spellings
    ]
    if len(parts) == 1:
        return parts[0]
    return select(union(*parts).subquery().c[0])


def _id_or_cell(
    conn: Connection | None, store_id: int, term: str, digits: str, *, sqlite: bool
) -> ColumnElement[bool]:
    """The ID starts with what was typed (or its digits), or the cell is the one read out.

    Each of the three is a range or an equality of its own index, so the
    probe reads their union; one to three digits, which may lie anywhere in
    the number, take one pass over the table instead (`+ 0` keeps it off
    ix_patient_store_id: a row read per entry would cost more).
    """
    pid = col(Patient.patient_id)
    typed = or_(*(_starts(pid, text, sqlite=sqlite) for text in dict.fromkeys((term, digits))))
    cell = _cell(term, digits)
    if cell is None:
        anywhere = or_(typed, col(Patient.cell_phone).contains(digits, autoescape=True))
        ids = select(col(Patient.id)).where(col(Patient.store_id) + 0 == store_id, anywhere)
        return narrowed(conn, ids, anywhere)
    parts = [_id_prefix(store_id, text, sqlite=sqlite) for text in dict.fromkeys((term, digits))]
    parts.append(select(col(Patient.id)).where(col(Patient.store_id) == store_id, cell))
    return narrowed(conn, select(union(*parts).subquery().c[0]), or_(typed, cell))


def _cell(term: str, digits: str) -> ColumnElement[bool] | None:
    """The cell as staff read it out, in a form one of its indexes serves; None for 1-3 digits.

    "(312) 555" or ten digits and more are the start of the national number,
    so `+1312555…`: a range of ix_patient_store_cell. Four digits and more
    typed otherwise ("555-0101", "0101") are the END of the number: its last
    four are an equality of ix_patient_store_cell_last4, and the longer
    suffix is checked on those few rows. A number that merely holds the
    digits in its middle is not found; one to three digits match anywhere.
    """
    cell = col(Patient.cell_phone)
    if term.startswith("(") or len(digits) >= _NATIONAL_DIGITS:
        national = digits[1:] if len(digits) > _NATIONAL_DIGITS and digits[0] == "1" else digits
        start = f"+1{national}"
        return and_(prefix_range(cell, start), cell.startswith(start, autoescape=True))
    if len(digits) >= _LAST_DIGITS:
        return and_(
            last_four(cell) == digits[-_LAST_DIGITS:], cell.endswith(digits, autoescape=True)
        )
    return None


def _starts(column: Mapped[str], text: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Case-insensitive prefix: SQLite's LIKE already ignores case, PostgreSQL needs ILIKE."""
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if sqlite:
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _row(r: Any) -> PatientRow:
    # Unpacked by position: attribute access on result rows costs more than the query.
    id_, patient_id, first, last, dob, cell, email, language, cell_ok, email_ok = r
    key = ListingKey(last, first, id_)
    ok = bool(cell_ok), bool(email_ok)
    return PatientRow(key, patient_id, first, last, dob, cell, email, language, *ok)


def _current_consent(
    *, conn: Connection, store_id: int, patients: ColumnElement[bool]
) -> dict[int, ConsentState]:
    """Fold the ledger in time order so the last row per channel and purpose wins.

    `patients` selects by patient columns (a keyset range for the report), so the
    statement keeps one shape instead of an IN list of thousands of ids.
    """
    rows = conn.execute(
        select(*_CONSENT_COLUMNS)
        .join(Patient, col(Patient.id) == col(Consent.patient_id))
        .where(col(Patient.store_id) == store_id, patients)
        .order_by(col(Consent.patient_id), col(Consent.recorded_at), col(Consent.id))
    )
    return fold_ledger(rows)


def _alert_name(short: str) -> str:
    """The alert's name for a stored short name; the stored text itself if no alert has it."""
    try:
        return str(AlertType.from_short(short))
    except KeyError:
        return short
