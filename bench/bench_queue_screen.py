"""Times the Outbound Messaging Queue screen over 1,000,000 messages against raw SQL of its pages.

Run by hand (`make bench`), never by pytest: the figures depend on the machine.
A SQLite database gets BENCH_QUEUE_ROWS messages (default 1,000,000) spread
over the 30 days up to the store's today, with one `INSERT … SELECT` over a
recursive counter, in a process of its own so that the fill's memory is not
counted; BENCH_QUEUE_DB names a file to keep it in between runs. Then, headless
at 80x24, the screen is opened (time to its first page in the table and
painted, and to its count) and PageDown is pressed BENCH_QUEUE_PRESSES times,
once with the default criteria (today, about 33,000 messages) and once with
blank dates (all of them). A key is timed from the press to the first paint
that shows where it went, in wall time and in the process's CPU time (steadier
on a shared machine); the next key waits until the page read ahead is in, as
between the keys of a person. Beside each listing the same page is read with
plain sqlite3 and through the service, and where the key's time went is shown.

Memory: the resident set after the imports, before any data is read; the
process's peak (ru_maxrss) after each listing; and, from a process of its own,
a bare Textual app painting one page in a DataTable (bare_table_app.py): the
floor the screen's figure is judged against. BENCH_QUEUE_TRACEMALLOC=1 lists
where the Python memory of the paging run lies (slower: timings then mean little).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, insert, literal, select
from sqlmodel import select as model_select
from textual.screen import Screen
from textual.widgets import Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.clock import Clock
from rxmsg_tui.config import Settings
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens import message_queue
from rxmsg_tui.screens.message_queue import OutboundMessagingQueueScreen
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.messages import queue_listing
from rxmsg_tui.services.messages.queue_listing import QueueFilter, queue_page
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import OutboundMessage, Store
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
TRACE = os.environ.get("BENCH_QUEUE_TRACEMALLOC") == "1"


def percentile(samples: list[float], pct: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def rss_mib() -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    """The process's high-water resident memory (ru_maxrss, KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_app_memory() -> dict[str, float]:
    """RSS of a bare Textual app with one page in a DataTable, run apart from this process."""
    script = Path(__file__).with_name("bare_table_app.py")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


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


