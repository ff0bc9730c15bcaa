"""`rxmsg group-send` and `rxmsg queue --group` as a user runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure, unlock_code

NOW = "2026-03-02T10:00:00-05:00"
SMS = ("--method", "sms", "--body", "Hi #PATIENTFIRSTNAME#, flu shots at #STORENAME#")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three patients: one reached, one without consent, one without a cell phone."""
    runner = Rxmsg(tmp_path_factory.mktemp("prepared"), env={"RXMSG_NOW": NOW})
    assert runner("settings", "set", "store.name", "Elm Pharmacy").returncode == 0
    channels = ("settings", "set", "alerts.general.channels", '["email","sms"]')
    assert runner(*channels, "--unlock", unlock_code()).returncode == 0
    with sqlite3.connect(runner.db_path) as conn:
        for pid, last, phone, consent in (
            ("P1", "Adams", "+12025550143", 1),
            ("P2", "Baker", "+12025550144", 0),
            ("P3", "Clark", None, 1),
        ):
            conn.execute(
                "insert into patient (store_id, patient_id, first_name, last_name, cell_phone, email,"
                " language, cell_verified, email_verified, zip, is_new, created_at, updated_at)"
                " values (1, ?, 'Ana', ?, ?, 'ana@example.org', 'en', 1, 1, '', 0,"
                " '2026-01-01', '2026-01-01')",
                (pid, last, phone),
            )
            conn.execute(
                "insert into patient_message_prefs (store_id, patient_id, alert, email, sms, call)"
                " select 1, id, 'general', 1, 1, 0 from patient where patient_id = ?",
                (pid,),
            )
            for channel in ("email", "sms"):
                conn.execute(
                    "insert into consent (store_id, patient_id, channel, purpose, granted, source,"
                    " wording_version, evidence, username, recorded_at) select 1, id, ?,"
                    " 'transactional', ?, 'import', '', '', '', '2026-01-01' from patient"
                    " where patient_id = ?",
                    (channel, consent, pid),
                )
    return runner.db_path


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path, env={"RXMSG_NOW": NOW})
    with sqlite3.connect(prepared) as source, sqlite3.connect(runner.db_path) as target:
        source.backup(target)
    runner.db_path.chmod(0o600)
    return runner


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
