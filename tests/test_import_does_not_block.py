"""A message queued at the counter goes through while a large patient import runs.

Before, the import held SQLite's write lock while it built and wrote every
row (33 s for 150,000 patients) and `rxmsg send` gave up with "database is
locked". Now rows are prepared and staged without the lock and written in one
short transaction. The per-row work is slowed here so the window is long.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, func, select

from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.importing import ImportReport, import_patients
from rxmsg_tui.services.importing import patients as patients_module
from rxmsg_tui.services.importing.staging import (
    fill_unlocked,
    one_connection,
    stage_table,
    write_transaction,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import Patient, Store
from tests.cli_runner import ME, Rxmsg, unlock_code

NOW = "2026-03-02T10:00:00-05:00"
HEADER = (
    "patient_id,first_name,last_name,dob,cell_phone,email,language,consent,"
    "cell_verified,email_verified,zip"
)
ROWS = 400
SLOW_ROW_SECONDS = 0.03
"""400 rows × 30 ms = 12 s of per-row work: longer than SQLite's 10 s busy timeout."""


def test_send_succeeds_while_a_patient_import_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rxmsg = Rxmsg(tmp_path / "home", env={"RXMSG_NOW": NOW})
    code = unlock_code()
    setting = rxmsg("settings", "set", "alerts.general.channels", '["sms"]', "--unlock", code)
    assert setting.returncode == 0, setting.stderr
    first = tmp_path / "first.csv"
    first.write_text(f"{HEADER}\nP0,Ana,Lopez,1970-01-01,(202) 555-0143,,en,Y,Y,N,\n")
    assert rxmsg("import", "patients", str(first)).returncode == 0
    big = tmp_path / "patients.csv"
    lines = [f"P{n},Pat,Lee,1970-01-01,(202) 555-{n:04d},,en,Y,Y,N," for n in range(1, ROWS + 1)]
    big.write_text("\n".join([HEADER, *lines]) + "\n")

    slow_row = patients_module._new_row

    def slowly(*args: Any) -> tuple[Any, ...]:
        time.sleep(SLOW_ROW_SECONDS)
        return slow_row(*args)

    monkeypatch.setattr(patients_module, "_new_row", slowly)
    db = Database(make_engine(rxmsg.db_url))
    with db.engine.begin() as conn:
        store_id, store_code = conn.execute(select(Store.id, Store.code)).one()
    actor = Actor(store_id, store_code, ME, Role.ADMIN)
    reports: list[ImportReport] = []
    importing = threading.Thread(
        target=lambda: reports.append(
            import_patients(db, actor, big, today=date(2026, 3, 2), now=datetime.now(UTC))
        )
    )
    importing.start()
    try:
        time.sleep(1.5)
        assert importing.is_alive()
        started = time.monotonic()
        sent = rxmsg("send", "--patient", "P0", "--method", "sms", "--body", "Ready for pickup")
        took = time.monotonic() - started
    finally:
        importing.join(timeout=120)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "message 1 Pending"
    assert took < 8, f"send waited {took:.1f} s for the import"
    assert reports and reports[0].inserted == ROWS
    with db.engine.begin() as conn:
        assert len(conn.scalars(select(Patient.id)).all()) == ROWS + 1
    db.dispose()


def test_staging_rows_takes_no_lock_another_writer_waits_for(tmp_path: Path) -> None:
    path = tmp_path / "rxmsg.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    db.migrate()
    stage = stage_table("import_probe_stage", [Column("n", Integer)])
    with one_connection(db, stage) as conn:

        def fill() -> None:
            stage.create(conn)
            conn.execute(stage.insert(), [{"n": n} for n in range(1000)])
            other = sqlite3.connect(path, timeout=0)  # fails at once if the file is locked
            other.execute("BEGIN IMMEDIATE")
            other.execute("COMMIT")
            other.close()

        fill_unlocked(conn, fill)
        with write_transaction(conn):
            assert conn.scalar(select(func.count()).select_from(stage)) == 1000
    db.dispose()
