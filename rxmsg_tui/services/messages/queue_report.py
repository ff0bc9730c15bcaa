"""The Outbound Messaging Queue on paper (paged plain text) and as CSV, streamed from the queue."""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from rxmsg_tui.domain.csv_cells import spreadsheet_safe
from rxmsg_tui.domain.vocabulary import QueueStatus
from rxmsg_tui.services.messages.queue_listing import QueueFilter, QueueRow, iter_queue
from rxmsg_tui.services.printing import (
    PrintOutcome,
    open_private,
    print_file,
    printouts_dir,
    private_dir,
)
from rxmsg_tui.storage.database import Database

PAGE_LINES = 60
"""Lines a page: 66 at 6 lines an inch, less the margins CUPS keeps on a letter page."""

SHORT_METHOD = {"Email": "Email", "SMS": "SMS", "Outbound Call": "Call"}
SHORT_ALERT = {
    "General": "General",
    "Refill Reminder": "Refill",
    "RX Ready for Pickup": "Ready",
    "RX Pickup Confirmation": "Picked Up",
    "Birthday Greeting": "Birthday",
    "Welcome Greeting": "Welcome",
    "Verification": "Verify",
    "Customer Review": "Review",
}
SHORT_PRIORITY = {"High": "High", "Normal": "Norm", "Low": "Low"}
SHORT_ENTITY = {"Patient": "Patient", "Prescription": "Rx"}
SHORT_WARNING = {
    "Word Restricted": "Restricted",
    "Opted Out": "Opted Out",
    "No Consent": "No Consent",
    "Not Verified": "Unverified",
    "Missing Address": "No Address",
    "Invalid Address": "Bad Addr",
}
"""Short forms for an 80-column screen; the full names stay in the detail and the files."""

_COLUMNS = (
    ("Date/Time", 16),
    ("Method", 6),
    ("Alert Type", 10),
    ("Priority", 8),
    ("Entity", 7),
    ("Entity Name", 14),
    ("Status", 11),
    ("Att", 3),
    ("Warning", 10),
)
WIDTH = sum(width for _, width in _COLUMNS) + len(_COLUMNS) - 1
CSV_HEADER = (
    "id", "date_time", "method", "alert_type", "priority", "entity", "entity_name",
    "status", "warning", "attempts", "sent_at", "patient_id", "patient_name",
)  # fmt: skip
"""Patient ID and name last: columns are only added at the end, for sheets that read them."""


@dataclass(frozen=True)
class ReportHeading:
    """What each page says above the rows: whose report, of what, when."""

    store_name: str
    store_code: str
    criteria: QueueFilter
    zone: ZoneInfo
    """The store's zone: every time on the page is store time."""
    printed_at: datetime
    printed_by: str


def criteria_lines(criteria: QueueFilter) -> tuple[str, str]:
    """The date range, then the filters, as staff chose them (blank means all)."""
    start, end = criteria.date_from, criteria.date_to
    if start is None and end is None:
        dates = "Dates: all"
    else:
        dates = f"Dates: {start or 'the first'} to {end or 'the last'}"
    status = criteria.status.label if criteria.status else "All but Deleted"
    method = criteria.method.value if criteria.method else "All"
    alert = criteria.alert_type.value if criteria.alert_type else "All"
    group = f"   Group: #{criteria.group_send_id}" if criteria.group_send_id is not None else ""
    return dates, f"Status: {status}   Method: {method}   Alert Type: {alert}{group}"


def write_report(rows: Iterable[QueueRow], out: TextIO, heading: ReportHeading) -> int:
    """Write the paged report; returns the number of pages.

    The rows go to a spool file first, so the total page count ("Page 2 of 7")
    is exact even for a million rows, while memory stays flat.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count = 0
        for row in rows:
            spool.write(_line(row, heading.zone) + "\n")
            count += 1
        if count:
            spool.write(f"\n{count:,} message{'s' if count != 1 else ''}\n")
        else:
            spool.write("\nNo messages match these criteria.\n")
        body_lines = count + 2
        spool.seek(0)
        top = _top(heading, page=1, pages=1)
        per_page = PAGE_LINES - len(top)
        pages = max(1, math.ceil(body_lines / per_page))
        for page in range(1, pages + 1):
            if page > 1:
                out.write("\f")
            out.writelines(line + "\n" for line in _top(heading, page=page, pages=pages))
            for _ in range(per_page):
                line = spool.readline()
                if not line:
                    break
                out.write(line)
    return pages


def save_queue_report(db: Database, store_id: int, heading: ReportHeading, directory: Path) -> Path:
    """The report of every matching message (not just the page on screen), as a 0600 file."""
    path = _new_path(directory, "queue", heading.printed_at, heading.zone, "txt")
    with open_private(path) as out:
        rows = iter_queue(db, store_id, heading.zone, heading.criteria)
        write_report(rows, out, heading)
    return path


def print_queue(
    db: Database, store_id: int, heading: ReportHeading, *, data_dir: Path
) -> PrintOutcome:
    """Print the report, or keep it in the data dir's printouts when no printer takes it."""
    path = save_queue_report(db, store_id, heading, printouts_dir(data_dir))
    return print_file(path, data_dir=data_dir, title="Outbound Messaging Queue")


