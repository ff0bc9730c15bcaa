"""`rxmsg chat list|show|send` as a user runs them: threads, read marks, replies and refusals."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rxmsg_tui.services.stores import resolve_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.conftest import NOW
from tests.test_chat_service import (
    ANA_CELL,
    LOPEZ_HOUSEHOLD,
    STRANGER,
    add_inbound,
    add_quick_response,
    chat_pharmacy,
    texted_stop,
)

CLOCK = "2026-03-02T10:31:00-05:00"
"""A minute after the test pharmacy's consents were recorded."""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Patients, three threads (one flagged, one a stranger) and a Quick Response, made once."""
    runner = Rxmsg(tmp_path_factory.mktemp("prepared"), env={"RXMSG_NOW": CLOCK})
    created = runner("chat", "list")
    assert created.returncode == 0, created.stderr
    assert created.stdout == "No conversations yet.\n"
    db = Database(make_engine(runner.db_url))
    try:
        store = resolve_store(db, None, now=datetime.now(UTC), clock_overridden=True)
        assert store.id is not None
        ids = chat_pharmacy(db, store)
        add_inbound(db, store.id, ANA_CELL, "Is my refill ready?", at=NOW - timedelta(hours=2), patient_pk=ids["2001"])  # fmt: skip
        add_inbound(db, store.id, LOPEZ_HOUSEHOLD, "can you stop the refill\non my Lisinopril", at=NOW - timedelta(hours=1), needs_staff=True)  # fmt: skip
        add_inbound(db, store.id, STRANGER, "who is this", at=NOW - timedelta(minutes=5))
        add_quick_response(db, store.id, "Ready", "Hi #PATIENTFIRSTNAME#, your order is ready.")
    finally:
        db.dispose()
    return runner.db_path


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path, env={"RXMSG_NOW": CLOCK})
    with sqlite3.connect(prepared) as source, sqlite3.connect(runner.db_path) as target:
        source.backup(target)
    runner.db_path.chmod(0o600)
    return runner


def rows_in(rxmsg: Rxmsg) -> tuple[int, ...]:
    """Queue rows, chat lines, unread lines and audit rows: what a refusal leaves alone."""
    with sqlite3.connect(rxmsg.db_path) as conn:
        return tuple(
            conn.execute(sql).fetchone()[0]
            for sql in (
                "select count(*) from outbound_message",
                "select count(*) from conversation_message",
                "select count(*) from conversation_message where read_at is null",
                "select count(*) from audit_log where action = 'chat.send'",
            )
        )


