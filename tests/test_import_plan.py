"""The importer's quick "nothing changed" answer is the full comparison's, for any row."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain.csv_records import PatientRecord
from rxmsg_tui.services.importing.patients import _COMPARED, _row, _same, _updated

Found = namedtuple("Found", ["id", "patient_id", *_COMPARED])
"""A `patient` row as `_existing` reads it (a SQLAlchemy Row reads the same by name)."""

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
few = st.sampled_from
patients = st.fixed_dictionaries({
    "first_name": few(["Ann", "Bo"]),
    "last_name": few(["Lee", "Diaz"]),
    "dob": few([None, date(1950, 2, 28), date(1961, 7, 4)]),
    "cell_phone": few([None, "+12015550101", "+12015550102"]),
    "email": few([None, "a@example.com", "b@example.com"]),
    "language": few(["en", "es"]),
    "zip": few(["", "07030"]),
    "cell_verified": st.booleans(),
    "email_verified": st.booleans(),
})  # fmt: skip


@given(found=patients, record=patients, consent=st.booleans())
def test_same_is_the_full_comparison_finding_nothing(
    found: dict[str, object], record: dict[str, object], consent: bool
) -> None:
    row = Found(id=7, patient_id="P1", **found)
    parsed = PatientRecord(patient_id="P1", consent=consent, marketing_consent=None,
                           new_patient=None, **record)  # type: ignore[arg-type]  # fmt: skip
    full = _updated(row._asdict(), _row(1, parsed, NOW))
    assert _same(row, parsed) == (full is None)  # type: ignore[arg-type]