class Phases:
    """Wall and CPU time spent in the steps of a key, summed from the first press on.

    Main-thread steps count the thread's CPU; the read and the lay-out run in a
    worker thread and count that thread's.
    """

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        self.on = False
        self._undo: list[tuple[Any, str, object, bool]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                if self.on:
                    entry = self.spent[label]
                    entry[0] += time.perf_counter() - wall
                    entry[1] += time.thread_time() - cpu
                    entry[2] += 1

        self._undo.append((owner, name, original, name in vars(owner)))
        setattr(owner, name, timed)

    def undo(self) -> None:
        for owner, name, original, own in reversed(self._undo):
            if own:
                setattr(owner, name, original)
            else:  # inherited: the class goes back to its base's
                delattr(owner, name)

    def lines(self, presses: int) -> list[str]:
        return [
            f"  {label:<44} {wall / presses * 1000:6.2f} ms wall {cpu / presses * 1000:6.2f} ms CPU"
            f" a key ({calls} calls)"
            for label, (wall, cpu, calls) in self.spent.items()
        ]


def timed_phases() -> Phases:
    phases = Phases()
    phases.wrap(QueueTable, "action_page_down", "the key (cursor moved, page asked for)")
    phases.wrap(QueueTable, "show_page", "the page into the table")
    phases.wrap(Screen, "_compositor_refresh", "a paint (the whole screen)")
    phases.wrap(QueueTable, "render_lines", "  of which the table's lines")
    phases.wrap(queue_listing, "read_page", "a page read (worker, after the paint)")
    phases.wrap(message_queue, "queue_line", "its lines laid out (worker)")
    return phases


def prefetching(app: RxMsgApp) -> bool:
    """A page is being read (ahead or asked for): the next key waits, as a person's would."""
    return any(
        worker.group.startswith(("queue-ahead", "queue-page")) and not worker.is_finished
        for worker in app.workers
    )


async def time_screen(context: AppContext, *, all_dates: bool, phases: Phases) -> dict[str, float]:
    app = RxMsgApp(context)
    figures: dict[str, float] = {}
    paints: list[float] = []
    painted_state: list[tuple[float, float, object]] = []
    """Each paint, its CPU clock, and what the table held then: a page shown in the same
    frame as its key is painted before the bench's polling can see the rows."""
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
            painted_state.append((paints[-1], time.process_time(), table_state()))

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
        await wait_for(lambda: not prefetching(app))
        every: list[tuple[float, float]] = []
        loading: list[tuple[float, float]] = []
        phases.on = True
        cpu_started = time.process_time()
        for _ in range(PRESSES):
            last, row = table.window[-1].key, table.cursor_row
            pressed, pressed_cpu = time.perf_counter(), time.process_time()
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
            await wait_for(lambda s=settled: any(p[2] == s for p in painted_state))  # type: ignore[misc]
            done, done_cpu = min(
                (t, cpu) for t, cpu, state in painted_state if state == settled and t >= pressed
            )
            painted_state.clear()
            sample = ((done - pressed) * 1000, (done_cpu - pressed_cpu) * 1000)
            every.append(sample)
            if table.window[-1].key != last:
                loading.append(sample)
            await wait_for(lambda: not prefetching(app))
        phases.on = False
        figures["CPU a key, all in (reads ahead too)"] = (
            (time.process_time() - cpu_started) / PRESSES * 1000
        )
        for name, samples in (("every key", every), ("keys that loaded a page", loading)):
            if samples:
                walls, cpus = [w for w, _ in samples], [c for _, c in samples]
                figures[f"PageDown p50 ({name}, painted)"] = statistics.median(walls)
                figures[f"PageDown p95 ({name}, painted)"] = percentile(walls, 95)
                figures[f"PageDown CPU p50 ({name}, to the paint)"] = statistics.median(cpus)
                figures[f"PageDown CPU p95 ({name}, to the paint)"] = percentile(cpus, 95)
    return figures


def trace_top(snapshot: tracemalloc.Snapshot, limit: int = 12) -> list[str]:
    """Where the Python memory held at the end of a paging run was allocated."""
    lines = []
    for key in ("filename", "lineno"):
        stats = snapshot.statistics(key)[:limit]
        lines.append(f"  tracemalloc top {limit} by {key}:")
        lines.extend(f"    {stat.size / 1024:9.0f} KiB {stat.count:8} blocks  {stat.traceback}"
                     for stat in stats)  # fmt: skip
    return lines


def fill_database(path: Path) -> None:
    """The store and its messages in `path`, unless a full run left them there already."""
    db = Database(make_engine(f"sqlite:///{path}"))
    db.migrate()
    with db.read() as session:
        store = session.exec(model_select(Store).where(Store.code == "BENCH")).first()
    if store is not None:
        with db.engine.connect() as conn:
            held = conn.exec_driver_sql("SELECT count(*) FROM outbound_message").scalar_one()
        if held == ROWS:
            print(f"fill: {ROWS:,} messages kept from an earlier run in {path}")
            return
        raise SystemExit(f"{path} holds {held:,} messages, not {ROWS:,}: remove it first")
    with db.transaction() as session:
        store = create_store(
            session, code="BENCH", name="Main Street Pharmacy", phone="",
            timezone=ZONE.key, now=NOW,
        )  # fmt: skip
    assert store.id is not None
    seconds = fill(db, store.id, ROWS)
    print(f"fill: {ROWS:,} messages in {seconds:.1f} s ({ROWS / seconds:,.0f} rows/s)")
    print(f"  peak resident memory of the fill (its own process) {peak_rss_mib():.0f} MiB")
    db.dispose()


def main() -> None:
    if sys.argv[1:2] == ["--fill"]:
        fill_database(Path(sys.argv[2]))
        return
    imported, imported_peak = rss_mib(), peak_rss_mib()
    kept = os.environ.get("BENCH_QUEUE_DB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(kept) if kept else Path(tmp) / "rxmsg.db"
        subprocess.run([sys.executable, __file__, "--fill", str(path)], check=True)
        bare = bare_app_memory()
        print(f"resident memory after the imports, before any data: {imported:.0f} MiB"
              f" (peak {imported_peak:.0f} MiB)")  # fmt: skip
        bare_figures = (
            f"peak {bare['peak']:.0f} MiB; {bare['imported']:.0f} MiB after import textual"
        )
        print(f"a bare Textual app, one page in a DataTable, painted: {bare['painted']:.0f} MiB"
              f" ({bare_figures})")  # fmt: skip
        db = Database(make_engine(f"sqlite:///{path}"))
        with db.read() as session:
            store = session.exec(model_select(Store).where(Store.code == "BENCH")).one()
        assert store.id is not None
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{path}")
        actor = Actor(store.id, store.code, "bench", Role.ADMIN)
        context = AppContext(settings, Clock(NOW), db, store, actor)
        day = (datetime(2026, 3, 2, 5, 0, tzinfo=UTC), END)
        ever = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        if TRACE:
            tracemalloc.start(8)
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
            phases = timed_phases()
            screen = asyncio.run(time_screen(context, all_dates=all_dates, phases=phases))
            phases.undo()
            print(f"\n{label}")
            print(f"  raw sqlite3 first page {raw_first:8.2f} ms   next page {raw_next:8.2f} ms")
            service = f"first page {service_first:8.2f} ms   next page {service_next:8.2f} ms"
            print(f"  service     {service}")
            for name, value in screen.items():
                floor = raw_next if name.startswith("PageDown") else raw_first
                ratio = f"  ({value / floor:,.1f}x raw SQL)" if "CPU" not in name else ""
                print(f"  {name:<44} {value:8.1f} ms{ratio}")
            print("  where a key's time went (summed over the presses, per key):")
            print("\n".join(phases.lines(PRESSES)))
            print(f"  peak resident memory so far {peak_rss_mib():.0f} MiB"
                  f" ({peak_rss_mib() - imported:+.0f} MiB over the imports)")  # fmt: skip
            if TRACE:
                print("\n".join(trace_top(tracemalloc.take_snapshot())))
        db.dispose()


if __name__ == "__main__":
    main()