def listed(rxmsg: Rxmsg, *args: str) -> list[dict[str, object]]:
    done = rxmsg("chat", "list", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def test_list_shows_conversations_newest_first_with_unread_and_marks(rxmsg: Rxmsg) -> None:
    table = rxmsg("chat", "list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["When", "Number", "Name", "New", "Marks", "Last", "message"]
    assert lines[1].startswith("2026-03-02 10:25 +13125550199 Unknown sender   1")
    assert "Carlos Lopez +1  1   STAFF" in lines[2] and "can you stop" in lines[2]
    assert "Ana Ruiz" in lines[3]
    assert all(len(line) <= 80 for line in lines)

    rows = listed(rxmsg)
    assert [r["phone"] for r in rows] == [STRANGER, LOPEZ_HOUSEHOLD, ANA_CELL]
    lopez = rows[1]
    assert lopez["needs_staff"] is True and lopez["opted_out"] is False and lopez["unread"] == 1
    assert [p["patient_id"] for p in lopez["patients"]] == ["2002", "2003"]  # type: ignore[attr-defined]


def test_show_by_patient_id_prints_the_thread_and_marks_it_read(rxmsg: Rxmsg) -> None:
    shown = rxmsg("chat", "show", "2003")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        f"Carlos Lopez (2002), Elena Lopez (2003) · {LOPEZ_HOUSEHOLD}",
        "2026-03-02 09:30 < can you stop the refill  [for staff]",
        "                  on my Lisinopril",
    ]
    assert [r["phone"] for r in listed(rxmsg, "--unread")] == [STRANGER, ANA_CELL]
    by_number = rxmsg("chat", "show", "(312) 555-0199", "--format", "json")
    assert by_number.returncode == 0, by_number.stderr
    thread = json.loads(by_number.stdout)
    assert thread["name"] == "Unknown sender" and thread["lines"][0]["body"] == "who is this"


def test_send_text_queues_a_high_general_sms_shown_in_the_thread(rxmsg: Rxmsg) -> None:
    sent = rxmsg("chat", "send", "2001", "--text", "Yes #PATIENTFIRSTNAME#, it is ready.")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.endswith(f"Pending to {ANA_CELL}: Yes Ana, it is ready.\n")
    message_id = int(sent.stdout.split()[1])
    queue = json.loads(rxmsg("queue", "--format", "json").stdout)
    (row,) = [r for r in queue if r["id"] == message_id]
    assert (row["method"], row["alert_type"], row["priority"], row["status"]) == (
        "SMS", "General", "High", "Pending"
    )  # fmt: skip
    thread = rxmsg("chat", "show", "2001").stdout.splitlines()
    assert thread[-1] == "2026-03-02 10:31 > Yes Ana, it is ready.  [Pending]"
    assert ANA_CELL not in {r["phone"] for r in listed(rxmsg, "--unread")}


def test_send_quick_fills_the_quick_response_for_the_patient(rxmsg: Rxmsg) -> None:
    sent = rxmsg("chat", "send", "2003", "--quick", "ready")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.endswith(f"to {LOPEZ_HOUSEHOLD}: Hi Elena, your order is ready.\n")
    assert listed(rxmsg)[0]["needs_staff"] is False  # answered


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["9999", "--text", "Hi"], "no patient with ID '9999'"),
        (["2001", "--quick", "Thanks"], "no quick response 'Thanks'"),
        (["2001", "--text", "  "], "the message is empty"),
        (["2001", "--text", "Try our c b d gummies"], "'cbd' is a restricted word"),
        (["2004", "--text", "Hi"], "Not sent: Ben Stone has no cell phone"),
        (["2005", "--text", "Hi"], "Not sent: Dora Kim has not consented to text messages"),
    ],
)
def test_send_refused_says_why_in_one_line_and_writes_nothing(
    rxmsg: Rxmsg, args: list[str], reason: str
) -> None:
    before = rows_in(rxmsg)
    done = rxmsg("chat", "send", *args)
    assert_clean_failure(done)
    assert len(done.stderr.splitlines()) == 1 and reason in done.stderr
    assert rows_in(rxmsg) == before


def test_send_to_a_patient_who_texted_stop_is_refused(rxmsg: Rxmsg) -> None:
    db = Database(make_engine(rxmsg.db_url))
    try:
        texted_stop(db, 1, 1, ANA_CELL, at=NOW + timedelta(seconds=30))
    finally:
        db.dispose()
    assert listed(rxmsg)[0]["opted_out"] is True
    assert "STOP" in rxmsg("chat", "list").stdout.splitlines()[1]
    before = rows_in(rxmsg)
    done = rxmsg("chat", "send", "2001", "--text", "Sorry to see you go")
    assert_clean_failure(done)
    assert "Ana Ruiz texted STOP: no texts until they text START" in done.stderr
    assert rows_in(rxmsg) == before
    assert "Opted out: texted STOP" in rxmsg("chat", "show", ANA_CELL).stdout


@pytest.mark.parametrize("args", [["2001"], ["2001", "--text", "a", "--quick", "Ready"]])
def test_send_needs_exactly_one_of_text_or_quick(rxmsg: Rxmsg, args: list[str]) -> None:
    assert_clean_failure(rxmsg("chat", "send", *args), code=2)


def test_show_of_an_unknown_patient_or_patient_without_cell_fails_cleanly(rxmsg: Rxmsg) -> None:
    for who, reason in (("nobody", "no patient with ID 'nobody'"), ("2004", "has no cell phone")):
        done = rxmsg("chat", "show", who)
        assert_clean_failure(done)
        assert reason in done.stderr
