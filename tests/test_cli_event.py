"""`rxmsg event` as a pharmacy system runs it: one event, a batch file, refusals, exit codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import ME, Rxmsg, assert_clean_failure, unlock_code

NOW = "2026-03-02T10:00:00-05:00"
ZONE = {"TZ": "America/New_York"}
REVIEW_URL = "https://g.page/r/elm/review"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pickup, confirmation and review by SMS; Ana consented and chose SMS; two Rxs."""
    runner = Rxmsg(
        tmp_path_factory.mktemp("prepared"),
        env={"RXMSG_NOW": NOW, **ZONE},
    )
    assert runner("settings", "set", "store.name", "Elm Pharmacy").returncode == 0
    for key in ("pickup", "pickup_confirmation", "review"):
        code = unlock_code()  # each code unlocks once
        done = runner("settings", "set", f"alerts.{key}.channels", '["sms"]', "--unlock", code)
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(runner.db_path) as conn:
        conn.execute(
            "insert into patient (store_id, patient_id, first_name, last_name, cell_phone, language,"
            " cell_verified, email_verified, zip, created_at, updated_at)"
            " values (1, 'P1', 'Ana', 'Lopez', '+12025550143', 'en', 1, 0, '', '2026-01-01', '2026-01-01')"
        )
        for purpose in ("transactional", "marketing"):
            conn.execute(
                "insert into consent (store_id, patient_id, channel, purpose, granted, source,"
                " wording_version, evidence, username, recorded_at)"
                " values (1, 1, 'sms', ?, 1, 'verbal', '', '', 'alice', '2026-01-01')",
                (purpose,),
            )
        for alert in ("pickup", "pickup_confirmation", "review"):
            conn.execute(
                "insert into patient_message_prefs (store_id, patient_id, alert, email, sms, call)"
                " values (1, 1, ?, 0, 1, 0)",
                (alert,),
            )
        conn.execute(
            "insert into drug (store_id, ndc, name, maintenance, dea_schedule)"
            " values (1, '00093-7339-01', 'Lisinopril 10 mg', 1, 0)"
        )
        for number in ("600123", "600124"):
            conn.execute(
                "insert into prescription (store_id, rx_number, patient_id, drug_id, days_supply,"
                " last_fill_date, due_date, refills_remaining, active, updated_at)"
                " values (1, ?, 1, 1, 30, '2026-03-01', '2026-03-31', 3, 1, '2026-03-01')",
                (number,),
            )
        conn.execute(
            "insert into review_site (store_id, name, url, is_default) values (1, 'Google', ?, 1)",
            (REVIEW_URL,),
        )
    return runner.db_path


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    runner = Rxmsg(tmp_path, env={"RXMSG_NOW": NOW, **ZONE})
    with sqlite3.connect(prepared) as source, sqlite3.connect(runner.db_path) as target:
        source.backup(target)
    runner.db_path.chmod(0o600)
    return runner


