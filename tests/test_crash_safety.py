"""A daemon killed with SIGKILL again and again loses no message and texts none twice.

The SMS server is Twilio-compatible and, like the real Twilio, ignores
Idempotency-Key: every accepted POST is a text on a phone. So nothing here is
saved by the header; a message a killed daemon may have sent is looked up in
the provider's message list before anything is sent again.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg
from tests.stubs.twilio_stub import ACCOUNT_SID, TwilioStub

MESSAGES = 400
KILLS = 8
NOW = "2026-03-02T12:00:00-05:00"  # a Monday noon in the store's zone: the window is open


def _fill_queue(db: Path, count: int) -> set[str]:
    bodies = [f"Message {n}" for n in range(count)]
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "insert into outbound_message (uuid, store_id, method, alert_type, priority, entity,"
            " entity_name, recipient, subject, body, status, warning, attempts, created_at,"
            " scheduled_at, created_by) values (?, 1, 'SMS', 'General', 3, 'Patient', 'Ana Lopez',"
            " ?, '', ?, 'Pending', '', 0, '2026-03-02 16:00:00', '2026-03-02 16:00:00', 'test')",
            [
                (str(uuid.uuid4()), f"+1202555{n % 10000:04d}", body)
                for n, body in enumerate(bodies)
            ],
        )
    return set(bodies)


def _statuses(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(
            conn.execute("select status, count(*) from outbound_message group by status").fetchall()
        )


def _notes(db: Path, like: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute(
                "select count(*) from message_attempt where response like ? or error like ?",
                (like, like),
            ).fetchone()[0]
        )


def _finished(db: Path) -> bool:
    counts = _statuses(db)
    return counts.get("Sent", 0) + counts.get("Unconfirmed", 0) == MESSAGES


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_texts_nothing_twice(tmp_path: Path) -> None:
    rng = random.Random(20261207)
    with TwilioStub(delay=0.05, honour_key=False) as carrier:
        rxmsg = Rxmsg(
            tmp_path,
            env={
                "RXMSG_NOW": NOW,
                "RXMSG_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "RXMSG_TWILIO_AUTH_TOKEN": "secret-token",
                "RXMSG_TWILIO_FROM": "+12025550100",
                "RXMSG_TWILIO_BASE_URL": carrier.base_url,
            },
        )
        assert rxmsg("settings", "set", "setup.sms_using", "sms_service_api").returncode == 0
        expected = _fill_queue(rxmsg.db_path, MESSAGES)
        env = {**os.environ, **rxmsg.env, "RXMSG_DATA_DIR": str(tmp_path),
               "RXMSG_DATABASE_URL": f"sqlite:///{rxmsg.db_path}",
               "RXMSG_CONFIG_FILE": str(tmp_path / "none.toml")}  # fmt: skip
        command = [sys.executable, "-m", "rxmsg_tui", "daemon", "--every", "0.5"]

        started = time.monotonic()
        kills = 0
        while kills < KILLS and not _finished(rxmsg.db_path):
            before = carrier.total_requests
            daemon = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            deadline = time.monotonic() + 30
            while (
                carrier.total_requests == before
                and time.monotonic() < deadline
                and daemon.poll() is None
            ):
                time.sleep(0.01)
            time.sleep(
                rng.uniform(0.0, 0.4)
            )  # mid-batch: requests on the wire, outcomes half-written
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=10)
            kills += 1
        assert kills == KILLS, "the run finished before the daemon was killed enough times"
        left_after_kills = MESSAGES - _statuses(rxmsg.db_path).get("Sent", 0)

        daemon = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while not _finished(rxmsg.db_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
        assert daemon.returncode == 0, err
        assert b"Traceback" not in err
        elapsed = time.monotonic() - started

    texts = carrier.texts_per_body()
    duplicates = sum(texts.values()) - len(texts)
    counts = _statuses(rxmsg.db_path)
    lost = MESSAGES - counts.get("Sent", 0) - counts.get("Unconfirmed", 0)
    found = _notes(rxmsg.db_path, "found at %")
    resent = _notes(rxmsg.db_path, "%sending it again%")
    print(
        f"\n{MESSAGES} messages, {kills} kills, {duplicates} duplicates, {lost} lost, "
        f"{counts.get('Unconfirmed', 0)} unconfirmed; {left_after_kills} left after the kills, "
        f"{found} found at the provider after a kill, {resent} resent because it had none; "
        f"{carrier.lookups} lookups, {carrier.total_requests} POSTs, {elapsed:.0f} s"
    )
    assert duplicates == 0
    assert set(texts) == expected  # every message reached its phone
    assert counts == {"Sent": MESSAGES}  # none lost, none left for staff: Twilio can be asked