def export_queue_csv(
    db: Database,
    store_id: int,
    zone: ZoneInfo,
    criteria: QueueFilter,
    *,
    data_dir: Path,
    now: datetime,
) -> Path:
    """The CSV of every matching message, in the data dir's exports."""
    folder = private_dir(data_dir, "exports")
    return save_queue_csv(db, store_id, zone, criteria, folder, now=now)


def save_queue_csv(
    db: Database,
    store_id: int,
    zone: ZoneInfo,
    criteria: QueueFilter,
    directory: Path,
    *,
    now: datetime,
) -> Path:
    """Every matching message as CSV; no recipients or bodies (the minimum that serves)."""
    path = _new_path(directory, "queue", now, zone, "csv")
    with open_private(path) as out:
        write_csv(iter_queue(db, store_id, zone, criteria), out, zone)
    return path


def write_csv(rows: Iterable[QueueRow], out: TextIO, zone: ZoneInfo) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    for row in rows:
        writer.writerow(spreadsheet_safe(cell) for cell in _csv_cells(row, zone))
        count += 1
    return count


def _csv_cells(row: QueueRow, zone: ZoneInfo) -> list[str]:
    sent = row.sent_at.astimezone(zone).isoformat() if row.sent_at else ""
    return [
        str(row.id), row.scheduled_at.astimezone(zone).isoformat(), row.method, row.alert_type,
        row.priority, row.entity, row.entity_name, row.status, row.warning, str(row.attempts),
        sent, getattr(row, "patient_id", ""), getattr(row, "patient_name", ""),
    ]  # fmt: skip


def _top(heading: ReportHeading, *, page: int, pages: int) -> list[str]:
    store = f"{heading.store_name} ({heading.store_code})"
    numbers = f"Page {page} of {pages}"
    at = heading.printed_at.astimezone(heading.zone)
    printed = f"Printed {at:%Y-%m-%d %H:%M} by {heading.printed_by}"
    title = "Outbound Messaging Queue"
    dates, filters = criteria_lines(heading.criteria)
    return [
        _spread(store, numbers),
        _spread(title, printed),
        dates,
        filters,
        "",
        _cells(label for label, _ in _COLUMNS),
        _cells("-" * width for _, width in _COLUMNS),
    ]


def _line(row: QueueRow, zone: ZoneInfo) -> str:
    when = row.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    texts = (
        when,
        SHORT_METHOD.get(row.method, row.method),
        SHORT_ALERT.get(row.alert_type, row.alert_type),
        row.priority,
        SHORT_ENTITY.get(row.entity, row.entity),
        row.entity_name,
        _status_label(row.status),
        str(row.attempts),
        SHORT_WARNING.get(row.warning, row.warning),
    )
    return _cells(texts)


def _status_label(status: str) -> str:
    """On paper as on screen: `Unconfirmed` reads "Sent?" (the CSV keeps the stored value)."""
    known = {s.value: s.label for s in QueueStatus}
    return known.get(status, status)


def _cells(texts: Iterable[str]) -> str:
    fitted = (_fit(text, width) for text, (_, width) in zip(texts, _COLUMNS, strict=True))
    return " ".join(fitted).rstrip()


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())  # a line break in a name must not break the page count
    return (text if len(text) <= width else text[: width - 1] + "~").ljust(width)


def _spread(left: str, right: str) -> str:
    room = WIDTH - len(right) - 1
    return _fit(left, room) + " " + right


def _new_path(directory: Path, prefix: str, at: datetime, zone: ZoneInfo, ext: str) -> Path:
    """A name by the store time, never one a kept printout already has."""
    stem = f"{prefix}-{at.astimezone(zone):%Y%m%d-%H%M%S}"
    path, n = directory / f"{stem}.{ext}", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}.{ext}"
    return path
