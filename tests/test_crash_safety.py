"""A daemon killed with SIGKILL again and again loses no message and delivers none twice."""

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

MESSAGES = 1000
KILLS = 10
NOW = "2026-03-02T12:00:00-05:00"  # a Monday noon in the store's zone: the window is open


def _fill_queue(db: Path, count: int) -> set[str]:
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "insert into outbound_message (uuid, store_id, method, alert_type, priority, entity,"
            " entity_name, recipient, subject, body, status, warning, attempts, created_at,"
            " scheduled_at, created_by) values (?, 1, 'SMS', 'General', 3, 'Patient', 'Ana Lopez',"
            " ?, '', ?, 'Pending', '', 0, '2026-03-02 16:00:00', '2026-03-02 16:00:00', 'test')",
            [(u, f"+1202555{n % 10000:04d}", f"Message {n}") for n, u in enumerate(uuids)],
        )
    return set(uuids)


def _statuses(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(
            conn.execute("select status, count(*) from outbound_message group by status").fetchall()
        )


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    rng = random.Random(20261128)
    with TwilioStub(delay=0.02) as stub:
        rxmsg = Rxmsg(
            tmp_path,
            env={
                "RXMSG_NOW": NOW,
                "RXMSG_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "RXMSG_TWILIO_AUTH_TOKEN": "secret-token",
                "RXMSG_TWILIO_FROM": "+12025550100",
                "RXMSG_TWILIO_BASE_URL": stub.base_url,
            },
        )
        assert rxmsg("settings", "set", "setup.sms_using", "sms_service_api").returncode == 0
        expected = _fill_queue(rxmsg.db_path, MESSAGES)
        env = {**os.environ, **rxmsg.env, "RXMSG_DATA_DIR": str(tmp_path),
               "RXMSG_DATABASE_URL": f"sqlite:///{rxmsg.db_path}",
               "RXMSG_CONFIG_FILE": str(tmp_path / "none.toml"), "LOGNAME": "alice"}  # fmt: skip
        command = [sys.executable, "-m", "rxmsg_tui", "daemon", "--every", "0.5"]

        kills = 0
        while kills < KILLS and _statuses(rxmsg.db_path).get("Sent", 0) < MESSAGES:
            before = stub.total_requests
            daemon = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            deadline = time.monotonic() + 30
            while (
                stub.total_requests == before
                and time.monotonic() < deadline
                and daemon.poll() is None
            ):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.25))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=10)
            kills += 1
        assert kills == KILLS, "the run finished before the daemon was killed ten times"

        daemon = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while _statuses(rxmsg.db_path).get("Sent", 0) < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
        assert daemon.returncode == 0, err
        assert b"Traceback" not in err

    assert _statuses(rxmsg.db_path) == {"Sent": MESSAGES}
    assert set(stub.delivered) == expected  # every message delivered, by its own key
    assert len(stub.delivered) == MESSAGES  # and none twice
    resent = sum(stub.requests.values()) - MESSAGES
    print(f"\n{kills} kills; {resent} requests were resends of a key already delivered")
