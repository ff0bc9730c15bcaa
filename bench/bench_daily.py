"""Times the daily process on the demo pharmacy against the pure cost of writing its rows.

Run by hand (`make bench`), never by pytest. The demo store (200,000 patients,
about 1,000,000 prescriptions; BENCH_DAILY_PATIENTS to change) is built after
go-live, once per database: BENCH_DAILY_SQLITE (a file) and
BENCH_DAILY_PG_SCHEMA (a schema) keep it between runs. Then, in turns,
`run_daily` for the day after the demo; what it wrote is copied to a scratch
table and removed, and a plain INSERT…SELECT writes the same rows back into
the queue from that table: the write limit, with the queue's indexes and
nothing else. The best of three turns (BENCH_DAILY_TURNS) is reported, with
the ratio ours/raw in wall time and in CPU time: the machine is shared, and
CPU (this process's, plus the PostgreSQL backends') does not count waiting.
BENCH_DAILY_VERBOSE=1 adds a turn with each statement's wall and CPU time and
share; =plans adds the plan the database picks for each.

It also times what keeping `consent_current` costs a bulk write of 200,000
consent rows: the same INSERT…SELECT with the ledger's trigger and without it
(both rolled back). On PostgreSQL too when RXMSG_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, event, func, select, text
from sqlmodel import select as model_select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.demo import build_demo
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import DailyRun, OutboundMessage, Patient, Store

PATIENTS = int(os.environ.get("BENCH_DAILY_PATIENTS", "200000"))
DEMO_NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
DAY = date(2026, 3, 3)  # the day after the demo: no patient is new, so no welcomes
RUN_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
TURNS = int(os.environ.get("BENCH_DAILY_TURNS", "3"))
VERBOSE = bool(os.environ.get("BENCH_DAILY_VERBOSE"))
CONSENT_ROWS = 200_000

_COLUMNS = """uuid, store_id, patient_id, prescription_id, method, alert_type, priority, entity,
  entity_name, recipient, subject, body, status, warning, attempts, dedupe_key, created_at,
  scheduled_at, created_by"""
_LEDGER = """store_id, patient_id, channel, purpose, granted, source, wording_version, evidence,
  username, recorded_at"""
_TRIGGER = "consent_current_keep"


def ensure_demo(db: Database, backend: str) -> Store:
    """The demo store, built unless the database already holds it."""
    started = time.perf_counter()
    db.migrate()  # on a kept demo from before consent_current, this folds its ledger in
    print(f"{backend}: schema brought up to date in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)  # fmt: skip
    with db.read() as session:
        store = session.exec(model_select(Store)).first()
        patients = session.connection().scalar(select(func.count()).select_from(Patient))
    if store is not None and patients:
        print(f"{backend}: reusing the demo of {patients:,} patients", file=sys.stderr)
        return store
    started = time.perf_counter()
    summary = build_demo(db, patients=PATIENTS, now=DEMO_NOW, username="bench")
    print(f"{backend}: demo of {summary.new_patients:,} patients, "
          f"{summary.new_prescriptions:,} prescriptions built in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    with db.read() as session:
        return session.exec(model_select(Store)).one()


def last_message_id(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.scalar(select(func.coalesce(func.max(OutboundMessage.id), 0))) or 0)


def forget_run(db: Database, mark: int) -> None:
    """Remove what a turn queued (ids above `mark`) and its run record; the demo's stay."""
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbound_message WHERE id > :mark"), {"mark": mark})
        conn.execute(text(f"DELETE FROM {DailyRun.__tablename__}"))


