"""Killed mid-send at a SendGrid-like provider, which cannot be asked: "Sent?", never resent."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import Rxmsg

MESSAGES = 24
NOW = "2026-03-02T12:00:00-05:00"


class _SlowMail(BaseHTTPRequestHandler):
    """`POST /v3/mail/send` taking a second, ignoring Idempotency-Key like the real SendGrid."""

    protocol_version = "HTTP/1.1"
    arrived: Counter[str] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        if len(data) < length:
            return
        key = json.loads(data)["personalizations"][0]["custom_args"]["rxmsg_message_id"]
        with self.lock:
            self.arrived[key] += 1
        time.sleep(1.0)
        self.send_response(202)
        self.send_header("X-Message-Id", f"sg-{key[:8]}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The client was killed mid-answer: that is the test."""


def _statuses(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select uuid, status from outbound_message").fetchall())


@pytest.mark.slow
def test_messages_in_flight_at_a_kill_end_sent_question_mark_and_are_not_resent(
    tmp_path: Path,
) -> None:
    server = _Server(("127.0.0.1", 0), _SlowMail)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    rxmsg = Rxmsg(
        tmp_path,
        env={
            "RXMSG_NOW": NOW,
            "RXMSG_SENDGRID_API_KEY": "SG.secret",
            "RXMSG_SENDGRID_BASE_URL": f"http://{host!s}:{port}",
            "RXMSG_EMAIL_FROM": "rx@example.org",
        },
    )
    assert rxmsg("settings", "set", "setup.email_using", "email_service_api").returncode == 0
    with sqlite3.connect(rxmsg.db_path) as conn:
        conn.executemany(
            "insert into outbound_message (uuid, store_id, method, alert_type, priority, entity,"
            " entity_name, recipient, subject, body, status, warning, attempts, created_at,"
            " scheduled_at, created_by) values (?, 1, 'Email', 'General', 3, 'Patient',"
            " 'Lopez, Ana', ?, 'Your pharmacy', ?, 'Pending', '', 0, '2026-03-02 16:00:00',"
            " '2026-03-02 16:00:00', 'test')",
            [(str(uuid.uuid4()), f"p{n}@example.org", f"Note {n}") for n in range(MESSAGES)],
        )
    env = {**os.environ, **rxmsg.env, "RXMSG_DATA_DIR": str(tmp_path),
           "RXMSG_DATABASE_URL": f"sqlite:///{rxmsg.db_path}",
           "RXMSG_CONFIG_FILE": str(tmp_path / "none.toml")}  # fmt: skip
    command = [sys.executable, "-m", "rxmsg_tui", "daemon", "--every", "0.5"]
    try:
        daemon = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while not _SlowMail.arrived and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # several requests on the wire, none answered yet
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=10)
        in_flight = set(_SlowMail.arrived)

        daemon = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            s in ("Sent", "Unconfirmed") for s in _statuses(rxmsg.db_path).values()
        ):
            time.sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
        assert daemon.returncode == 0, err
    finally:
        server.shutdown()
        server.server_close()

    statuses = _statuses(rxmsg.db_path)
    unconfirmed = {key for key, status in statuses.items() if status == "Unconfirmed"}
    assert in_flight and in_flight <= unconfirmed  # each one it may have sent: staff decide
    assert set(statuses.values()) == {"Sent", "Unconfirmed"}
    assert max(_SlowMail.arrived.values()) == 1  # nothing emailed twice
    assert {k for k, n in _SlowMail.arrived.items() if n} == set(statuses) - (
        unconfirmed - in_flight
    )
