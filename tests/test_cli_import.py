"""`rxmsg import` run as the installed command: exit codes, messages, nothing half-written."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PATIENT_HEADER = (
    "patient_id,first_name,last_name,dob,cell_phone,email,language,consent,"
    "cell_verified,email_verified,zip"
)
RX_HEADER = (
    "rx_number,patient_id,drug_name,ndc,maintenance,dea_schedule,days_supply,"
    "last_fill_date,refills_remaining,active"
)
ANN = "P1,Ann,Lee,1950-02-28,(201) 555-0123,ann@example.com,en,Y,Y,N,07030"
BOB = "P2,Bob,Ray,1961-07-04,,,es,N,N,N,"
RX_100 = "100,P1,Lisinopril 10 mg,00071-0222-23,Y,0,30,2026-02-01,3,Y"
WRITTEN_TABLES = ("patient", "consent", "patient_message_prefs", "drug", "prescription")


def rxmsg_command() -> list[str]:
    """The console script installed beside this interpreter, as staff would run it."""
    script = Path(sys.executable).with_name("rxmsg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rxmsg_tui"]


class Rxmsg:
    """Runs `rxmsg` against a private data dir and SQLite file."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.db_path = home / "rxmsg.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RXMSG_")}
        self.env |= {
            "RXMSG_DATA_DIR": str(home),
            "RXMSG_DATABASE_URL": f"sqlite:///{self.db_path}",
            "RXMSG_CONFIG_FILE": str(home / "none.toml"),
            "RXMSG_NOW": "2026-03-02T10:00:00-05:00",
            "TZ": "America/New_York",  # the new store's zone, so "today" is 2026-03-02
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*rxmsg_command(), *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stdout + result.stderr
        return result

    def file(self, name: str, *lines: str) -> str:
        path = self.home / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(path)

    def counts(self) -> dict[str, int]:
        """Rows an import writes (and its audit rows); zeros when no database was made."""
        if not self.db_path.exists():
            return dict.fromkeys((*WRITTEN_TABLES, "audit"), 0)
        with sqlite3.connect(self.db_path) as conn:
            counts = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WRITTEN_TABLES
            }
            audit = "SELECT count(*) FROM audit_log WHERE action LIKE 'import.%'"
            counts["audit"] = conn.execute(audit).fetchone()[0]
        return counts

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql).fetchall()


NOTHING = dict.fromkeys((*WRITTEN_TABLES, "audit"), 0)


@pytest.fixture
def rxmsg(tmp_path: Path, migrated_sqlite: Path) -> Rxmsg:
    """The conftest's database migrated once per process, copied: no upgrade per run."""
    shutil.copyfile(migrated_sqlite, tmp_path / "rxmsg.db")
    return Rxmsg(tmp_path)


def test_good_files_import_and_a_reimport_updates_without_duplicates(rxmsg: Rxmsg) -> None:
    result = rxmsg.run("import", "patients", rxmsg.file("patients.csv", PATIENT_HEADER, ANN, BOB))
    assert result.returncode == 0, result.stderr
    assert "Imported patients.csv: 2 patients (2 new, 0 updated, 0 unchanged)" in result.stdout
    assert "Messaging went live on " in result.stdout  # the first import starts messaging
    rx = rxmsg.run("import", "prescriptions", rxmsg.file("rx.csv", RX_HEADER, RX_100))
    assert rx.returncode == 0, rx.stderr
    assert "1 prescription (1 new" in rx.stdout
    renamed = BOB.replace("Bob,", "Robert,")
    again = rxmsg.run("import", "patients", rxmsg.file("p2.csv", PATIENT_HEADER, ANN, renamed))
    assert again.returncode == 0, again.stderr
    assert "(0 new, 1 updated, 1 unchanged)" in again.stdout
    assert "Messaging went live" not in again.stdout
    assert rxmsg.counts() == {
        "patient": 2, "consent": 3, "patient_message_prefs": 0, "drug": 1, "prescription": 1,
        "audit": 3,
    }  # fmt: skip
    assert rxmsg.query("SELECT first_name, cell_phone FROM patient ORDER BY patient_id") == [
        ("Ann", "+12015550123"),
        ("Robert", None),
    ]
    assert rxmsg.query("SELECT due_date FROM prescription") == [("2026-03-03",)]


