"""Times a page of Patient Listing and of Send Email/SMS step 1 per filter on 200,000 patients.

Run by hand (`make bench`), never by pytest: the figures depend on the machine.
A demo store of BENCH_FILTER_PATIENTS patients (default 200,000, with
1,000,000 prescriptions) is built once, or BENCH_FILTER_DB names an existing
demo database (`rxmsg demo` writes one) to skip the build. Then, per filter,
in turns: our page (the service the screen calls, 50 rows) and the raw limit,
a plain SQL query by hand for the same patients in the same order, on the
index that suits it best. The best of three turns is printed with the ratio
ours/raw; the aim is under 100 ms a page. On PostgreSQL too when
RXMSG_BENCH_POSTGRES_URL or RXMSG_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

sys.path.insert(0, os.path.dirname(__file__))
from bench_demo import postgres_schema

from rxmsg_tui.services.demo import build_demo
from rxmsg_tui.services.group_send import PatientFilter, find_candidates
from rxmsg_tui.services.patients import list_patients
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine

PATIENTS = int(os.environ.get("BENCH_FILTER_PATIENTS", "200000"))
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TURNS = 3
PAGE = 50
AIM_MS = 100
COLUMNS = "id, patient_id, first_name, last_name, cell_phone, email"
NAME_ORDER = "ORDER BY last_name, first_name, id LIMIT 51"
# An expression in ORDER BY keeps the planner off ix_patient_store_name: for a rare filter,
# its own index (or, when none serves it, one pass over the table) and a sort of the matches.
SORTED_MATCHES = "ORDER BY last_name || '', first_name, id LIMIT 51"

Ours = Callable[[Database, int], Any]


def plain(where: str) -> str:
    return f"SELECT {COLUMNS} FROM patient WHERE store_id = :store AND {where} {NAME_ORDER}"


def sorted_matches(where: str) -> str:
    """Every match, found by the filter's own index (or one pass), then sorted by name."""
    return f"SELECT {COLUMNS} FROM patient WHERE store_id = :store AND {where} {SORTED_MATCHES}"


def cell_ends(digits: str, *, sqlite: bool) -> str:
    """The cell ends with `digits`, in the words of ix_patient_store_cell_last4."""
    last_four = "substr(cell_phone, -4)" if sqlite else "right(cell_phone, 4)"
    return sorted_matches(f"{last_four} = '{digits[-4:]}' AND cell_phone LIKE '%{digits}'")


def cell_starts(start: str) -> str:
    """The cell starts with `start`, a range of ix_patient_store_cell."""
    after = start[:-1] + chr(ord(start[-1]) + 1)
    return sorted_matches(f"cell_phone >= '{start}' AND cell_phone < '{after}'")


