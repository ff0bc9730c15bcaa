"""`rxmsg queue --status Unconfirmed`: the messages staff must decide about, shown "Sent?"."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli_runner import Rxmsg

NOW = "2026-03-02T10:00:00-05:00"


def test_unconfirmed_messages_are_listed_and_read_sent_question_mark(tmp_path: Path) -> None:
    rxmsg = Rxmsg(tmp_path, env={"RXMSG_NOW": NOW})
    assert rxmsg("settings", "set", "store.name", "Elm Pharmacy").returncode == 0
    with sqlite3.connect(rxmsg.db_path) as conn:
        conn.executemany(
            "insert into outbound_message (uuid, store_id, method, alert_type, priority, entity,"
            " entity_name, recipient, subject, body, status, warning, attempts, created_at,"
            " scheduled_at, sent_at, created_by) values (?, 1, 'Email', 'General', 3, 'Patient',"
            " 'Lopez, Ana', 'ana@example.org', 'Hello', 'Body', ?, '', 1, '2026-03-02 14:00:00',"
            " '2026-03-02 14:00:00', '2026-03-02 14:01:00', 'test')",
            [("u-1", "Unconfirmed"), ("u-2", "Sent")],
        )
    listed = json.loads(rxmsg("queue", "--status", "Unconfirmed", "--format", "json").stdout)
    assert [(m["status"], m["recipient"]) for m in listed] == [("Unconfirmed", "ana@example.org")]
    table = rxmsg("queue", "--status", "unconfirmed").stdout.splitlines()
    assert len(table) == 2 and "Sent?" in table[1]
