"""Times `rxmsg import` through the service against a raw executemany of the same rows.

Run by hand (`make bench`): `python bench/bench_import.py [--patients N] [--prescriptions N]`.
patients.csv holds distinct cell numbers typed the usual US ways (and a few
foreign numbers and Unicode addresses, which take the libraries' full path).
The raw limit is the same rows, already normalised, written into `patient`
(and, second figure, with their consent rows) the fastest plain way each
database takes them: a DBAPI executemany on SQLite, COPY on PostgreSQL.
What writing them costs with no checks at all. Both run in the same process,
on SQLite and, when RXMSG_TEST_POSTGRES_URL is set, on PostgreSQL (a schema
of its own, dropped afterwards); wall and CPU seconds are printed, since a
shared machine stretches the first.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from rxmsg_tui.domain.contact import normalise_email, normalise_phone_by_library
from rxmsg_tui.domain.csv_records import PATIENTS, PRESCRIPTIONS
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing import (
    ImportReport,
    ImportStep,
    import_patients,
    import_prescriptions,
)
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
AREA_CODES = ("201", "212", "305", "312", "404", "415", "617", "713")


PHONE_SHAPES = (
    "({a}) {e}-{l}", "{a}-{e}-{l}", "{a}.{e}.{l}", "{a}{e}{l}", "+1 {a} {e} {l}", "1-{a}-{e}-{l}",
)  # fmt: skip
PatientRow = tuple[Any, ...]
"""One patient as the raw limit writes it: the CSV's values, normalised."""


def write_patients(path: Path, rows: int, rng: random.Random) -> list[PatientRow]:
    """The file, and its rows normalised for the raw limit (untimed)."""
    normalised: list[PatientRow] = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(PATIENTS.required)
        for i in range(rows):
            dob = date(1930, 1, 1) + timedelta(days=rng.randrange(30_000))
            phone = _phone(i, rng) if i % 5 else ""
            email = f"josé{i}@bücher.de" if i % 500 == 7 else f"Pat.Lee{i}@Example.COM"
            row = [f"P{i:07d}", "Pat", f"Lastname{i}", dob.isoformat(), phone, email,
                   "es" if i % 7 == 0 else "en", "Y", "Y" if phone else "N", "N",
                   f"{rng.randrange(100_000):05d}"]  # fmt: skip
            writer.writerow(row)
            e164 = normalise_phone_by_library(phone) if phone else None
            normalised.append((*row[:4], e164, normalise_email(email), *row[6:]))
    return normalised


def _phone(i: int, rng: random.Random) -> str:
    """A distinct valid number in one of the usual shapes; one in 200 foreign."""
    if i % 200 == 3:
        return f"+44 20 7946 {i % 10_000:04d}"
    while True:
        area, exchange = rng.choice(AREA_CODES), rng.randint(200, 989)
        line = f"{rng.randrange(10_000):04d}"
        text = PHONE_SHAPES[i % len(PHONE_SHAPES)].format(a=area, e=exchange, l=line)
        try:
            normalise_phone_by_library(text)
        except ValueError:
            continue
        return text


