"""One CSV cell: readers for text, Y/N, whole numbers and ISO 8601 dates; the writer's guard."""

from __future__ import annotations

import re
from datetime import date

YES = frozenset({"Y", "YES"})
NO = frozenset({"N", "NO"})
MAX_SHOWN = 24

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
# ASCII digits only: int() would also take "1_000", " ٣ " or "²".
_WHOLE = re.compile(r"^[0-9]{1,9}$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula (OWASP), and the full-width forms that
some East Asian editions of Excel turn into them."""
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)


class CellError(ValueError):
    """A cell's value is not acceptable: the reason, and the value when it may be shown.

    Identifying cells (names, date of birth, addresses) are never echoed back,
    so an error report can be pasted into a support ticket without PHI.
    """

    def __init__(self, reason: str, value: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value

    def describe(self, *, show_value: bool) -> str:
        if show_value and self.value is not None:
            return f"{self.reason}, got {shown(self.value)}"
        return self.reason


def text(value: str, *, max_len: int, required: bool = True) -> str:
    """Trimmed text; control characters mean a broken export, not a name."""
    cleaned = value.strip()
    if required and not cleaned:
        raise CellError("must not be empty")
    if len(cleaned) > max_len:
        raise CellError(f"longer than {max_len} characters")
    if _CONTROL.search(cleaned):
        raise CellError("contains control characters")
    return cleaned


def yes_no(value: str) -> bool:
    """Y/YES or N/NO in any case; a blank cell is an error, not a silent No."""
    word = value.strip().upper()
    if word in YES:
        return True
    if word in NO:
        return False
    if not word:
        raise CellError("empty; expected Y or N")
    raise CellError("expected Y or N", value)


def optional_yes_no(value: str) -> bool | None:
    """Like `yes_no`, but a blank cell means "not stated" (None)."""
    if not value.strip():
        return None
    return yes_no(value)


def whole_number(value: str, *, low: int, high: int) -> int:
    cleaned = value.strip()
    if not cleaned:
        raise CellError(f"empty; expected a whole number from {low} to {high}")
    if not _WHOLE.match(cleaned):
        raise CellError(f"expected a whole number from {low} to {high}", value)
    number = int(cleaned)
    if not low <= number <= high:
        raise CellError(f"must be from {low} to {high}", value)
    return number


def iso_date(value: str, *, earliest: date, latest: date) -> date:
    """A calendar date written YYYY-MM-DD, within [earliest, latest].

    Only the extended form is taken: `date.fromisoformat` would also read
    `20260302` or `2026-W10-1`, which in a pharmacy export mean a broken column.
    """
    cleaned = value.strip()
    if not cleaned:
        raise CellError("empty; expected a date as YYYY-MM-DD")
    if not _ISO_DATE.match(cleaned):
        raise CellError("expected a date as YYYY-MM-DD", value)
    try:
        parsed = date.fromisoformat(cleaned)
    except ValueError:
        raise CellError("no such date", value) from None
    if parsed > latest:
        raise CellError(f"in the future (after {latest.isoformat()})", value)
    if parsed < earliest:
        raise CellError(f"before {earliest.isoformat()}", value)
    return parsed


def shown(value: str) -> str:
    """The value quoted for an error line, cut short so garbage cannot flood the terminal."""
    if len(value) > MAX_SHOWN:
        return repr(value[:MAX_SHOWN]) + "…"
    return repr(value)


def spreadsheet_safe(cell: str) -> str:
    """A cell that a spreadsheet shows as text instead of running it as a formula.

    Every CSV rxmsg writes goes through here: a patient named `=HYPERLINK(…)`
    or `=cmd|' /C calc'!A0` (from an import, a chat, a careless keyboard) must
    not run on the manager's desktop. Such a cell gets a leading `'`, as OWASP
    advises. A plain number keeps its sign: `+15550102000` is how rxmsg
    writes every cell phone, and `-3` a count; neither can call anything,
    and quoting them would break the round trip back into `rxmsg import`.
    """
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