class Clock:
    """Wall time and CPU time of one measured span.

    The machine is shared, so wall time waits on other work; CPU time does not.
    SQLite works inside this process, so its CPU is ours; a PostgreSQL server on
    this machine works in its backends, whose CPU is read from /proc for every
    connection the engine opened (wall time alone when they cannot be read).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.backends: set[int] = set()
        if not db.is_sqlite:
            event.listen(db.engine, "connect", self._remember_backend)
            db.engine.dispose()  # connections opened from here on are seen

    def _remember_backend(self, dbapi_connection: Any, _record: Any) -> None:
        self.backends.add(int(dbapi_connection.info.backend_pid))

    def _cpu(self) -> float:
        total = time.process_time()
        for pid in self.backends:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    @contextmanager
    def span(self, into: list[tuple[float, float]]) -> Iterator[None]:
        wall, cpu = time.perf_counter(), self._cpu()
        yield
        into.append((time.perf_counter() - wall, self._cpu() - cpu))


def raw_copy(db: Database, clock: Clock, mark: int, into: list[tuple[float, float]]) -> int:
    """Move the turn's rows to a scratch table, then time writing them back in one statement."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_written"))
        conn.execute(text(f"CREATE TABLE bench_written AS SELECT {_COLUMNS} "
                          "FROM outbound_message WHERE id > :mark"), {"mark": mark})  # fmt: skip
    forget_run(db, mark)
    with clock.span(into), db.engine.begin() as conn:
        result = conn.execute(
            text(f"INSERT INTO outbound_message ({_COLUMNS}) SELECT {_COLUMNS} FROM bench_written")
            .execution_options(preserve_rowcount=True)
        )  # fmt: skip
        written = int(result.rowcount)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_written"))
    forget_run(db, mark)
    return written


def bench_daily(db: Database, backend: str, store: Store) -> None:
    actor = Actor(store.id or 0, store.code, "bench", Role.ADMIN)
    mark = last_message_id(db)
    forget_run(db, mark)
    clock = Clock(db)
    ours: list[tuple[float, float]] = []
    raw: list[tuple[float, float]] = []
    total = written = 0
    for _ in range(TURNS):
        with clock.span(ours):
            result = run_daily(db, actor, now=RUN_AT, day=DAY)
        if result.failed:
            raise SystemExit(f"{backend}: run_daily failed: {result.failed}")
        total = result.total
        written = raw_copy(db, clock, mark, raw)
        if written != total:
            raise SystemExit(f"{backend}: copied {written:,} rows, run_daily queued {total:,}")
    if VERBOSE:
        profile_turn(db, actor, mark)
    parts = ", ".join(f"{n:,} {part}" for part, n in result.queued.items() if n)
    best, limit = min(w for w, _ in ours), min(w for w, _ in raw)
    cpu, cpu_limit = min(c for _, c in ours), min(c for _, c in raw)
    print(f"{backend}: run_daily queued {total:,} messages ({parts}) in {best:.2f} s "
          f"({total / best:,.0f} rows/s); raw INSERT…SELECT of the same {written:,} rows "
          f"{limit:.2f} s ({written / limit:,.0f} rows/s); ratio ours/raw {best / limit:.2f}x "
          f"wall, {cpu / cpu_limit:.2f}x CPU ({cpu:.2f} s / {cpu_limit:.2f} s) "
          f"(best of {TURNS})")  # fmt: skip


