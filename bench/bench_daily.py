"""Times the daily process on the demo pharmacy against a raw INSERT…SELECT of the same rows.

Run by hand (`make bench`), never by pytest. The demo store (200,000 patients,
about 1,000,000 prescriptions; BENCH_DAILY_PATIENTS to change) is built once
per database; then, in turns, `run_daily` for the day after the demo and a
hand-written INSERT…SELECT that queues the same refill reminders and birthday
greetings (same joins, consent, STOP, address and drug rules) with a fixed
text. Both results are checked to be the same rows, then deleted before the
next turn. The best of three turns is reported, with the ratio ours/raw.
On PostgreSQL too when RXMSG_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, text
from sqlmodel import select as model_select

sys.path.insert(0, os.path.dirname(__file__))
from bench_demo import postgres_schema

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.database import Database
from rxmsg_tui.services.demo import build_demo
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import DailyRun, OutboundMessage, Store

PATIENTS = int(os.environ.get("BENCH_DAILY_PATIENTS", "200000"))
DEMO_NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
DAY = date(2026, 3, 3)  # the day after the demo: no patient is new, so no welcomes
RUN_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
TURNS = 3

_CONSENT = """EXISTS (SELECT 1 FROM consent c WHERE c.patient_id = p.id AND c.channel = :ch
  AND c.purpose = '{purpose}' AND c.granted = {true} AND NOT EXISTS (SELECT 1 FROM consent n
  WHERE n.patient_id = c.patient_id AND n.channel = c.channel AND n.purpose = c.purpose
  AND (n.recorded_at > c.recorded_at OR (n.recorded_at = c.recorded_at AND n.id > c.id))))"""
_NOT_STOPPED = """NOT EXISTS (SELECT 1 FROM consent c WHERE c.patient_id = p.id
  AND c.channel = 'sms' AND c.granted = {false} AND c.source = 'sms-keyword'
  AND NOT EXISTS (SELECT 1 FROM consent n WHERE n.patient_id = c.patient_id
  AND n.channel = c.channel AND (n.recorded_at > c.recorded_at
  OR (n.recorded_at = c.recorded_at AND n.id > c.id))))"""
_COLUMNS = """uuid, store_id, patient_id, prescription_id, method, alert_type, priority, entity,
  entity_name, recipient, subject, body, status, warning, attempts, dedupe_key, created_at,
  scheduled_at, created_by"""
_REFILL = """INSERT INTO outbound_message ({columns})
SELECT {uuid}, :store, p.id, rx.id, :method, 'Refill Reminder', 2, 'Prescription',
  'Rx ' || rx.rx_number, p.{address}, 'Refill reminder', :body, 'Pending', '', 0,
  :prefix || rx.rx_number || ':' || {iso_fill} || ':'
    || CASE WHEN rx.due_date >= :today THEN 'due' ELSE 'past-due' END || ':' || :ch,
  :now, :now, 'raw'
FROM prescription rx JOIN drug d ON d.id = rx.drug_id JOIN patient p ON p.id = rx.patient_id
JOIN patient_message_prefs pr ON pr.patient_id = p.id AND pr.alert = 'refill'
  AND pr.{ch} = {true}
WHERE rx.store_id = :store AND rx.due_date BETWEEN :low AND :high AND rx.active = {true}
  AND rx.refills_remaining > 0 AND d.maintenance = {true} AND d.dea_schedule <> 2
  AND d.dea_schedule NOT IN (3, 4, 5) AND p.{address} LIKE :like AND {consent} {stop}
ON CONFLICT DO NOTHING"""
_BIRTHDAY = """INSERT INTO outbound_message ({columns})
SELECT {uuid}, :store, p.id, NULL, :method, 'Birthday Greeting', 3, 'Patient',
  p.first_name || ' ' || p.last_name, p.{address}, 'Happy birthday', :body, 'Pending', '', 0,
  :prefix || p.patient_id || ':2026:' || :ch, :now, :now, 'raw'
FROM patient p JOIN patient_message_prefs pr ON pr.patient_id = p.id AND pr.alert = 'birthday'
  AND pr.{ch} = {true}