def write_prescriptions(path: Path, rows: int, patients: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(PRESCRIPTIONS.required)
        for i in range(rows):
            ndc = f"{rng.randrange(5000):05d}-{rng.randrange(40):04d}-01"
            fill = TODAY - timedelta(days=rng.randrange(365))
            writer.writerow(
                [f"{6_000_000 + i}", f"P{rng.randrange(patients):07d}", f"Drug {ndc}", ndc,
                 "Y" if i % 3 else "N", rng.choice("00002345"), rng.choice((30, 60, 90)),
                 fill.isoformat(), rng.randrange(12), "Y"]
            )  # fmt: skip


def fresh_database(url: str) -> tuple[Database, Actor]:
    db = Database(make_engine(url))
    db.migrate()
    with db.transaction() as session:
        store = create_store(session, code="BENCH", name="Bench", phone="", timezone="UTC", now=NOW)
    assert store.id is not None
    return db, Actor(store.id, store.code, "bench", Role.ADMIN)


Seconds = tuple[float, float]
"""Wall and CPU seconds of one run."""


def timed(label: str, rows: int, run: Callable[[], Any]) -> Seconds:
    """Seconds of wall time; CPU seconds beside them show what others on the machine cost."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    seconds = time.perf_counter() - start
    used = time.process_time() - cpu
    print(f"  {label:<46} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s  (CPU {used:6.2f} s)")
    return seconds, used


def ratio(label: str, ours: Seconds, floor: Seconds) -> None:
    """Ours as a fraction of the raw speed, by wall and by CPU time (above 1: faster than raw)."""
    print(
        f"  ratio service / raw ({label}): {floor[0] / ours[0]:.2f}x the raw speed by wall,"
        f" {floor[1] / ours[1]:.2f}x by CPU"
    )


def service(
    importer: Callable[..., ImportReport], db: Database, actor: Actor, path: Path
) -> Callable[[], None]:
    phases: dict[ImportStep, float] = {}
    start = [time.perf_counter()]

    def progress(step: ImportStep, done: int, total: int) -> None:
        if step not in phases:
            phases[step] = time.perf_counter()

    def run() -> None:
        phases.clear()
        start[0] = time.perf_counter()
        report = importer(db, actor, path, today=TODAY, now=NOW, progress=progress)
        end = time.perf_counter()
        checking = phases.get(ImportStep.WRITING, end) - start[0]
        writing = end - start[0] - checking
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"    {report.counts()}")
        print(f"    checking {checking:.2f} s, writing {writing:.2f} s, peak RSS {peak:,.0f} MiB")

    return run


def csv_rows(path: Path) -> Iterator[list[str]]:
    """Streamed, so the floor's own memory does not hide the service's."""
    with path.open(newline="", encoding="utf-8") as source:
        rows = csv.reader(source)
        next(rows)
        yield from rows


PATIENT_COLUMNS = (
    "store_id, patient_id, first_name, last_name, dob, cell_phone, email, language,"
    " cell_verified, email_verified, zip, is_new, created_at, updated_at"
)
CONSENT_COLUMNS = (
    "store_id, patient_id, channel, purpose, granted, source, wording_version, evidence,"
    " username, recorded_at"
)


def raw_patients(
    conn: Any, rows: list[PatientRow], store_id: int, *, consent: bool, mark: str
) -> None:
    """The limit: the normalised rows written the fastest way the database takes them, no checks.

    SQLite: one executemany (then the consent rows). PostgreSQL: COPY, which
    is several times an executemany there (a round trip per row), and fires
    the ledger's statement trigger once, as the import's INSERT…SELECT does.
    """
    stamp: Any = NOW.replace(tzinfo=None).isoformat(" ") if mark == "?" else NOW
    patients = [(store_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[8] == "Y", r[9] == "Y",
                 r[10], False, stamp, stamp) for r in rows]  # fmt: skip
    cursor = conn.cursor()
    _write_rows(cursor, mark, PATIENT_COLUMNS, "patient", patients)
    if consent:
        cursor.execute("SELECT patient_id, id FROM patient WHERE store_id = " + mark, (store_id,))
        ids = dict(cursor.fetchall())
        ledger = [(store_id, ids[r[0]], channel, "transactional", True, "import", "", "raw",
                   "bench", stamp)
                  for r in rows if r[7] == "Y" for channel in ("email", "sms", "call")]  # fmt: skip
        _write_rows(cursor, mark, CONSENT_COLUMNS, "consent", ledger)
    conn.commit()


def _write_rows(
    cursor: Any, mark: str, columns: str, name: str, rows: list[tuple[Any, ...]]
) -> None:
    if mark == "?":
        marks = ", ".join([mark] * (columns.count(",") + 1))
        cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
        return
    with cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def raw_prescriptions(conn: sqlite3.Connection, path: Path, store_id: int) -> None:
    drugs = {r[3]: (store_id, r[3], r[2], r[4] == "Y", int(r[5])) for r in csv_rows(path)}
    conn.executemany(
        "INSERT INTO drug (store_id, ndc, name, maintenance, dea_schedule) VALUES (?,?,?,?,?)",
        drugs.values(),
    )
    drug_ids = dict(conn.execute("SELECT ndc, id FROM drug WHERE store_id = ?", (store_id,)))
    ids = dict(conn.execute("SELECT patient_id, id FROM patient WHERE store_id = ?", (store_id,)))
    stamp = NOW.replace(tzinfo=None).isoformat(" ")
    conn.executemany(
        "INSERT INTO prescription (store_id, rx_number, patient_id, drug_id, days_supply,"
        " last_fill_date, due_date, refills_remaining, active, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((store_id, r[0], ids[r[1]], drug_ids[r[3]], int(r[6]), r[7],
          (date.fromisoformat(r[7]) + timedelta(days=int(r[6]))).isoformat(), int(r[8]),
          r[9] == "Y", stamp) for r in csv_rows(path)),
    )  # fmt: skip
    conn.commit()


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A schema of the bench's own on the server, dropped afterwards."""
    plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_patients(
    name: str, urls: tuple[str, str, str], path: Path, rows: list[PatientRow]
) -> None:
    """Ours, then the raw limit twice (patients; patients and consent), each in a fresh store."""
    n = len(rows)
    print(f"{name}: patients.csv, {n:,} rows ({path.stat().st_size / 1e6:.1f} MB)")
    db, actor = fresh_database(urls[0])
    ours = timed("service import_patients", n, service(import_patients, db, actor, path))
    for url, consent, label in ((urls[1], False, "patient"), (urls[2], True, "patient + consent")):
        raw_db, raw_actor = fresh_database(url)
        raw_db.dispose()
        with _connect(url) as (conn, mark):
            write = partial(
                raw_patients, conn, rows, raw_actor.store_id, consent=consent, mark=mark
            )
            floor = timed(
                f"raw {'COPY' if mark == '%s' else 'executemany'}, {label} rows", n, write
            )
        ratio(label, ours, floor)
    limit = "under" if ours[0] < 10 else "OVER"
    print(f"  {n:,} patients in {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU: {limit} 10 s")
    timed("service re-import, all unchanged", n, service(import_patients, db, actor, path))
    db.dispose()


@contextmanager
def _connect(url: str) -> Iterator[tuple[Any, str]]:
    """A DBAPI connection and its parameter mark."""
    if url.startswith("sqlite:///"):
        lite = sqlite3.connect(url.removeprefix("sqlite:///"))
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=NORMAL")
        try:
            yield lite, "?"
        finally:
            lite.close()
        return
    with psycopg.connect(url) as server:
        yield server, "%s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--prescriptions", type=int, default=1_000_000, help="0 skips them")
    args = parser.parse_args()
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="rxmsg-bench-") as tmp:
        work = Path(tmp)
        patients_csv, rx_csv = work / "patients.csv", work / "prescriptions.csv"
        rows = write_patients(patients_csv, args.patients, rng)
        sqlite_urls = tuple(f"sqlite:///{work / name}.db" for name in ("service", "raw", "raw2"))
        bench_patients(
            "SQLite", (sqlite_urls[0], sqlite_urls[1], sqlite_urls[2]), patients_csv, rows
        )
        base = os.environ.get("RXMSG_TEST_POSTGRES_URL")
        if base:
            with (
                postgres_schema(base) as ours,
                postgres_schema(base) as raw,
                postgres_schema(base) as raw2,
            ):
                bench_patients("PostgreSQL", (ours, raw, raw2), patients_csv, rows)
        else:
            print("PostgreSQL: skipped (set RXMSG_TEST_POSTGRES_URL)")
        if args.prescriptions:
            bench_prescriptions(work, rx_csv, args.patients, args.prescriptions, rng)


def bench_prescriptions(
    work: Path, rx_csv: Path, patients: int, m: int, rng: random.Random
) -> None:
    """On SQLite, into the stores the patients bench filled (ours, and the raw one with consent)."""
    write_prescriptions(rx_csv, m, patients, rng)
    db = Database(make_engine(f"sqlite:///{work / 'service.db'}"))
    raw = sqlite3.connect(work / "raw2.db")
    (store_id,) = raw.execute("SELECT id FROM store WHERE code = 'BENCH'").fetchone()
    actor = Actor(store_id, "BENCH", "bench", Role.ADMIN)
    print(f"SQLite: prescriptions.csv, {m:,} rows ({rx_csv.stat().st_size / 1e6:.1f} MB)")
    importing = service(import_prescriptions, db, actor, rx_csv)
    ours = timed("service import_prescriptions", m, importing)
    floor = timed("raw sqlite3 executemany", m, lambda: raw_prescriptions(raw, rx_csv, store_id))
    ratio("prescriptions", ours, floor)
    timed("service re-import, all unchanged", m, importing)
    raw.close()
    db.dispose()


if __name__ == "__main__":
    main()
