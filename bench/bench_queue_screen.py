"""Times the Outbound Messaging Queue screen over 1,000,000 messages against raw SQL of its pages.

Run by hand (`make bench`), never by pytest: the figures depend on the machine.
A fresh SQLite database gets BENCH_QUEUE_ROWS messages (default 1,000,000)
spread over the 30 days up to the store's today, with one `INSERT … SELECT`
over a recursive counter. Then, headless at 80x24, the screen is opened (time
to its first page in the table and painted, and to its count) and PageDown is
pressed until a key makes the next page load (time from that key to the rows
in the table), once with the default criteria (today, about 33,000 messages)
and once with blank dates (all of them). Beside each, the same page is read
with plain sqlite3 and through the service, and the ratios are printed.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, insert, literal, select
from textual.widgets import Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.messages.queue_listing import QueueFilter, queue_page
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import OutboundMessage
from rxmsg_tui.widgets.date_input import DateInput
from rxmsg_tui.widgets.queue_table import QueueTable

ROWS = int(os.environ.get("BENCH_QUEUE_ROWS", "1000000"))
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
TODAY = date(2026, 3, 2)
END = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # midnight at the store, the end of its today
SPAN = 30 * 86_400
PAGE = 50  # the screen's page
M = OutboundMessage


def fill(db: Database, store_id: int, rows: int) -> float:
    """`rows` messages in one INSERT … SELECT; returns the seconds it took."""
    counter = select(literal(0).label("i")).cte("counter", recursive=True)
    counter = counter.union_all(select(counter.c.i + 1).where(counter.c.i < rows - 1))
    i = counter.c.i
    start = END.timestamp() - SPAN
    when = func.strftime("%Y-%m-%d %H:%M:%f000", start + i * (SPAN / rows), "unixepoch")

    def pick(*values: str) -> Any:
        return case(*((i % len(values) == n, v) for n, v in enumerate(values)), else_=values[0])

    status = pick(*["Sent"] * 6, "Delivered", "Pending", "Failed", "Undelivered", "Deleted")
    source = select(
        func.printf("bench-%08d", i),
        literal(store_id),
        pick("SMS", "SMS", "Email", "Outbound Call"),
        pick("Refill Reminder", "RX Ready for Pickup", "Birthday Greeting", "General"),
        literal(2),
        pick("Prescription", "Patient"),
        func.printf("Patient%07d, Pat", i % 200_000),
        literal("+12025550143"),
        literal(""),
        literal("Your prescription is ready for pickup at Main Street Pharmacy."),
        status,
        case((status == "Undelivered", "Opted Out"), else_=""),
        i % 3,
        when,
        when,
        literal(""),
    ).select_from(counter)
    columns = [
        "uuid", "store_id", "method", "alert_type", "priority", "entity", "entity_name",
        "recipient", "subject", "body", "status", "warning", "attempts", "created_at",
        "scheduled_at", "created_by",
    ]  # fmt: skip
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(M).from_select(columns, source))
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


PRESSES = int(os.environ.get("BENCH_QUEUE_PRESSES", "120"))
"""PageDown presses timed on each listing: enough for a p95."""


def percentile(samples: list[float], pct: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def peak_rss_mib() -> float:
    """The process's high-water resident memory (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_ms(run: Callable[[], object], times: int = 7) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


RAW_PAGE = (
    "SELECT * FROM outbound_message WHERE store_id = ? AND scheduled_at >= ? AND "
    "scheduled_at < ? AND status != 'Deleted' {after} ORDER BY scheduled_at, id LIMIT ?"
)
"""The screen's query by hand (`SELECT *` too: the service reads whole rows)."""
RAW_AFTER = "AND (scheduled_at > ? OR (scheduled_at = ? AND id > ?))"


