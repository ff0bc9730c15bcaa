"""A day as pharmacy staff type it: `12/01/2026` as on US labels, or ISO `2026-12-01`."""

from __future__ import annotations

import re
from datetime import date

DAY_FORMS = "MM/DD/YYYY or YYYY-MM-DD"
_US_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def read_day(text: str) -> date:
    """The day `text` names; ValueError names both forms read.

    One rule for the queue's date fields and `rxmsg queue --from/--to`, so a
    day typed in one is read the same in the other. A day that does not exist
    (`02/30/2026`) is refused, never rolled over.
    """
    text = text.strip()
    try:
        if found := _US_DAY.fullmatch(text):
            month, day, year = (int(part) for part in found.groups())
            return date(year, month, day)
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"{text} is not a date: type it as {DAY_FORMS}")