def cases(fills: tuple[date, date], *, sqlite: bool) -> list[tuple[str, Ours, str, dict[str, Any]]]:
    """(label, our page, raw SQL, its parameters) for each filter staff use."""
    first, last = fills
    long_ago = first - timedelta(days=800)
    recent = last - timedelta(days=6)

    def listing(search: str) -> Ours:
        return lambda db, store: list_patients(db, store, search=search, limit=PAGE)

    def step1(**flt: Any) -> Ours:
        return lambda db, store: find_candidates(db, store, PatientFilter(**flt), limit=PAGE)

    in_fills = (
        "id IN (SELECT patient_id FROM prescription WHERE store_id = :store "
        "AND last_fill_date >= :a AND last_fill_date <= :b)"
    )
    return [
        ("listing: no filter", listing(""), plain("1 = 1"), {}),
        ("listing: name 'smi'", listing("smi"), plain("(last_name LIKE 'Smi%')"), {}),
        ("listing: ID 'D0012'", listing("D0012"),
         plain("patient_id >= 'D0012' AND patient_id < 'D0013'"), {}),
        ("listing: ID nobody 'X99'", listing("X99"),
         plain("patient_id >= 'X99' AND patient_id < 'X9:'"), {}),
        ("listing: cell ends '0101'", listing("0101"), cell_ends("0101", sqlite=sqlite), {}),
        ("listing: cell ends '555-0101'", listing("555-0101"),
         cell_ends("5550101", sqlite=sqlite), {}),
        ("listing: cell ends nobody '9999'", listing("9999"),
         cell_ends("9999", sqlite=sqlite), {}),
        ("listing: cell starts '(312) 555'", listing("(312) 555"),
         plain("cell_phone >= '+1312555' AND cell_phone < '+1312556'"), {}),
        ("listing: cell '(312) 555-0199'", listing("(312) 555-0199"),
         cell_starts("+13125550199"), {}),
        ("listing: cell 10 digits '3125550199'", listing("3125550199"),
         cell_starts("+13125550199"), {}),
        ("listing: cell nobody '(999) 000'", listing("(999) 000"), cell_starts("+1999000"), {}),
        ("step 1: no filter", step1(), plain("1 = 1"), {}),
        ("step 1: ZIP '606' (everyone)", step1(zip_prefix="606"),
         plain("zip >= '606' AND zip < '607'"), {}),
        ("step 1: ZIP '60614'", step1(zip_prefix="60614"),
         plain("zip >= '60614' AND zip < '60615'"), {}),
        ("step 1: ZIP nobody '99'", step1(zip_prefix="99"),
         plain("zip >= '99' AND zip < '9:'"), {}),
        ("step 1: last fill last week", step1(last_fill_from=recent, last_fill_to=last),
         plain(in_fills), {"a": recent, "b": last}),
        ("step 1: last fill nobody", step1(last_fill_from=long_ago, last_fill_to=long_ago),
         plain(in_fills), {"a": long_ago, "b": long_ago}),
        ("step 1: drug nobody 'zzz'", step1(drug_name="zzz"),
         plain("id IN (SELECT patient_id FROM prescription JOIN drug "
               "ON drug.id = prescription.drug_id WHERE drug.name LIKE 'zzz%')"), {}),
        ("step 1: cell ends '555-0101'", step1(search="555-0101"),
         cell_ends("5550101", sqlite=sqlite), {}),
        ("step 1: ID 'D0012'", step1(search="D0012"),
         plain("patient_id >= 'D0012' AND patient_id < 'D0013'"), {}),
        ("step 1: age 40 to 50", step1(age_min=40, age_max=50),
         plain("dob <= :a AND dob > :b"),
         {"a": date(NOW.year - 40, 3, 2), "b": date(NOW.year - 51, 3, 2)}),
        ("step 1: language es", step1(language="es"), plain("language = 'es'"), {}),
    ]  # fmt: skip


def best(run: Callable[[], Any]) -> float:
    run()  # the first read warms the cache for both sides alike
    times = []
    for _ in range(TURNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def bench(backend: str, db: Database) -> None:
    with db.engine.connect() as conn:
        store = conn.execute(text("SELECT min(id) FROM store")).scalar_one()
        first, last = conn.execute(
            text("SELECT min(last_fill_date), max(last_fill_date) FROM prescription")
        ).one()
    fills = tuple(d if isinstance(d, date) else date.fromisoformat(d) for d in (first, last))
    over = []
    for label, ours, sql, params in cases((fills[0], fills[1]), sqlite=backend == "SQLite"):
        ms = best(lambda: ours(db, store))  # noqa: B023

        def raw() -> None:
            with db.engine.connect() as conn:
                conn.execute(text(sql), {"store": store, **params}).all()  # noqa: B023

        raw_ms = best(raw)
        mark = "" if ms < AIM_MS else "  (over 100 ms)"
        over += [label] if mark else []
        print(f"{backend}: {label:36s} ours {ms:6.1f} ms  raw {raw_ms:6.1f} ms  "
              f"ratio {ms / max(raw_ms, 0.05):5.2f}x{mark}")  # fmt: skip
    print(f"{backend}: {len(over)} of the pages over {AIM_MS} ms" + (f": {over}" if over else ""))


def built(url: str, backend: str) -> Database:
    db = Database(make_engine(url))
    db.migrate()
    started = time.perf_counter()
    build_demo(db, patients=PATIENTS, now=NOW, username="bench")
    print(f"{backend}: demo of {PATIENTS:,} patients built in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    return db


def main() -> None:
    if existing := os.environ.get("BENCH_FILTER_DB"):
        db = Database(make_engine(f"sqlite:///{existing}"))
        db.migrate()
        bench("SQLite", db)
        db.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            db = built(f"sqlite:///{tmp}/filters.db", "SQLite")
            bench("SQLite", db)
            db.dispose()
    base = os.environ.get("RXMSG_BENCH_POSTGRES_URL") or os.environ.get("RXMSG_TEST_POSTGRES_URL")
    if not base:
        print("PostgreSQL: skipped (set RXMSG_BENCH_POSTGRES_URL or RXMSG_TEST_POSTGRES_URL)")
        return
    with postgres_schema(base) as url:
        db = built(url, "PostgreSQL")
        bench("PostgreSQL", db)
        db.dispose()


if __name__ == "__main__":
    main()