def raw_pages(path: Path, store_id: int, start: datetime, end: datetime) -> tuple[float, float]:
    """The first and the next page with plain sqlite3: the floor the screen is compared with."""
    conn = sqlite3.connect(path)
    bounds = (start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"))
    first_sql = RAW_PAGE.format(after="")
    next_sql = RAW_PAGE.format(after=RAW_AFTER)
    cursor = conn.execute(first_sql, (store_id, *bounds, PAGE + 1))
    names = [column[0] for column in cursor.description]
    last = cursor.fetchall()[PAGE - 1]
    at, last_id = last[names.index("scheduled_at")], last[names.index("id")]

    def read_first() -> None:
        conn.execute(first_sql, (store_id, *bounds, PAGE + 1)).fetchall()

    def read_next() -> None:
        conn.execute(next_sql, (store_id, *bounds, at, at, last_id, PAGE + 1)).fetchall()

    figures = median_ms(read_first), median_ms(read_next)
    conn.close()
    return figures


def service_pages(db: Database, store_id: int, criteria: QueueFilter) -> tuple[float, float]:
    """The same two pages through `queue_page`, the function the screen's workers call."""
    after = queue_page(db, store_id, ZONE, criteria, limit=PAGE + 1)[PAGE - 1].key

    def read_first() -> None:
        queue_page(db, store_id, ZONE, criteria, limit=PAGE + 1)

    def read_next() -> None:
        queue_page(db, store_id, ZONE, criteria, after=after, limit=PAGE + 1)

    return median_ms(read_first), median_ms(read_next)


async def wait_for(condition: Callable[[], bool], limit: float = 120.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > limit:
            raise TimeoutError("the screen did not get there")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def time_screen(context: AppContext, *, all_dates: bool) -> dict[str, float]:
    app = RxMsgApp(context)
    figures: dict[str, float] = {}
    paints: list[float] = []
    painted_state: list[tuple[float, object]] = []
    """Each paint with what the table held then: a page shown in the same frame as its key
    is painted before the bench's polling can see the rows."""
    display = app._display

    def table_state() -> object:
        tables = app.screen.query(QueueTable)
        if not tables or not tables.first().window:
            return None
        table = tables.first()
        return (table.window[-1].key, table.cursor_row, table.waiting)

    def painted(screen: Any, renderable: Any) -> None:
        """Headless, the compositor still renders every update; note when it hands one over."""
        display(screen, renderable)
        if renderable is not None:
            paints.append(time.perf_counter())
            painted_state.append((paints[-1], table_state()))

    app._display = painted  # type: ignore[method-assign]

    async def paint_after(moment: float) -> float:
        return await wait_for(lambda: bool(paints) and paints[-1] > moment) and paints[-1]

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for opening in ("", "opened again: ") if not all_dates else ("",):
            if opening:  # the screen's stylesheet is loaded now, as for every later visit
                app.pop_screen()
                await pilot.pause()
            screen = OutboundMessagingQueueScreen(context)
            started = time.perf_counter()
            await app.push_screen(screen)
            table = screen.query_one(QueueTable)
            status = screen.query_one("#queue-status", Static)
            if all_dates:  # blank both dates and search: every message of the store
                await wait_for(lambda s=status: "messages" in str(s.content))  # type: ignore[misc]
                for field in screen.query(DateInput):
                    field.show(None)
                await pilot.pause()
                started = time.perf_counter()
                screen.search()
            in_table = await wait_for(lambda t=table: not t.waiting and t.row_count > 0)  # type: ignore[misc]
            figures[f"{opening}first page in the table"] = (in_table - started) * 1000
            done = await paint_after(in_table)
            figures[f"{opening}first page painted"] = (done - started) * 1000
        counted = await wait_for(lambda: "messages" in str(status.content))
        figures["count shown"] = (counted - started) * 1000
        table.focus()
        await pilot.pause()
        every: list[float] = []
        loading: list[float] = []
        for _ in range(PRESSES):
            last, row = table.window[-1].key, table.cursor_row
            pressed = time.perf_counter()
            app.simulate_key("pagedown")
            # Settled: the cursor moved (or the rows did) and no page is on its way.
            await wait_for(
                lambda k=last, r=row: (
                    (table.window[-1].key != k or table.cursor_row != r)  # type: ignore[misc]
                    and not table.waiting
                )
            )
            settled = (table.window[-1].key, table.cursor_row, False)
            # The first paint showing that state: it may come before the polling above sees it.
            await wait_for(lambda s=settled: any(p[1] == s for p in painted_state))  # type: ignore[misc]
            done = min(t for t, state in painted_state if state == settled and t >= pressed)
            painted_state.clear()
            every.append((done - pressed) * 1000)
            if table.window[-1].key != last:
                loading.append((done - pressed) * 1000)
        for name, samples in (("every key", every), ("keys that loaded a page", loading)):
            if samples:
                figures[f"PageDown p50 ({name}, painted)"] = statistics.median(samples)
                figures[f"PageDown p95 ({name}, painted)"] = percentile(samples, 95)
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rxmsg.db"
        db = Database(make_engine(f"sqlite:///{path}"))
        db.migrate()
        with db.transaction() as session:
            store = create_store(
                session, code="BENCH", name="Main Street Pharmacy", phone="",
                timezone=ZONE.key, now=NOW,
            )  # fmt: skip
        assert store.id is not None
        seconds = fill(db, store.id, ROWS)
        print(f"fill: {ROWS:,} messages in {seconds:.1f} s ({ROWS / seconds:,.0f} rows/s)")
        print(f"peak resident memory of the fill {peak_rss_mib():.0f} MiB (then reset)")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from here
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{path}")
        actor = Actor(store.id, store.code, "bench", Role.ADMIN)
        context = AppContext(settings, Clock(NOW), db, store, actor)
        day = (datetime(2026, 3, 2, 5, 0, tzinfo=UTC), END)
        ever = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        for label, criteria, bounds, all_dates in (
            (
                "screen opened on today (the default criteria)",
                QueueFilter(TODAY, TODAY),
                day,
                False,
            ),
            ("Search with blank From/To (every message)", QueueFilter(), ever, True),
        ):
            raw_first, raw_next = raw_pages(path, store.id, *bounds)
            service_first, service_next = service_pages(db, store.id, criteria)
            screen = asyncio.run(time_screen(context, all_dates=all_dates))
            print(f"\n{label}")
            print(f"  raw sqlite3 first page {raw_first:8.2f} ms   next page {raw_next:8.2f} ms")
            service = f"first page {service_first:8.2f} ms   next page {service_next:8.2f} ms"
            print(f"  service     {service}")
            for name, value in screen.items():
                floor = raw_next if name.startswith("PageDown") else raw_first
                print(f"  {name:<44} {value:8.1f} ms  ({value / floor:,.1f}x raw SQL)")
            print(f"  peak resident memory so far {peak_rss_mib():.0f} MiB")
        db.dispose()


if __name__ == "__main__":
    main()
