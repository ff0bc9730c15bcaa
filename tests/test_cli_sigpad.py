"""`rxmsg patient consent ID --sigpad` against `rxmsg devices sigpad-sim` run as a subprocess."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli_runner import ME, Rxmsg, assert_clean_failure


@pytest.fixture
def rxmsg(tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path)
    assert runner("settings", "set", "store.name", "Elm Pharmacy").returncode == 0
    with sqlite3.connect(runner.db_path) as conn:
        conn.execute(
            "insert into patient (store_id, patient_id, first_name, last_name, cell_phone, email,"
            " language, cell_verified, email_verified, zip, is_new, created_at, updated_at) values"
            " (1, 'P1', 'Ana', 'Lopez', '+12025550143', 'ana@example.org', 'en', 1, 1, '', 0,"
            " '2026-01-01', '2026-01-01')"
        )
    return runner


@contextmanager
def simulator(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`rxmsg devices sigpad-sim ARGS`; yields the URL it printed, stops it with SIGTERM."""
    sim = subprocess.Popen(
        [sys.executable, "-m", "rxmsg_tui", "devices", "sigpad-sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
        env={**os.environ, "TERM": "dumb"},
    )
    try:
        assert sim.stdout is not None
        first = sim.stdout.readline()
        assert first.startswith("RXMSG_SIGPAD_URL="), (first, sim.stderr and sim.stderr.read())
        yield first.strip().split("=", 1)[1], sim
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)


def ledger(rxmsg: Rxmsg) -> list[tuple[object, ...]]:
    with sqlite3.connect(rxmsg.db_path) as conn:
        return conn.execute(
            "select channel, purpose, granted, source, wording_version, length(evidence), username"
            " from consent order by id"
        ).fetchall()


def test_yes_exits_0_and_names_what_was_recorded(rxmsg: Rxmsg) -> None:
    with simulator("--pty", "--answer", "yes") as (url, sim):
        assert url.startswith("/dev/pts/")
        rxmsg.env["RXMSG_SIGPAD_URL"] = url
        done = rxmsg("patient", "consent", "P1", "--sigpad")
    assert done.returncode == 0, done.stderr
    assert "waiting for the patient on the signature pad" in done.stderr
    assert "P1: consent recorded for email, sms (transactional, wording en-1" in done.stdout
    assert ledger(rxmsg) == [
        ("email", "transactional", 1, "sigpad", "en-1", 64, ME),
        ("sms", "transactional", 1, "sigpad", "en-1", 64, ME),
    ]
    out, _ = sim.communicate(timeout=10)
    assert "PROMPT" in out and "answered YES" in out and "stopped" in out


def test_no_exits_1_with_a_refusal_recorded(rxmsg: Rxmsg) -> None:
    with simulator("--answer", "no") as (url, _):
        rxmsg.env["RXMSG_SIGPAD_URL"] = url
        done = rxmsg("patient", "consent", "P1", "--sigpad", "--marketing")
    assert_clean_failure(done)
    assert "said NO" in done.stderr.splitlines()[-1]
    assert [row[:3] for row in ledger(rxmsg)] == [
        ("email", "transactional", 0),
        ("sms", "transactional", 0),
    ]


def test_yes_and_marketing_over_a_tcp_pad(rxmsg: Rxmsg) -> None:
    with simulator("--port", "0", "--answer", "yes") as (url, _):
        assert url.startswith("socket://127.0.0.1:")
        rxmsg.env["RXMSG_SIGPAD_URL"] = url
        done = rxmsg("patient", "consent", "P1", "--sigpad", "--marketing")
    assert done.returncode == 0, done.stderr
    assert "marketing granted" in done.stdout
    assert {row[1] for row in ledger(rxmsg)} == {"transactional", "marketing"}


def test_a_person_answers_at_the_simulator(rxmsg: Rxmsg) -> None:
    with simulator("--answer", "ask") as (url, sim):
        assert sim.stdin is not None
        sim.stdin.write("maybe\nn\n")
        sim.stdin.flush()
        rxmsg.env["RXMSG_SIGPAD_URL"] = url
        done = rxmsg("patient", "consent", "P1", "--sigpad")
    assert_clean_failure(done)
    out, _ = sim.communicate(timeout=10)
    assert "The patient reads: I agree that Elm Pharmacy may send me" in out


def test_a_pad_gone_exits_1_and_records_nothing(rxmsg: Rxmsg) -> None:
    """The pad's stable name (as udev's /dev/serial/by-id/ link) leaves with the pad.

    Not the pty itself: a freed /dev/pts/N is handed to the next process that opens
    a terminal, so it may be back before `rxmsg` looks; this link never comes back.
    """
    port = rxmsg.home / "usb-Signature_Pad-if00"
    with simulator("--answer", "yes") as (url, _):
        port.symlink_to(url)
    port.unlink()  # unplugged
    rxmsg.env["RXMSG_SIGPAD_URL"] = str(port)
    done = rxmsg("patient", "consent", "P1", "--sigpad")
    assert_clean_failure(done)
    assert "cannot open the signature pad at" in done.stderr  # the path, shortened to fit
    assert f"{port.name}: no such port (is the pad plugged in?)" in done.stderr
    assert ledger(rxmsg) == []


def test_no_answer_in_time_exits_1(rxmsg: Rxmsg) -> None:
    """A pad that never answers: a real pty nobody serves."""
    master, slave = os.openpty()
    try:
        rxmsg.env.update(RXMSG_SIGPAD_URL=os.ttyname(slave), RXMSG_SIGPAD_TIMEOUT="1")
        done = rxmsg("patient", "consent", "P1", "--sigpad")
    finally:
        os.close(master)
        os.close(slave)
    assert_clean_failure(done)
    assert "did not answer within 1 s; nothing was recorded" in done.stderr
    assert ledger(rxmsg) == []


def test_unknown_patient_is_said_before_waiting(rxmsg: Rxmsg) -> None:
    rxmsg.env["RXMSG_SIGPAD_URL"] = "/dev/ttyUSB-none"
    done = rxmsg("patient", "consent", "NOPE", "--sigpad")
    assert_clean_failure(done)
    assert done.stderr.strip().splitlines() == ["rxmsg: no patient with ID 'NOPE' at this store"]


def test_sigpad_with_a_channel_is_a_usage_error(rxmsg: Rxmsg) -> None:
    done = rxmsg("patient", "consent", "P1", "--sigpad", "--channel", "sms")
    assert_clean_failure(done, code=2)
