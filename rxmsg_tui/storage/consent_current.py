"""The SQL that keeps `consent_current` equal to the newest ledger row (migration 0008).

One home for it: the migration creates the trigger from here, and a bulk
writer on SQLite (`lifted_on_sqlite`) drops it for one statement of many
rows and re-creates it from the same text, after bringing the table up to
date in one set-based upsert. "Newest" is ledger order: recorded at, then id;
beside the row's purpose, purpose `any` holds the SMS channel's newest row of
whatever purpose (what "texted STOP" needs). Only SMS has one (migration
0011): nothing asks it of email or calls, and a third of the rows an import
writes here were those unread `any` rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from rxmsg_tui.domain.vocabulary import Channel

STOP_CHANNEL = Channel.SMS.value
"""The one channel with an `any` row: a STOP by text is read from it."""
TRIGGER = "consent_current_keep"
COLUMNS = "store_id, patient_id, channel, purpose, granted, source, recorded_at, ledger_id"
# Ledger order: a row replaces the held one only when it is newer (recorded_at, then id), so
# rows written out of order, or by transactions that commit out of order, still end right.
KEEP_NEWEST = """ON CONFLICT (patient_id, channel, purpose) DO UPDATE SET
    granted = excluded.granted, source = excluded.source,
    recorded_at = excluded.recorded_at, ledger_id = excluded.ledger_id
  WHERE excluded.recorded_at > consent_current.recorded_at
     OR (excluded.recorded_at = consent_current.recorded_at
         AND excluded.ledger_id > consent_current.ledger_id)"""

SQLITE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON consent
BEGIN
  INSERT INTO consent_current ({COLUMNS})
  SELECT NEW.store_id, NEW.patient_id, NEW.channel, purpose.name, NEW.granted, NEW.source,
         NEW.recorded_at, NEW.id
  FROM (SELECT NEW.purpose AS name UNION ALL SELECT 'any' WHERE NEW.channel = '{STOP_CHANNEL}')
       AS purpose
  WHERE true
  {KEEP_NEWEST};
END
"""  # noqa: S608 (built from this module's constants only, as are the texts below)

# On PostgreSQL once per statement: a bulk INSERT or COPY of many rows is one upsert of the
# newest row per key among them (an upsert may not touch the same row twice).
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO consent_current ({COLUMNS})
  SELECT DISTINCT ON (patient_id, channel, purpose) {COLUMNS}
  FROM (
    SELECT store_id, patient_id, channel, purpose, granted, source, recorded_at, id AS ledger_id
    FROM written
    UNION ALL
    SELECT store_id, patient_id, channel, 'any', granted, source, recorded_at, id
    FROM written WHERE channel = '{STOP_CHANNEL}'
  ) AS candidate
  ORDER BY patient_id, channel, purpose, recorded_at DESC, ledger_id DESC
  {KEEP_NEWEST};
  RETURN NULL;
END
$$
"""  # noqa: S608
POSTGRES_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER INSERT ON consent
REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()
"""


def _newest_of(ledger: str) -> str:
    """The newest row per patient, channel and purpose, and of any purpose for SMS."""
    return f"""
SELECT {COLUMNS} FROM (
  SELECT store_id, patient_id, channel, purpose, granted, source, recorded_at, id AS ledger_id,
         row_number() OVER (PARTITION BY patient_id, channel, purpose
                            ORDER BY recorded_at DESC, id DESC) AS newest
  FROM {ledger}
  UNION ALL
  SELECT store_id, patient_id, channel, 'any', granted, source, recorded_at, id,
         row_number() OVER (PARTITION BY patient_id, channel
                            ORDER BY recorded_at DESC, id DESC)
  FROM {ledger} WHERE channel = '{STOP_CHANNEL}'
) AS ranked
WHERE newest = 1"""  # noqa: S608


BACKFILL = f"INSERT INTO consent_current ({COLUMNS}){_newest_of('consent')}"
"""The whole ledger folded into an empty table (the migration, for ledgers that predate it)."""

CATCH_UP = f"""
INSERT INTO consent_current ({COLUMNS})
SELECT consent.store_id, consent.patient_id, consent.channel,
       coalesce(offered.name, consent.purpose), consent.granted, consent.source,
       consent.recorded_at, consent.id
FROM consent CROSS JOIN (SELECT NULL AS name UNION ALL SELECT 'any') AS offered
WHERE consent.id > :after AND (offered.name IS NULL OR consent.channel = '{STOP_CHANNEL}')
{KEEP_NEWEST}"""  # noqa: S608
"""What the trigger would have done for every ledger row after id `:after`, as one upsert.

Each row offered for its purpose and (SMS only) for `any`, exactly as the
trigger offers it; `KEEP_NEWEST` keeps a key's newest of the row held and all rows offered
whatever their order, so several rows of one key in one statement end as the
trigger leaves them. No ranking first: the rows are read by id range, in the
order written (a window's sort cost more than it saved), and a row's two keys
are offered one after the other, so a patient's keys are written while their
page is at hand (15% less than all purposes first, then all `any`).
"""


@contextmanager
def lifted_on_sqlite(conn: Connection) -> Iterator[None]:
    """Write many ledger rows inside this block without the row trigger, on SQLite.

    The trigger runs its upserts as a program per ledger row, which costs
    more than writing the rows (an import of 200,000 patients: 600,000 rows);
    here it is dropped, the rows written, the
    table brought up to date from the ledger rows after the newest id seen at
    the start (`CATCH_UP`), and the trigger re-created from `SQLITE_TRIGGER`.
    Must run inside a write transaction that holds SQLite's write lock
    (BEGIN IMMEDIATE): SQLite's DDL is transactional, so no other writer can
    insert while the trigger is gone, and a rollback brings it back. On
    PostgreSQL the trigger already fires once per statement: nothing to do.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    assert conn.in_transaction(), "the trigger may only be lifted inside the write transaction"
    after = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM consent").scalar_one())
    conn.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    yield
    conn.execute(text(CATCH_UP), {"after": after})
    conn.exec_driver_sql(SQLITE_TRIGGER)
