"""What an import tells its caller: counts, the bad rows, progress, and why it stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from rxmsg_tui.domain.csv_records import Problem
from rxmsg_tui.services.errors import InvalidInput

# Enough to fix an export by; a garbage file must not hold a problem per byte in memory.
MAX_KEPT_BAD_ROWS = 1000


class ImportStep(StrEnum):
    """Checking counts bytes of the file; writing counts good rows."""

    CHECKING = "Checking rows"
    WRITING = "Writing rows"


ProgressCallback = Callable[[ImportStep, int, int], None]
"""Called with the step, how far it is and its total; often enough for a bar, not per row."""


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    """The line of the file where the row starts (the header is line 1)."""
    problems: tuple[Problem, ...]


@dataclass
class ImportReport:
    """Counts only, never patient data: the audit row stores `counts()` as is."""

    kind: str
    file_name: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_row_count: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    """The first `MAX_KEPT_BAD_ROWS` bad rows, in file order."""
    drugs_added: int = 0
    drugs_updated: int = 0
    consent_recorded: int = 0
    consent_kept_revoked: int = 0
    """Grants in the file not applied: the patient revoked in person or by STOP since."""
    prefs_added: int = 0
    went_live: date | None = None
    """Set when this was the store's first patient import: messaging started that day."""

    def add_bad_row(self, line: int, problems: list[Problem]) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < MAX_KEPT_BAD_ROWS:
            self.bad_rows.append(BadRow(line, tuple(problems)))

    @property
    def good_rows(self) -> int:
        return self.rows - self.bad_row_count

    def counts(self) -> dict[str, int]:
        counts = {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_row_count,
        }
        if self.kind == "prescriptions":
            counts |= {"drugs_added": self.drugs_added, "drugs_updated": self.drugs_updated}
        else:
            counts |= {
                "consent_recorded": self.consent_recorded,
                "consent_kept_revoked": self.consent_kept_revoked,
                "prefs_added": self.prefs_added,
            }
        return counts


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be imported (encoding, binary, empty, header)."""


class RowsRejected(InvalidInput):
    """Bad rows stopped the import; nothing was written. `report` lists them."""

    def __init__(self, report: ImportReport) -> None:
        if report.good_rows == 0 and report.bad_row_count:
            reason = f"all {report.bad_row_count} rows in {report.file_name} are bad"
        else:
            rows = "row" if report.bad_row_count == 1 else "rows"
            reason = f"{report.bad_row_count} bad {rows} in {report.file_name}"
        super().__init__(f"nothing imported: {reason}")
        self.report = report
