"""`rxmsg send` and `rxmsg queue` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.cli_store import StockedPatient, copy_of, stocked_store


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with settings and two patients, made once and copied for each test."""
    return stocked_store(
        tmp_path_factory.mktemp("prepared"),
        (
            StockedPatient("P1", consent=True, is_new=True),
            StockedPatient("P2", cell="+12025550144", consent=False, is_new=True),
        ),
        general_channels=True,
    )


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    return copy_of(prepared, tmp_path)


def test_send_then_list_the_queue(rxmsg: Rxmsg) -> None:
    sent = rxmsg(
        "send",
        "--patient",
        "P1",
        "--method",
        "sms",
        "--body",
        "Hi #PATIENTFIRSTNAME# from #STORENAME#",
    )
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "message 1 Pending"
    refused = rxmsg("send", "--patient", "P2", "--method", "sms", "--body", "Hello")
    assert refused.stdout.strip() == "message 2 Undelivered (No Consent)"
    restricted = rxmsg(
        "send",
        "--patient",
        "P1",
        "--method",
        "email",
        "--subject",
        "News",
        "--body",
        "Our new hemp balm",
    )
    assert restricted.stdout.strip() == "message 3 Undelivered (Word Restricted)"

    # Each process's clock starts at RXMSG_NOW, so the order by time is not the order sent.
    listed = sorted(json.loads(rxmsg("queue", "--format", "json").stdout), key=lambda m: m["id"])
    assert [m["status"] for m in listed] == ["Pending", "Undelivered", "Undelivered"]
    first = listed[0]
    for field in ("id", "created_at", "scheduled_at", "method", "alert_type", "priority", "entity", "entity_name",
                  "recipient", "subject", "body", "status", "warning", "attempts", "sent_at"):  # fmt: skip
        assert field in first
    assert (first["body"], first["recipient"], first["priority"]) == (
        "Hi Ana from Elm Pharmacy",
        "+12025550143",
        "Low",
    )
    assert first["scheduled_at"].startswith("2026-03-02T15:00")

    rows = list(
        csv.DictReader(
            io.StringIO(rxmsg("queue", "--format", "csv", "--status", "undelivered").stdout)
        )
    )
    assert sorted(r["warning"] for r in rows) == ["No Consent", "Word Restricted"]
    table = rxmsg("queue", "--from", "2026-03-02", "--to", "2026-03-02").stdout.splitlines()
    assert table[0].startswith("Date/Time") and len(table) == 4
    assert all(len(line) <= 80 for line in table)
    assert rxmsg("queue", "--from", "2026-03-03").stdout.splitlines()[1:] == []


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (
            ("send", "--patient", "NOPE", "--method", "sms", "--body", "Hi"),
            1,
            "no patient with ID 'NOPE'",
        ),
        (("send", "--patient", "P1", "--method", "call", "--body", "Hi"), 1, "switched off"),
        (
            ("send", "--patient", "P1", "--method", "sms", "--body", "Hi #WHO#"),
            1,
            "unknown variable #WHO#",
        ),
        (("send", "--patient", "P1", "--method", "fax", "--body", "Hi"), 2, "fax"),
        (("queue", "--from", "yesterday"), 2, "not a date"),
        (("queue", "--from", "2026-03-05", "--to", "2026-03-01"), 2, "--from is after --to"),
        (("queue", "--status", "Lost"), 2, "Lost"),
    ],
)
def test_bad_requests_fail_cleanly(
    rxmsg: Rxmsg, args: tuple[str, ...], code: int, words: str
) -> None:
    result = rxmsg(*args)
    assert_clean_failure(result, code=code)
    assert words in result.stderr
    assert json.loads(rxmsg("queue", "--format", "json").stdout) == []


def test_dispatch_once_sends_to_the_outbox_at_the_store_clock(rxmsg: Rxmsg) -> None:
    assert rxmsg("settings", "set", "setup.sms_using", "sms_service_api").returncode == 0
    assert (
        rxmsg(
            "send", "--patient", "P1", "--method", "sms", "--body", "Ready, #PATIENTFIRSTNAME#"
        ).returncode
        == 0
    )
    rxmsg.env["RXMSG_NOW"] = "2026-03-02T10:01:00-05:00"  # each process's clock starts afresh
    sent = rxmsg("dispatch", "--once")
    assert sent.returncode == 0, sent.stderr
    assert "sent 1," in sent.stderr
    files = sorted((rxmsg.home / "outbox").glob("*.txt"))
    assert len(files) == 1
    assert files[0].name.startswith("20260302T1501")  # RXMSG_NOW 10:01 EST is 15:01 UTC
    assert "To: +12025550143" in files[0].read_text() and "Ready, Ana" in files[0].read_text()
    assert [m["status"] for m in json.loads(rxmsg("queue", "--format", "json").stdout)] == ["Sent"]
