"""The queue's paper report and CSV: pages, headings, page numbers, criteria, private files."""

from __future__ import annotations

import csv
import io
import stat
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from rxmsg_tui.domain.vocabulary import Method, QueueStatus
from rxmsg_tui.services.messages.queue_listing import QueueFilter, QueueRow
from rxmsg_tui.services.messages.queue_report import (
    PAGE_LINES,
    WIDTH,
    ReportHeading,
    criteria_lines,
    save_queue_csv,
    save_queue_report,
    write_csv,
    write_report,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store
from tests.conftest import NOW

ZONE = ZoneInfo("America/New_York")
DAY = date(2026, 3, 2)
HEADING = ReportHeading("Main Street Pharmacy", "TEST", QueueFilter(DAY, DAY), ZONE, NOW, "alice")


def row(n: int, **extra: Any) -> QueueRow:
    values: dict[str, Any] = {
        "id": n, "created_at": NOW, "scheduled_at": NOW + timedelta(minutes=n),
        "method": "Outbound Call", "alert_type": "RX Pickup Confirmation", "priority": "Normal",
        "entity": "Patient", "entity_name": f"Patient{n:04d}, A very long first name",
        "recipient": "+15550102000", "subject": "", "body": "secret body", "status": "Undelivered",
        "warning": "Invalid Address", "attempts": 12, "sent_at": None, **extra,
    }  # fmt: skip
    return QueueRow(**values)


def pages_of(text: str) -> list[list[str]]:
    return [page.rstrip("\n").split("\n") for page in text.split("\f")]


def test_rows_are_paged_with_headings_and_page_numbers_between_form_feeds() -> None:
    out = io.StringIO()
    count = 130
    pages = write_report((row(n) for n in range(count)), out, HEADING)
    printed = pages_of(out.getvalue())
    assert pages == len(printed) == 3
    for number, page in enumerate(printed, start=1):
        assert len(page) <= PAGE_LINES
        assert page[0].startswith("Main Street Pharmacy (TEST)")
        assert page[0].endswith(f"Page {number} of 3")
        assert page[1].startswith("Outbound Messaging Queue")
        assert page[1].endswith("Printed 2026-03-02 10:30 by alice")  # store time
        assert page[2] == "Dates: 2026-03-02 to 2026-03-02"
        assert page[3] == "Status: All but Deleted   Method: All   Alert Type: All"
        assert page[5].split() == [
            "Date/Time", "Method", "Alert", "Type", "Priority", "Entity", "Entity", "Name",
            "Status", "Att", "Warning",
        ]  # fmt: skip
        assert all(len(line) <= WIDTH for line in page)
    assert len(printed[0]) == PAGE_LINES  # full pages are full; the last is not padded
    body = [line for page in printed for line in page[7:]]
    names = [line.split()[7] for line in body if line.startswith("2026-")]
    assert names == [f"Patient{n:04d}," for n in range(count)]
    assert body[0] == (
        "2026-03-02 10:30 Call   Picked Up  Normal   Patient Patient0000, ~ Undelivered 12  Bad Addr"
    )
    assert "secret body" not in out.getvalue()
    assert body[-1] == "130 messages"


def test_an_empty_report_is_one_page_that_says_so() -> None:
    out = io.StringIO()
    criteria = QueueFilter(status=QueueStatus.FAILED, method=Method.SMS)
    heading = ReportHeading("Main Street Pharmacy", "TEST", criteria, ZONE, NOW, "alice")
    assert write_report([], out, heading) == 1
    [page] = pages_of(out.getvalue())
    assert page[0].endswith("Page 1 of 1")
    assert page[2:4] == ["Dates: all", "Status: Failed   Method: SMS   Alert Type: All"]
    assert page[-1] == "No messages match these criteria."


def test_criteria_lines_name_open_ended_ranges() -> None:
    assert criteria_lines(QueueFilter(date_from=DAY))[0] == "Dates: 2026-03-02 to the last"
    assert criteria_lines(QueueFilter(date_to=DAY))[0] == "Dates: the first to 2026-03-02"


def test_csv_has_the_shown_fields_and_keeps_formulas_as_text() -> None:
    out = io.StringIO()
    rows = [row(1, entity_name='=HYPERLINK("http://x")'), row(2, sent_at=NOW, status="Sent")]
    assert write_csv(rows, out, ZONE) == 2
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert read[0]["entity_name"] == '\'=HYPERLINK("http://x")'
    assert read[0]["date_time"] == "2026-03-02T10:31:00-05:00"
    assert read[1]["sent_at"] == "2026-03-02T10:30:00-05:00"
    assert "body" not in read[0] and "recipient" not in read[0]


def test_saved_files_stream_every_matching_row_and_only_their_owner_reads_them(
    db: Database, store: Store, tmp_path: Path
) -> None:
    assert store.id is not None
    base = {"store_id": store.id, "method": "SMS", "alert_type": "General", "priority": 3,
            "entity": "Patient", "recipient": "+15550102000", "body": "hi", "created_at": NOW}  # fmt: skip
    rows = [
        {**base, "uuid": str(uuid.uuid4()), "entity_name": f"P{n:03d}", "status": "Pending",
         "scheduled_at": NOW + timedelta(seconds=n)}
        for n in range(230)  # more than one page of the listing underneath
    ]  # fmt: skip
    rows.append(
        {**base, "uuid": "d", "entity_name": "Gone", "status": "Deleted", "scheduled_at": NOW}
    )
    rows.append({**base, "uuid": "t", "entity_name": "Tomorrow", "status": "Pending",
                 "scheduled_at": NOW + timedelta(days=1)})  # fmt: skip
    with db.engine.begin() as conn:
        conn.execute(insert(OutboundMessage), rows)
    report = save_queue_report(db, store.id, HEADING, tmp_path)
    export = save_queue_csv(db, store.id, ZONE, HEADING.criteria, tmp_path, now=NOW)
    again = save_queue_report(db, store.id, HEADING, tmp_path)
    assert (
        report.name == "queue-20260302-103000.txt" and again.name == "queue-20260302-103000-2.txt"
    )
    for path in (report, export):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = report.read_text()
    assert "230 messages" in text and "Gone" not in text and "Tomorrow" not in text
    assert text.count("\f") == 4  # 230 rows + total over 53-row pages: 5 pages
    assert "Page 5 of 5" in text
    assert len(export.read_text().splitlines()) == 231
