"""Settings keys: locks, roles, validation, the calls-off rule and the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.settings_keys import SETTING_KEYS, SettingError
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput, PermissionDenied
from rxmsg_tui.services.store_settings import (
    change_settings,
    export_settings,
    read_settings,
    read_settings_file,
)
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AuditLog, Store
from tests.unlock_codes import SUPPORT_PUBLIC_PEM, unlock_code

KEY = SUPPORT_PUBLIC_PEM


def _change(
    db: Database, actor: Actor, clock: Clock, changes: dict[str, object], code: str | None = None
) -> list[str]:
    return change_settings(db, actor, changes, unlock_code=code, public_key=KEY, now=clock.now())


def _audit(db: Database) -> list[AuditLog]:
    with db.read() as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.id)))


def test_every_documented_key_is_shown(db: Database, store: Store, admin: Actor) -> None:
    values = read_settings(db, admin.store_id)
    assert list(values) == list(SETTING_KEYS)
    assert values["store.name"] == "Main Street Pharmacy"
    assert values["alerts.days"] == ["mon", "tue", "wed", "thu", "fri", "sat"]


def test_an_unlocked_key_changes_and_is_audited(db: Database, admin: Actor, clock: Clock) -> None:
    assert _change(db, admin, clock, {"store.phone": "(555) 010-3000", "setup.ivr_port": 6000}) == [
        "store.phone",
        "setup.ivr_port",
    ]
    values = read_settings(db, admin.store_id)
    assert values["store.phone"] == "(555) 010-3000"
    rows = [(a.username, a.target, a.before, a.after) for a in _audit(db)]
    assert ("alice", "store.phone", '"(555) 010-2000"', '"(555) 010-3000"') in rows
    assert ("alice", "setup.ivr_port", "5060", "6000") in rows


def test_alert_keys_need_a_valid_unlock_code(db: Database, admin: Actor, clock: Clock) -> None:
    change = {"alerts.refill.channels": ["sms", "email"], "defaults.refill.channels": ["sms"]}
    with pytest.raises(PermissionDenied, match="locked"):
        _change(db, admin, clock, change)
    with pytest.raises(PermissionDenied, match="not an unlock code"):
        _change(db, admin, clock, change, "WRONG")
    expired = unlock_code("TEST", expires_at=datetime.now(UTC) - timedelta(minutes=4))
    with pytest.raises(PermissionDenied, match="expired"):
        _change(db, admin, clock, change, expired)
    other_store = unlock_code("ELM")
    with pytest.raises(PermissionDenied, match="not valid for store TEST"):
        _change(db, admin, clock, change, other_store)
    assert read_settings(db, admin.store_id)["alerts.refill.channels"] == []
    assert _audit(db) == []

    code = unlock_code("TEST")
    assert _change(db, admin, clock, change, code) == list(change)
    values = read_settings(db, admin.store_id)
    assert values["alerts.refill.channels"] == ["email", "sms"]
    assert values["defaults.refill.channels"] == ["sms"]
    assert [a.target for a in _audit(db)] == list(change)


def test_setting_a_locked_key_to_its_current_value_needs_no_code(
    db: Database, admin: Actor, clock: Clock
) -> None:
    assert _change(db, admin, clock, {"alerts.refill.before_days": 3}) == []


def test_technicians_cannot_change_setup(db: Database, admin: Actor, clock: Clock) -> None:
    tech = Actor(admin.store_id, admin.store_code, "tom", Role.TECHNICIAN)
    with pytest.raises(PermissionDenied, match="technician"):
        _change(db, tech, clock, {"store.name": "Elm Pharmacy"})


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("store.timezone", "Mars/Olympus", "unknown time zone"),
        ("setup.ivr_port", 70000, "between 1 and 65535"),
        ("setup.ivr_host", "not a host!", "neither an IP address nor a computer name"),
        ("setup.sms_using", "pigeon", "must be one of"),
        ("alerts.email_sms_window", "19:00-09:00", "start before it ends"),
        ("alerts.days", ["mon", "funday"], "'funday' is not one of"),
        ("alerts.general.channels", ["call"], "'call' is not one of email, sms"),
        ("alerts.pickup.followup_days", [3, 3], "appears twice"),
        ("alerts.refill.when_due", "yes", "expected true or false"),
        ("nothing.here", 1, "unknown settings key"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(
    db: Database, admin: Actor, clock: Clock, key: str, value: object, words: str
) -> None:
    code = unlock_code("TEST")
    with pytest.raises(SettingError, match=words):
        _change(db, admin, clock, {key: value}, code)


def test_calls_cannot_be_switched_off_while_an_alert_uses_them(
    db: Database, admin: Actor, clock: Clock
) -> None:
    code = unlock_code("TEST")
    _change(db, admin, clock, {"setup.call_using": "ivr", "alerts.pickup.channels": ["call"]}, code)
    with pytest.raises(SettingError, match=r"switched off while alerts\.pickup\.channels"):
        _change(db, admin, clock, {"setup.call_using": "none"})
    code = unlock_code("TEST")  # each code unlocks once
    _change(db, admin, clock, {"alerts.pickup.channels": [], "setup.call_using": "none"}, code)
    assert read_settings(db, admin.store_id)["setup.call_using"] == "none"


def test_a_failed_change_writes_nothing(db: Database, admin: Actor, clock: Clock) -> None:
    with pytest.raises(SettingError):
        _change(db, admin, clock, {"store.name": "Elm Pharmacy", "setup.ivr_port": 0})
    assert read_settings(db, admin.store_id)["store.name"] == "Main Street Pharmacy"
    assert _audit(db) == []


def test_export_then_import_round_trips(
    db: Database, store: Store, admin: Actor, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "settings.json"
    export_settings(db, store, path)
    document = json.loads(path.read_text())
    assert document["store"] == "TEST"
    document["settings"]["store.name"] = "Elm Street Pharmacy"
    path.write_text(json.dumps(document))
    assert _change(db, admin, clock, read_settings_file(path)) == ["store.name"]


def test_a_new_stores_export_imports_back_though_its_phone_is_still_empty(
    db: Database, admin: Actor, clock: Clock, tmp_path: Path
) -> None:
    with db.transaction() as session:
        blank = session.get(Store, admin.store_id)
        assert blank is not None
        blank.phone = ""  # as a new database's store is until setup fills it in
        session.add(blank)
    with db.read() as session:
        blank = session.get(Store, admin.store_id)
        assert blank is not None
    export_settings(db, blank, tmp_path / "settings.json")
    assert _change(db, admin, clock, read_settings_file(tmp_path / "settings.json")) == []
    with pytest.raises(SettingError, match=r"store\.phone"):
        _change(db, admin, clock, {"store.phone": "12"})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"{not json", "not JSON: line 1"),
        (b'{"settings": {}}', "not an rxmsg settings export"),
        (b'{"format": "rxmsg-settings", "version": 9, "settings": {}}', "version 9"),
        (
            b'{"format": "rxmsg-settings", "version": 1, "settings": {"x.y": 1}}',
            "unknown settings key 'x.y'",
        ),
    ],
)
def test_a_bad_settings_file_is_refused(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=words):
        read_settings_file(path)
