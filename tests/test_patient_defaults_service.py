"""Patient defaults: Update All in set-based chunks and one transaction, one patient on consent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import patient_defaults
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import PermissionDenied, ServiceError
from rxmsg_tui.services.patient_defaults import (
    apply_defaults_to_patient,
    count_patients,
    default_prefs,
    update_all,
)
from rxmsg_tui.services.store_settings import change_settings
from rxmsg_tui.services.stores import create_store
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, PatientMessagePrefs, Store
from tests.conftest import NOW
from tests.tui.seed import insert_patients, insert_prefs, numbered_patients
from tests.unlock_codes import SUPPORT_PUBLIC_PEM, unlock_code

KEY = SUPPORT_PUBLIC_PEM
DEFAULTS = {
    "defaults.refill.channels": ["email", "sms"],
    "defaults.pickup.channels": ["sms"],
    "defaults.birthday.channels": ["email", "call"],
}

Prefs = set[tuple[int, str, bool, bool, bool]]


def code(clock: Clock, store: str = "TEST") -> str:
    """A fresh code: each is used up by the change it unlocks."""
    return unlock_code(store)


def set_defaults(db: Database, admin: Actor, clock: Clock) -> None:
    change_settings(db, admin, DEFAULTS, unlock_code=code(clock), public_key=KEY, now=NOW)


def prefs(db: Database, store_id: int) -> Prefs:
    with db.read() as session:
        rows = session.exec(
            select(PatientMessagePrefs).where(PatientMessagePrefs.store_id == store_id)
        )
        return {(p.patient_id, p.alert, p.email, p.sms, p.call) for p in rows}


def expected(patients: list[int]) -> Prefs:
    return {
        (pk, alert, *flags)
        for pk in patients
        for alert, flags in (
            ("birthday", (True, False, True)),
            ("pickup", (False, True, False)),
            ("refill", (True, True, False)),
        )
    }


def run(db: Database, actor: Actor, clock: Clock, **extra: Any) -> int:
    return update_all(db, actor, unlock_code=code(clock), public_key=KEY, now=NOW, **extra)


def test_the_mapping_is_one_row_per_alert_with_a_default() -> None:
    assert default_prefs({"refill": ["sms"], "nonsense": ["sms"], "welcome": "sms"}) == {
        "refill": {"email": False, "sms": True, "call": False}
    }


def test_update_all_replaces_every_patients_settings_in_chunks_and_audits_once(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    assert store.id is not None
    ids = insert_patients(db, store.id, numbered_patients(5))
    first = ids["P00001"]
    insert_prefs(db, store.id, first, "refill", "call")
    insert_prefs(db, store.id, first, "welcome", "email")  # no default for welcome: removed
    with db.transaction() as session:
        other = create_store(
            session, code="ELM", name="Elm", phone="5550100", timezone="UTC", now=NOW
        )
    assert other.id is not None
    elsewhere = insert_patients(db, other.id, numbered_patients(2))
    insert_prefs(db, other.id, elsewhere["P00001"], "refill", "call")
    set_defaults(db, admin, clock)
    assert count_patients(db, store.id) == 5

    seen: list[tuple[int, int]] = []
    done = run(db, admin, clock, chunk=2, progress=lambda d, t: seen.append((d, t)))

    assert done == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert prefs(db, store.id) == expected(list(ids.values()))
    assert prefs(db, other.id) == {(elsewhere["P00001"], "refill", False, False, True)}
    with db.read() as session:
        audit = session.exec(
            select(AuditLog).where(AuditLog.action == "patient_defaults.update_all")
        ).one()
    assert (audit.username, audit.target) == ("alice", "5 patients")
    assert json.loads(audit.after or "") == {
        "patients": 5,
        "apply_on": "new_patient",
        "defaults": {"birthday": ["email", "call"], "pickup": ["sms"], "refill": ["email", "sms"]},
    }


def test_update_all_is_set_based_its_statements_do_not_grow_with_patients(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    """200,000 patients must not mean 200,000 statements: count them per chunk."""
    assert store.id is not None
    insert_patients(db, store.id, numbered_patients(900))
    set_defaults(db, admin, clock)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert run(db, admin, clock, chunk=300) == 900
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    inserts = [s for s in statements if "INSERT INTO patient_message_prefs" in s]
    assert len(inserts) == 3 * 3, "one insert…select per alert per chunk"
    assert len(statements) < 40
    assert len(prefs(db, store.id)) == 900 * 3


def test_a_failure_part_way_rolls_every_patient_back(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    assert store.id is not None
    ids = insert_patients(db, store.id, numbered_patients(4))
    insert_prefs(db, store.id, ids["P00001"], "refill", "call")
    set_defaults(db, admin, clock)

    def fail_after_first_chunk(done: int, total: int) -> None:
        if done == 2:
            raise RuntimeError("the terminal lost power")

    with pytest.raises(RuntimeError):
        run(db, admin, clock, chunk=2, progress=fail_after_first_chunk)
    assert prefs(db, store.id) == {(ids["P00001"], "refill", False, False, True)}
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(AuditLog)).one() == len(DEFAULTS)


def test_update_all_needs_a_valid_unlock_code_and_no_technician(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    assert store.id is not None
    insert_patients(db, store.id, numbered_patients(2))
    with pytest.raises(PermissionDenied, match="needs a support unlock code"):
        update_all(db, admin, unlock_code=None, public_key=KEY, now=NOW)
    expired = unlock_code("TEST", expires_at=datetime.now(UTC) - timedelta(minutes=4))
    with pytest.raises(PermissionDenied, match="expired"):
        update_all(db, admin, unlock_code=expired, public_key=KEY, now=NOW)
    with pytest.raises(PermissionDenied, match="not valid for store TEST"):
        update_all(db, admin, unlock_code=code(clock, "ELM"), public_key=KEY, now=NOW)
    technician = Actor(store.id, store.code, "tom", Role.TECHNICIAN)
    with pytest.raises(PermissionDenied, match="tom is a technician"):
        run(db, technician, clock)
    assert prefs(db, store.id) == set()


def test_a_store_without_patients_updates_none(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    seen: list[tuple[int, int]] = []
    assert run(db, admin, clock, progress=lambda d, t: seen.append((d, t))) == 0
    assert seen == []


def test_one_patient_takes_the_defaults_on_consent(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    assert store.id is not None
    ids = insert_patients(db, store.id, numbered_patients(2))
    first, second = ids["P00001"], ids["P00002"]
    insert_prefs(db, store.id, first, "welcome", "sms")
    insert_prefs(db, store.id, second, "refill", "call")
    set_defaults(db, admin, clock)
    with db.transaction() as session:
        assert apply_defaults_to_patient(session, store.id, first) == 3
    assert prefs(db, store.id) == expected([first]) | {(second, "refill", False, False, True)}
    with db.read() as session:
        ordered = session.exec(select(PatientMessagePrefs).order_by(col(PatientMessagePrefs.id)))
        assert len(list(ordered)) == 4


def test_a_database_error_is_reported_in_words_and_nothing_changes(
    db: Database, store: Store, admin: Actor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.id is not None
    insert_patients(db, store.id, numbered_patients(3))
    set_defaults(db, admin, clock)

    def lock_timeout(*args: object) -> int:
        raise OperationalError("DELETE …", {}, Exception("canceling statement due to lock timeout"))

    monkeypatch.setattr(patient_defaults, "_replace_prefs", lock_timeout)
    with pytest.raises(ServiceError) as refused:
        run(db, admin, clock)
    assert str(refused.value) == (
        "the database refused the update (canceling statement due to lock timeout); "
        "no patient was changed"
    )
    assert prefs(db, store.id) == set()


def test_without_any_default_every_patients_settings_are_cleared(
    db: Database, store: Store, admin: Actor, clock: Clock
) -> None:
    assert store.id is not None
    ids = insert_patients(db, store.id, numbered_patients(2))
    insert_prefs(db, store.id, ids["P00001"], "refill", "sms")
    insert_prefs(db, store.id, ids["P00002"], "welcome", "email", "call")
    assert run(db, admin, clock) == 2
    assert prefs(db, store.id) == set()
