"""`rxmsg queue` names the patient of each message and reads days as 03/02/2026 beside ISO."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli_runner import Rxmsg, assert_clean_failure
from tests.cli_store import StockedPatient, copy_of, stocked_store


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stocked_store(
        tmp_path_factory.mktemp("prepared"),
        (StockedPatient("P1", consent=True, is_new=True),),
        general_channels=True,
    )


@pytest.fixture
def rxmsg(prepared: Path, tmp_path: Path) -> Rxmsg:
    return copy_of(prepared, tmp_path)


def test_the_queue_names_the_patient_and_reads_us_days(rxmsg: Rxmsg) -> None:
    sent = rxmsg("send", "--patient", "P1", "--method", "sms", "--body", "Hello")
    assert sent.returncode == 0, sent.stderr
    listed = json.loads(
        rxmsg("queue", "--from", "03/02/2026", "--to", "3/2/2026", "--format", "json").stdout
    )
    assert [(m["patient_id"], m["patient_name"]) for m in listed] == [("P1", "Ana Lopez")]
    assert listed[0]["entity_name"] == "Ana Lopez"  # the stable key is unchanged
    rows = list(csv.DictReader(io.StringIO(rxmsg("queue", "--format", "csv").stdout)))
    assert rows[0]["patient_name"] == "Ana Lopez"
    assert json.loads(rxmsg("queue", "--from", "03/03/2026", "--format", "json").stdout) == []
    table = rxmsg("queue", "--from", "2026-03-02").stdout.splitlines()
    assert "Ana Lopez" in table[1] and all(len(line) <= 80 for line in table)


@pytest.mark.parametrize("day", ["02/30/2026", "13/01/2026", "2026-3-2", "yesterday"])
def test_a_day_that_cannot_be_read_fails_in_one_line(rxmsg: Rxmsg, day: str) -> None:
    result = rxmsg("queue", "--to", day)
    assert_clean_failure(result, code=2)
    assert f"{day} is not a date: type it as MM/DD/YYYY or YYYY-MM-DD" in result.stderr
