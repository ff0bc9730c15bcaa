"""Store setup and alert settings under their stable keys, with locks and an audit trail.

`rxmsg settings`, the setup screens and JSON export/import all come through
here: technicians change nothing, locked keys (alerts, patient defaults) need a
valid support unlock code, and every changed key is audit-logged with its value
before and after, in the same transaction as the change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from rxmsg_tui.domain import json_nesting
from rxmsg_tui.domain.safe_text import shown
from rxmsg_tui.domain.settings_keys import SETTING_KEYS, SettingError, calls_in_use, validate
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import InvalidInput, NotFound, PermissionDenied
from rxmsg_tui.services.printing import open_private
from rxmsg_tui.services.support import UnlockGrant, check_unlock
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import AlertSettings, OutboundSetup, Store
from rxmsg_tui.storage.queries import alert_settings_or_none

EXPORT_FORMAT = "rxmsg-settings"
EXPORT_VERSION = 1
MAX_IMPORT_BYTES = 1_000_000
"""An export is a few kilobytes; a bigger file is the wrong file (or /dev/zero)."""


@dataclass(frozen=True)
class _Rows:
    store: Store
    setup: OutboundSetup
    alerts: AlertSettings


def read_settings(db: Database, store_id: int) -> dict[str, Any]:
    """Every key with its current value, in the order of DESIGN.md §8."""
    with db.read() as session:
        rows = _load(session, store_id)
        return {key: _get(rows, key) for key in SETTING_KEYS}


def change_settings(
    db: Database,
    actor: Actor,
    changes: dict[str, Any],
    *,
    unlock_code: str | UnlockGrant | None,
    public_key: str | None,
    now: datetime,
) -> list[str]:
    """Apply `changes` all or nothing; returns the keys whose value actually changed.

    Locked keys need `unlock_code`: a code typed with the command is used up
    by this change (and stays unused if the change is refused), a grant from
    the unlocked Alert Settings screen is checked to be still valid.
    """
    if not actor.role.may_change_setup:
        raise PermissionDenied(f"{actor.username} is a technician; technicians cannot change setup")
    current = read_settings(db, actor.store_id)
    # A value given as it already is changes nothing, so it is not checked again:
    # an export of a new store (empty phone) imports back as it was.
    normalised = {
        key: validate(key, value)
        for key, value in changes.items()
        if key not in current or value != current[key]
    }
    with db.transaction() as session:
        rows = _load(session, actor.store_id)
        before = {key: _get(rows, key) for key in SETTING_KEYS}
        changed = [key for key, value in normalised.items() if before[key] != value]
        admin_only = [key for key in changed if SETTING_KEYS[key].admin_only]
        if admin_only and actor.role is not Role.ADMIN:
            raise PermissionDenied(f"{admin_only[0]}: only an admin can change it")
        locked = [key for key in changed if SETTING_KEYS[key].locked]
        if locked:
            if not unlock_code:
                raise PermissionDenied(
                    f"{locked[0]} is locked; changing alert settings or patient defaults needs "
                    "--unlock CODE from rxmsg support"
                )
            check_unlock(session, actor, unlock_code, public_key=public_key)
        _check_consistency(before | normalised, changed)
        for key in changed:
            _set(rows, key, normalised[key])
            audit.record(
                session,
                actor,
                "settings.set",
                at=now,
                target=key,
                before=before[key],
                after=normalised[key],
            )
        for row in (rows.store, rows.setup, rows.alerts):
            session.add(row)
        return changed


def change_settings_for(
    ctx: AppContext, changes: dict[str, Any], *, unlock_code: str | UnlockGrant | None = None
) -> list[str]:
    """`change_settings` by the signed-in user, now, with this store's support public key."""
    return change_settings(
        ctx.db,
        ctx.actor,
        changes,
        unlock_code=unlock_code,
        public_key=ctx.settings.support_public_key,
        now=ctx.clock.now(),
    )


