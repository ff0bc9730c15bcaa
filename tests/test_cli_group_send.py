"""`rxmsg group-send` and `rxmsg queue --group` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.cli_store import StockedPatient, copy_of, stocked_store

SMS = ("--method", "sms", "--body", "Hi #PATIENTFIRSTNAME#, flu shots at #STORENAME#")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three patients: one reached, one without consent, one without a cell phone."""
    return stocked_store(
        tmp_path_factory.mktemp("prepared"),
        (
            StockedPatient("P1", "Adams", consent=True, general=True),
            StockedPatient("P2", "Baker", "+12025550144", consent=False, general=True),
            StockedPatient("P3", "Clark", None, consent=True, general=True),
        ),
        general_channels=True,
    )


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    return copy_of(prepared, tmp_path)


def queued(rxmsg: Rxmsg) -> list[dict[str, object]]:
    result = rxmsg("queue", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_json_has_one_line_per_patient_and_channel(rxmsg: Rxmsg) -> None:
    result = rxmsg("group-send", "--all", *SMS, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"patient_id": "P1", "channel": "sms", "queued": True, "reason": ""},
        {"patient_id": "P2", "channel": "sms", "queued": False, "reason": "No Consent"},
        {"patient_id": "P3", "channel": "sms", "queued": False, "reason": "No Cell"},
    ]
    rows = queued(rxmsg)
    assert [(r["recipient"], r["body"]) for r in rows] == [
        ("+12025550143", "Hi Ana, flu shots at Elm Pharmacy")
    ]
    assert (
        rxmsg("queue", "--group", "1", "--format", "json").stdout
        == rxmsg("queue", "--format", "json").stdout
    )
    assert json.loads(rxmsg("queue", "--group", "2", "--format", "json").stdout) == []


def test_the_table_counts_reached_and_excluded_by_reason(rxmsg: Rxmsg) -> None:
    result = rxmsg("group-send", "--patients", "P1,P2", "--method", "email",
                   "--subject", "Flu", "--body", "Flu shots are here")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Group send #1:",
        "Email: 1 queued, 1 excluded",
        "  No Consent             1",
    ]


def test_a_dry_run_writes_nothing(rxmsg: Rxmsg) -> None:
    result = rxmsg("group-send", "--search", "bak", *SMS, "--dry-run", "--save-template", "Flu")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "Dry run, nothing written:",
        "SMS: 0 queued, 1 excluded",
    ]
    assert "not saved" in result.stderr
    assert queued(rxmsg) == []
    with sqlite3.connect(rxmsg.db_path) as conn:
        assert conn.execute("select count(*) from group_send").fetchone() == (0,)
        assert conn.execute("select count(*) from message_format").fetchone() == (0,)


def test_a_template_is_saved_with_the_send(rxmsg: Rxmsg) -> None:
    result = rxmsg("group-send", "--patients", "P1", *SMS, "--save-template", "Flu shots")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(rxmsg.db_path) as conn:
        saved = conn.execute(
            "select method, alert_type, group_message, subject from message_format"
        ).fetchall()
    assert saved == [("SMS", "General", 1, "Flu shots")]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--patients", "P1,NOPE", *SMS), 1, "no patient with ID 'NOPE'"),
        (("--all", "--method", "sms", "--body", "  "), 1, "--body: the message is empty"),
        (("--all", "--method", "sms", "--body", "Our C.B.D oil"), 1, "restricted word"),
        (("--all", "--method", "sms", "--body", "Hi #WHO#"), 1, "unknown variable #WHO#"),
        (("--all", "--method", "email", "--body", "Hi"), 1, "--subject: an email needs a subject"),
        (("--all", "--method", "fax", "--body", "Hi"), 2, "fax"),
        (SMS, 2, "one of --search, --patients or --all"),
        (("--all", "--search", "a", *SMS), 2, "one of --search, --patients or --all"),
        (("--search", "zzz", *SMS), 1, "no patient matches 'zzz'"),
        (("--all", *SMS, "--save-template", " "), 2, "--save-template needs a name"),
    ],
)
def test_bad_requests_fail_cleanly_and_write_nothing(
    rxmsg: Rxmsg, args: tuple[str, ...], code: int, words: str
) -> None:
    result = rxmsg("group-send", *args)
    assert_clean_failure(result, code=code)
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 or code == 2
    assert queued(rxmsg) == []
    with sqlite3.connect(rxmsg.db_path) as conn:
        assert conn.execute("select count(*) from group_send").fetchone() == (0,)


def test_queue_group_must_be_a_number(rxmsg: Rxmsg) -> None:
    assert_clean_failure(rxmsg("queue", "--group", "x"), code=2)
