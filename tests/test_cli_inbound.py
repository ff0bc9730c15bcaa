"""`rxmsg inbound --once` as a subprocess: the inbox folder end to end, and a provider that fails."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure

PATIENTS = (
    "patient_id,first_name,last_name,dob,cell_phone,email,language,consent,"
    "cell_verified,email_verified,zip\n"
    "P1,Ann,Lee,1970-01-02,+13125550100,ann@example.com,en,Y,Y,Y,60601\n"
    "P2,Ben,Lee,1972-03-04,+13125550100,,es,Y,Y,N,60601\n"
)


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path / "home")
    runner.home.mkdir()
    csv = tmp_path / "patients.csv"
    csv.write_text(PATIENTS)
    done = runner("import", "patients", str(csv))
    assert done.returncode == 0, done.stderr
    return runner


def _drop(rxmsg: Rxmsg, name: str, text: str) -> Path:
    inbox = rxmsg.home / "inbox"
    inbox.mkdir(exist_ok=True)
    path = inbox / name
    path.write_text(text, encoding="utf-8")
    return path


def _sms_consent(rxmsg: Rxmsg, patient_id: str) -> list[dict[str, object]]:
    shown = rxmsg("patient", "show", patient_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    ledger = json.loads(shown.stdout)["consent"]
    return [row for row in ledger if row["channel"] == "sms"]


def _queue(rxmsg: Rxmsg) -> list[dict[str, object]]:
    listed = rxmsg("queue", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, object]] = json.loads(listed.stdout)
    return rows


def test_a_stop_dropped_in_the_inbox_is_stored_moved_applied_and_answered_once(
    rxmsg: Rxmsg,
) -> None:
    _drop(
        rxmsg,
        "reply-1.txt",
        "From: +1 (312) 555-0100\nTo: +15557654321\n\nStop texting me please\n",
    )

    done = rxmsg("inbound", "--once")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "read 1, new 1, duplicates 0, STOP 1, START 0, HELP 0, flagged for staff 0, "
        "unknown senders 0, answers queued 1"
    )
    assert not (rxmsg.home / "inbox" / "reply-1.txt").exists()
    assert (rxmsg.home / "inbox" / "read" / "reply-1.txt").exists()
    for patient_id in ("P1", "P2"):  # the household shares the number: both are out
        latest = _sms_consent(rxmsg, patient_id)[:2]  # newest first
        assert sorted((r["purpose"], r["granted"], r["source"]) for r in latest) == [
            ("marketing", False, "sms-keyword"),
            ("transactional", False, "sms-keyword"),
        ]
    (answer,) = _queue(rxmsg)
    assert (answer["method"], answer["priority"], answer["recipient"]) == (
        "SMS", "High", "+13125550100",
    )  # fmt: skip

    _drop(rxmsg, "reply-2.txt", "From: +13125550100\n\nSTOP\n")
    again = rxmsg("inbound", "--once")

    assert again.returncode == 0, again.stderr
    assert "STOP 1" in again.stdout and "answers queued 0" in again.stdout
    assert len(_queue(rxmsg)) == 1


def test_a_bad_file_is_set_aside_with_a_warning_and_the_others_are_read(rxmsg: Rxmsg) -> None:
    _drop(rxmsg, "a-broken.txt", "no headers at all")
    _drop(rxmsg, "b-good.txt", "From: +13125550100\n\nHELP\n")

    done = rxmsg("inbound", "--once")

    assert done.returncode == 0, done.stderr
    assert "read 1, new 1" in done.stdout and "HELP 1" in done.stdout
    assert "warning: inbox file a-broken.txt" in done.stderr
    assert done.stderr.count("a-broken.txt") == 1, done.stderr  # said once, not logged again
    assert "a-broken.txt rejected" in (rxmsg.home / "rxmsg.log").read_text()  # kept for support
    assert "Traceback" not in done.stderr
    assert (rxmsg.home / "inbox" / "rejected" / "a-broken.txt").exists()
    assert (rxmsg.home / "inbox" / "read" / "b-good.txt").exists()


def test_a_provider_that_cannot_be_reached_is_one_line_and_exit_1(rxmsg: Rxmsg) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert rxmsg("settings", "set", "setup.sms_using", "sms_service_api").returncode == 0
    rxmsg.env.update(
        RXMSG_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        RXMSG_TWILIO_AUTH_TOKEN="token-not-shown-anywhere",
        RXMSG_TWILIO_FROM="+15557654321",
        RXMSG_TWILIO_BASE_URL=f"http://127.0.0.1:{port}",
    )

    failed = rxmsg("inbound", "--once")

    assert_clean_failure(failed)
    assert "could not read inbound texts from twilio" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "token-not-shown-anywhere" not in failed.stderr
