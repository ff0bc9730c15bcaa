"""Times `rxmsg demo --patients 200000` against raw inserts of the same rows.

Run by hand (`make bench`), never by pytest: the figures depend on the machine.
The demo (generation included) builds a fresh database; then the same rows go
into a second, freshly migrated database through plain `sqlite3.executemany`
in one transaction. With RXMSG_TEST_POSTGRES_URL set, the same is done on
PostgreSQL, with psycopg's `executemany` and `COPY` as the raw paths. A
refresh the next day (the second run) is timed too.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from rxmsg_tui.services.demo import DemoSummary, build_demo, catalogue, store_profile
from rxmsg_tui.services.demo.generator import WORDING_VERSION, generate
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine

PATIENTS = int(os.environ.get("BENCH_DEMO_PATIENTS", "200000"))
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
TS = "2026-03-02 15:30:00"

Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]
COLUMNS = {
    "patient": "store_id patient_id first_name last_name dob cell_phone email language "
    "cell_verified email_verified zip created_at updated_at",
    "prescription": "store_id rx_number patient_id drug_id days_supply last_fill_date due_date "
    "refills_remaining active updated_at",
    "consent": "store_id patient_id channel purpose granted source wording_version evidence "
    "username recorded_at",
    "patient_message_prefs": "store_id patient_id alert email sms call",
}


def raw_rows(count: int) -> Rows:
    """The demo's rows as plain tuples, with the ids a fresh database assigns."""
    drug_ids = {d.ndc: n for n, d in enumerate(catalogue.DRUGS, start=1)}
    ids: dict[str, int] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}
    for batch in generate(range(1, count + 1), batch_size=10_000):
        for p in batch.patients:
            ids[p["patient_id"]] = len(ids) + 1
            contact = (p["cell_phone"], p["email"], p["language"])
            flags = (p["cell_verified"], p["email_verified"], p["zip"])
            names = (p["patient_id"], p["first_name"], p["last_name"], p["dob"].isoformat())
            rows["patient"].append((1, *names, *contact, *flags, TS, TS))
        for rx in batch.prescriptions:
            due = TODAY + timedelta(days=rx.due_in_days)
            fill = (due - timedelta(days=rx.days_supply)).isoformat(), due.isoformat()
            who = (rx.rx_number, ids[rx.patient_key], drug_ids[rx.ndc], rx.days_supply)
            rows["prescription"].append((1, *who, *fill, rx.refills_remaining, rx.active, TS))
        for c in batch.consents:
            at = (NOW - timedelta(days=c.days_ago)).replace(tzinfo=None).isoformat(sep=" ")
            what = (c.channel, c.purpose, c.granted, c.source, WORDING_VERSION)
            rows["consent"].append((1, ids[c.patient_key], *what, "", "bench", at))
    for ident in ids.values():
        for alert, ch in store_profile.PATIENT_DEFAULTS.items():
            prefs = ("email" in ch, "sms" in ch, "call" in ch)
            rows["patient_message_prefs"].append((1, ident, alert, *prefs))
    return {table: (COLUMNS[table].split(), values) for table, values in rows.items()}


def seed_reference_rows(execute: Callable[[str], Any]) -> None:
    """The store and drugs the raw rows point at (ids 1 and 1…n)."""
    execute(
        "INSERT INTO store (id, code, name, phone, timezone, address, city, state, zip, hours,"
        f" created_at) VALUES (1, 'DEMO', 'Bench', '', 'America/Chicago', '', '', '', '', '',"
        f" '{TS}')"
    )
    for n, d in enumerate(catalogue.DRUGS, start=1):
        name = d.name.replace("'", "''")
        execute(
            "INSERT INTO drug (id, store_id, ndc, name, maintenance, dea_schedule) VALUES "
            f"({n}, 1, '{d.ndc}', '{name}', {int(d.maintenance)}::bool, {d.dea_schedule})"
        )


def insert_sql(table: str, columns: list[str], marker: str) -> str:
    values = ", ".join(marker for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"


def raw_sqlite(path: Path, rows: Rows) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    seed_reference_rows(lambda sql: conn.execute(sql.replace("::bool", "")))
    started = time.perf_counter()
    for table, (columns, values) in rows.items():
        conn.executemany(insert_sql(table, columns, "?"), values)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def raw_postgres(url: str, rows: Rows, *, copy: bool) -> float:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        seed_reference_rows(cur.execute)
        started = time.perf_counter()
        for table, (columns, values) in rows.items():
            if copy:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                    for value in values:
                        out.write_row(value)
            else:
                cur.executemany(insert_sql(table, columns, "%s"), values)
        conn.commit()
        return time.perf_counter() - started


def timed_demo(url: str) -> tuple[DemoSummary, DemoSummary, float]:
    """The first run, a refresh on the next day, and the first run's CPU seconds."""
    db = Database(make_engine(url))
    db.migrate()
    try:
        cpu = time.process_time()
        first = build_demo(db, patients=PATIENTS, now=NOW, username="bench")
        cpu = time.process_time() - cpu
        again = build_demo(db, patients=PATIENTS, now=NOW + timedelta(days=1), username="bench")
    finally:
        db.dispose()
    return first, again, cpu


def migrated(url: str) -> str:
    db = Database(make_engine(url))
    db.migrate()
    db.dispose()
    return url


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL whose connections see a fresh, private schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def report(
    backend: str, demo: tuple[DemoSummary, DemoSummary, float], raw: dict[str, float]
) -> None:
    first, again, cpu = demo
    rows = first.new_patients + first.new_prescriptions + first.consent_rows + first.prefs_rows
    ours = rows / first.seconds
    print(
        f"{backend}: demo of {first.new_patients:,} patients and {first.new_prescriptions:,} "
        f"prescriptions, {rows:,} rows in all: {first.seconds:.1f} s ({ours:,.0f} rows/s, "
        f"generation included, {cpu:.1f} s CPU); refresh next day {again.seconds:.1f} s"
    )
    for path, seconds in raw.items():
        print(
            f"{backend}: raw {path} of the same rows {seconds:.1f} s "
            f"({rows / seconds:,.0f} rows/s); demo/raw speed {seconds / first.seconds:.2f}x"
        )


def main() -> None:
    print(f"generating {PATIENTS:,} patients for the raw paths…", file=sys.stderr)
    rows = raw_rows(PATIENTS)
    with tempfile.TemporaryDirectory() as tmp:
        demo = timed_demo(f"sqlite:///{tmp}/demo.db")
        migrated(f"sqlite:///{tmp}/raw.db")
        report("SQLite", demo, {"executemany": raw_sqlite(Path(tmp) / "raw.db", rows)})
    base = os.environ.get("RXMSG_TEST_POSTGRES_URL")
    if not base:
        print("PostgreSQL: skipped (set RXMSG_TEST_POSTGRES_URL)")
        return
    with postgres_schema(base) as url:
        demo = timed_demo(url)
    raw: dict[str, float] = {}
    for path in ("executemany", "COPY"):
        with postgres_schema(base) as url:
            raw[path] = raw_postgres(migrated(url), rows, copy=path == "COPY")
    report("PostgreSQL", demo, raw)


if __name__ == "__main__":
    main()
