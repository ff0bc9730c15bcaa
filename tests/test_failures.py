"""What staff read and what the log keeps when a service call fails: one line, no patient data."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.services.errors import FieldError, NotFound
from rxmsg_tui.services.failures import describe_failure, log_failure

PATIENT = "Smith"


def _db_error(kind: type[OperationalError | IntegrityError], reason: str) -> Exception:
    """As SQLAlchemy raises it: the statement and its values ride along with the reason."""
    try:
        raise kind("UPDATE patient SET last_name=?", {"last_name": PATIENT}, Exception(reason))
    except kind as error:
        return error


def test_a_refusal_keeps_the_services_own_words() -> None:
    assert describe_failure(NotFound("patient 42 is not in this store")) == (
        "patient 42 is not in this store"
    )
    assert describe_failure(FieldError("url", "the URL must start with https://")) == (
        "the URL must start with https://"
    )
    assert describe_failure(SettingError("alerts.days: not a day")) == "alerts.days: not a day"


def test_a_locked_or_lost_database_says_so_and_nothing_else() -> None:
    locked = _db_error(OperationalError, "database is locked")
    assert describe_failure(locked) == (
        "The database could not be reached (database is locked); nothing was changed — try again"
    )
    lost = _db_error(
        OperationalError,
        'connection to server at "db" failed: FATAL:  the database system is shutting down\n'
        "DETAIL: more",
    )
    text = describe_failure(lost)
    assert text.startswith("The database could not be reached (connection to server at")
    assert len(text.splitlines()) == 1 and PATIENT not in text


def test_a_constraint_the_database_enforces_is_a_refusal_without_values() -> None:
    clash = _db_error(
        IntegrityError,
        'duplicate key value violates unique constraint "uq_review_site_name"\n'
        "DETAIL:  Key (store_id, name)=(1, Smith) already exists.",
    )
    assert describe_failure(clash) == (
        "The database refused the change (duplicate key value violates unique constraint "
        '"uq_review_site_name"); nothing was changed — try again'
    )


def test_a_password_in_a_drivers_reason_is_masked_and_long_reasons_are_cut() -> None:
    text = describe_failure(
        _db_error(OperationalError, "cannot open postgresql://rx:s3cret@db.example/rx")
    )
    assert "s3cret" not in text and "postgresql://rx:***@db.example/rx" in text
    long = describe_failure(_db_error(OperationalError, "x" * 500))
    assert "(" + "x" * 79 + "…)" in long


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (KeyError(PATIENT), "Something went wrong (KeyError); nothing was changed — "),
        (
            OSError(28, "No space left on device"),
            "The system refused (No space left on device); nothing was changed — try again",
        ),
    ],
)
def test_anything_else_is_named_by_its_type_only(error: Exception, expected: str) -> None:
    text = describe_failure(error)
    assert text.startswith(expected) and PATIENT not in text


def test_the_log_line_names_the_work_the_type_and_the_place_never_the_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("rxmsg.screens")
    caplog.set_level(logging.INFO, logger="rxmsg")
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere WHERE name = ?", (PATIENT,))
    except sqlite3.OperationalError as raw:
        log_failure(log, "listing patients", _db_error(OperationalError, str(raw)))
    log_failure(log, "saving a site", KeyError(PATIENT))
    log_failure(log, "saving a site", NotFound(f"patient {PATIENT} is not here"))
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines[0][0] == "ERROR"
    assert lines[0][1].startswith(
        "listing patients failed: OperationalError: no such table: nowhere"
    )
    assert lines[1][0] == "ERROR" and lines[1][1].startswith("saving a site failed: KeyError (at ")
    assert lines[2] == ("INFO", "saving a site refused: NotFound")
    assert not any(PATIENT in line for _, line in lines)