def _rows(rxmsg: Rxmsg, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(rxmsg.db_path) as conn:
        return conn.execute(sql).fetchall()


def _lines(text: str) -> list[str]:
    return text.strip().splitlines()


def test_one_event_at_a_time(rxmsg: Rxmsg) -> None:
    ready = rxmsg("event", "label-printed", "600123")
    assert ready.returncode == 0, ready.stderr
    assert _lines(ready.stdout) == [
        "recorded Rx 600123 label printed (fill 2026-03-01)",
        "queued message 1: RX Ready for Pickup by SMS for Rx 600123: Pending",
    ]
    again = rxmsg("event", "label-printed", "600123")
    assert again.returncode == 0
    assert _lines(again.stdout)[1:] == ["not queued: RX Ready for Pickup by SMS was queued already"]
    picked = rxmsg("event", "picked-up", "600123", "--at", "2026-03-02T09:45")
    assert picked.returncode == 0, picked.stderr
    assert _lines(picked.stdout) == [
        "recorded Rx 600123 picked up (fill 2026-03-01)",
        "cancelled message 1: RX Ready for Pickup by SMS for Rx 600123 (picked up)",
        "queued message 2: RX Pickup Confirmation by SMS for Rx 600123: Pending",
        "queued message 3: Customer Review by SMS: Pending",
    ]
    assert _rows(rxmsg, "select id, status, dedupe_key from outbound_message order by id") == [
        (1, "Deleted", "MAIN:pickup:600123:2026-03-01:sms"),
        (2, "Pending", "MAIN:pickup-confirmation:600123:2026-03-01:sms"),
        (3, "Pending", "MAIN:review:P1:2026-03-02:sms"),
    ]
    (body,) = _rows(rxmsg, "select body from outbound_message where id = 3")[0]
    assert REVIEW_URL in str(body)
    assert _rows(rxmsg, "select kind, source, username from rx_event order by id") == [
        ("label-printed", "cli", ME),
        ("label-printed", "cli", ME),
        ("picked-up", "cli", ME),
    ]


def test_refusals_and_usage_errors(rxmsg: Rxmsg) -> None:
    unknown = rxmsg("event", "picked-up", "999999")
    assert_clean_failure(unknown)
    assert _lines(unknown.stderr) == ["rxmsg: no prescription Rx 999999 at store MAIN"]
    early = rxmsg("event", "verified", "600123", "--at", "2026-02-27T12:00")
    assert_clean_failure(early)
    assert "before the current fill of Rx 600123 (2026-03-01)" in early.stderr
    assert_clean_failure(rxmsg("event", "verified", "600123", "--at", "yesterday"))
    assert_clean_failure(rxmsg("event", "shipped", "600123"), code=2)
    assert_clean_failure(rxmsg("event", "picked-up"), code=2)
    assert_clean_failure(rxmsg("event", "batch", "no-such-file.csv"), code=2)
    assert _rows(rxmsg, "select count(*) from rx_event") == [(0,)]


def test_a_csv_batch_is_applied_in_file_order(rxmsg: Rxmsg, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "rx_number,event,occurred_at\n"
        "600123,label-printed,2026-03-02T08:00\n"
        "600124,Label_Printed,\n"
        "600123,picked-up,2026-03-02T09:30:00-05:00\n"
    )
    result = rxmsg("event", "batch", str(events))
    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout) == [
        "queued message 1: RX Ready for Pickup by SMS for Rx 600123: Pending",
        "queued message 2: RX Ready for Pickup by SMS for Rx 600124: Pending",
        "cancelled message 1: RX Ready for Pickup by SMS for Rx 600123 (picked up)",
        "queued message 3: RX Pickup Confirmation by SMS for Rx 600123: Pending",
        "queued message 4: Customer Review by SMS: Pending",
        "Recorded 3 events from events.csv: 4 messages queued, 1 cancelled.",
    ]
    # Stored in UTC; the line without a time is stamped now (the clock runs on from RXMSG_NOW).
    stamped = "select kind, source, substr(occurred_at, 1, 16) from rx_event order by id"
    assert _rows(rxmsg, stamped) == [
        ("label-printed", "batch", "2026-03-02 13:00"),
        ("label-printed", "batch", "2026-03-02 15:00"),
        ("picked-up", "batch", "2026-03-02 14:30"),
    ]


def test_a_json_lines_batch(rxmsg: Rxmsg, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"rx_number": "600124", "event": "label-printed"}\n'
        "\n"
        '{"rx_number": 600124, "event": "picked-up", "occurred_at": "2026-03-02T09:50"}\n'
    )
    result = rxmsg("event", "batch", str(events))
    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout)[-1] == (
        "Recorded 2 events from events.jsonl: 3 messages queued, 1 cancelled."
    )


def test_a_bad_line_stops_the_batch_and_nothing_is_written(rxmsg: Rxmsg, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "rx_number,event,occurred_at\n"
        "600123,label-printed,\n"
        "600123,shipped,\n"
        "999999,picked-up,\n"
        "600124,verified,2026-02-20T10:00\n"
        "600124,verified,noon\n"
    )
    result = rxmsg("event", "batch", str(events))
    assert_clean_failure(result)
    assert _lines(result.stderr) == [
        "line 3: unknown event 'shipped': use one of label-printed, insurance-approved, "
        "verified, picked-up",
        "line 4: no prescription Rx 999999 at this store",
        "line 5: the event (2026-02-20) is before the current fill of Rx 600124 (2026-03-01); "
        "events of earlier fills are not recorded",
        "line 6: occurred_at 'noon' is not an ISO 8601 time such as 2026-03-02T14:30",
        "rxmsg: nothing recorded: 4 bad lines in events.csv",
    ]
    assert result.stdout == ""
    assert _rows(rxmsg, "select count(*) from rx_event") == [(0,)]
    assert _rows(rxmsg, "select count(*) from outbound_message") == [(0,)]

    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text('{"rx_number": "600123", "event": "verified"}\n{"rx_number": "600123",\n')
    broken = rxmsg("event", "batch", str(jsonl))
    assert_clean_failure(broken)
    assert _lines(broken.stderr)[0].startswith("line 2: not valid JSON")
    wrong_kind = tmp_path / "events.txt"
    wrong_kind.write_text("600123 verified\n")
    refused = rxmsg("event", "batch", str(wrong_kind))
    assert_clean_failure(refused)
    assert "events come in a .csv, .jsonl or .json file" in refused.stderr
    assert _rows(rxmsg, "select count(*) from rx_event") == [(0,)]
