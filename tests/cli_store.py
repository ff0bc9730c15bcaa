"""A store stocked with patients once per test module, and a fresh copy of it for each test.

The CLI tests of `rxmsg patient`, `patient verify`, `send`, `queue` and
`group-send` need the same thing: a store named "Elm Pharmacy" with a few
patients (Ana Lopez by default), their consent and General preferences.
Building it through `rxmsg` costs seconds, so a module builds it once
(`stocked_store`) and each test runs on its own copy (`copy_of`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tests.cli_runner import Rxmsg, unlock_code

NOW = "2026-03-02T10:00:00-05:00"
"""A Monday morning in the store's zone: every module's `RXMSG_NOW`."""


@dataclass(frozen=True)
class StockedPatient:
    """One patient row as the pharmacy system sent it, and what they agreed to."""

    patient_id: str
    last: str = "Lopez"
    cell: str | None = "+12025550143"
    email: str | None = "ana@example.org"
    verified: bool = True
    """Cell and email both verified, or neither."""
    consent: bool | None = None
    """Transactional consent by email and SMS: granted, withdrawn, or no ledger row."""
    general: bool = False
    """General messages wanted by email and SMS (the bell's General row)."""
    is_new: bool = False


def stocked_store(
    home: Path,
    patients: tuple[StockedPatient, ...],
    *,
    now: str | None = NOW,
    settings: tuple[tuple[str, str], ...] = (),
    general_channels: bool = False,
    sql: tuple[str, ...] = (),
) -> Path:
    """A migrated database in `home` with the store, its settings and `patients`; its path.

    `sql` runs last, for what no command sets (a store's patient defaults, say).
    """
    runner = Rxmsg(home, env={"RXMSG_NOW": now} if now else {})
    for key, value in (("store.name", "Elm Pharmacy"), *settings):
        done = runner("settings", "set", key, value)
        assert done.returncode == 0, done.stderr
    if general_channels:
        channels = ("settings", "set", "alerts.general.channels", '["email","sms"]')
        done = runner(*channels, "--unlock", unlock_code())
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(runner.db_path) as conn:
        for p in patients:
            _insert(conn, p)
        for statement in sql:
            conn.execute(statement)
    return runner.db_path


def copy_of(prepared: Path, home: Path, *, now: str | None = NOW) -> Rxmsg:
    """`rxmsg` on a private copy of the module's stocked database."""
    runner = Rxmsg(home, env={"RXMSG_NOW": now} if now else {})
    with sqlite3.connect(prepared) as source, sqlite3.connect(runner.db_path) as target:
        source.backup(target)
    runner.db_path.chmod(0o600)
    return runner


def _insert(conn: sqlite3.Connection, p: StockedPatient) -> None:
    conn.execute(
        "insert into patient (store_id, patient_id, first_name, last_name, cell_phone, email,"
        " language, cell_verified, email_verified, zip, is_new, created_at, updated_at)"
        " values (1, ?, 'Ana', ?, ?, ?, 'en', ?, ?, '', ?, '2026-01-01', '2026-01-01')",
        (p.patient_id, p.last, p.cell, p.email, p.verified, p.verified, p.is_new),
    )
    if p.general:
        conn.execute(
            "insert into patient_message_prefs (store_id, patient_id, alert, email, sms, call)"
            " select 1, id, 'general', 1, 1, 0 from patient where patient_id = ?",
            (p.patient_id,),
        )
    if p.consent is None:
        return
    for channel in ("email", "sms"):
        conn.execute(
            "insert into consent (store_id, patient_id, channel, purpose, granted, source,"
            " wording_version, evidence, username, recorded_at) select 1, id, ?,"
            " 'transactional', ?, 'import', '', '', '', '2026-01-01' from patient"
            " where patient_id = ?",
            (channel, p.consent, p.patient_id),
        )
