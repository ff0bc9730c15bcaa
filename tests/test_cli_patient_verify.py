"""`rxmsg patient verify` as staff run it: a code to the outbox, read back, the cell verified."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.cli_store import StockedPatient, copy_of, stocked_store


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ana twice, neither address verified, her cell as the pharmacy system sent it; P2 has no email."""
    return stocked_store(
        tmp_path_factory.mktemp("prepared"),
        (
            StockedPatient("P1", cell="2025550143", verified=False, is_new=True),
            StockedPatient("P2", cell="2025550143", email=None, verified=False, is_new=True),
        ),
        settings=(("setup.sms_using", "sms_service_api"),),
    )


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    return copy_of(prepared, tmp_path)


def written(rxmsg: Rxmsg) -> tuple[int, int, int]:
    with sqlite3.connect(rxmsg.db_path) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("verification_code", "outbound_message", "audit_log")
        )


def verified(rxmsg: Rxmsg) -> tuple[int, int]:
    with sqlite3.connect(rxmsg.db_path) as conn:
        row = conn.execute(
            "select cell_verified, email_verified from patient where patient_id = 'P1'"
        ).fetchone()
    return row[0], row[1]


def test_a_code_sent_to_the_outbox_and_read_back_verifies_the_cell(rxmsg: Rxmsg) -> None:
    sent = rxmsg("patient", "verify", "P1", "--cell")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "code queued to +12025550143 (message 1); it expires at 10:10"
    rxmsg.env["RXMSG_NOW"] = "2026-03-02T10:01:00-05:00"
    dispatched = rxmsg("dispatch", "--once")
    assert dispatched.returncode == 0, dispatched.stderr
    files = sorted((rxmsg.home / "outbox").glob("*.txt"))
    assert len(files) == 1
    text = files[0].read_text()
    found = re.search(r"verification code is (\d{6})", text)
    assert found, text
    code = found.group(1)
    assert code not in sent.stdout + sent.stderr + dispatched.stdout + dispatched.stderr
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = rxmsg("patient", "verify", "P1", "--cell", "--code", wrong)
    assert_clean_failure(refused)
    assert refused.stderr.strip() == "rxmsg: wrong code (4 tries left)"
    done = rxmsg("patient", "verify", "P1", "--cell", "--code", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "patient P1: cell verified"
    assert verified(rxmsg) == (1, 0)
    queue = json.loads(rxmsg("queue", "--format", "json").stdout)
    assert [(m["alert_type"], m["status"]) for m in queue] == [("Verification", "Sent")]
    # Staff get the code from the patient, not from the queue, its export or printout.
    assert "******" in queue[0]["body"]
    for listing in (rxmsg("queue", "--format", "json"), rxmsg("queue", "--format", "csv")):
        assert code not in listing.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("NOPE", "--cell"), "rxmsg: no patient with ID 'NOPE' at store MAIN"),
        (("NOPE", "--cell", "--code", "123456"), "rxmsg: no patient with ID 'NOPE' at store MAIN"),
        (("P1", "--cell", "--code", "123456"), "rxmsg: no code is waiting for this cell; send a code first"),
        (("P1", "--email", "--code", "12345"), "rxmsg: the code is 6 digits"),
        (("P2", "--email"), "rxmsg: no email on file for patient P2"),
        (("P1",), "rxmsg: say which address to verify: --cell or --email"),
    ],
)  # fmt: skip
def test_bad_requests_fail_in_one_line_and_write_nothing(
    rxmsg: Rxmsg, args: tuple[str, ...], words: str
) -> None:
    before = written(rxmsg)
    result = rxmsg("patient", "verify", *args)
    assert_clean_failure(result)
    assert result.stderr.strip() == words
    assert written(rxmsg) == before and verified(rxmsg) == (0, 0)


def test_a_second_code_within_the_minute_is_refused(rxmsg: Rxmsg) -> None:
    assert rxmsg("patient", "verify", "P1", "--email").returncode == 0
    rxmsg.env["RXMSG_NOW"] = "2026-03-02T10:00:30-05:00"
    again = rxmsg("patient", "verify", "P1", "--email")
    assert_clean_failure(again)
    assert "a new code can be sent at 10:01" in again.stderr
    assert written(rxmsg)[:2] == (1, 1)


def test_a_text_asked_for_before_eight_says_when_it_goes(rxmsg: Rxmsg) -> None:
    rxmsg.env["RXMSG_NOW"] = "2026-03-02T07:30:00-05:00"
    sent = rxmsg("patient", "verify", "P1", "--cell")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "code queued to +12025550143 (message 1); it expires at 08:10"
    assert sent.stderr.strip() == "texts wait for 08:00 at the patient: it goes at 03/02 08:00"
