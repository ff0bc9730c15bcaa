"""Refill reminder kinds, and the day a birthday is kept.

The daily process decides in set-based SQL which prescriptions get a refill
reminder today (`services/daily/refill.py`); the rule in its plainest form,
which the tests hold that SQL to, lives beside them (`tests/refill_oracle.py`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ReminderKind(StrEnum):
    DUE = "due"
    PAST_DUE = "past-due"


def birthday_on(dob: date, year: int) -> date:
    """The day a birthday is kept in `year`: 29 February becomes 28 February in common years."""
    try:
        return dob.replace(year=year)
    except ValueError:
        return date(year, 2, 28)