def test_bad_dates_phones_emails_and_y_n_are_listed_by_line_and_nothing_is_written(
    rxmsg: Rxmsg,
) -> None:
    path = rxmsg.file(
        "patients.csv",
        PATIENT_HEADER,
        ANN,
        BOB.replace("1961-07-04", "07/04/1961"),
        "P3,Cy,Oh,2031-01-01,,,en,Y,N,N,",
        "P4,Di,Ng,1970-01-01,555-010-2000,,en,Y,N,N,",
        "P5,Ed,Ko,1970-01-01,,ed@,en,Y,N,N,",
        "P6,Fa,Lu,1970-01-01,,,en,maybe,N,N,",
    )
    result = rxmsg.run("import", "patients", path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "line 3: dob: expected a date as YYYY-MM-DD",
        "line 4: dob: in the future (after 2026-03-02)",
        "line 5: cell_phone: not a valid number (no such area code or exchange)",
        "line 6: email: there must be something after the @-sign",
        "line 7: consent: expected Y or N, got 'maybe'",
        "rxmsg: nothing imported: 5 bad rows in patients.csv",
    ]
    assert result.stdout == ""
    assert rxmsg.counts() == NOTHING


def test_skip_bad_imports_the_good_rows_and_lists_the_rest(rxmsg: Rxmsg) -> None:
    path = rxmsg.file("patients.csv", PATIENT_HEADER, ANN, BOB.replace(",es,", ",fr,"))
    result = rxmsg.run("import", "patients", path, "--skip-bad")
    assert result.returncode == 0
    assert result.stderr == "line 3: language: expected en or es, got 'fr'\n"
    assert "Skipped 1 bad row" in result.stdout
    assert rxmsg.counts()["patient"] == 1


def test_an_unknown_patient_in_prescriptions_is_a_bad_row(rxmsg: Rxmsg) -> None:
    assert rxmsg.run("import", "patients", rxmsg.file("p.csv", PATIENT_HEADER, ANN)).returncode == 0
    before = rxmsg.counts()
    path = rxmsg.file("rx.csv", RX_HEADER, RX_100, RX_100.replace("100,P1", "101,P9"))
    result = rxmsg.run("import", "prescriptions", path)
    assert result.returncode == 1
    assert "line 3: patient_id: no such patient at this store" in result.stderr
    assert result.stderr.endswith("rxmsg: nothing imported: 1 bad row in rx.csv\n")
    assert rxmsg.counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"patient_id,first_name,dob\nP1,Ann,1950-01-01\n", "missing required columns: last_name,"),
        (b"", "the file is empty"),
        (PATIENT_HEADER.encode() + b"\r\n", "the file has a header but no rows"),
        ((PATIENT_HEADER + "\nP1,Jos\u00e9").encode("latin-1"), "not UTF-8 text: line 2, byte "),
        (
            (PATIENT_HEADER + "\n" + ANN).encode("utf-16"),
            "the file is UTF-16 text; save it as UTF-8",
        ),
    ],
    ids=["missing columns", "empty", "header only", "latin-1", "utf-16"],
)
def test_an_unreadable_file_fails_with_one_line_and_writes_nothing(
    rxmsg: Rxmsg, content: bytes, message: str
) -> None:
    path = rxmsg.home / "patients.csv"
    path.write_bytes(content)
    result = rxmsg.run("import", "patients", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("rxmsg: cannot import patients.csv: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert rxmsg.counts() == NOTHING


def test_ten_megabytes_of_random_bytes_is_not_a_csv_file(tmp_path: Path) -> None:
    rxmsg = Rxmsg(tmp_path)  # and on a machine where rxmsg never ran
    path = rxmsg.home / "garbage.csv"
    path.write_bytes(random.Random(7).randbytes(10 * 1024 * 1024))
    result = rxmsg.run("import", "prescriptions", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("rxmsg: cannot import garbage.csv: not a CSV text file")
    assert rxmsg.counts() == NOTHING


def test_ten_megabytes_of_garbage_rows_are_capped_in_the_report(rxmsg: Rxmsg) -> None:
    # Printable noise with commas, quotes and about one line break in 128 bytes.
    alphabet = (b'abcXYZ0123456789,,,,"\t -/@.' * 10)[:254] + b"\n\n"
    noise = random.Random(11).randbytes(10 * 1024 * 1024).translate(alphabet)
    path = rxmsg.home / "garbage.csv"
    path.write_bytes(PATIENT_HEADER.encode() + b"\n" + noise)
    result = rxmsg.run("import", "patients", str(path))
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 2: ")
    assert 100 <= len(errors) < 130
    assert errors[-2].startswith("… and ") and errors[-2].endswith(" more bad rows")
    assert errors[-1].startswith("rxmsg: nothing imported: ")
    assert "Checking rows" not in result.stderr, "no progress bar when stderr is not a terminal"
    assert rxmsg.counts() == NOTHING


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "patients", "missing.csv"], "'missing.csv' does not exist"),
        (["import", "people", "x.csv"], "'people' is not one of 'patients', 'prescriptions'"),
    ],
    ids=["missing file", "unknown kind"],
)
def test_usage_errors_exit_2(rxmsg: Rxmsg, args: list[str], message: str) -> None:
    result = rxmsg.run(*args)
    assert result.returncode == 2
    assert message in result.stderr