def profile_turn(db: Database, actor: Actor, mark: int) -> None:
    """One more turn with every statement timed (wall and CPU), its share, and its plan.

    CPU is this thread's: all of SQLite's work, none of a PostgreSQL server's.
    """
    timings: list[tuple[float, float, str, Any]] = []
    starts: list[tuple[float, float]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        starts.append((time.perf_counter(), time.thread_time()))

    def after(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        wall, cpu = starts.pop()
        timings.append((time.perf_counter() - wall, time.thread_time() - cpu, statement, params))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        run_daily(db, actor, now=RUN_AT, day=DAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    forget_run(db, mark)
    in_sql, sql_cpu = sum(t[0] for t in timings), sum(t[1] for t in timings)
    print(f"  profiled turn {wall:.2f} s wall, {cpu:.2f} s CPU: {len(timings)} statements "
          f"{in_sql:.2f} s / {sql_cpu:.2f} s CPU; the rest (Python, commits) "
          f"{wall - in_sql:.2f} s / {cpu - sql_cpu:.2f} s CPU", file=sys.stderr)  # fmt: skip
    plans = os.environ.get("BENCH_DAILY_VERBOSE") == "plans"
    for seconds, used, statement, params in sorted(timings, key=lambda t: -t[0])[:14]:
        line = " ".join(statement.split())
        print(f"  {seconds:6.3f} s {used:6.3f} s CPU {seconds / wall:6.1%}  "
              f"{_about(params)} {line[:110]}", file=sys.stderr)  # fmt: skip
        if plans and seconds > 0.02:
            for row in explain(db, statement, params):
                print(f"            {row}", file=sys.stderr)


def _about(params: Any) -> str:
    """The few short words among a statement's parameters: its channel and alert."""
    values = params.values() if isinstance(params, dict) else params or ()
    words = [v for v in values if isinstance(v, str) and v in _NAMED]
    return "[" + " ".join(dict.fromkeys(words)) + "]"


_NAMED = {"SMS", "Email", "Call", "sms", "email", "call", "refill", "pickup", "birthday",
          "welcome", "review"}  # fmt: skip


def explain(db: Database, statement: str, params: Any) -> list[str]:
    """The plan the database picks for `statement` (SQLite's QUERY PLAN, PostgreSQL's EXPLAIN)."""
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(prefix + statement, params)
        rows = cursor.fetchall()
        conn.rollback()
    return [" | ".join(str(v) for v in row) for row in rows]


def bench_ledger_write(db: Database, backend: str) -> None:
    """200,000 consent rows written at once, with the trigger that keeps `consent_current`."""
    timings: dict[str, float] = {}
    for label in ("with trigger", "without trigger"):
        with db.engine.connect() as conn, conn.begin() as tx:
            if label == "without trigger" and not _drop_trigger(conn, db.is_sqlite):
                return  # a schema before consent_current: nothing to compare
            started = time.perf_counter()
            conn.execute(text(
                f"INSERT INTO consent ({_LEDGER}) SELECT {_LEDGER} FROM consent "
                f"ORDER BY id LIMIT {CONSENT_ROWS}"
            ))  # fmt: skip
            timings[label] = time.perf_counter() - started
            tx.rollback()
    on, off = timings["with trigger"], timings["without trigger"]
    print(f"{backend}: {CONSENT_ROWS:,} consent rows in one INSERT…SELECT: {on:.2f} s with the "
          f"consent_current trigger, {off:.2f} s without ({on / off:.2f}x)")  # fmt: skip


def _drop_trigger(conn: Connection, sqlite: bool) -> bool:
    if sqlite:
        found = conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = :n"),
                            {"n": _TRIGGER})  # fmt: skip
        if found:
            conn.execute(text(f"DROP TRIGGER {_TRIGGER}"))
        return bool(found)
    found = conn.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname = :n"), {"n": _TRIGGER})
    if found:
        conn.execute(text(f"ALTER TABLE consent DISABLE TRIGGER {_TRIGGER}"))
    return bool(found)


def bench(backend: str, url: str) -> None:
    db = Database(make_engine(url))
    store = ensure_demo(db, backend)
    if not db.is_sqlite:  # the statistics autovacuum gathers by the next day
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    bench_daily(db, backend, store)
    bench_ledger_write(db, backend)
    db.dispose()


@contextmanager
def sqlite_file() -> Iterator[str]:
    kept = os.environ.get("BENCH_DAILY_SQLITE")
    if kept:
        Path(kept).parent.mkdir(parents=True, exist_ok=True)
        yield kept
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"{tmp}/daily.db"


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    """A schema of the bench's own: kept when BENCH_DAILY_PG_SCHEMA names it, else dropped."""
    plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
    kept = os.environ.get("BENCH_DAILY_PG_SCHEMA")
    schema = kept or f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    sep = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{sep}options=-csearch_path%3D{schema}"
    finally:
        if not kept:
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    with sqlite_file() as path:
        bench("SQLite", f"sqlite:///{path}")
    base = os.environ.get("RXMSG_TEST_POSTGRES_URL")
    if not base:
        print("PostgreSQL: skipped (set RXMSG_TEST_POSTGRES_URL)")
        return
    with postgres_url(base) as url:
        bench("PostgreSQL", url)


if __name__ == "__main__":
    main()
