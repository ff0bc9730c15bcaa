"""Times `rxmsg import` through the service against raw sqlite3 executemany of the same rows.

Run by hand (`make bench`): `python bench/bench_import.py [--patients N] [--prescriptions N]`.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rxmsg_tui.domain.contact import normalise_phone
from rxmsg_tui.domain.csv_records import PATIENTS, PRESCRIPTIONS
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.importing import (
    ImportReport,
    ImportStep,
    import_patients,
    import_prescriptions,
)
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.engine import make_engine

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
AREA_CODES = ("201", "212", "305", "312", "404", "415", "617", "713")


def write_patients(path: Path, rows: int, rng: random.Random) -> None:
    phones = [
        normalise_phone(f"{area}{rng.randint(200, 989)}{rng.randint(0, 9999):04d}")
        for area in AREA_CODES
        for _ in range(50)
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(PATIENTS.required)
        for i in range(rows):
            dob = date(1930, 1, 1) + timedelta(days=rng.randrange(30_000))
            phone = rng.choice(phones) if i % 5 else ""
            writer.writerow(
                [f"P{i:07d}", "Pat", f"Lastname{i}", dob.isoformat(), phone,
                 f"p{i}@example.com", "es" if i % 7 == 0 else "en", "Y", "Y" if phone else "N",
                 "N", f"{rng.randrange(100_000):05d}"]
            )  # fmt: skip


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


def fresh_database(path: Path) -> tuple[Database, Actor]:
    db = Database(make_engine(f"sqlite:///{path}"))
    db.migrate()
    with db.transaction() as session:
        store = create_store(session, code="BENCH", name="Bench", phone="", timezone="UTC", now=NOW)
    assert store.id is not None
    return db, Actor(store.id, store.code, "bench", Role.ADMIN)


def timed(label: str, rows: int, run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    print(f"  {label:<46} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s")
    return rows / seconds


def service(
    importer: Callable[..., ImportReport], db: Database, actor: Actor, path: Path
) -> Callable[[], None]:
    phases: dict[ImportStep, float] = {}
    start = [time.perf_counter()]

    def progress(step: ImportStep, done: int, total: int) -> None:
        if step not in phases:
            phases[step] = time.perf_counter()

    def run() -> None:
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


def raw_patients(conn: sqlite3.Connection, path: Path, store_id: int) -> None:
    """The floor: csv.reader and executemany into patient and consent, no checks at all."""
    stamp = NOW.replace(tzinfo=None).isoformat(" ")
    conn.executemany(
        "INSERT INTO patient (store_id, patient_id, first_name, last_name, dob, cell_phone, email,"
        " language, cell_verified, email_verified, zip, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((store_id, r[0], r[1], r[2], r[3], r[4] or None, r[5] or None, r[6], r[8] == "Y",
          r[9] == "Y", r[10], stamp, stamp) for r in csv_rows(path)),
    )  # fmt: skip
    ids = dict(conn.execute("SELECT patient_id, id FROM patient WHERE store_id = ?", (store_id,)))
    conn.executemany(
        "INSERT INTO consent (store_id, patient_id, channel, purpose, granted, source,"
        " wording_version, evidence, username, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((store_id, ids[r[0]], channel, "transactional", True, "import", "", "raw", "bench", stamp)
         for r in csv_rows(path) if r[7] == "Y" for channel in ("email", "sms", "call")),
    )  # fmt: skip
    conn.commit()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--prescriptions", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="rxmsg-bench-") as tmp:
        work = Path(tmp)
        patients_csv, rx_csv = work / "patients.csv", work / "prescriptions.csv"
        write_patients(patients_csv, args.patients, rng)
        write_prescriptions(rx_csv, args.prescriptions, args.patients, rng)
        db, actor = fresh_database(work / "service.db")
        raw_db, raw_actor = fresh_database(work / "raw.db")
        raw_db.dispose()
        raw = sqlite3.connect(work / "raw.db")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")

        n, m = args.patients, args.prescriptions
        print(f"patients.csv: {n:,} rows ({patients_csv.stat().st_size / 1e6:.1f} MB)")
        ours = timed(
            "service import_patients", n, service(import_patients, db, actor, patients_csv)
        )
        floor = timed(
            "raw sqlite3 executemany",
            n,
            lambda: raw_patients(raw, patients_csv, raw_actor.store_id),
        )
        print(f"  ratio service / raw: {ours / floor:.2f}x")
        timed(
            "service re-import, all unchanged", n, service(import_patients, db, actor, patients_csv)
        )

        print(f"prescriptions.csv: {m:,} rows ({rx_csv.stat().st_size / 1e6:.1f} MB)")
        ours = timed(
            "service import_prescriptions", m, service(import_prescriptions, db, actor, rx_csv)
        )
        floor = timed(
            "raw sqlite3 executemany", m, lambda: raw_prescriptions(raw, rx_csv, raw_actor.store_id)
        )
        print(f"  ratio service / raw: {ours / floor:.2f}x")
        timed(
            "service re-import, all unchanged", m, service(import_prescriptions, db, actor, rx_csv)
        )
        raw.close()
        db.dispose()


if __name__ == "__main__":
    main()
