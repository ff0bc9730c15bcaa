"""The queue's pages, read on and back from any row, are the listing in order, nothing missed.

A page's anchor is also given to the database as a plain time bound (so that
SQLite walks its index from the anchor, not from the store's first message):
these hold that bound to the same rows, with and without dates, across ties
in time, and on SQLite that the bound is what the index is walked by.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert

from rxmsg_tui.services.messages.queue_listing import (
    QueueFilter,
    queue_page,
    queue_page_before,
    read_page,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import OutboundMessage, Store

ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # midnight at the store, March 1


def _message(n: int, at: datetime, status: str) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()), "method": "SMS", "alert_type": "General", "priority": 3,
        "entity": "Patient", "entity_name": f"Patient {n}", "recipient": "+15550102000",
        "subject": "", "body": f"Message {n}", "status": status, "attempts": 0, "warning": "",
        "created_at": START, "scheduled_at": at, "created_by": "",
    }  # fmt: skip


@pytest.fixture
def messages(db: Database, store: Store) -> None:
    """40 messages over three days, every time held by two of them; every fifth deleted."""
    rows = [
        _message(n, START + timedelta(hours=4 * (n // 2)), "Deleted" if n % 5 == 4 else "Sent")
        for n in range(40)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(OutboundMessage), [{"store_id": store.id, **row} for row in rows])


CRITERIA = [
    QueueFilter(),
    QueueFilter(date(2026, 3, 2), date(2026, 3, 2)),
    QueueFilter(date(2026, 3, 1), date(2026, 3, 3)),
    QueueFilter(date_from=date(2026, 3, 2)),
    QueueFilter(date_to=date(2026, 3, 2)),
]


@pytest.mark.usefixtures("messages")
@pytest.mark.parametrize("criteria", CRITERIA, ids=["blank", "one day", "three days", "from", "to"])
def test_pages_on_and_back_from_every_row_are_the_listing(
    db: Database, store: Store, criteria: QueueFilter
) -> None:
    assert store.id is not None
    listing = queue_page(db, store.id, ZONE, criteria, limit=1000)
    keys = [row.key for row in listing]
    assert keys == sorted(keys) and listing
    for i, row in enumerate(listing):
        after = queue_page(db, store.id, ZONE, criteria, after=row.key, limit=3)
        assert [r.key for r in after] == keys[i + 1 : i + 4]
        before = queue_page_before(db, store.id, ZONE, criteria, before=row.key, limit=3)
        assert [r.key for r in before] == keys[max(0, i - 3) : i]
    on, more = read_page(db, store.id, ZONE, criteria, anchor=None, limit=4)
    walked = [r.key for r in on]
    while more:
        on, more = read_page(db, store.id, ZONE, criteria, anchor=walked[-1], limit=4)
        walked += [r.key for r in on]
    assert walked == keys


def test_on_sqlite_the_anchor_bounds_the_index_walk(db: Database, store: Store) -> None:
    """Without dates the anchor is the only bound; with them it stands for the day's on its side."""
    if not db.is_sqlite:
        pytest.skip("a SQLite query plan")
    assert store.id is not None
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statements.append((sql, parameters))

    anchor = (START + timedelta(days=1, hours=6), 10**6)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for criteria in (QueueFilter(), QueueFilter(date(2026, 3, 2), date(2026, 3, 2))):
            queue_page(db, store.id, ZONE, criteria, after=anchor, limit=3)
            queue_page_before(db, store.id, ZONE, criteria, before=anchor, limit=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    pages = [(sql, parameters) for sql, parameters in statements if "LIMIT" in sql]
    assert len(pages) == 4
    with db.engine.connect() as conn:
        for (sql, parameters), side in zip(pages, [">", "<", ">", "<"], strict=True):
            plan = " ".join(
                str(step[-1])
                for step in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            )
            assert f"scheduled_at{side}?" in plan and "ix_queue_store_scheduled" in plan, plan
    # With a day, the anchor stands for the day's bound on its side (the plan cannot say which).
    day_start, day_end = "2026-03-02 05:00:00.000000", "2026-03-03 05:00:00.000000"
    (_, forward), (_, backward) = pages[2:]
    assert day_end in forward and day_start not in forward
    assert day_start in backward and day_end not in backward