WHERE p.store_id = :store AND {month_day} = '03-03' AND p.{address} LIKE :like
  AND {consent} {stop}
ON CONFLICT DO NOTHING"""


def raw_daily(conn: Connection, store: Store, sqlite: bool) -> int:
    """The same rows as the daily process, written as a DBA would by hand."""
    words = {
        "columns": _COLUMNS,
        "true": "1" if sqlite else "true",
        "false": "0" if sqlite else "false",
        "uuid": "lower(hex(randomblob(16)))" if sqlite else "gen_random_uuid()::text",
        "iso_fill": "rx.last_fill_date" if sqlite else "to_char(rx.last_fill_date, 'YYYY-MM-DD')",
        "month_day": "strftime('%m-%d', p.dob)" if sqlite else "to_char(p.dob, 'MM-DD')",
    }
    queued = 0
    for sql, purpose, part in ((_REFILL, "transactional", "refill"),
                               (_BIRTHDAY, "marketing", "birthday")):  # fmt: skip
        for ch, method, address, like in (("email", "Email", "email", "%@%"),
                                          ("sms", "SMS", "cell_phone", "+%")):  # fmt: skip
            consent = _CONSENT.format(purpose=purpose, **words)
            stop = ("AND " + _NOT_STOPPED.format(**words)) if ch == "sms" else ""
            statement = sql.format(address=address, ch=ch, consent=consent, stop=stop, **words)
            result = conn.execute(
                text(statement).execution_options(preserve_rowcount=True),
                {
                    "store": store.id, "method": method, "body": "A fixed text", "ch": ch,
                    "prefix": f"{store.code}:{part}:", "today": DAY, "low": DAY - timedelta(7),
                    "high": DAY + timedelta(3), "like": like, "now": RUN_AT,
                },
            )  # fmt: skip
            queued += result.rowcount
    return queued


def clear(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(OutboundMessage))
        conn.execute(delete(DailyRun))


def bench(backend: str, url: str) -> None:
    db = Database(make_engine(url))
    db.migrate()
    started = time.perf_counter()
    summary = build_demo(db, patients=PATIENTS, now=DEMO_NOW, username="bench")
    print(f"{backend}: demo of {summary.new_patients:,} patients, "
          f"{summary.new_prescriptions:,} prescriptions built in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    with db.read() as session:
        store = session.exec(model_select(Store)).one()
    actor = Actor(store.id, store.code, "bench", Role.ADMIN)
    ours: list[float] = []
    raw: list[float] = []
    counts: dict[str, Any] = {}
    for _ in range(TURNS):
        started = time.perf_counter()
        result = run_daily(db, actor, now=RUN_AT, day=DAY)
        ours.append(time.perf_counter() - started)
        counts["ours"] = (result.queued["refill"], result.queued["birthday"], result.total)
        keys_ours = _keys(db)
        clear(db)
        started = time.perf_counter()
        with db.engine.begin() as conn:
            counts["raw"] = raw_daily(conn, store, db.is_sqlite)
        raw.append(time.perf_counter() - started)
        if _keys(db) != keys_ours:
            raise SystemExit(f"{backend}: the raw statement queued other rows than run_daily")
        clear(db)
    refill, birthday, total = counts["ours"]
    print(f"{backend}: run_daily queued {total:,} messages ({refill:,} refill reminders, "
          f"{birthday:,} birthday greetings) in {min(ours):.2f} s; raw INSERT…SELECT of the "
          f"same {counts['raw']:,} rows {min(raw):.2f} s; ratio ours/raw "
          f"{min(ours) / min(raw):.2f}x (best of {TURNS})")  # fmt: skip
    db.dispose()


def _keys(db: Database) -> int:
    with db.engine.begin() as conn:
        return int(
            conn.execute(select(func.count(func.distinct(OutboundMessage.dedupe_key)))).scalar_one()
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/daily.db")
    base = os.environ.get("RXMSG_TEST_POSTGRES_URL")
    if not base:
        print("PostgreSQL: skipped (set RXMSG_TEST_POSTGRES_URL)")
        return
    with postgres_schema(base) as url:
        bench("PostgreSQL", url)


if __name__ == "__main__":
    main()
