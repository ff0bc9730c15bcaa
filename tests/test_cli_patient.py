"""`rxmsg patient show|set|consent`: the bell from a shell; bad input is one line, nothing written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import ME, Rxmsg, assert_clean_failure
from tests.cli_store import StockedPatient, copy_of, stocked_store


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with Ana, whose cell and email are verified, and defaults for refill."""
    return stocked_store(
        tmp_path_factory.mktemp("prepared"),
        (StockedPatient("P1"),),
        now=None,
        sql=("""update alert_settings set defaults = '{"refill": ["email", "sms"]}'""",),
    )


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    return copy_of(prepared, tmp_path, now=None)


def written(rxmsg: Rxmsg) -> tuple[object, ...]:
    """Everything `patient set|consent` could write: the patient, prefs, ledger, audit."""
    with sqlite3.connect(rxmsg.db_path) as conn:
        return (
            conn.execute(
                "select cell_phone, email, language, cell_verified, email_verified from patient"
            ).fetchall(),
            conn.execute("select alert, email, sms, call from patient_message_prefs").fetchall(),
            conn.execute("select count(*) from consent").fetchone(),
            conn.execute("select count(*) from audit_log where action like 'patient.%'").fetchone(),
        )


def test_show_as_json(rxmsg: Rxmsg) -> None:
    done = rxmsg("patient", "show", "P1", "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["cell"] == {
        "address": "+12025550143",
        "verified": True,
        "verified_by": None,
        "verified_at": None,
    }
    assert shown["channels"]["refill"] == [] and shown["consent"] == []


def test_set_cell_clears_verification_and_channels_saved(rxmsg: Rxmsg) -> None:
    done = rxmsg(
        "patient", "set", "P1", "--cell", "(202) 555-0199", "--language", "es",
        "--channels", "pickup=sms", "--channels", "birthday=",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "+12025550199 (not verified)" in done.stdout
    assert "ana@example.org (verified)" in done.stdout
    patient, prefs, _, audits = written(rxmsg)
    assert patient == [("+12025550199", "ana@example.org", "es", 0, 1)]
    assert sorted(prefs) == [("birthday", 0, 0, 0), ("pickup", 0, 1, 0)]
    assert audits == (1,)
    with sqlite3.connect(rxmsg.db_path) as conn:
        [(who,)] = conn.execute("select username from audit_log where action = 'patient.settings'")
    assert who == ME


def test_apply_defaults(rxmsg: Rxmsg) -> None:
    done = rxmsg("patient", "set", "P1", "--apply-defaults")
    assert done.returncode == 0, done.stderr
    assert ("refill", 1, 1, 0) in written(rxmsg)[1]


def test_consent_granted_then_withdrawn_shows_in_ledger(rxmsg: Rxmsg) -> None:
    given = rxmsg(
        "patient", "consent", "P1", "--channel", "sms", "--purpose", "marketing",
        "--grant", "--source", "in-person",
    )  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert "P1: sms marketing consent granted (in-person)" in given.stdout
    withdrawn = rxmsg(
        "patient", "consent", "P1", "--channel", "sms", "--purpose", "marketing",
        "--withdraw", "--source", "verbal",
    )  # fmt: skip
    assert withdrawn.returncode == 0, withdrawn.stderr
    ledger = json.loads(rxmsg("patient", "show", "P1", "--format", "json").stdout)["consent"]
    assert [(e["granted"], e["source"], e["username"]) for e in ledger] == [
        (False, "verbal", ME),
        (True, "in-person", ME),
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("show", "NOPE"), "no patient with ID 'NOPE'"),
        (("set", "NOPE", "--language", "es"), "no patient with ID 'NOPE'"),
        (("set", "P1", "--cell", "555-010-2000"), "Cell Phone '555-010-2000': not a valid"),
        (("set", "P1", "--cell", "call me"), "only digits"),
        (("set", "P1", "--email", "ana@@example"), "E-mail ID 'ana@@example'"),
        (("set", "P1", "--channels", "refil=sms"), "unknown alert 'refil'"),
        (("set", "P1", "--channels", "refill=fax"), "unknown channel 'fax'"),
        (("set", "P1", "--channels", "refill=call"), "makes no calls"),
        (("set", "P1", "--channels", "refill"), "expected ALERT=email,sms"),
        (("set", "P1", "--language", "es", "--cell", "12"), "Cell Phone '12'"),
        (("set", "P1"), "nothing to change"),
        (
            (
                "consent",
                "NOPE",
                "--channel",
                "sms",
                "--purpose",
                "marketing",
                "--grant",
                "--source",
                "verbal",
            ),
            "no patient with ID 'NOPE'",
        ),
        (("consent", "P1", "--sigpad"), "set RXMSG_SIGPAD_URL"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    rxmsg: Rxmsg, args: tuple[str, ...], words: str
) -> None:
    before = written(rxmsg)
    result = rxmsg("patient", *args)
    assert_clean_failure(result)
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert written(rxmsg) == before


@pytest.mark.parametrize(
    "args",
    [
        ("consent", "P1", "--channel", "fax", "--purpose", "marketing", "--grant"),
        ("consent", "P1", "--channel", "sms", "--purpose", "marketing", "--source", "verbal"),
        ("consent", "P1", "--channel", "sms", "--purpose", "x", "--grant", "--source", "verbal"),
        ("consent", "P1", "--channel", "sms", "--purpose", "marketing", "--grant", "--source", "sigpad"),
        ("set", "P1", "--language", "fr"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(rxmsg: Rxmsg, args: tuple[str, ...]) -> None:
    before = written(rxmsg)
    result = rxmsg("patient", *args)
    assert_clean_failure(result, code=2)
    assert written(rxmsg) == before
