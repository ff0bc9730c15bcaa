"""`rxmsg patients` run as staff and scripts run it: a real process on a real database file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.engine import make_engine
from tests.cli_runner import ME, Rxmsg
from tests.conftest import NOW
from tests.tui.seed import insert_consent, insert_patients, patient


def rxmsg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rxmsg_tui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One pharmacy for the module: every test only reads it, and each run costs a second."""
    tmp_path = tmp_path_factory.mktemp("rxmsg")
    keep = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
    return keep | {
        "RXMSG_DATA_DIR": str(tmp_path),
        "RXMSG_DATABASE_URL": f"sqlite:///{tmp_path}/rxmsg.db",
        "RXMSG_CONFIG_FILE": str(tmp_path / "config.toml"),
        "PYTHONIOENCODING": "utf-8",
    }


@pytest.fixture(scope="module")
def stocked(env: dict[str, str]) -> dict[str, str]:
    """The first run creates the store and makes its user admin; then three patients arrive."""
    first = rxmsg(env, "patients", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "[]\n"
    db = Database(make_engine(env["RXMSG_DATABASE_URL"]))
    with db.engine.connect() as conn:
        store_id = conn.execute(text("SELECT id FROM store")).scalar_one()
    ids = insert_patients(
        db,
        store_id,
        [
            patient(
                "1001",
                "John",
                "Smith",
                dob=date(1980, 4, 12),
                cell_phone="+15550102000",
                email="john.smith@example.com",
                cell_verified=True,
            ),
            patient("1002", "María", "Muñoz-Castellanos de la Vega", language="es", dob=None),
            patient("1003", "Bob", "Adams", email="bob@example.com", email_verified=True),
        ],
    )
    insert_consent(db, store_id, ids["1001"], "sms", "transactional", granted=True, at=NOW)
    insert_consent(db, store_id, ids["1001"], "email", "marketing", granted=True, at=NOW)
    db.dispose()
    return env


def test_json_lists_every_patient_with_consent(stocked: dict[str, str]) -> None:
    result = rxmsg(stocked, "patients", "--format", "json")
    assert result.returncode == 0, result.stderr
    patients = json.loads(result.stdout)
    assert [p["patient_id"] for p in patients] == ["1003", "1002", "1001"]
    smith = patients[2]
    assert smith == {
        "patient_id": "1001",
        "first_name": "John",
        "last_name": "Smith",
        "name": "Smith, John",
        "dob": "1980-04-12",
        "cell_phone": "+15550102000",
        "email": "john.smith@example.com",
        "language": "en",
        "cell_verified": True,
        "email_verified": False,
        "consent": {"transactional": ["sms"], "marketing": ["email"]},
    }
    assert patients[1]["dob"] is None
    assert patients[1]["last_name"] == "Muñoz-Castellanos de la Vega"


def test_csv_uses_the_import_column_names_and_y_n(stocked: dict[str, str]) -> None:
    result = rxmsg(stocked, "patients", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "patient_id", "first_name", "last_name", "dob", "cell_phone", "email", "language",
        "cell_verified", "email_verified", "consent", "marketing_consent",
        "consent_channels", "marketing_channels",
    ]  # fmt: skip
    assert [r["patient_id"] for r in rows] == ["1003", "1002", "1001"]
    assert (rows[2]["cell_verified"], rows[2]["email_verified"]) == ("Y", "N")
    assert (rows[2]["consent"], rows[2]["marketing_consent"]) == ("Y", "Y")
    assert (rows[2]["consent_channels"], rows[2]["marketing_channels"]) == ("sms", "email")
    assert (rows[0]["email_verified"], rows[0]["consent"]) == ("Y", "N")


def test_table_fits_80_columns_and_counts_on_stderr(stocked: dict[str, str]) -> None:
    result = rxmsg(stocked, "patients")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["PATIENT", "ID", "NAME"]
    assert len(lines) == 4
    assert all(len(line) < 80 for line in lines)
    assert lines[1].startswith("1003       Adams, Bob")
    assert "bob@examp…*" in lines[1]  # verified, and the mark survives the cut
    assert lines[2].startswith("1002       Muñoz-Castellan… ")
    assert "(555) 010-2000*" in lines[3] and lines[3].endswith("T+M")
    assert result.stderr.startswith("3 patients · * verified")


def test_bad_input_gives_one_line_and_no_traceback(stocked: dict[str, str]) -> None:
    usage = rxmsg(stocked, "patients", "--format", "xml")
    assert usage.returncode == 2
    assert "'xml' is not one of 'table', 'csv', 'json'" in usage.stderr
    bad_db = rxmsg(stocked, "--db", "mysql://nowhere/db", "patients")
    assert bad_db.returncode == 1
    assert bad_db.stderr.startswith('rxmsg: --db: unsupported database "mysql"')
    assert bad_db.stderr.count("\n") == 1
    for result in (usage, bad_db):
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_a_login_without_access_is_refused_in_one_line(tmp_path: Path) -> None:
    runner = Rxmsg(tmp_path)
    runner.create_with_admin()  # the account running the tests is a stranger there
    result = runner("patients")
    assert result.returncode == 1
    assert result.stderr.startswith(f"rxmsg: user '{ME}' may not use rxmsg at store MAIN")
    assert result.stdout == ""