def export_settings(db: Database, store: Store, path: Path) -> None:
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "store": store.code,
        "settings": read_settings(db, _id(store)),
    }
    try:
        with open_private(path) as out:  # the store's setup is nobody else's to read
            out.write(json.dumps(document, indent=2) + "\n")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None


def read_settings_file(path: Path) -> dict[str, Any]:
    """The `settings` object of an export file, checked for shape; values are checked on apply."""
    try:
        with path.open("rb") as binary:
            data = binary.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput(f"{path} is too large to be a settings export")
        document = json_nesting.loads(data.decode("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidInput(
            f'{path} is not an rxmsg settings export (no "format": "{EXPORT_FORMAT}")'
        )
    if document.get("version") != EXPORT_VERSION:
        raise InvalidInput(
            f"{path}: settings export version {shown(repr(document.get('version')))} "
            "is not supported"
        )
    values = document.get("settings")
    if not isinstance(values, dict):
        raise InvalidInput(f'{path}: "settings" must be an object of key: value')
    unknown = [key for key in values if key not in SETTING_KEYS]
    if unknown:
        raise InvalidInput(f"{path}: unknown settings key {shown(repr(unknown[0]))}")
    return values


def _check_consistency(values: dict[str, Any], changed: list[str]) -> None:
    """Calls need a transport: the legacy refuses to switch calls off while an alert uses them."""
    users = calls_in_use(values)
    if values["setup.call_using"] != "none" or not users:
        return
    if "setup.call_using" in changed:
        raise SettingError(
            f"setup.call_using: Outbound Calls cannot be switched off while {users[0]} "
            "still uses call; remove call there first"
        )
    raise SettingError(
        f"{users[0]}: calls cannot be sent while setup.call_using is none; "
        "choose a call transport in Outbound Messaging Setup first"
    )


def _load(session: Session, store_id: int) -> _Rows:
    store = session.get(Store, store_id)
    setup = session.exec(select(OutboundSetup).where(OutboundSetup.store_id == store_id)).first()
    alerts = alert_settings_or_none(session, store_id)
    if store is None or setup is None or alerts is None:
        raise NotFound(f"store {store_id} has no setup rows; the database is incomplete")
    return _Rows(store, setup, alerts)


def _target(rows: _Rows, key: str) -> tuple[SQLModel, str]:
    """The row and attribute behind a key: alerts.refill.before_days → alerts.refill_before_days."""
    section, rest = key.split(".", 1)
    if section == "store":
        return rows.store, rest
    if section == "setup":
        return rows.setup, rest
    if section == "alerts":
        return rows.alerts, rest.replace(".", "_")
    if key == "defaults.apply_on":
        return rows.alerts, "defaults_apply_on"
    if key == "inbound.poll_seconds":
        return rows.setup, "inbound_poll_seconds"
    if key == "sending.max_per_second":
        return rows.setup, "max_per_second"
    raise KeyError(key)


def _get(rows: _Rows, key: str) -> Any:
    if key.startswith("defaults.") and key.endswith(".channels"):
        return list(rows.alerts.defaults.get(key.split(".")[1], []))
    row, attr = _target(rows, key)
    value = getattr(row, attr)
    if isinstance(value, date):
        return value.isoformat()  # as JSON and `settings set` write it
    return list(value) if isinstance(value, list) else value


def _set(rows: _Rows, key: str, value: Any) -> None:
    if key.startswith("defaults.") and key.endswith(".channels"):
        # A new dict, so SQLAlchemy sees the JSON column change.
        rows.alerts.defaults = {**rows.alerts.defaults, key.split(".")[1]: value}
        return
    row, attr = _target(rows, key)
    if key == "store.go_live":
        value = None if value is None else date.fromisoformat(value)
    setattr(row, attr, value)


def _id(store: Store) -> int:
    assert store.id is not None
    return store.id
