"""`rxmsg send` refuses texts over their caps and control characters: one line, nothing queued."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.test_template_limits import ONE_MORE_LEVEL


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that sends General messages by email and SMS, and Ana, who consented."""
    runner = Rxmsg(tmp_path_factory.mktemp("prepared"))
    assert runner("settings", "set", "store.name", "Elm Pharmacy").returncode == 0
    with sqlite3.connect(runner.db_path) as conn:
        conn.execute('update alert_settings set general_channels = \'["email", "sms"]\'')
        conn.execute(
            "insert into patient (store_id, patient_id, first_name, last_name, cell_phone, email,"
            " language, cell_verified, email_verified, zip, created_at, updated_at) values"
            " (1, 'P1', 'Ana', 'Lopez', '+12025550143', 'ana@example.org', 'en', 1, 1, '',"
            " '2026-01-01', '2026-01-01')"
        )
        for channel in ("email", "sms"):
            conn.execute(
                "insert into consent (store_id, patient_id, channel, purpose, granted, source,"
                " wording_version, evidence, username, recorded_at) select 1, id, ?,"
                " 'transactional', 1, 'import', '', '', '', '2026-01-01' from patient",
                (channel,),
            )
    return runner.db_path


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path)
    with sqlite3.connect(prepared) as source, sqlite3.connect(runner.db_path) as target:
        source.backup(target)
    runner.db_path.chmod(0o600)
    return runner


@pytest.mark.parametrize(
    ("method", "subject", "body", "words"),
    [
        ("email", "Hello", "x" * 130_000, "body: 130,000 characters; at most 100,000"),
        ("sms", "Hello", "x" * 130_000, "body: 130,000 characters; at most 100,000"),
        ("sms", "Hello", "x" * 2_000, "at most 10 segments"),
        ("email", "x" * 120_000, "Hi", "subject: 120,000 characters; at most 200"),
        ("email", "Hi\r\nBcc: everyone@example.org", "Hi", "subject: line 1, column 3: carriage"),
        ("sms", "Hello", "Hi \x1b[2J#PATIENTFIRSTNAME#", "body: line 1, column 4: ESC (U+001B)"),
        ("email", "Hello", "Ring \x07 ring", "BEL"),
        ("sms", "Hello", ONE_MORE_LEVEL, "grow past 200,000 characters"),
        ("sms", "Hello", "{{ patient_first_name|title(1) }}", "'title' filter"),
    ],
)
def test_send_refuses_what_no_phone_or_mail_server_should_get(
    rxmsg: Rxmsg, method: str, subject: str, body: str, words: str
) -> None:
    result = rxmsg(
        "send", "--patient", "P1", "--method", method, "--subject", subject, "--body", body
    )
    assert_clean_failure(result, code=1)
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 300
    assert json.loads(rxmsg("queue", "--format", "json").stdout) == []


def test_a_text_within_the_caps_is_queued(rxmsg: Rxmsg) -> None:
    ok = rxmsg("send", "--patient", "P1", "--method", "sms", "--body", "Hi #PATIENTFIRSTNAME#\nBye")
    assert ok.returncode == 0, ok.stderr
    (queued,) = json.loads(rxmsg("queue", "--format", "json").stdout)
    assert queued["body"] == "Hi Ana\nBye"
